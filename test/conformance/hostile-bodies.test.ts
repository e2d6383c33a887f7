/**
 * Hostile response bodies beyond the transport suite: 10 MB bodies, JSON that is not an object at
 * every JSON endpoint, numbers sent as strings, and token types the client does not know.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'

import { epoch, sign } from '../support/forge.ts'
import {
  callback,
  CLIENT_ID,
  CLIENT_SECRET,
  HostileServer,
  reply,
  rejects,
  ROUTES,
  useHostileServer,
} from '../support/hostile.ts'
import { type Client, describeEachImplementation } from '../support/implementations.ts'

const NONCE = 'nonce-of-the-body-tests'
const TEN_MB = 10 * 1024 * 1024

/** Bodies that parse as JSON but are not a JSON object. */
const NOT_OBJECTS: ReadonlyArray<readonly [string, string]> = [
  ['an array', '[{"access_token":"access-token-1"}]'],
  ['a string', '"access-token-1"'],
  ['null', 'null'],
  ['a number', '42'],
  ['a boolean', 'true'],
]

/** `size` bytes of JSON: `value` with a `padding` member that fills the rest. */
function padded(value: Record<string, unknown>, size = TEN_MB): string {
  const head = JSON.stringify({ ...value, padding: '' })
  return `${head.slice(0, -2)}${'x'.repeat(size - head.length)}"}`
}

/** Asserts `run` settles within `ms` (a 10 MB body must not hang the client). */
async function within<T>(ms: number, run: () => Promise<T>): Promise<T> {
  const started = performance.now()
  try {
    return await run()
  } finally {
    const elapsed = performance.now() - started
    assert.ok(elapsed < ms, `took ${Math.round(elapsed)} ms`)
  }
}

describeEachImplementation('', (impl, client) => {
  let as: HostileServer

  useHostileServer(impl, (suite) => ({ as } = suite))

  async function grant() {
    const config = await as.configure(client)
    return client.authorizationCodeGrant(config, callback({ code: 'code-1' }))
  }

  async function userinfo() {
    const config = await as.configure(client)
    return client.fetchUserInfo(config, 'access-token-1', 'user-1')
  }

  describe('10 MB bodies', () => {
    it('authorizationCodeGrant() accepts a valid token response padded to 10 MB without hanging', async () => {
      as.on(ROUTES.token, (_, server) =>
        reply.text(padded(server.tokenResponse()), 'application/json'),
      )
      const tokens = await within(10_000, grant)
      assert.equal(tokens.access_token, 'access-token-1')
    })

    it('authorizationCodeGrant() rejects 10 MB of malformed JSON at the token endpoint', async () => {
      as.on(ROUTES.token, () =>
        reply.text(`{"access_token":"${'a'.repeat(TEN_MB)}`, 'application/json'),
      )
      await within(10_000, () => rejects(client, grant(), 'ClientError', 'OAUTH_PARSE_ERROR'))
    })

    it('authorizationCodeGrant() rejects a 10 MB token response without access_token', async () => {
      as.on(ROUTES.token, () => reply.text(padded({ token_type: 'Bearer' }), 'application/json'))
      await within(10_000, () => rejects(client, grant(), 'ClientError', 'OAUTH_INVALID_RESPONSE'))
    })

    it('authorizationCodeGrant() rejects a 10 MB HTML page at the token endpoint', async () => {
      as.on(ROUTES.token, () => reply.text(`<html>${'x'.repeat(TEN_MB)}</html>`, 'text/html'))
      await within(10_000, () =>
        rejects(client, grant(), 'ClientError', 'OAUTH_RESPONSE_IS_NOT_JSON'),
      )
    })

    // 1 MB: 10 MB of nesting keeps JSON.parse busy for seconds, long enough for the server to
    // drop the idle keep-alive socket under the next test (see the fetch failure candidate).
    it('authorizationCodeGrant() rejects 1 MB of nested JSON arrays at the token endpoint', async () => {
      const depth = 512 * 1024
      as.on(ROUTES.token, () =>
        reply.text(`${'['.repeat(depth)}${']'.repeat(depth)}`, 'application/json'),
      )
      const err = await within(10_000, async () => {
        let caught: unknown
        await assert.rejects(grant(), (e) => ((caught = e), true))
        return caught as Error & { code?: string }
      })
      assert.ok(err instanceof client.ClientError, `${err?.constructor?.name}: ${err?.message}`)
      assert.ok(
        err.code === 'OAUTH_INVALID_RESPONSE' || err.code === 'OAUTH_PARSE_ERROR',
        String(err.code),
      )
    })

    it('authorizationCodeGrant() rejects a 10 MB OAuth error body with ResponseBodyError', async () => {
      as.on(ROUTES.token, () =>
        reply.text(padded({ error: 'invalid_grant' }), 'application/json', 400),
      )
      const err = await within(10_000, () =>
        rejects(client, grant(), 'ResponseBodyError', 'OAUTH_RESPONSE_BODY_ERROR'),
      )
      assert.equal((err as InstanceType<Client['ResponseBodyError']>).error, 'invalid_grant')
    })

    it('fetchUserInfo() accepts a valid UserInfo response padded to 10 MB without hanging', async () => {
      as.on(ROUTES.userinfo, () => reply.text(padded({ sub: 'user-1' }), 'application/json'))
      const result = await within(10_000, userinfo)
      assert.equal(result.sub, 'user-1')
    })

    it('fetchUserInfo() rejects 10 MB of malformed JSON', async () => {
      as.on(ROUTES.userinfo, () => reply.text(`{"sub":"${'u'.repeat(TEN_MB)}`, 'application/json'))
      await within(10_000, () => rejects(client, userinfo(), 'ClientError', 'OAUTH_PARSE_ERROR'))
    })

    it('fetchUserInfo() rejects a 10 MB UserInfo response whose sub is another user', async () => {
      as.on(ROUTES.userinfo, () => reply.text(padded({ sub: 'user-2' }), 'application/json'))
      await within(10_000, () =>
        rejects(client, userinfo(), 'ClientError', 'OAUTH_JSON_ATTRIBUTE_COMPARISON_FAILED'),
      )
    })

    it('fetchUserInfo() rejects a 10 MB application/jwt body that is not a JWT', async () => {
      as.on(ROUTES.userinfo, () => reply.jwt('e'.repeat(TEN_MB)))
      await within(10_000, () =>
        rejects(client, userinfo(), 'ClientError', 'OAUTH_INVALID_RESPONSE'),
      )
    })
  })

  describe('JSON that is not an object', () => {
    for (const [kind, body] of NOT_OBJECTS.slice(1)) {
      it(`authorizationCodeGrant() rejects ${kind} as the token response body`, async () => {
        as.on(ROUTES.token, () => reply.text(body, 'application/json'))
        await rejects(client, grant(), 'ClientError', 'OAUTH_INVALID_RESPONSE')
      })
    }

    for (const [kind, body] of NOT_OBJECTS) {
      it(`fetchUserInfo() rejects ${kind} as the UserInfo body`, async () => {
        as.on(ROUTES.userinfo, () => reply.text(body, 'application/json'))
        await rejects(client, userinfo(), 'ClientError', 'OAUTH_INVALID_RESPONSE')
      })

      it(`tokenIntrospection() rejects ${kind} as the introspection body`, async () => {
        as.on(ROUTES.introspection, () => reply.text(body, 'application/json'))
        const config = await as.configure(client)
        await rejects(
          client,
          client.tokenIntrospection(config, 'access-token-1'),
          'ClientError',
          'OAUTH_INVALID_RESPONSE',
        )
      })

      it(`discovery() rejects ${kind} as the discovery document`, async () => {
        as.on(ROUTES.discovery, () => reply.text(body, 'application/json'))
        await rejects(
          client,
          client.discovery(new URL(as.issuer), CLIENT_ID, CLIENT_SECRET, undefined, {
            execute: [client.allowInsecureRequests],
          }),
          'ClientError',
          'OAUTH_INVALID_RESPONSE',
        )
      })

      it(`authorizationCodeGrant() with enableNonRepudiationChecks rejects ${kind} as the JWKS`, async () => {
        const idToken = await as.idToken()
        as.on(ROUTES.token, (_, server) => reply.json(server.tokenResponse({ id_token: idToken })))
        as.on(ROUTES.jwks, () => reply.text(body, 'application/json'))
        const config = await as.configure(client, {
          execute: [client.enableNonRepudiationChecks],
        })
        await rejects(
          client,
          client.authorizationCodeGrant(config, callback({ code: 'code-1' })),
          'ClientError',
          'OAUTH_INVALID_RESPONSE',
        )
      })
    }

    it('tokenIntrospection() accepts a JSON object (control)', async () => {
      const config = await as.configure(client)
      const result = await client.tokenIntrospection(config, 'access-token-1')
      assert.equal(result.active, true)
    })
  })

  describe('numbers as strings', () => {
    async function withIdToken(overrides: Record<string, unknown>, maxAge?: number) {
      const idToken = await as.idToken({ nonce: NONCE, ...overrides })
      as.on(ROUTES.token, (_, server) => reply.json(server.tokenResponse({ id_token: idToken })))
      const config = await as.configure(client)
      return client.authorizationCodeGrant(config, callback({ code: 'code-1' }), {
        expectedNonce: NONCE,
        maxAge,
      })
    }

    for (const claim of ['iat', 'exp'] as const) {
      it(`authorizationCodeGrant() rejects an ID Token whose ${claim} is a numeric string`, async () => {
        const value = claim === 'iat' ? epoch() : epoch() + 300
        await rejects(
          client,
          withIdToken({ [claim]: String(value) }),
          'ClientError',
          'OAUTH_INVALID_RESPONSE',
        )
      })
    }

    it('authorizationCodeGrant() rejects an ID Token whose auth_time is a numeric string when maxAge is given', async () => {
      await rejects(
        client,
        withIdToken({ auth_time: String(epoch() - 10) }, 300),
        'ClientError',
        'OAUTH_INVALID_RESPONSE',
      )
    })

    it('authorizationCodeGrant() rejects an ID Token whose nbf is a numeric string', async () => {
      await rejects(
        client,
        withIdToken({ nbf: String(epoch() - 10) }),
        'ClientError',
        'OAUTH_INVALID_RESPONSE',
      )
    })

    /** openid-rp needs allowStringExpiresIn for a numeric string (C4 decided; the reference always accepts it). */
    const lenient = () =>
      impl.name === 'openid-rp'
        ? [
            (client as unknown as { allowStringExpiresIn: (c: unknown) => void })
              .allowStringExpiresIn,
          ]
        : []

    it('refreshTokenGrant() accepts expires_in "3600" (with allowStringExpiresIn in openid-rp) and turns it into the number 3600', async () => {
      as.on(ROUTES.token, (_, server) => reply.json(server.tokenResponse({ expires_in: '3600' })))
      const config = await as.configure(client, { execute: lenient() })
      const tokens = await client.refreshTokenGrant(config, 'refresh-token-1')
      assert.equal(tokens.expires_in, 3600)
      assert.ok(tokens.expiresIn()! > 3590)
    })

    it('clientCredentialsGrant() accepts expires_in "3600" (with allowStringExpiresIn in openid-rp) and turns it into the number 3600', async () => {
      as.on(ROUTES.token, (_, server) => reply.json(server.tokenResponse({ expires_in: '3600' })))
      const config = await as.configure(client, { execute: lenient() })
      const tokens = await client.clientCredentialsGrant(config)
      assert.equal(tokens.expires_in, 3600)
    })

    it('clientCredentialsGrant() treats expires_in "3600" without an option by implementation (C4: a JSON number in openid-rp)', async () => {
      as.on(ROUTES.token, (_, server) => reply.json(server.tokenResponse({ expires_in: '3600' })))
      const config = await as.configure(client)
      const attempt = client.clientCredentialsGrant(config)
      if (impl.name === 'openid-rp') {
        const err = await rejects(client, attempt, 'ClientError', 'OAUTH_INVALID_RESPONSE')
        assert.match(err.message, /allowStringExpiresIn/)
      } else {
        assert.equal((await attempt).expires_in, 3600)
      }
    })

    it('authorizationCodeGrant() rejects expires_in "-1"', async () => {
      as.on(ROUTES.token, (_, server) => reply.json(server.tokenResponse({ expires_in: '-1' })))
      await rejects(client, grant(), 'ClientError', 'OAUTH_INVALID_RESPONSE')
    })

    it('authorizationCodeGrant() rejects expires_in "Infinity"', async () => {
      as.on(ROUTES.token, (_, server) =>
        reply.json(server.tokenResponse({ expires_in: 'Infinity' })),
      )
      await rejects(client, grant(), 'ClientError', 'OAUTH_INVALID_RESPONSE')
    })

    it('authorizationCodeGrant() treats expires_in "3600 seconds" by implementation (C4: refused by openid-rp even with allowStringExpiresIn; the reference parseFloats it)', async () => {
      as.on(ROUTES.token, (_, server) =>
        reply.json(server.tokenResponse({ expires_in: '3600 seconds' })),
      )
      const config = await as.configure(client, { execute: lenient() })
      const attempt = client.authorizationCodeGrant(config, callback({ code: 'code-1' }))
      if (impl.name === 'openid-rp') {
        const err = await rejects(client, attempt, 'ClientError', 'OAUTH_INVALID_RESPONSE')
        assert.match(err.message, /"3600 seconds" is not a number of seconds/)
      } else {
        assert.equal((await attempt).expires_in, 3600)
      }
    })

    it('fetchUserInfo() rejects a UserInfo sub that is a number', async () => {
      as.on(ROUTES.userinfo, () => reply.json({ sub: 1 }))
      const config = await as.configure(client)
      await rejects(
        client,
        client.fetchUserInfo(config, 'access-token-1', '1'),
        'ClientError',
        'OAUTH_INVALID_RESPONSE',
      )
    })

    it('tokenIntrospection() rejects active "true" (a string, not a boolean)', async () => {
      as.on(ROUTES.introspection, () => reply.json({ active: 'true', client_id: CLIENT_ID }))
      const config = await as.configure(client)
      await rejects(
        client,
        client.tokenIntrospection(config, 'access-token-1'),
        'ClientError',
        'OAUTH_INVALID_RESPONSE',
      )
    })

    for (const allowed of [false, true]) {
      it(`buildAuthorizationUrlWithPAR() ${allowed ? 'with allowStringExpiresIn (openid-rp) accepts' : 'treats'} expires_in "60" (a string, RFC 9126 §2.2 says a number)${allowed ? '' : ' by implementation (C5)'}`, async () => {
        as.on(ROUTES.par, () =>
          reply.json(
            { request_uri: 'urn:ietf:params:oauth:request_uri:hostile', expires_in: '60' },
            201,
          ),
        )
        const config = await as.configure(client, { execute: allowed ? lenient() : [] })
        const attempt = client.buildAuthorizationUrlWithPAR(config, {
          redirect_uri: 'https://rp.example.com/cb',
        })
        if (impl.name === 'openid-rp' && !allowed) {
          await rejects(client, attempt, 'ClientError', 'OAUTH_INVALID_RESPONSE')
        } else {
          assert.equal(
            (await attempt).searchParams.get('request_uri'),
            'urn:ietf:params:oauth:request_uri:hostile',
          )
        }
      })
    }

    it('authorizationCodeGrant() with useJwtResponseMode rejects a JARM response whose exp is a numeric string', async () => {
      const response = await sign(
        as.jarmClaims({ exp: String(epoch() + 300), state: 'jarm-state' }),
        as.keys.rsa,
      )
      const config = await as.configure(client, { execute: [client.useJwtResponseMode] })
      await rejects(
        client,
        client.authorizationCodeGrant(config, callback({ response }), {
          expectedState: 'jarm-state',
        }),
        'ClientError',
        'OAUTH_INVALID_RESPONSE',
      )
    })
  })

  describe('token_type', () => {
    it('refreshTokenGrant() rejects token_type mac', async () => {
      as.on(ROUTES.token, (_, server) => reply.json(server.tokenResponse({ token_type: 'mac' })))
      const config = await as.configure(client)
      await rejects(
        client,
        client.refreshTokenGrant(config, 'refresh-token-1'),
        'ClientError',
        'OAUTH_UNSUPPORTED_OPERATION',
      )
    })

    it('clientCredentialsGrant() rejects token_type mac', async () => {
      as.on(ROUTES.token, (_, server) => reply.json(server.tokenResponse({ token_type: 'mac' })))
      const config = await as.configure(client)
      await rejects(
        client,
        client.clientCredentialsGrant(config),
        'ClientError',
        'OAUTH_UNSUPPORTED_OPERATION',
      )
    })

    it('authorizationCodeGrant() rejects a token_type that is a number', async () => {
      as.on(ROUTES.token, (_, server) => reply.json(server.tokenResponse({ token_type: 1 })))
      await rejects(client, grant(), 'ClientError', 'OAUTH_INVALID_RESPONSE')
    })

    it('authorizationCodeGrant() rejects an empty token_type', async () => {
      as.on(ROUTES.token, (_, server) => reply.json(server.tokenResponse({ token_type: '' })))
      await rejects(client, grant(), 'ClientError', 'OAUTH_INVALID_RESPONSE')
    })

    it('clientCredentialsGrant() accepts token_type DPoP in any letter case', async () => {
      for (const tokenType of ['DPoP', 'dpop', 'DPOP']) {
        as.on(ROUTES.token, (_, server) =>
          reply.json(server.tokenResponse({ token_type: tokenType })),
        )
        const config = await as.configure(client)
        const tokens = await client.clientCredentialsGrant(config)
        assert.equal(tokens.token_type, 'dpop', tokenType)
      }
    })
  })
})
