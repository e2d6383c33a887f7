import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { describe, it } from 'node:test'

import * as oauth from 'oauth4webapi'
import type { Configuration, CustomFetch, CustomFetchOptions, ServerMetadata } from 'openid-client'

import { describeEachImplementation } from '../support/implementations.ts'
import { assertArgumentError, caught, json, neverAnswered } from '../support/transport.ts'

const issuer = 'https://op.example'
const metadata: ServerMetadata = {
  issuer,
  authorization_endpoint: `${issuer}/auth`,
  token_endpoint: `${issuer}/token`,
  userinfo_endpoint: `${issuer}/me`,
  device_authorization_endpoint: `${issuer}/device`,
}
const deviceResponse = {
  device_code: 'device-code',
  user_code: 'USER-CODE',
  verification_uri: `${issuer}/device/verify`,
  expires_in: 60,
  interval: 0,
}

/** RFC 7636 Appendix B: the example code_verifier and its S256 code_challenge. */
const RFC7636_VERIFIER = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk'
const RFC7636_CHALLENGE = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM'

const readJson = async (url: URL) => JSON.parse(await readFile(url, 'utf8'))
const ownVersion: string = (await readJson(new URL('../../package.json', import.meta.url))).version
const referenceVersion: string = (
  await readJson(new URL(import.meta.resolve('openid-client/package.json')))
).version

/** The `user-agent` each implementation sends outside browsers. */
const expectedUserAgent: Record<string, string> = {
  'openid-rp': `openid-rp/${ownVersion}`,
  'openid-client': `openid-client/v${referenceVersion}`,
}

interface Call {
  url: string
  options: CustomFetchOptions
}

/** A fake transport: records every request and answers with `respond`. */
function fakeFetch(respond: (call: Call) => Response | Promise<Response>) {
  const calls: Call[] = []
  const fetch: CustomFetch = async (url, options) => {
    const call = { url, options }
    calls.push(call)
    return respond(call)
  }
  return { fetch, calls }
}

/**
 * A transport that never answers: it rejects with the signal's reason once the request is
 * aborted. A referenced fallback timer keeps the event loop alive (Node's timeout signals do not)
 * and fails the request if no abort ever comes.
 */
function silentFetch() {
  return fakeFetch(({ options: { signal } }) => neverAnswered(signal))
}

const BASE64URL_43 = /^[A-Za-z0-9_-]{43}$/

describeEachImplementation('', (impl, client) => {
  function configure(fetch: CustomFetch, server: ServerMetadata = metadata): Configuration {
    const config = new client.Configuration(server, 'client-id', 'client-secret')
    config[client.customFetch] = fetch
    return config
  }

  describe('argument types', () => {
    it('Configuration() given server metadata that is a string throws a TypeError', async () => {
      const err = await caught(() => new client.Configuration('x' as any, 'client-id'))
      // openid-client fails here on an `in` check (a TypeError without a code); openid-rp keeps
      // the STYLE.md contract for bad arguments.
      assertArgumentError(err, impl.name === 'openid-rp' ? 'ERR_INVALID_ARG_TYPE' : undefined)
    })

    it('Configuration() given a clientId that is not a string throws ERR_INVALID_ARG_TYPE', async () => {
      const err = await caught(() => new client.Configuration(metadata, 123 as any))
      assertArgumentError(err, 'ERR_INVALID_ARG_TYPE')
    })

    // docs/stricter-than-reference.md row 6: the reference ignores the registered method here
    // and authenticates with client_secret_post, sending the secret.
    if (impl.name === 'openid-rp')
      it('clientCredentialsGrant() for a private_key_jwt client created without a key rejects with ERR_INVALID_ARG_VALUE, sending nothing (openid-rp only: the reference falls back to client_secret_post)', async () => {
        const { fetch, calls } = fakeFetch(() => json({ access_token: 'x', token_type: 'bearer' }))
        const config = new client.Configuration(metadata, 'client-id', {
          token_endpoint_auth_method: 'private_key_jwt',
          client_secret: 'client-secret',
        })
        config[client.customFetch] = fetch
        assert.equal(config.clientMetadata().client_id, 'client-id', 'the Configuration exists')
        const err = await caught(() => client.clientCredentialsGrant(config))
        assertArgumentError(err, 'ERR_INVALID_ARG_VALUE')
        assert.match((err as Error).message, /private_key_jwt.*PrivateKeyJwt/)
        assert.equal(calls.length, 0)
      })

    it('discovery() given a string instead of a URL rejects with ERR_INVALID_ARG_TYPE, sending nothing', async () => {
      const { fetch, calls } = fakeFetch(() => json(metadata))
      const err = await caught(() =>
        client.discovery(issuer as any, 'client-id', undefined, undefined, {
          [client.customFetch]: fetch,
        }),
      )
      assertArgumentError(err, 'ERR_INVALID_ARG_TYPE')
      assert.equal(calls.length, 0)
    })

    it('fetchUserInfo() given an access token that is a number rejects with ERR_INVALID_ARG_TYPE, sending nothing', async () => {
      const { fetch, calls } = fakeFetch(() => json({ sub: 'subject' }))
      const err = await caught(() => client.fetchUserInfo(configure(fetch), 123 as any, 'subject'))
      assertArgumentError(err, 'ERR_INVALID_ARG_TYPE')
      assert.equal(calls.length, 0)
    })

    it('fetchUserInfo() given a plain object as config rejects with ERR_INVALID_ARG_TYPE', async () => {
      const err = await caught(() => client.fetchUserInfo({} as any, 'access-token', 'subject'))
      assertArgumentError(err, 'ERR_INVALID_ARG_TYPE')
    })
  })

  describe('OAuth error responses', () => {
    const grants: Record<string, (config: Configuration) => Promise<unknown>> = {
      refreshTokenGrant: (config) => client.refreshTokenGrant(config, 'refresh-token'),
      clientCredentialsGrant: (config) => client.clientCredentialsGrant(config),
      genericGrantRequest: (config) =>
        client.genericGrantRequest(config, 'urn:example:grant', { assertion: 'x' }),
    }
    for (const [name, grant] of Object.entries(grants)) {
      it(`${name}() given a 400 invalid_grant body from the token endpoint rejects with ResponseBodyError`, async () => {
        const body = { error: 'invalid_grant', error_description: 'the grant has expired' }
        const { fetch, calls } = fakeFetch(() => json(body, 400))
        const err = await caught(() => grant(configure(fetch)))
        assert.equal(calls.length, 1)
        assert.equal(calls[0]!.url, metadata.token_endpoint)
        assert.ok(err instanceof oauth.ResponseBodyError, String(err))
        assert.ok(err instanceof client.ResponseBodyError)
        assert.equal(err.code, 'OAUTH_RESPONSE_BODY_ERROR')
        assert.equal(err.error, 'invalid_grant')
        assert.equal(err.error_description, 'the grant has expired')
        assert.equal(err.status, 400)
        assert.ok(err.response instanceof Response)
        assert.equal(err.response.status, 400)
        assert.deepEqual(err.cause, body)
      })
    }

    it('fetchUserInfo() given a 401 with a Bearer challenge rejects with WWWAuthenticateChallengeError', async () => {
      const { fetch } = fakeFetch(
        () =>
          new Response(null, {
            status: 401,
            headers: {
              'www-authenticate':
                'Bearer error="invalid_token", error_description="The access token expired"',
            },
          }),
      )
      const err = await caught(() =>
        client.fetchUserInfo(configure(fetch), 'access-token', 'subject'),
      )
      assert.ok(err instanceof oauth.WWWAuthenticateChallengeError, String(err))
      assert.ok(err instanceof client.WWWAuthenticateChallengeError)
      assert.equal(err.code, 'OAUTH_WWW_AUTHENTICATE_CHALLENGE')
      assert.equal(err.status, 401)
      assert.ok(err.response instanceof Response)
      assert.deepEqual(err.cause, [
        {
          scheme: 'bearer',
          parameters: { error: 'invalid_token', error_description: 'The access token expired' },
        },
      ])
    })
  })

  describe('timeouts and aborts', () => {
    it('fetchUserInfo() with a 50ms config.timeout and a silent server rejects with OAUTH_TIMEOUT', async () => {
      const { fetch, calls } = silentFetch()
      const config = configure(fetch)
      config.timeout = 0.05
      const started = Date.now()
      const err = await caught(() => client.fetchUserInfo(config, 'access-token', 'subject'))
      assert.equal(calls.length, 1)
      assert.ok(calls[0]!.options.signal instanceof AbortSignal)
      assert.ok(err instanceof client.ClientError, String(err))
      assert.equal(err.code, 'OAUTH_TIMEOUT')
      assert.equal((err.cause as Error | undefined)?.name, 'TimeoutError')
      assert.ok(Date.now() - started < 2000, 'the timeout did not cut the request short')
    })

    it('pollDeviceAuthorizationGrant() given an aborted signal rejects with OAUTH_ABORT, sending nothing', async () => {
      const { fetch, calls } = fakeFetch(() => json({ error: 'authorization_pending' }, 400))
      const controller = new AbortController()
      controller.abort()
      const err = await caught(() =>
        client.pollDeviceAuthorizationGrant(configure(fetch), deviceResponse, undefined, {
          signal: controller.signal,
        }),
      )
      assert.ok(err instanceof client.ClientError, String(err))
      assert.equal(err.code, 'OAUTH_ABORT')
      assert.equal((err.cause as Error | undefined)?.name, 'AbortError')
      assert.equal(calls.length, 0)
    })

    it('pollDeviceAuthorizationGrant() aborted while a poll is in flight rejects with OAUTH_ABORT', async () => {
      const silent = silentFetch()
      const controller = new AbortController()
      const fetch: CustomFetch = (url, options) => {
        const pending = silent.fetch(url, options)
        controller.abort()
        return pending
      }
      const err = await caught(() =>
        client.pollDeviceAuthorizationGrant(configure(fetch), deviceResponse, undefined, {
          signal: controller.signal,
        }),
      )
      assert.equal(silent.calls.length, 1)
      assert.ok(err instanceof client.ClientError, String(err))
      assert.equal(err.code, 'OAUTH_ABORT')
    })
  })

  describe('discovery and transport security', () => {
    const discoveryFetch = (body: object) => fakeFetch(() => json(body))

    it('discovery() given metadata for another issuer rejects with OAUTH_JSON_ATTRIBUTE_COMPARISON_FAILED', async () => {
      const { fetch } = discoveryFetch({ ...metadata, issuer: 'https://attacker.example' })
      const err = await caught(() =>
        client.discovery(new URL(issuer), 'client-id', undefined, undefined, {
          [client.customFetch]: fetch,
        }),
      )
      assert.ok(err instanceof client.ClientError, String(err))
      assert.equal(err.code, 'OAUTH_JSON_ATTRIBUTE_COMPARISON_FAILED')
      assert.equal((err.cause as { attribute?: string } | undefined)?.attribute, 'issuer')
    })

    it('discovery() given matching metadata resolves a Configuration for it', async () => {
      const { fetch, calls } = discoveryFetch(metadata)
      const config = await client.discovery(new URL(issuer), 'client-id', undefined, undefined, {
        [client.customFetch]: fetch,
      })
      assert.equal(calls[0]!.url, `${issuer}/.well-known/openid-configuration`)
      assert.ok(config instanceof client.Configuration)
      assert.equal(config.serverMetadata().issuer, issuer)
    })

    it('discovery() of an http: issuer without allowInsecureRequests rejects with OAUTH_HTTP_REQUEST_FORBIDDEN, sending nothing', async () => {
      const { fetch, calls } = discoveryFetch({ ...metadata, issuer: 'http://op.example' })
      const err = await caught(() =>
        client.discovery(new URL('http://op.example'), 'client-id', undefined, undefined, {
          [client.customFetch]: fetch,
        }),
      )
      assert.ok(err instanceof client.ClientError, String(err))
      assert.equal(err.code, 'OAUTH_HTTP_REQUEST_FORBIDDEN')
      assert.equal(calls.length, 0)
    })

    it('discovery() of an http: issuer with allowInsecureRequests resolves', async () => {
      const { fetch, calls } = discoveryFetch({ ...metadata, issuer: 'http://op.example' })
      const config = await client.discovery(
        new URL('http://op.example'),
        'client-id',
        undefined,
        undefined,
        { [client.customFetch]: fetch, execute: [client.allowInsecureRequests] },
      )
      assert.equal(calls[0]!.url, 'http://op.example/.well-known/openid-configuration')
      assert.equal(config.serverMetadata().issuer, 'http://op.example')
    })

    it('fetchUserInfo() to an http: endpoint rejects with OAUTH_HTTP_REQUEST_FORBIDDEN, sending nothing', async () => {
      const { fetch, calls } = fakeFetch(() => json({ sub: 'subject' }))
      const config = configure(fetch, { ...metadata, userinfo_endpoint: 'http://op.example/me' })
      const err = await caught(() => client.fetchUserInfo(config, 'access-token', 'subject'))
      assert.ok(err instanceof client.ClientError, String(err))
      assert.equal(err.code, 'OAUTH_HTTP_REQUEST_FORBIDDEN')
      assert.equal(calls.length, 0)
    })

    it('fetchUserInfo() to an http: endpoint after allowInsecureRequests(config) resolves', async () => {
      const { fetch, calls } = fakeFetch(() => json({ sub: 'subject' }))
      const config = configure(fetch, { ...metadata, userinfo_endpoint: 'http://op.example/me' })
      client.allowInsecureRequests(config)
      const userinfo = await client.fetchUserInfo(config, 'access-token', 'subject')
      assert.equal(calls[0]!.url, 'http://op.example/me')
      assert.equal(userinfo.sub, 'subject')
    })
  })

  describe('ClientError', () => {
    it('ClientError() given a code and a cause exposes both on an Error named ClientError', () => {
      const cause = { attribute: 'issuer' }
      // The reference accepts `code` at runtime, though its constructor type does not declare it.
      const options = { code: 'OAUTH_EXAMPLE', cause } as ErrorOptions
      const err = new client.ClientError('message', options)
      assert.ok(err instanceof Error)
      assert.equal(err.name, 'ClientError')
      assert.equal(err.message, 'message')
      assert.equal(err.code, 'OAUTH_EXAMPLE')
      assert.equal(err.cause, cause)
    })
  })

  describe('random values and PKCE', () => {
    const generators = ['randomState', 'randomNonce', 'randomPKCECodeVerifier'] as const
    for (const name of generators) {
      it(`${name}() returns 43 base64url characters, different on each call`, () => {
        const values = new Set<string>()
        for (let i = 0; i < 16; i++) {
          const value = client[name]()
          assert.match(value, BASE64URL_43)
          values.add(value)
        }
        assert.equal(values.size, 16)
      })
    }

    it('calculatePKCECodeChallenge() of the RFC 7636 Appendix B verifier returns its S256 challenge', async () => {
      const expected = createHash('sha256').update(RFC7636_VERIFIER).digest('base64url')
      assert.equal(expected, RFC7636_CHALLENGE)
      assert.equal(await client.calculatePKCECodeChallenge(RFC7636_VERIFIER), expected)
    })

    it('calculatePKCECodeChallenge() of a random verifier returns base64url(SHA-256(verifier))', async () => {
      const verifier = client.randomPKCECodeVerifier()
      const expected = createHash('sha256').update(verifier).digest('base64url')
      assert.equal(await client.calculatePKCECodeChallenge(verifier), expected)
    })
  })

  describe('user-agent', () => {
    const userAgentOf = (call: Call) => new Headers(call.options.headers).get('user-agent')

    it(`discovery() sends user-agent ${expectedUserAgent[impl.name]}`, async () => {
      const { fetch, calls } = fakeFetch(() => json(metadata))
      await client.discovery(new URL(issuer), 'client-id', undefined, undefined, {
        [client.customFetch]: fetch,
      })
      assert.equal(userAgentOf(calls[0]!), expectedUserAgent[impl.name])
    })

    it(`refreshTokenGrant() sends user-agent ${expectedUserAgent[impl.name]}`, async () => {
      const { fetch, calls } = fakeFetch(() =>
        json({ access_token: 'access-token', token_type: 'bearer' }),
      )
      await client.refreshTokenGrant(configure(fetch), 'refresh-token')
      assert.equal(userAgentOf(calls[0]!), expectedUserAgent[impl.name])
    })

    it(`fetchUserInfo() sends user-agent ${expectedUserAgent[impl.name]}`, async () => {
      const { fetch, calls } = fakeFetch(() => json({ sub: 'subject' }))
      await client.fetchUserInfo(configure(fetch), 'access-token', 'subject')
      assert.equal(userAgentOf(calls[0]!), expectedUserAgent[impl.name])
    })

    it(`fetchProtectedResource() sends user-agent ${expectedUserAgent[impl.name]} unless one is given`, async () => {
      const { fetch, calls } = fakeFetch(() => json({}))
      const config = configure(fetch)
      const resource = new URL(`${issuer}/resource`)
      await client.fetchProtectedResource(config, 'access-token', resource, 'GET')
      assert.equal(userAgentOf(calls[0]!), expectedUserAgent[impl.name])
      const headers = new Headers({ 'user-agent': 'my-app/1.0' })
      await client.fetchProtectedResource(config, 'access-token', resource, 'GET', null, headers)
      assert.equal(userAgentOf(calls[1]!), 'my-app/1.0')
    })
  })
})

describe('openid-rp: credentials in the cause of an oauth4webapi error', () => {
  // oauth4webapi puts request Headers into some errors' causes; one that reaches openid-rp (here
  // thrown by a custom fetch built on oauth4webapi) must come out without the credentials in them.
  it('refreshTokenGrant() failing with a Headers cause keeps authorization and dpop out of the ClientError', async () => {
    const rp = await import('openid-rp')
    const config = new rp.Configuration(
      { issuer, token_endpoint: `${issuer}/token` },
      'client',
      'client-secret-value',
    )
    config[rp.customFetch] = async () => {
      throw new oauth.OperationProcessingError('the request was refused', {
        code: 'OAUTH_INVALID_REQUEST',
        cause: {
          headers: new Headers({
            authorization: 'Bearer access-token-IN-HEADERS',
            dpop: 'dpop-proof-IN-HEADERS',
            'x-request-id': 'request-1',
          }),
        },
      })
    }
    const err = (await caught(() => rp.refreshTokenGrant(config, 'refresh-token-value'))) as Error
    assert.ok(err instanceof rp.ClientError, String(err))
    assert.equal(err.code, 'OAUTH_INVALID_REQUEST')
    assert.deepEqual(err.cause, {
      headers: { authorization: '[redacted]', dpop: '[redacted]', 'x-request-id': 'request-1' },
    })
  })
})

describe('openid-rp: redaction of an oauth4webapi error cause', () => {
  const SECRET_MEMBERS = [
    'access_token',
    'refresh_token',
    'id_token',
    'client_secret',
    'code',
    'device_code',
    'auth_req_id',
    'client_assertion',
    'assertion',
    'subject_token',
    'actor_token',
    'registration_access_token',
    'authorization',
    'dpop',
  ]

  /** `levels` objects nested under `next`, the innermost holding `leaf`. */
  const nested = (levels: number): Record<string, unknown> =>
    levels === 0 ? { leaf: 'value' } : { next: nested(levels - 1) }

  async function causeOf(cause: unknown): Promise<unknown> {
    const rp = await import('openid-rp')
    const config = new rp.Configuration(
      { issuer, token_endpoint: `${issuer}/token` },
      'client',
      'client-secret-value',
    )
    config[rp.customFetch] = async () => {
      throw new oauth.OperationProcessingError('refused', { code: 'OAUTH_INVALID_RESPONSE', cause })
    }
    const err = (await caught(() => rp.refreshTokenGrant(config, 'refresh-token-value'))) as Error
    assert.ok(err instanceof rp.ClientError, String(err))
    return err.cause
  }

  it('refreshTokenGrant() failing with credentials in the cause redacts every credential member, in any letter case, in objects, arrays and URLSearchParams', async () => {
    const secrets = Object.fromEntries(SECRET_MEMBERS.map((name) => [name, `secret-${name}`]))
    const at = new URL('https://op.example/token')
    const cause = await causeOf({
      body: { ...secrets, scope: 'openid', expires_in: 300 },
      list: [{ Access_Token: 'secret-upper-case' }, 'plain'],
      params: new URLSearchParams({ code: 'secret-code-param', state: 'state-1' }),
      at,
    })
    const redacted = Object.fromEntries(SECRET_MEMBERS.map((name) => [name, '[redacted]']))
    assert.deepEqual(cause, {
      body: { ...redacted, scope: 'openid', expires_in: 300 },
      list: [{ Access_Token: '[redacted]' }, 'plain'],
      params: { code: '[redacted]', state: 'state-1' },
      at,
    })
    assert.equal((cause as { at: unknown }).at, at, 'a URL (not a plain object) is kept as it is')
  })

  it('refreshTokenGrant() failing with a deeply nested cause keeps 8 levels and drops what is deeper', async () => {
    const cause = await causeOf(nested(12))
    let expected: unknown = '[redacted]'
    for (let level = 0; level < 9; level++) expected = { next: expected }
    assert.deepEqual(cause, expected)
  })
})

describe('openid-rp: failures of a custom fetch', () => {
  async function failure(thrown: unknown): Promise<Error & { code?: string }> {
    const rp = await import('openid-rp')
    const config = new rp.Configuration(
      { issuer, token_endpoint: `${issuer}/token` },
      'client',
      'client-secret-value',
    )
    config[rp.customFetch] = async () => {
      throw thrown
    }
    return (await caught(() => rp.refreshTokenGrant(config, 'refresh-token-value'))) as Error & {
      code?: string
    }
  }

  for (const [name, code, message] of [
    ['TimeoutError', 'OAUTH_TIMEOUT', /^the request timed out: raise `config.timeout`/],
    ['AbortError', 'OAUTH_ABORT', /^the operation was aborted by its AbortSignal$/],
    ['OperationError', 'OAUTH_UNSUPPORTED_OPERATION', /^the runtime's WebCrypto refused/],
    ['NotSupportedError', 'OAUTH_UNSUPPORTED_OPERATION', /^the runtime's WebCrypto refused/],
  ] as const) {
    it(`refreshTokenGrant() whose fetch throws a ${name} rejects with ${code}, the error as cause`, async () => {
      const rp = await import('openid-rp')
      const thrown = new DOMException('from the transport', name)
      const err = await failure(thrown)
      assert.ok(err instanceof rp.ClientError, String(err))
      assert.equal(err.code, code)
      assert.match(err.message, message)
      assert.equal(err.cause, thrown)
    })
  }

  it('refreshTokenGrant() whose fetch throws another Error rejects with a ClientError without code, the error as cause', async () => {
    const rp = await import('openid-rp')
    const thrown = new Error('connection reset')
    const err = await failure(thrown)
    assert.ok(err instanceof rp.ClientError, String(err))
    assert.equal(err.code, undefined)
    assert.match(err.message, /^the request failed or returned an unusable response, see `cause`$/)
    assert.equal(err.cause, thrown)
  })

  it('refreshTokenGrant() whose fetch throws a TypeError or a ClientError rejects with that very error', async () => {
    const rp = await import('openid-rp')
    for (const thrown of [
      new TypeError('bad'),
      new rp.ClientError('mine', { code: 'OAUTH_ABORT' }),
    ]) {
      assert.equal(await failure(thrown), thrown)
    }
  })
})
