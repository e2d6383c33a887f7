/**
 * Back-Channel Logout 1.0 (`validateLogoutToken`, `backchannelLogoutResponse`) against forged
 * logout tokens: the OpenID Foundation RP test modules' cases, the checks of the spec, replays,
 * encryption and hostile requests. Each case asserts the error and the HTTP answer the helper
 * gives the provider. openid-rp only: the reference has no back-channel logout.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'

import {
  type Claims,
  corruptSignature,
  encrypt,
  epoch,
  hs256WithPublicKey,
  sign,
  signingKey,
  unsigned,
} from '../support/forge.ts'
import {
  CLIENT_ID,
  type Configuration,
  HANG,
  HostileServer,
  rejects,
  ROUTES,
  useHostileServer,
} from '../support/hostile.ts'
import { type Client, implementations } from '../support/implementations.ts'

const impl = implementations.find((candidate) => candidate.name === 'openid-rp')
const EVENT = 'http://schemas.openid.net/event/backchannel-logout'

type RP = typeof import('openid-rp')

/** The provider's POST to the back-channel logout URI. */
function logoutRequest(body: string | URLSearchParams, init: RequestInit = {}): Request {
  return new Request('https://rp.example.com/backchannel-logout', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body,
    ...init,
  })
}

function form(token: string): URLSearchParams {
  return new URLSearchParams({ logout_token: token })
}

/** Asserts the answer to the provider: status, `Cache-Control: no-store`, body. */
async function assertAnswer(response: Response, status: 200 | 400): Promise<void> {
  assert.equal(response.status, status)
  assert.equal(response.headers.get('cache-control'), 'no-store')
  if (status === 200) {
    assert.equal(await response.text(), '')
  } else {
    assert.equal(response.headers.get('content-type'), 'application/json')
    assert.deepEqual(await response.json(), { error: 'invalid_request' })
  }
}

if (impl) {
  describe('openid-rp: back-channel logout tokens', () => {
    let client: Client
    let rp: RP
    let as: HostileServer

    useHostileServer(impl, (suite) => {
      ;({ client, as } = suite)
      rp = client as unknown as RP
    })

    const configure = (options: Parameters<HostileServer['configure']>[1] = {}) =>
      as.configure(client, options) as Promise<Configuration>

    /** Validates, asserts the 200 answer, returns the claims. */
    async function accepted(
      config: Configuration,
      input: string | Request,
      options?: Parameters<RP['validateLogoutToken']>[2],
    ) {
      const claims = await rp.validateLogoutToken(config as never, input, options)
      await assertAnswer(rp.backchannelLogoutResponse(), 200)
      return claims
    }

    /** Asserts the rejection (class, code, message part), that it names no token, and the 400 answer. */
    async function refused(
      config: Configuration,
      input: string | Request,
      code: string,
      message: RegExp,
      options?: Parameters<RP['validateLogoutToken']>[2],
      errorClass: 'ClientError' | 'TypeError' = 'ClientError',
    ) {
      const token = typeof input === 'string' ? input : undefined
      const err = await rejects(
        client,
        rp.validateLogoutToken(config as never, input, options),
        errorClass,
        code,
      )
      assert.match(err.message, message)
      if (token !== undefined && token.length > 20) {
        assert.ok(!err.message.includes(token), 'the message must not carry the token')
        assert.ok(!JSON.stringify(err.cause ?? null).includes(token), 'nor the cause')
      }
      await assertAnswer(rp.backchannelLogoutResponse(err), 400)
      return err
    }

    describe('accepted', () => {
      it('validateLogoutToken() accepts a valid RP-initiated logout token (sid and sub) from the POSTed form', async () => {
        const config = await configure()
        const token = await as.logoutToken({ sid: 'sid-42', sub: 'user-42' })
        const claims = await accepted(config, logoutRequest(form(token)))
        assert.equal(claims.iss, as.issuer)
        assert.equal(claims.sid, 'sid-42')
        assert.equal(claims.sub, 'user-42')
        assert.deepEqual(claims.events, { [EVENT]: {} })
      })

      it('validateLogoutToken() accepts the token string, sub-only and sid-only tokens', async () => {
        const config = await configure()
        const subOnly = await accepted(config, await as.logoutToken({ sid: undefined }))
        assert.equal(subOnly.sid, undefined)
        assert.equal(subOnly.sub, 'user-1')
        const sidOnly = await accepted(config, await as.logoutToken({ sub: undefined }))
        assert.equal(sidOnly.sub, undefined)
        assert.equal(sidOnly.sid, 'session-1')
      })

      for (const typ of ['logout+jwt', 'application/logout+jwt', 'JWT', 'jwt', undefined]) {
        it(`validateLogoutToken() accepts header typ ${JSON.stringify(typ)} by default`, async () => {
          const config = await configure()
          await accepted(config, await as.logoutToken({}, as.keys.rsa, { typ }))
        })
      }

      it('validateLogoutToken() accepts an ES256 token the server supports and an aud array with the client', async () => {
        const config = await configure()
        await accepted(config, await as.logoutToken({ aud: ['other', CLIENT_ID] }, as.keys.ec))
      })

      it('validateLogoutToken() accepts a token without exp under allowMissingExp, still bounded by iat + maxAge', async () => {
        const config = await configure()
        await accepted(config, await as.logoutToken({ exp: undefined }), { allowMissingExp: true })
        await refused(
          config,
          await as.logoutToken({ exp: undefined, iat: epoch() - 600 }),
          'OAUTH_JWT_TIMESTAMP_CHECK_FAILED',
          /issued 60\d s ago, more than maxAge 120 s/,
          { allowMissingExp: true },
        )
      })

      it('validateLogoutToken() accepts an encrypted token when the client decrypts ID Tokens', async () => {
        const config = await configure({ decrypt: ['A256GCM'] })
        const jwe = await encrypt(await as.logoutToken(), as.rpKey, 'A256GCM')
        const claims = await accepted(config, jwe)
        assert.equal(claims.sid, 'session-1')
      })

      it('validateLogoutToken() fetches the JWKS once for several tokens', async () => {
        const config = await configure()
        await accepted(config, await as.logoutToken())
        await accepted(config, await as.logoutToken())
        assert.equal(as.count('/jwks'), 1)
      })
    })

    describe('OpenID Foundation RP test module cases', () => {
      it('validateLogoutToken() refuses a token without the back-channel logout event', async () => {
        const config = await configure()
        await refused(
          config,
          await as.logoutToken({ events: undefined }),
          'OAUTH_INVALID_RESPONSE',
          /"events" claim has no "http:\/\/schemas\.openid\.net\/event\/backchannel-logout" object member/,
        )
      })

      it('validateLogoutToken() refuses a token with a nonce', async () => {
        const config = await configure()
        await refused(
          config,
          await as.logoutToken({ nonce: 'n-1' }),
          'OAUTH_INVALID_RESPONSE',
          /has a "nonce"/,
        )
      })

      it('validateLogoutToken() refuses an alg other than the registered one', async () => {
        const config = await configure({ client: { id_token_signed_response_alg: 'ES256' } })
        await refused(
          config,
          await as.logoutToken(),
          'OAUTH_INVALID_RESPONSE',
          /signed with "alg" "RS256", expected ES256/,
        )
      })

      it('validateLogoutToken() refuses an alg the server does not list, and HS256 keyed with the public key', async () => {
        const config = await configure({
          metadata: { id_token_signing_alg_values_supported: ['ES256'] },
        })
        await refused(config, await as.logoutToken(), 'OAUTH_INVALID_RESPONSE', /expected ES256/)
        const confused = await hs256WithPublicKey(as.logoutTokenClaims(), as.keys.rsa)
        await refused(config, confused, 'OAUTH_INVALID_RESPONSE', /"alg" "HS256"/)
      })

      it('validateLogoutToken() refuses alg none', async () => {
        const config = await configure()
        await refused(
          config,
          unsigned(as.logoutTokenClaims(), { typ: 'logout+jwt' }),
          'OAUTH_INVALID_RESPONSE',
          /"alg" is "none": an unsigned logout token is never accepted/,
        )
      })

      it('validateLogoutToken() refuses a wrong aud', async () => {
        const config = await configure()
        await refused(
          config,
          await as.logoutToken({ aud: 'another-client' }),
          'OAUTH_JWT_CLAIM_COMPARISON_FAILED',
          /"aud" "another-client" does not contain the client_id "hostile-client"/,
        )
      })

      it('validateLogoutToken() refuses a wrong iss', async () => {
        const config = await configure()
        await refused(
          config,
          await as.logoutToken({ iss: 'https://evil.example.com' }),
          'OAUTH_JWT_CLAIM_COMPARISON_FAILED',
          /"iss" "https:\/\/evil\.example\.com" is not the issuer/,
        )
      })
    })

    describe('timestamps, jti, replays', () => {
      it('validateLogoutToken() refuses a token without exp by default, naming the interop option', async () => {
        const config = await configure()
        await refused(
          config,
          await as.logoutToken({ exp: undefined }),
          'OAUTH_INVALID_RESPONSE',
          /no "exp".*allowMissingExp/,
        )
      })

      it('validateLogoutToken() refuses an expired token and a non-numeric exp', async () => {
        const config = await configure()
        await refused(
          config,
          await as.logoutToken({ iat: epoch() - 100, exp: epoch() - 60 }),
          'OAUTH_JWT_TIMESTAMP_CHECK_FAILED',
          /expired 6\d s ago/,
        )
        await refused(
          config,
          await as.logoutToken({ exp: 'tomorrow' }),
          'OAUTH_INVALID_RESPONSE',
          /"exp" \(expiration time\) is not a number/,
        )
      })

      it('validateLogoutToken() refuses a missing iat, an iat older than maxAge and one in the future', async () => {
        const config = await configure()
        await refused(
          config,
          await as.logoutToken({ iat: undefined }),
          'OAUTH_INVALID_RESPONSE',
          /"iat" \(issued at\) is missing/,
        )
        await refused(
          config,
          await as.logoutToken({ iat: epoch() - 60 }),
          'OAUTH_JWT_TIMESTAMP_CHECK_FAILED',
          /more than maxAge 10 s/,
          { maxAge: 10 },
        )
        await refused(
          config,
          await as.logoutToken({ iat: epoch() + 600 }),
          'OAUTH_JWT_TIMESTAMP_CHECK_FAILED',
          /logout token "iat" \(issued at\) is 60\d s in the future/,
        )
      })

      it('validateLogoutToken() refuses a missing jti', async () => {
        const config = await configure()
        await refused(
          config,
          await as.logoutToken({ jti: undefined }),
          'OAUTH_INVALID_RESPONSE',
          /"jti" \(JWT ID\) is missing/,
        )
      })

      it('validateLogoutToken() refuses a replayed jti (default store per Configuration, and a given store)', async () => {
        const config = await configure()
        const token = await as.logoutToken()
        await accepted(config, token)
        await refused(config, token, 'OAUTH_JWT_CLAIM_COMPARISON_FAILED', /"jti" was seen before/)
        const replayStore = new rp.MemoryReplayStore()
        const other = await as.logoutToken({ jti: 'shared-jti' })
        await accepted(config, other, { replayStore })
        const again = await as.logoutToken({ jti: 'shared-jti' })
        await refused(config, again, 'OAUTH_JWT_CLAIM_COMPARISON_FAILED', /replayed/, {
          replayStore,
        })
      })

      it('validateLogoutToken() records a jti only once under parallel deliveries', async () => {
        const config = await configure()
        const token = await as.logoutToken()
        const results = await Promise.allSettled(
          Array.from({ length: 8 }, () => rp.validateLogoutToken(config as never, token)),
        )
        assert.equal(results.filter((result) => result.status === 'fulfilled').length, 1)
      })

      it('validateLogoutToken() does not burn the jti of a token it refused', async () => {
        const config = await configure()
        const replayStore = new rp.MemoryReplayStore()
        const forged = corruptSignature(await as.logoutToken({ jti: 'j-1' }))
        await refused(config, forged, 'OAUTH_INVALID_RESPONSE', /signature verification failed/, {
          replayStore,
        })
        assert.equal(replayStore.size, 0)
        await accepted(config, await as.logoutToken({ jti: 'j-1' }), { replayStore })
      })
    })

    describe('typing and shape', () => {
      for (const typ of ['at+jwt', 'dpop+jwt', 'application/at+jwt', 'secevent+jwt', 42]) {
        it(`validateLogoutToken() refuses header typ ${JSON.stringify(typ)}`, async () => {
          const config = await configure()
          await refused(
            config,
            await as.logoutToken({}, as.keys.rsa, { typ }),
            'OAUTH_INVALID_RESPONSE',
            /header "typ" .* another kind of token/,
          )
        })
      }

      it('validateLogoutToken() with requireLogoutJwtType refuses JWT and absent typ, accepts logout+jwt', async () => {
        const config = await configure()
        const strict = { requireLogoutJwtType: true }
        for (const typ of ['JWT', undefined]) {
          await refused(
            config,
            await as.logoutToken({}, as.keys.rsa, { typ }),
            'OAUTH_INVALID_RESPONSE',
            /requireLogoutJwtType asks for "logout\+jwt"/,
            strict,
          )
        }
        await accepted(config, await as.logoutToken(), strict)
      })

      for (const [title, events] of [
        ['a string', 'logout'],
        ['an array', [EVENT]],
        ['an object whose logout member is a string', { [EVENT]: 'yes' }],
        ['an object whose logout member is null', { [EVENT]: null }],
        ['an object with another event only', { 'https://example.com/other': {} }],
      ] as const) {
        it(`validateLogoutToken() refuses events ${title}`, async () => {
          const config = await configure()
          await refused(
            config,
            await as.logoutToken({ events }),
            'OAUTH_INVALID_RESPONSE',
            /"events" claim has no/,
          )
        })
      }

      it('validateLogoutToken() refuses a token with neither sub nor sid, and non-string ones', async () => {
        const config = await configure()
        await refused(
          config,
          await as.logoutToken({ sub: undefined, sid: undefined }),
          'OAUTH_INVALID_RESPONSE',
          /neither "sub" nor "sid"/,
        )
        await refused(
          config,
          await as.logoutToken({ sid: 42 }),
          'OAUTH_INVALID_RESPONSE',
          /"sid" is not a non-empty string/,
        )
      })

      it('validateLogoutToken() refuses a sub-only token when the client registered backchannel_logout_session_required', async () => {
        const config = await configure({ client: { backchannel_logout_session_required: true } })
        await refused(
          config,
          await as.logoutToken({ sid: undefined }),
          'OAUTH_INVALID_RESPONSE',
          /no "sid", which the client requires \(backchannel_logout_session_required\)/,
        )
        await accepted(config, await as.logoutToken())
      })

      it('validateLogoutToken() refuses an ID Token posted as a logout token', async () => {
        const config = await configure()
        await refused(
          config,
          await as.idToken({ nonce: 'n-1', sid: 'session-1', jti: 'j' }),
          'OAUTH_INVALID_RESPONSE',
          /"events" claim has no/,
        )
      })

      for (const [title, token] of [
        ['garbage', 'not a token'],
        ['empty segments', '..'],
        ['a non-JSON header', 'eyJub3Q.e30.c2ln'],
        ['a JSON array payload', `eyJhbGciOiJSUzI1NiJ9.${btoa('[1]')}.c2ln`],
      ]) {
        it(`validateLogoutToken() refuses ${title} with OAUTH_INVALID_RESPONSE`, async () => {
          const config = await configure()
          await refused(config, token!, 'OAUTH_INVALID_RESPONSE', /^logout token: /)
        })
      }
    })

    describe('keys and encryption', () => {
      it('validateLogoutToken() refuses a token signed by another issuer with the same kid, keeping its bytes out of the cause', async () => {
        const config = await configure()
        const other = await signingKey('RS256', 'rsa-1')
        const err = await refused(
          config,
          await sign(as.logoutTokenClaims(), other, { typ: 'logout+jwt' }),
          'OAUTH_INVALID_RESPONSE',
          /signature verification failed/,
        )
        assert.equal(typeof err.cause, 'object')
        assert.ok(!('data' in (err.cause as object)), 'no signed bytes in the cause')
        assert.ok(!('signature' in (err.cause as object)), 'no signature in the cause')
      })

      it('validateLogoutToken() refuses a token signed with a key the issuer does not publish', async () => {
        const config = await configure()
        const other = await signingKey('RS256', 'elsewhere-1')
        await refused(
          config,
          await sign(as.logoutTokenClaims(), other, { typ: 'logout+jwt' }),
          'OAUTH_KEY_SELECTION_FAILED',
          /no single key in the issuer JWKS matches/,
        )
      })

      it('validateLogoutToken() refuses a payload changed after signing', async () => {
        const config = await configure()
        const token = await as.logoutToken({ sid: 'a' })
        const [header, , signature] = token.split('.')
        const payload = Buffer.from(JSON.stringify(as.logoutTokenClaims({ sid: 'b' }))).toString(
          'base64url',
        )
        await refused(
          config,
          `${header}.${payload}.${signature}`,
          'OAUTH_INVALID_RESPONSE',
          /signature verification failed/,
        )
      })

      it('validateLogoutToken() refuses an encrypted token when the client decrypts nothing', async () => {
        const config = await configure()
        const jwe = await encrypt(await as.logoutToken(), as.rpKey, 'A256GCM')
        await refused(
          config,
          jwe,
          'OAUTH_DECRYPTION_FAILED',
          /encrypted \(JWE\) but this Configuration decrypts nothing/,
        )
      })

      it('validateLogoutToken() refuses a plain token when the client registered ID Token encryption', async () => {
        const config = await configure({
          decrypt: ['A256GCM'],
          client: { id_token_encrypted_response_alg: 'ECDH-ES+A256KW' },
        })
        await refused(
          config,
          await as.logoutToken(),
          'OAUTH_DECRYPTION_FAILED',
          /not encrypted, but the client registered "id_token_encrypted_response_alg"/,
        )
      })

      it('validateLogoutToken() refuses a JWE with an enc outside the allowed list', async () => {
        const config = await configure({ decrypt: ['A128GCM'] })
        const jwe = await encrypt(await as.logoutToken(), as.rpKey, 'A256GCM')
        await refused(config, jwe, 'OAUTH_DECRYPTION_FAILED', /"enc" "A256GCM"/)
      })
    })

    describe('a slow or dead JWKS endpoint', () => {
      it('validateLogoutToken() stops at config.timeout with OAUTH_TIMEOUT when jwks_uri hangs', async () => {
        const config = await configure()
        config.timeout = 0.3
        as.on(ROUTES.jwks, () => HANG)
        await refused(config, await as.logoutToken(), 'OAUTH_TIMEOUT', /timed out/)
      })

      it('validateLogoutToken() stops with OAUTH_ABORT when its signal aborts the JWKS fetch', async () => {
        const config = await configure()
        as.on(ROUTES.jwks, () => HANG)
        const controller = new AbortController()
        setTimeout(() => controller.abort(), 50)
        await refused(config, await as.logoutToken(), 'OAUTH_ABORT', /aborted/, {
          signal: controller.signal,
        })
      })

      it('validateLogoutToken() refuses when jwks_uri answers 500, and the jti stays unused', async () => {
        const config = await configure()
        const replayStore = new rp.MemoryReplayStore()
        as.on(ROUTES.jwks, () => ({ status: 500, body: 'down' }))
        await refused(
          config,
          await as.logoutToken({ jti: 'j-500' }),
          'OAUTH_RESPONSE_IS_NOT_CONFORM',
          /./,
          {
            replayStore,
          },
        )
        assert.equal(replayStore.size, 0)
      })
    })

    describe('the request', () => {
      it('validateLogoutToken() refuses a huge body without reading it all', async () => {
        const config = await configure()
        const body = `logout_token=${'a'.repeat(2 * 1024 * 1024)}`
        await refused(
          config,
          logoutRequest(body),
          'OAUTH_INVALID_REQUEST',
          /larger than 65536 bytes/,
        )
        let pulled = 0
        const stream = new ReadableStream<Uint8Array>({
          pull(controller) {
            pulled += 1
            controller.enqueue(new Uint8Array(16 * 1024).fill(97))
          },
        })
        await refused(
          config,
          logoutRequest('', { body: stream, duplex: 'half' } as RequestInit),
          'OAUTH_INVALID_REQUEST',
          /larger than 65536 bytes/,
        )
        assert.ok(pulled < 10, `read ${pulled} chunks of an endless body`)
      })

      it('validateLogoutToken() refuses a GET, a JSON body, no logout_token and two of them', async () => {
        const config = await configure()
        const token = await as.logoutToken()
        await refused(
          config,
          new Request(`https://rp.example.com/bc?logout_token=${token}`),
          'OAUTH_INVALID_REQUEST',
          /method is "GET"/,
        )
        await refused(
          config,
          logoutRequest(JSON.stringify({ logout_token: token }), {
            headers: { 'content-type': 'application/json' },
          }),
          'OAUTH_INVALID_REQUEST',
          /content type "application\/json"/,
        )
        await refused(
          config,
          logoutRequest('other=1'),
          'OAUTH_INVALID_REQUEST',
          /exactly one non-empty "logout_token" parameter, it has 0/,
        )
        const two = new URLSearchParams([
          ['logout_token', token],
          ['logout_token', token],
        ])
        await refused(config, logoutRequest(two), 'OAUTH_INVALID_REQUEST', /it has 2/)
      })

      it('validateLogoutToken() throws TypeError for bad arguments', async () => {
        const config = await configure()
        await refused(
          config,
          42 as never,
          'ERR_INVALID_ARG_TYPE',
          /"input"/,
          undefined,
          'TypeError',
        )
        await refused(
          config,
          await as.logoutToken(),
          'ERR_INVALID_ARG_VALUE',
          /"options.maxAge"/,
          { maxAge: -1 },
          'TypeError',
        )
        await rejects(
          client,
          rp.validateLogoutToken({} as never, 'x'),
          'TypeError',
          'ERR_INVALID_ARG_TYPE',
        )
      })
    })

    describe('provider-shaped fixtures (written from each provider documented claims)', () => {
      /** Signs `claims` over this issuer's defaults as the provider would, with its header. */
      const shaped = (claims: Claims, header: Claims) =>
        sign(as.logoutTokenClaims(claims), as.keys.rsa, header)

      it('Keycloak 23+ (typ logout+jwt, exp, sid, sub, a typ "Logout" claim) is accepted', async () => {
        const config = await configure()
        const token = await shaped(
          { typ: 'Logout', sid: 'f5a6c1d2-kc-session', sub: '5b3e-uuid' },
          { typ: 'logout+jwt' },
        )
        assert.equal((await accepted(config, token)).sid, 'f5a6c1d2-kc-session')
      })

      it('Keycloak before 23 (typ JWT, no exp) is refused by default and accepted with allowMissingExp', async () => {
        const config = await configure()
        const claims = { typ: 'Logout', exp: undefined, sid: 'kc-old-session' }
        await refused(
          config,
          await shaped(claims, { typ: 'JWT' }),
          'OAUTH_INVALID_RESPONSE',
          /no "exp"/,
        )
        await accepted(config, await shaped(claims, { typ: 'JWT' }), { allowMissingExp: true })
      })

      it('Ory Hydra 2.2 (aud array, sid only, no exp, typ JWT) is accepted with allowMissingExp only', async () => {
        const config = await configure()
        const claims = { aud: [CLIENT_ID], sub: undefined, exp: undefined, sid: 'hydra-sid' }
        await refused(
          config,
          await shaped(claims, { typ: 'JWT' }),
          'OAUTH_INVALID_RESPONSE',
          /no "exp"/,
        )
        const accept = await accepted(config, await shaped(claims, { typ: 'JWT' }), {
          allowMissingExp: true,
        })
        assert.equal(accept.sub, undefined)
      })

      it('authentik before 2025.8 (no exp, no typ) is accepted with allowMissingExp; 2025.8+ (exp) by default', async () => {
        const config = await configure()
        const old = { exp: undefined, sid: 'ak-session-hash' }
        await refused(config, await shaped(old, {}), 'OAUTH_INVALID_RESPONSE', /no "exp"/)
        await accepted(config, await shaped(old, {}), { allowMissingExp: true })
        await accepted(config, await shaped({ sid: 'ak-session-2' }, { typ: 'logout+jwt' }))
      })

      it('Auth0 (typ JWT, sid, sub, trace_id) is accepted; with backchannel_logout_session_required a sub-only one is refused', async () => {
        const config = await configure({ client: { backchannel_logout_session_required: true } })
        await accepted(
          config,
          await shaped(
            { sub: 'auth0|64f1', sid: 'auth0-sid', trace_id: 'trace-1' },
            { typ: 'JWT' },
          ),
        )
        await refused(
          config,
          await shaped({ sub: 'auth0|64f1', sid: undefined }, { typ: 'JWT' }),
          'OAUTH_INVALID_RESPONSE',
          /no "sid"/,
        )
      })
    })
  })
}
