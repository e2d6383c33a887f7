/**
 * openid-rp's secure defaults, with no configuration: a signature that is there is checked
 * (signed UserInfo and introspection responses), every validated JWT is explicitly typed
 * (RFC 8725 §3.11), and an ID Token's `azp` must be the client even with a single audience.
 * Each is asserted by implementation: the reference accepts what openid-rp refuses.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'

import { base64url } from 'jose'

import { type Claims, corruptSignature, epoch, halfHash, sign } from '../support/forge.ts'
import {
  callback,
  CLIENT_ID,
  CLIENT_SECRET,
  HANG,
  HostileServer,
  reply,
  rejects,
  ROUTES,
  useHostileServer,
} from '../support/hostile.ts'
import { type Client, implementations } from '../support/implementations.ts'

const NONCE = 'nonce-of-the-defaults-tests'
const STATE = 'state-of-the-defaults-tests'
const INTROSPECTION_JWT = 'application/token-introspection+jwt'

/** `typ` values of other kinds of JWT, each refused where an untyped JWT is expected. */
const OTHER_KINDS = [
  'at+jwt',
  'application/at+jwt',
  'dpop+jwt',
  'logout+jwt',
  'token-introspection+jwt',
  'secevent+jwt',
  'oauth-authz-req+jwt',
  'DPoP+JWT',
] as const

/** `typ` values an untyped JWT may carry. */
const ACCEPTED_TYPES = [undefined, 'JWT', 'jwt', 'application/jwt'] as const

/** An HS256 JWS of `claims` keyed with `secret`. */
async function hmacJws(claims: Claims, secret: string, header: Claims = {}): Promise<string> {
  const encode = (value: unknown) => base64url.encode(JSON.stringify(value))
  const input = `${encode({ alg: 'HS256', ...header })}.${encode(claims)}`
  const key = await crypto.subtle.importKey(
    'raw',
    new TextEncoder().encode(secret),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  )
  const signature = await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(input))
  return `${input}.${base64url.encode(new Uint8Array(signature))}`
}

for (const impl of implementations) {
  const rp = impl.name === 'openid-rp'

  describe(`${impl.name}: secure defaults`, () => {
    let client: Client
    let as: HostileServer

    useHostileServer(impl, (suite) => ({ client, as } = suite))

    describe('a signature that is there is checked (no enableNonRepudiationChecks)', () => {
      async function userinfo(jwt: string, metadata: Claims = {}) {
        as.on(ROUTES.userinfo, () => reply.jwt(jwt))
        const config = await as.configure(client, { client: metadata as never })
        return client.fetchUserInfo(config, 'access-token-1', 'user-1')
      }

      it('fetchUserInfo() accepts signed UserInfo with a valid signature, fetching the JWKS once for two calls', async () => {
        const jwt = await sign(as.userinfoClaims(), as.keys.rsa)
        as.on(ROUTES.userinfo, () => reply.jwt(jwt))
        const config = await as.configure(client)
        assert.equal((await client.fetchUserInfo(config, 'at', 'user-1')).email, 'user@example.com')
        assert.equal((await client.fetchUserInfo(config, 'at', 'user-1')).email, 'user@example.com')
        assert.equal(as.count(ROUTES.jwks), rp ? 1 : 0)
      })

      it('fetchUserInfo() called 5 times at once on a fresh Configuration verifies each signed response', async () => {
        const jwt = await sign(as.userinfoClaims(), as.keys.rsa)
        as.on(ROUTES.userinfo, () => reply.jwt(jwt))
        const config = await as.configure(client)
        const results = await Promise.all(
          Array.from({ length: 5 }, () => client.fetchUserInfo(config, 'at', 'user-1')),
        )
        assert.deepEqual(
          results.map((result) => result.sub),
          Array(5).fill('user-1'),
        )
        assert.equal(as.count(ROUTES.jwks), rp ? 1 : 0, 'parallel callers share one JWKS fetch')
      })

      it('fetchUserInfo() rejects with a typed error while the JWKS answers 500, then verifies once it recovers', async () => {
        const jwt = await sign(as.userinfoClaims(), as.keys.rsa)
        as.on(ROUTES.userinfo, () => reply.jwt(jwt))
        as.on(ROUTES.jwks, () => reply.json({ error: 'unavailable' }, 500))
        const config = await as.configure(client)
        const attempt = client.fetchUserInfo(config, 'at', 'user-1')
        if (rp) {
          await rejects(client, attempt, 'ClientError', 'OAUTH_RESPONSE_IS_NOT_CONFORM')
          as.on(ROUTES.jwks, (_, server) => reply.json({ keys: server.jwks }))
          assert.equal((await client.fetchUserInfo(config, 'at', 'user-1')).sub, 'user-1')
        } else {
          assert.equal((await attempt).sub, 'user-1')
        }
      })

      it('fetchUserInfo() rejects with OAUTH_TIMEOUT when the JWKS never answers', async () => {
        const jwt = await sign(as.userinfoClaims(), as.keys.rsa)
        as.on(ROUTES.userinfo, () => reply.jwt(jwt))
        as.on(ROUTES.jwks, () => HANG)
        const config = await as.configure(client)
        config.timeout = 0.5
        const attempt = client.fetchUserInfo(config, 'at', 'user-1')
        if (rp) await rejects(client, attempt, 'ClientError', 'OAUTH_TIMEOUT')
        else assert.equal((await attempt).sub, 'user-1')
      })

      it('fetchUserInfo() accepts signed UserInfo without iss and aud (no claim is added by default)', async () => {
        const result = await userinfo(
          await sign(as.userinfoClaims({ iss: undefined, aud: undefined }), as.keys.ec),
        )
        assert.equal(result.sub, 'user-1')
      })

      it('fetchUserInfo() treats signed UserInfo with a bad signature by implementation', async () => {
        const attempt = userinfo(corruptSignature(await sign(as.userinfoClaims(), as.keys.rsa)))
        if (rp) {
          const err = await rejects(client, attempt, 'ClientError', 'OAUTH_INVALID_RESPONSE')
          assert.match(err.message, /signature verification failed/)
        } else {
          assert.equal((await attempt).sub, 'user-1', 'the reference trusts TLS')
        }
      })

      it('fetchUserInfo() treats signed UserInfo from a key not in the issuer JWKS by implementation', async () => {
        const attempt = userinfo(
          await sign(as.userinfoClaims(), as.keys.ec, { kid: 'not-published' }),
        )
        if (rp) await rejects(client, attempt, 'ClientError', 'OAUTH_KEY_SELECTION_FAILED')
        else assert.equal((await attempt).sub, 'user-1')
      })

      it('fetchUserInfo() accepts UserInfo signed with HS256 and the client secret', async () => {
        const result = await userinfo(await hmacJws(as.userinfoClaims(), CLIENT_SECRET), {
          userinfo_signed_response_alg: 'HS256',
        })
        assert.equal(result.sub, 'user-1')
      })

      it('fetchUserInfo() treats UserInfo signed with HS256 and another secret by implementation', async () => {
        const attempt = userinfo(
          await hmacJws(as.userinfoClaims(), 'another-secret-which-is-long-enough'),
          { userinfo_signed_response_alg: 'HS256' },
        )
        if (rp) await rejects(client, attempt, 'ClientError', 'OAUTH_INVALID_RESPONSE')
        else assert.equal((await attempt).sub, 'user-1')
      })

      it('fetchUserInfo() accepts plain JSON UserInfo without fetching the JWKS (control)', async () => {
        const config = await as.configure(client)
        assert.equal((await client.fetchUserInfo(config, 'at', 'user-1')).sub, 'user-1')
        assert.equal(as.count(ROUTES.jwks), 0)
      })

      const introspectionClaims = () => ({
        iss: as.issuer,
        aud: CLIENT_ID,
        iat: epoch(),
        token_introspection: { active: true, client_id: CLIENT_ID },
      })

      async function introspect(jwt: string) {
        as.on(ROUTES.introspection, () => reply.jwt(jwt, INTROSPECTION_JWT))
        const config = await as.configure(client, {
          client: { introspection_signed_response_alg: 'RS256' },
        })
        return client.tokenIntrospection(config, 'access-token-1')
      }

      it('tokenIntrospection() accepts a JWT response with a valid signature', async () => {
        const jwt = await sign(introspectionClaims(), as.keys.rsa, {
          typ: 'token-introspection+jwt',
        })
        assert.equal((await introspect(jwt)).active, true)
        assert.equal(as.count(ROUTES.jwks), rp ? 1 : 0)
      })

      it('tokenIntrospection() treats a JWT response with a bad signature by implementation', async () => {
        const jwt = await sign(introspectionClaims(), as.keys.rsa, {
          typ: 'token-introspection+jwt',
        })
        const attempt = introspect(corruptSignature(jwt))
        if (rp) await rejects(client, attempt, 'ClientError', 'OAUTH_INVALID_RESPONSE')
        else assert.equal((await attempt).active, true)
      })
    })

    describe('explicit typing (RFC 8725 §3.11)', () => {
      async function grantWithIdToken(header: Claims, claims: Claims = {}) {
        const idToken = await as.idToken({ nonce: NONCE, ...claims }, as.keys.rsa, header)
        as.on(ROUTES.token, (_, server) => reply.json(server.tokenResponse({ id_token: idToken })))
        const config = await as.configure(client)
        return client.authorizationCodeGrant(config, callback({ code: 'code-1' }), {
          expectedNonce: NONCE,
        })
      }

      for (const typ of ACCEPTED_TYPES) {
        it(`authorizationCodeGrant() accepts an ID Token with typ ${String(typ)}`, async () => {
          const tokens = await grantWithIdToken({ typ })
          assert.equal(tokens.claims()?.sub, 'user-1')
        })
      }

      for (const typ of OTHER_KINDS) {
        it(`authorizationCodeGrant() treats an ID Token with typ ${typ} by implementation`, async () => {
          const attempt = grantWithIdToken({ typ })
          if (rp) {
            const err = await rejects(client, attempt, 'ClientError', 'OAUTH_INVALID_RESPONSE')
            assert.match(err.message, /names another kind of token \(RFC 8725 §3\.11\)/)
            assert.match(err.message, new RegExp(typ.replace('+', '\\+')))
          } else {
            assert.equal((await attempt).claims()?.sub, 'user-1')
          }
        })
      }

      it('refreshTokenGrant() treats an ID Token with typ logout+jwt by implementation', async () => {
        const idToken = await as.idToken({}, as.keys.rsa, { typ: 'logout+jwt' })
        as.on(ROUTES.token, (_, server) => reply.json(server.tokenResponse({ id_token: idToken })))
        const config = await as.configure(client)
        const attempt = client.refreshTokenGrant(config, 'refresh-token-1')
        if (rp) await rejects(client, attempt, 'ClientError', 'OAUTH_INVALID_RESPONSE')
        else assert.equal((await attempt).access_token, 'access-token-1')
      })

      it('fetchUserInfo() treats signed UserInfo with typ at+jwt by implementation, and accepts typ JWT', async () => {
        const config = await as.configure(client)
        const jwt = await sign(as.userinfoClaims(), as.keys.rsa, { typ: 'JWT' })
        as.on(ROUTES.userinfo, () => reply.jwt(jwt))
        assert.equal((await client.fetchUserInfo(config, 'at', 'user-1')).sub, 'user-1')
        const typed = await sign(as.userinfoClaims(), as.keys.rsa, { typ: 'at+jwt' })
        as.on(ROUTES.userinfo, () => reply.jwt(typed))
        const attempt = client.fetchUserInfo(config, 'at', 'user-1')
        if (rp) await rejects(client, attempt, 'ClientError', 'OAUTH_INVALID_RESPONSE')
        else assert.equal((await attempt).sub, 'user-1')
      })

      it('fetchUserInfo() accepts signed UserInfo typed token-userinfo+jwt (its own type, as Glewlwyd sends)', async () => {
        const config = await as.configure(client)
        const jwt = await sign(as.userinfoClaims(), as.keys.rsa, { typ: 'token-userinfo+jwt' })
        as.on(ROUTES.userinfo, () => reply.jwt(jwt))
        assert.equal((await client.fetchUserInfo(config, 'at', 'user-1')).sub, 'user-1')
      })

      it('authorizationCodeGrant() treats an ID Token typed token-userinfo+jwt by implementation', async () => {
        const attempt = grantWithIdToken({ typ: 'application/token-userinfo+jwt' })
        if (rp) await rejects(client, attempt, 'ClientError', 'OAUTH_INVALID_RESPONSE')
        else assert.equal((await attempt).claims()?.sub, 'user-1')
      })

      it('authorizationCodeGrant() treats a JARM response with typ dpop+jwt by implementation, and accepts typ JWT', async () => {
        const config = await as.configure(client, { execute: [client.useJwtResponseMode] })
        const jarm = (typ: string) => sign(as.jarmClaims({ state: STATE }), as.keys.rsa, { typ })
        const accepted = await client.authorizationCodeGrant(
          config,
          callback({ response: await jarm('JWT') }),
          { expectedState: STATE },
        )
        assert.equal(accepted.access_token, 'access-token-1')
        const attempt = client.authorizationCodeGrant(
          config,
          callback({ response: await jarm('dpop+jwt') }),
          { expectedState: STATE },
        )
        if (rp) {
          await rejects(client, attempt, 'ClientError', 'OAUTH_INVALID_RESPONSE')
          assert.equal(as.count(ROUTES.token), 1, 'the code of the refused response was not sent')
        } else {
          await attempt
        }
      })

      it('authorizationCodeGrant() treats a hybrid response whose ID Token has typ logout+jwt by implementation', async () => {
        const back = await as.idToken({ nonce: NONCE })
        as.on(ROUTES.token, (_, server) => reply.json(server.tokenResponse({ id_token: back })))
        const config = await as.configure(client, { execute: [client.useCodeIdTokenResponseType] })
        const front = (typ: string) =>
          sign(as.idTokenClaims({ nonce: NONCE, c_hash: halfHash('code-1') }), as.keys.rsa, {
            typ,
          })
        const grant = async (typ: string) =>
          client.authorizationCodeGrant(
            config,
            callback({ code: 'code-1', state: STATE, id_token: await front(typ) }, true),
            { expectedNonce: NONCE, expectedState: STATE },
          )
        assert.equal((await grant('JWT')).claims()?.sub, 'user-1')
        const attempt = grant('logout+jwt')
        if (rp) {
          await rejects(client, attempt, 'ClientError', 'OAUTH_INVALID_RESPONSE')
          assert.equal(as.count(ROUTES.token), 1, 'the code of the refused response was not sent')
        } else {
          await attempt
        }
      })

      it('implicitAuthentication() treats an ID Token with typ at+jwt by implementation', async () => {
        const config = await as.configure(client, { execute: [client.useIdTokenResponseType] })
        const idToken = await as.idToken({ nonce: NONCE }, as.keys.rsa, { typ: 'at+jwt' })
        const attempt = client.implicitAuthentication(
          config,
          callback({ id_token: idToken, state: STATE }, true),
          NONCE,
          { expectedState: STATE },
        )
        if (rp) await rejects(client, attempt, 'ClientError', 'OAUTH_INVALID_RESPONSE')
        else assert.equal((await attempt).sub, 'user-1')
      })
    })

    describe('azp (OpenID Connect Core 3.1.3.7)', () => {
      async function grant(claims: Claims) {
        const idToken = await as.idToken(claims)
        as.on(ROUTES.token, (_, server) => reply.json(server.tokenResponse({ id_token: idToken })))
        const config = await as.configure(client)
        return client.authorizationCodeGrant(config, callback({ code: 'code-1' }))
      }

      it('authorizationCodeGrant() accepts a single-audience ID Token whose azp is the client', async () => {
        assert.equal((await grant({ azp: CLIENT_ID })).claims()?.azp, CLIENT_ID)
      })

      it('authorizationCodeGrant() treats a single-audience ID Token whose azp is another client by implementation', async () => {
        const attempt = grant({ azp: 'another-client' })
        if (rp) {
          const err = await rejects(
            client,
            attempt,
            'ClientError',
            'OAUTH_JWT_CLAIM_COMPARISON_FAILED',
          )
          assert.match(err.message, /"azp" \(authorized party\) "another-client"/)
        } else {
          assert.equal((await attempt).claims()?.azp, 'another-client')
        }
      })

      it('authorizationCodeGrant() rejects a two-audience ID Token whose azp is another client (both)', async () => {
        await rejects(
          client,
          grant({ aud: [CLIENT_ID, 'another-client'], azp: 'another-client' }),
          'ClientError',
          'OAUTH_JWT_CLAIM_COMPARISON_FAILED',
        )
      })
    })
  })
}
