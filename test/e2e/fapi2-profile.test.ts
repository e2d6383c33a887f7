/**
 * `useFAPI2SecurityProfile` and `useFAPI2MessageSigning` against the real oidc-provider configured
 * as a FAPI 2.0 server (profile '2.0', PAR required, DPoP, private_key_jwt, ES256/PS256): the
 * accepted side of every rule, and the refusals that happen before anything is sent.
 * The forged side of each rule is in test/conformance/fapi2-profile.test.ts.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'

import * as jose from 'jose'
import type { ClientMetadata } from 'oidc-provider'
import * as client from 'openid-rp'

import {
  assertClientError,
  closeProvider,
  type Exchange,
  jwtHeader,
  pkceRequest,
  recordingFetch,
  redirectUri,
  rejection,
} from '../support/e2e.ts'
import { login } from '../support/login.ts'
import { createProvider, type TestProvider } from '../support/provider.ts'
import { assertArgumentError } from '../support/transport.ts'

let op: TestProvider
let signingKey: { key: CryptoKey; kid: string }

const fapiClient = (clientId: string, extra: Record<string, unknown> = {}): ClientMetadata => ({
  client_id: clientId,
  redirect_uris: [redirectUri],
  response_types: ['code'],
  grant_types: ['authorization_code', 'refresh_token'],
  token_endpoint_auth_method: 'private_key_jwt',
  token_endpoint_auth_signing_alg: 'ES256',
  id_token_signed_response_alg: 'ES256',
  authorization_signed_response_alg: 'ES256',
  introspection_signed_response_alg: 'ES256',
  dpop_bound_access_tokens: true,
  ...extra,
})

before(async () => {
  const { privateKey, publicKey } = await jose.generateKeyPair('ES256', { extractable: true })
  signingKey = { key: privateKey, kid: 'fapi2-rp-key' }
  const jwk = {
    ...(await jose.exportJWK(publicKey)),
    kid: signingKey.kid,
    alg: 'ES256',
    use: 'sig',
  }
  op = await createProvider({
    signingAlgorithms: ['ES256', 'PS256'],
    features: {
      fapi: { profile: '2.0' },
      pushedAuthorizationRequests: { requirePushedAuthorizationRequests: true },
      requestObjects: true,
      jwtResponseModes: true,
      dPoP: true,
      introspection: true,
      jwtIntrospection: true,
      revocation: true,
    },
    clients: [
      fapiClient('fapi2-rp', { jwks: { keys: [jwk] } }),
      fapiClient('fapi2-ms-rp', {
        jwks: { keys: [jwk] },
        request_object_signing_alg: 'ES256',
        authorization_signed_response_alg: 'ES256',
        introspection_signed_response_alg: 'ES256',
      }),
    ],
  })
})

after(() => closeProvider(op))

describe('openid-rp: useFAPI2SecurityProfile() against oidc-provider as a FAPI 2.0 server', () => {
  const auth = () => client.PrivateKeyJwt(signingKey)

  async function configure(
    exchanges: Exchange[],
    execute: Array<(config: client.Configuration) => void>,
    clientId = 'fapi2-rp',
    metadata: Partial<client.ClientMetadata> = {},
  ) {
    return client.discovery(op.issuer, clientId, metadata, auth(), {
      execute: [client.allowInsecureRequests, ...execute],
      [client.customFetch]: recordingFetch(exchanges),
    })
  }

  const count = (exchanges: Exchange[], url: string | undefined) =>
    exchanges.filter((exchange) => exchange.url === url).length

  for (const [form, execute] of [
    ['curried, in execute', [client.useFAPI2SecurityProfile({ senderConstraint: 'dpop' })]],
    ['bare, in execute (DPoP by default)', [client.useFAPI2SecurityProfile]],
  ] as const) {
    it(`completes PAR + PKCE + DPoP, verifies the ID Token signature, refreshes (${form})`, async () => {
      const exchanges: Exchange[] = []
      const config = await configure(exchanges, [...execute])
      const DPoP = client.getDPoPHandle(config, await client.randomDPoPKeyPair('ES256'))
      const { parameters, checks } = await pkceRequest(client as never)
      const url = await client.buildAuthorizationUrlWithPAR(config, parameters, { DPoP })
      assert.deepEqual([...url.searchParams.keys()].sort(), ['client_id', 'request_uri'])
      const callback = await login(url, { redirectUri })
      assert.ok(callback instanceof URL)
      assert.equal(callback.searchParams.get('iss'), config.serverMetadata().issuer)
      const tokens = await client.authorizationCodeGrant(config, callback, checks, undefined, {
        DPoP,
      })
      assert.equal(tokens.token_type.toLowerCase(), 'dpop')
      assert.equal(jwtHeader(tokens.id_token!).alg, 'ES256')
      assert.equal(count(exchanges, config.serverMetadata().jwks_uri), 1, 'ID Token verified')
      const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token!, undefined, {
        DPoP,
      })
      assert.equal(refreshed.token_type.toLowerCase(), 'dpop')
      const userinfo = await client.fetchUserInfo(
        config,
        refreshed.access_token,
        tokens.claims()!.sub,
        {
          DPoP,
        },
      )
      assert.equal(userinfo.sub, op.account.sub)
    })
  }

  it('honours a pushed max_age: the grant checks auth_time without being given maxAge', async () => {
    const exchanges: Exchange[] = []
    const config = await configure(exchanges, [client.useFAPI2SecurityProfile])
    const DPoP = client.getDPoPHandle(config, await client.randomDPoPKeyPair('ES256'))
    const { parameters, checks } = await pkceRequest(client as never, { max_age: '3600' })
    const url = await client.buildAuthorizationUrlWithPAR(config, parameters, { DPoP })
    const callback = await login(url, { redirectUri })
    assert.ok(callback instanceof URL)
    const tokens = await client.authorizationCodeGrant(config, callback, checks, undefined, {
      DPoP,
    })
    assert.equal(typeof tokens.claims()?.auth_time, 'number')
  })

  it('refuses a plain authorization URL (PAR required), building nothing', async () => {
    const config = await configure([], [client.useFAPI2SecurityProfile])
    const { parameters } = await pkceRequest(client as never)
    assert.throws(
      () => client.buildAuthorizationUrl(config, parameters),
      (err: Error & { code?: string }) => {
        assertClientError(client as never, err, 'OAUTH_UNSUPPORTED_OPERATION')
        assert.match(err.message, /pushed authorization requests/)
        return true
      },
    )
  })

  for (const [title, extra] of [
    ['without PKCE', { code_challenge: undefined, code_challenge_method: undefined }],
    ['with PKCE plain', { code_challenge_method: 'plain' }],
    ['with response_type code id_token', { response_type: 'code id_token' }],
  ] as const) {
    it(`refuses a pushed authorization request ${title}, sending nothing`, async () => {
      const exchanges: Exchange[] = []
      const config = await configure(exchanges, [client.useFAPI2SecurityProfile])
      const DPoP = client.getDPoPHandle(config, await client.randomDPoPKeyPair('ES256'))
      const { parameters } = await pkceRequest(client as never)
      const request = Object.fromEntries(
        Object.entries({ ...parameters, ...extra }).filter(([, v]) => v !== undefined),
      ) as Record<string, string>
      const error = await rejection(client.buildAuthorizationUrlWithPAR(config, request, { DPoP }))
      assertClientError(client as never, error, 'OAUTH_UNSUPPORTED_OPERATION')
      const par = config.serverMetadata().pushed_authorization_request_endpoint
      assert.equal(count(exchanges, par), 0, 'nothing was pushed')
    })
  }

  it('refuses a code grant without a DPoP handle, sending nothing to the token endpoint', async () => {
    const exchanges: Exchange[] = []
    const config = await configure(exchanges, [client.useFAPI2SecurityProfile])
    const DPoP = client.getDPoPHandle(config, await client.randomDPoPKeyPair('ES256'))
    const { parameters, checks } = await pkceRequest(client as never)
    const callback = await login(
      await client.buildAuthorizationUrlWithPAR(config, parameters, { DPoP }),
      { redirectUri },
    )
    assert.ok(callback instanceof URL)
    const error = await rejection(client.authorizationCodeGrant(config, callback, checks))
    assertArgumentError(error, 'ERR_INVALID_ARG_VALUE')
    assert.match(error.message, /pass \{ DPoP/)
    assert.equal(count(exchanges, config.serverMetadata().token_endpoint), 0)
  })

  it('refuses a DPoP key pair other than PS256, ES256 or EdDSA', async () => {
    const config = await configure([], [client.useFAPI2SecurityProfile])
    const keyPair = await client.randomDPoPKeyPair('ES384')
    assert.throws(
      () => client.getDPoPHandle(config, keyPair),
      (err: Error) => {
        assertArgumentError(err, 'ERR_INVALID_ARG_VALUE')
        assert.match(err.message, /P-384/)
        return true
      },
    )
  })

  it('refuses client_secret_basic client authentication, sending nothing', async () => {
    const exchanges: Exchange[] = []
    const config = await client.discovery(
      op.issuer,
      'fapi2-rp',
      undefined,
      client.ClientSecretBasic('a-secret-that-is-never-sent-0123456789'),
      {
        execute: [client.allowInsecureRequests, client.useFAPI2SecurityProfile],
        [client.customFetch]: recordingFetch(exchanges),
      },
    )
    const DPoP = client.getDPoPHandle(config, await client.randomDPoPKeyPair('ES256'))
    const { parameters } = await pkceRequest(client as never)
    const error = await rejection(client.buildAuthorizationUrlWithPAR(config, parameters, { DPoP }))
    assertArgumentError(error, 'ERR_INVALID_ARG_VALUE')
    assert.match(error.message, /not a client secret/)
    assert.equal(count(exchanges, config.serverMetadata().pushed_authorization_request_endpoint), 0)
  })

  it('cannot be combined with the hybrid flow', async () => {
    await assert.rejects(
      configure([], [client.useCodeIdTokenResponseType, client.useFAPI2SecurityProfile]),
      (err: Error) => {
        assertArgumentError(err, 'ERR_INVALID_ARG_VALUE')
        return true
      },
    )
  })

  describe('useFAPI2MessageSigning()', () => {
    const signing = [
      client.useJwtResponseMode,
      client.useFAPI2SecurityProfile({ senderConstraint: 'dpop' }),
      client.useFAPI2MessageSigning,
    ]

    it('completes JAR + PAR + JARM + DPoP and verifies a signed introspection response', async () => {
      const exchanges: Exchange[] = []
      const config = await configure(exchanges, signing, 'fapi2-ms-rp', {
        authorization_signed_response_alg: 'ES256',
        introspection_signed_response_alg: 'ES256',
      })
      const DPoP = client.getDPoPHandle(config, await client.randomDPoPKeyPair('ES256'))
      const { parameters, checks } = await pkceRequest(client as never)
      const jar = await client.buildAuthorizationUrlWithJAR(config, parameters, signingKey)
      const url = await client.buildAuthorizationUrlWithPAR(config, jar.searchParams, { DPoP })
      const callback = await login(url, { redirectUri })
      assert.ok(callback instanceof URL)
      assert.ok(callback.searchParams.get('response'), 'a JARM response')
      const tokens = await client.authorizationCodeGrant(config, callback, checks, undefined, {
        DPoP,
      })
      assert.equal(tokens.token_type.toLowerCase(), 'dpop')
      const introspection = await client.tokenIntrospection(config, tokens.access_token)
      assert.equal(introspection.active, true)
      const response = exchanges.find(
        (e) => e.url === config.serverMetadata().introspection_endpoint,
      )
      assert.equal(response?.contentType?.split(';')[0], 'application/token-introspection+jwt')
    })

    it('refuses pushing parameters that are not a signed request object, sending nothing', async () => {
      const exchanges: Exchange[] = []
      const config = await configure(exchanges, signing, 'fapi2-ms-rp')
      const DPoP = client.getDPoPHandle(config, await client.randomDPoPKeyPair('ES256'))
      const { parameters } = await pkceRequest(client as never)
      const error = await rejection(
        client.buildAuthorizationUrlWithPAR(config, parameters, { DPoP }),
      )
      assertClientError(client as never, error, 'OAUTH_UNSUPPORTED_OPERATION')
      assert.match(error.message, /signed request objects/)
      assert.equal(
        count(exchanges, config.serverMetadata().pushed_authorization_request_endpoint),
        0,
      )
    })

    it('refuses introspection without introspection_signed_response_alg, sending nothing', async () => {
      const exchanges: Exchange[] = []
      const config = await configure(exchanges, signing, 'fapi2-ms-rp')
      const error = await rejection(client.tokenIntrospection(config, 'some-access-token'))
      assertArgumentError(error, 'ERR_INVALID_ARG_VALUE')
      assert.equal(count(exchanges, config.serverMetadata().introspection_endpoint), 0)
    })

    it('needs useJwtResponseMode and useFAPI2SecurityProfile first', async () => {
      for (const execute of [
        [client.useFAPI2SecurityProfile, client.useFAPI2MessageSigning],
        [client.useJwtResponseMode, client.useFAPI2MessageSigning],
      ]) {
        await assert.rejects(configure([], execute, 'fapi2-ms-rp'), (err: Error) => {
          assertArgumentError(err, 'ERR_INVALID_ARG_VALUE')
          return true
        })
      }
    })
  })
})
