/**
 * `useFAPI2SecurityProfile` / `useFAPI2MessageSigning` against forged responses from the hostile
 * server: each rule with a valid response accepted and its forgery refused with a typed error,
 * before the next request is sent. The real-provider side is test/e2e/fapi2-profile.test.ts.
 */
import assert from 'node:assert/strict'
import { before, describe, it } from 'node:test'

import * as jose from 'jose'
import * as client from 'openid-rp'

import {
  type Claims,
  corruptSignature,
  epoch,
  sign,
  type SigningKey,
  signingKey,
} from '../support/forge.ts'
import {
  callback,
  CLIENT_ID,
  type HostileServer,
  reply,
  rejects,
  ROUTES,
  useHostileServer,
} from '../support/hostile.ts'
import type { Client } from '../support/implementations.ts'
import { assertArgumentError } from '../support/transport.ts'

const NONCE = 'nonce-of-the-fapi2-tests'
const STATE = 'state-of-the-fapi2-tests'
const VERIFIER = 'a-pkce-code-verifier-of-the-fapi2-tests-0123456789abcdef'

describe('openid-rp: FAPI 2.0 profile against forged responses', () => {
  let rp: Client
  let as: HostileServer
  let clientKey: CryptoKey
  let ps256: SigningKey
  let DPoPKeys: CryptoKeyPair

  useHostileServer(
    { name: 'openid-rp', load: async () => client as unknown as Client },
    (suite) => ({ client: rp, as } = suite),
  )

  before(async () => {
    ;({ privateKey: clientKey } = await jose.generateKeyPair('ES256'))
    ps256 = await signingKey('PS256', 'ps-1')
    DPoPKeys = await client.randomDPoPKeyPair('ES256')
  })

  /** RFC 9207 support is not advertised: the profile requires `iss` regardless. */
  const FAPI_METADATA: Claims = {
    id_token_signing_alg_values_supported: ['ES256', 'PS256', 'RS256'],
    tls_client_certificate_bound_access_tokens: true,
  }

  async function configure(
    execute: Array<(config: client.Configuration) => void> = [client.useFAPI2SecurityProfile],
    options: {
      metadata?: Claims
      client?: Partial<client.ClientMetadata>
      auth?: client.ClientAuth
    } = {},
  ): Promise<client.Configuration> {
    as.metadataOverrides = { ...FAPI_METADATA, ...options.metadata }
    return client.discovery(
      new URL(as.issuer),
      CLIENT_ID,
      { id_token_signed_response_alg: 'ES256', ...options.client },
      options.auth ?? client.PrivateKeyJwt(clientKey),
      { execute: [client.allowInsecureRequests, ...execute] },
    )
  }

  /** Answers the token endpoint with a DPoP access token and `extra` (an ID Token, …). */
  function tokens(extra: Claims = {}) {
    as.on(ROUTES.token, (_, server) =>
      reply.json(server.tokenResponse({ token_type: 'DPoP', ...extra })),
    )
  }

  const idToken = (claims: Claims = {}, key: SigningKey = as.keys.ec) =>
    as.idToken({ nonce: NONCE, ...claims }, key)

  async function grant(
    config: client.Configuration,
    params: Record<string, string | undefined> = {},
    checks: client.AuthorizationCodeGrantChecks = {},
  ) {
    return client.authorizationCodeGrant(
      config,
      callback({ code: 'code-1', state: STATE, iss: as.issuer, ...params }),
      { pkceCodeVerifier: VERIFIER, expectedState: STATE, expectedNonce: NONCE, ...checks },
      undefined,
      { DPoP: client.getDPoPHandle(config, DPoPKeys) },
    )
  }

  describe('RFC 9207 iss (§5.3.2.2)', () => {
    it('authorizationCodeGrant() accepts a response with iss and a DPoP-bound token (control)', async () => {
      tokens({ id_token: await idToken() })
      const result = await grant(await configure())
      assert.equal(result.token_type, 'dpop')
    })

    it('authorizationCodeGrant() refuses a response without iss, sending no token request', async () => {
      const err = await rejects(
        rp,
        grant(await configure(), { iss: undefined }),
        'ClientError',
        'OAUTH_INVALID_RESPONSE',
      )
      assert.match(err.message, /no "iss" parameter/)
      assert.equal(as.count(ROUTES.token), 0)
    })
  })

  describe('sender-constrained tokens: DPoP', () => {
    it('authorizationCodeGrant() refuses a Bearer token after a DPoP proof was sent', async () => {
      as.on(ROUTES.token, async (_, server) =>
        reply.json(server.tokenResponse({ id_token: await idToken() })),
      )
      const err = await rejects(
        rp,
        grant(await configure()),
        'ClientError',
        'OAUTH_INVALID_RESPONSE',
      )
      assert.match(err.message, /"bearer" access token, which is not sender-constrained/)
      assert.ok(as.received(ROUTES.token)[0]!.headers.get('dpop'), 'a proof was sent')
    })

    it('refreshTokenGrant() refuses a Bearer token after a DPoP proof was sent, and accepts DPoP', async () => {
      const config = await configure()
      const DPoP = client.getDPoPHandle(config, DPoPKeys)
      await rejects(
        rp,
        client.refreshTokenGrant(config, 'refresh-token-1', undefined, { DPoP }),
        'ClientError',
        'OAUTH_INVALID_RESPONSE',
      )
      tokens()
      const result = await client.refreshTokenGrant(config, 'refresh-token-1', undefined, { DPoP })
      assert.equal(result.token_type, 'dpop')
    })

    it('clientCredentialsGrant() without a DPoP handle is refused before sending', async () => {
      const err = await rejects(
        rp,
        client.clientCredentialsGrant(await configure()),
        'TypeError',
        'ERR_INVALID_ARG_VALUE',
      )
      assert.match(err.message, /senderConstraint "dpop"/)
      assert.equal(as.count(ROUTES.token), 0)
    })
  })

  describe('sender-constrained tokens: mTLS', () => {
    const mtls = (thumbprint?: string) => [
      client.useFAPI2SecurityProfile({
        senderConstraint: 'mtls',
        certificateThumbprint: thumbprint,
      }),
    ]
    const tlsAuth = {
      client: { token_endpoint_auth_method: 'tls_client_auth' },
      auth: client.TlsClientAuth(),
    }
    const jwtAccessToken = (claims: Claims) =>
      sign({ iss: as.issuer, sub: 'user-1', exp: epoch() + 60, ...claims }, as.keys.ec, {
        typ: 'at+jwt',
      })

    it('clientCredentialsGrant() accepts an opaque or a certificate-bound JWT access token (control)', async () => {
      const config = await configure(mtls('thumbprint-1'), tlsAuth)
      assert.equal((await client.clientCredentialsGrant(config)).access_token, 'access-token-1')
      const bound = await jwtAccessToken({ cnf: { 'x5t#S256': 'thumbprint-1' } })
      as.on(ROUTES.token, (_, server) => reply.json(server.tokenResponse({ access_token: bound })))
      assert.equal((await client.clientCredentialsGrant(config)).access_token, bound)
    })

    it('clientCredentialsGrant() refuses a JWT access token without cnf x5t#S256', async () => {
      const unbound = await jwtAccessToken({})
      as.on(ROUTES.token, (_, server) =>
        reply.json(server.tokenResponse({ access_token: unbound })),
      )
      const config = await configure(mtls(), tlsAuth)
      const err = await rejects(
        rp,
        client.clientCredentialsGrant(config),
        'ClientError',
        'OAUTH_INVALID_RESPONSE',
      )
      assert.match(err.message, /no "cnf" "x5t#S256" certificate binding/)
    })

    it('clientCredentialsGrant() refuses a JWT access token bound to another certificate', async () => {
      const other = await jwtAccessToken({ cnf: { 'x5t#S256': 'thumbprint-2' } })
      as.on(ROUTES.token, (_, server) => reply.json(server.tokenResponse({ access_token: other })))
      const config = await configure(mtls('thumbprint-1'), tlsAuth)
      await rejects(
        rp,
        client.clientCredentialsGrant(config),
        'ClientError',
        'OAUTH_INVALID_RESPONSE',
      )
    })

    it('clientCredentialsGrant() refuses a server that does not advertise certificate-bound tokens, sending nothing', async () => {
      const config = await configure(mtls(), {
        ...tlsAuth,
        metadata: { tls_client_certificate_bound_access_tokens: undefined },
      })
      await rejects(
        rp,
        client.clientCredentialsGrant(config),
        'ClientError',
        'OAUTH_INVALID_SERVER_METADATA',
      )
      assert.equal(as.count(ROUTES.token), 0)
    })
  })

  describe('ID Token signatures verified, PS256/ES256/EdDSA only (§5.4.1)', () => {
    it('authorizationCodeGrant() accepts ES256 and PS256 ID Tokens, fetching the JWKS to verify them', async () => {
      as.jwks = [...as.jwks, ps256.jwk]
      tokens({ id_token: await idToken({}, ps256) })
      const config = await configure([client.useFAPI2SecurityProfile], {
        client: { id_token_signed_response_alg: 'PS256' },
      })
      assert.equal((await grant(config)).claims()?.sub, 'user-1')
      assert.equal(as.count(ROUTES.jwks), 1)
    })

    it('authorizationCodeGrant() refuses an ID Token with a bad signature', async () => {
      tokens({ id_token: corruptSignature(await idToken()) })
      await rejects(rp, grant(await configure()), 'ClientError', 'OAUTH_INVALID_RESPONSE')
    })

    it('authorizationCodeGrant() refuses a validly signed RS256 ID Token', async () => {
      tokens({ id_token: await idToken({}, as.keys.rsa) })
      const config = await configure([client.useFAPI2SecurityProfile], {
        client: { id_token_signed_response_alg: 'RS256' },
      })
      const err = await rejects(rp, grant(config), 'ClientError', 'OAUTH_INVALID_RESPONSE')
      assert.match(err.message, /ID Token is signed with "RS256"/)
    })

    it('fetchUserInfo() refuses signed UserInfo with RS256 and accepts ES256', async () => {
      const config = await configure()
      const DPoP = client.getDPoPHandle(config, DPoPKeys)
      as.on(ROUTES.userinfo, async (_, server) =>
        reply.jwt(await sign(server.userinfoClaims(), server.keys.ec)),
      )
      assert.equal((await client.fetchUserInfo(config, 'at', 'user-1', { DPoP })).sub, 'user-1')
      as.on(ROUTES.userinfo, async (_, server) =>
        reply.jwt(await sign(server.userinfoClaims(), server.keys.rsa)),
      )
      await rejects(
        rp,
        client.fetchUserInfo(config, 'at', 'user-1', { DPoP }),
        'ClientError',
        'OAUTH_INVALID_RESPONSE',
      )
    })

    it('buildAuthorizationUrlWithJAR() refuses to sign a request object with RS256', async () => {
      const { privateKey } = await jose.generateKeyPair('RS256')
      const config = await configure()
      const err = await rejects(
        rp,
        client.buildAuthorizationUrlWithJAR(
          config,
          { code_challenge: 'x'.repeat(43), code_challenge_method: 'S256' },
          privateKey,
        ),
        'TypeError',
        'ERR_INVALID_ARG_VALUE',
      )
      assert.match(err.message, /request object is signed with "RS256"/)
    })
  })

  describe('client authentication: private_key_jwt and mTLS only (§5.3.2.1)', () => {
    for (const [title, auth, reason] of [
      ['client_secret_post', client.ClientSecretPost('s3cr3t-0123456789'), /not a client secret/],
      ['client_secret_basic', client.ClientSecretBasic('s3cr3t-0123456789'), /not a client secret/],
      [
        'client_secret_jwt (HS256)',
        client.ClientSecretJwt('s3cr3t-0123456789abcdefghijklmnopqrstuv'),
        /"HS256"/,
      ],
      ['None', client.None(), /register "token_endpoint_auth_method" tls_client_auth/],
    ] as const) {
      it(`a token request with ${title} is refused before sending`, async () => {
        const config = await configure([client.useFAPI2SecurityProfile], { auth })
        const DPoP = client.getDPoPHandle(config, DPoPKeys)
        const err = await rejects(
          rp,
          client.refreshTokenGrant(config, 'refresh-token-1', undefined, { DPoP }),
          'TypeError',
          'ERR_INVALID_ARG_VALUE',
        )
        assert.match(err.message, reason)
        assert.equal(as.count(ROUTES.token), 0)
      })
    }

    it('a token request with private_key_jwt (ES256) is sent (control)', async () => {
      tokens()
      const config = await configure()
      const DPoP = client.getDPoPHandle(config, DPoPKeys)
      await client.refreshTokenGrant(config, 'refresh-token-1', undefined, { DPoP })
      const assertion = as.received(ROUTES.token)[0]!.form.get('client_assertion')!
      assert.equal(jose.decodeProtectedHeader(assertion).alg, 'ES256')
    })
  })

  describe('PKCE and max_age (§5.3.2.2)', () => {
    it('authorizationCodeGrant() without a code verifier is refused before sending', async () => {
      const config = await configure()
      await rejects(
        rp,
        grant(config, {}, { pkceCodeVerifier: undefined }),
        'TypeError',
        'ERR_INVALID_ARG_VALUE',
      )
      assert.equal(as.count(ROUTES.token), 0)
    })

    async function pushWithMaxAge(config: client.Configuration) {
      await client.buildAuthorizationUrlWithPAR(
        config,
        {
          redirect_uri: 'https://rp.example.com/cb',
          code_challenge: await client.calculatePKCECodeChallenge(VERIFIER),
          code_challenge_method: 'S256',
          max_age: '60',
        },
        { DPoP: client.getDPoPHandle(config, DPoPKeys) },
      )
    }

    it('authorizationCodeGrant() checks auth_time against a pushed max_age it was not given', async () => {
      const config = await configure()
      await pushWithMaxAge(config)
      tokens({ id_token: await idToken({ auth_time: epoch() - 3600 }) })
      await rejects(rp, grant(config), 'ClientError', 'OAUTH_JWT_TIMESTAMP_CHECK_FAILED')
    })

    it('authorizationCodeGrant() requires auth_time after a pushed max_age', async () => {
      const config = await configure()
      await pushWithMaxAge(config)
      tokens({ id_token: await idToken() })
      await rejects(rp, grant(config), 'ClientError', 'OAUTH_INVALID_RESPONSE')
    })

    it('authorizationCodeGrant() accepts a recent auth_time after a pushed max_age (control)', async () => {
      const config = await configure()
      await pushWithMaxAge(config)
      tokens({ id_token: await idToken({ auth_time: epoch() - 10 }) })
      assert.equal((await grant(config)).claims()?.sub, 'user-1')
    })
  })

  describe('useFAPI2MessageSigning()', () => {
    const signing = () => [
      client.useJwtResponseMode,
      client.useFAPI2SecurityProfile,
      client.useFAPI2MessageSigning,
    ]

    it('authorizationCodeGrant() accepts an ES256 JARM response and refuses an RS256 one', async () => {
      tokens({ id_token: await idToken() })
      const config = await configure(signing(), {
        client: { authorization_signed_response_alg: undefined },
        metadata: { authorization_signing_alg_values_supported: ['ES256', 'RS256'] },
      })
      const jarm = (key: SigningKey) => sign(as.jarmClaims({ state: STATE, code: 'code-1' }), key)
      const accepted = await grant(config, {
        response: await jarm(as.keys.ec),
        code: undefined,
        state: undefined,
        iss: undefined,
      })
      assert.equal(accepted.token_type, 'dpop')
      const err = await rejects(
        rp,
        grant(config, {
          response: await jarm(as.keys.rsa),
          code: undefined,
          state: undefined,
          iss: undefined,
        }),
        'ClientError',
        'OAUTH_INVALID_RESPONSE',
      )
      assert.match(err.message, /JARM response is signed with "RS256"/)
      assert.equal(as.count(ROUTES.token), 1, 'the refused response sent no code')
    })

    it('tokenIntrospection() refuses a plain JSON response (downgrade) and an RS256 JWT', async () => {
      const config = await configure(signing(), {
        client: { introspection_signed_response_alg: 'ES256' },
      })
      await rejects(
        rp,
        client.tokenIntrospection(config, 'at'),
        'ClientError',
        'OAUTH_JWT_USERINFO_EXPECTED',
      )
      const claims = {
        iss: as.issuer,
        aud: CLIENT_ID,
        iat: epoch(),
        token_introspection: { active: true },
      }
      as.on(ROUTES.introspection, async () =>
        reply.jwt(
          await sign(claims, as.keys.rsa, { typ: 'token-introspection+jwt' }),
          'application/token-introspection+jwt',
        ),
      )
      await rejects(
        rp,
        client.tokenIntrospection(config, 'at'),
        'ClientError',
        'OAUTH_INVALID_RESPONSE',
      )
      as.on(ROUTES.introspection, async () =>
        reply.jwt(
          await sign(claims, as.keys.ec, { typ: 'token-introspection+jwt' }),
          'application/token-introspection+jwt',
        ),
      )
      assert.equal((await client.tokenIntrospection(config, 'at')).active, true)
    })

    it('buildAuthorizationUrlWithPAR() refuses parameters that are not a request object, pushing nothing', async () => {
      const config = await configure(signing())
      const attempt = client.buildAuthorizationUrlWithPAR(
        config,
        { code_challenge: 'x'.repeat(43), code_challenge_method: 'S256' },
        { DPoP: client.getDPoPHandle(config, DPoPKeys) },
      )
      await rejects(rp, attempt, 'ClientError', 'OAUTH_UNSUPPORTED_OPERATION')
      assert.equal(as.count(ROUTES.par), 0)
    })
  })

  it('useFAPI2SecurityProfile() refuses bad options and a second application', async () => {
    const config = await configure()
    assert.throws(
      () => client.useFAPI2SecurityProfile(config),
      (err: Error) => {
        assertArgumentError(err, 'ERR_INVALID_ARG_VALUE')
        assert.match(err.message, /already applied/)
        return true
      },
    )
    assert.throws(
      () => client.useFAPI2SecurityProfile({ senderConstraint: 'bearer' as never }),
      (err: Error) => {
        assertArgumentError(err, 'ERR_INVALID_ARG_VALUE')
        return true
      },
    )
  })
})
