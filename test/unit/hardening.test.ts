import assert from 'node:assert/strict'
import { before, describe, it } from 'node:test'

import * as rp from 'openid-rp'

import { epoch, sign, type SigningKey, signingKey } from '../support/forge.ts'

const issuer = 'https://op.example'
const metadata = {
  issuer,
  authorization_endpoint: `${issuer}/auth`,
  token_endpoint: `${issuer}/token`,
  device_authorization_endpoint: `${issuer}/device`,
  jwks_uri: `${issuer}/jwks`,
}

type Handler = (url: URL, init: rp.CustomFetchOptions) => Response | Promise<Response>

function configure(handler: Handler, extra: Partial<rp.ServerMetadata> = {}) {
  const config = new rp.Configuration({ ...metadata, ...extra }, 'client', 'client-secret-value')
  const calls: string[] = []
  config[rp.customFetch] = async (url, init) => {
    calls.push(new URL(url).pathname)
    return handler(new URL(url), init)
  }
  return { config, calls }
}

const json = (body: unknown, status = 200, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json', ...headers },
  })

async function rejection(promise: Promise<unknown>): Promise<Error & { code?: string }> {
  try {
    await promise
  } catch (err) {
    return err as Error & { code?: string }
  }
  assert.fail('expected a rejection')
}

function serialised(err: Error): string {
  return JSON.stringify({ message: err.message, cause: err.cause }, (_key, value) =>
    value instanceof URLSearchParams || value instanceof Headers
      ? Object.fromEntries(value.entries())
      : value,
  )
}

/** A poll that never settles fails its test by name instead of stalling the run. */
const POLLING = { timeout: 30_000 }

const device = {
  device_code: 'device-code-value',
  user_code: 'U',
  verification_uri: `${issuer}/v`,
  expires_in: 60,
}

describe('openid-rp hardening', () => {
  it('authorizationCodeGrant() with a wrong state keeps the authorization code out of the error', async () => {
    const { config } = configure(() => json({}))
    const err = await rejection(
      rp.authorizationCodeGrant(
        config,
        new URL('https://rp.example/cb?code=AUTHCODE-SECRET&state=evil'),
        {
          expectedState: 'good',
        },
      ),
    )
    assert.equal(err.code, 'OAUTH_INVALID_RESPONSE')
    assert.doesNotMatch(serialised(err), /AUTHCODE-SECRET/)
  })

  it('authorizationCodeGrant() with an unsupported token_type keeps the tokens out of the error', async () => {
    const { config } = configure(() =>
      json({ access_token: 'AT-SECRET', refresh_token: 'RT-SECRET', token_type: 'mac' }),
    )
    const err = await rejection(
      rp.authorizationCodeGrant(config, new URL('https://rp.example/cb?code=c')),
    )
    assert.equal(err.code, 'OAUTH_UNSUPPORTED_OPERATION')
    assert.doesNotMatch(serialised(err), /AT-SECRET|RT-SECRET/)
  })

  it(
    'pollDeviceAuthorizationGrant() given a huge interval waits instead of firing at once',
    POLLING,
    async () => {
      const { config, calls } = configure(() => json({ error: 'authorization_pending' }, 400))
      const err = await rejection(
        rp.pollDeviceAuthorizationGrant(config, { ...device, interval: 3_000_000 }, undefined, {
          signal: AbortSignal.timeout(300),
        }),
      )
      assert.equal(err.code, 'OAUTH_TIMEOUT')
      assert.deepEqual(calls, [])
    },
  )

  it(
    'pollDeviceAuthorizationGrant() given a huge Retry-After waits instead of hammering the server',
    POLLING,
    async () => {
      const { config, calls } = configure(() =>
        json({ error: 'authorization_pending' }, 400, { 'retry-after': '9999999999' }),
      )
      const err = await rejection(
        rp.pollDeviceAuthorizationGrant(config, { ...device, interval: 0 }, undefined, {
          signal: AbortSignal.timeout(300),
        }),
      )
      assert.equal(err.code, 'OAUTH_TIMEOUT')
      assert.equal(calls.length, 1)
    },
  )

  it(
    'pollDeviceAuthorizationGrant() without a signal stops with OAUTH_TIMEOUT once expires_in has passed',
    POLLING,
    async () => {
      const { config, calls } = configure(() => json({ error: 'authorization_pending' }, 400))
      const started = Date.now()
      const err = await rejection(
        rp.pollDeviceAuthorizationGrant(config, { ...device, expires_in: 1, interval: 0.2 }),
      )
      assert.equal(err.code, 'OAUTH_TIMEOUT')
      assert.ok(Date.now() - started < 3000)
      assert.ok(calls.length >= 2 && calls.length <= 6, `${calls.length} polls`)
    },
  )

  it(
    'pollDeviceAuthorizationGrant() keeps polling at the interval while authorization is pending',
    POLLING,
    async () => {
      const { config, calls } = configure(() => json({ error: 'authorization_pending' }, 400))
      const err = await rejection(
        rp.pollDeviceAuthorizationGrant(config, { ...device, interval: 0.2 }, undefined, {
          signal: AbortSignal.timeout(1500),
        }),
      )
      assert.equal(err.code, 'OAUTH_TIMEOUT')
      assert.ok(calls.length >= 3, `${calls.length} polls`)
    },
  )

  it(
    'pollDeviceAuthorizationGrant() on slow_down waits 5 s longer before the next poll',
    POLLING,
    async () => {
      const { config, calls } = configure(() => json({ error: 'slow_down' }, 400))
      const err = await rejection(
        rp.pollDeviceAuthorizationGrant(config, { ...device, interval: 0.2 }, undefined, {
          signal: AbortSignal.timeout(1500),
        }),
      )
      assert.equal(err.code, 'OAUTH_TIMEOUT')
      assert.equal(calls.length, 1)
    },
  )

  it(
    'pollDeviceAuthorizationGrant() retries a 503 after its Retry-After delay',
    POLLING,
    async () => {
      let answered = 0
      const { config, calls } = configure(() =>
        answered++ === 0
          ? new Response('busy', { status: 503, headers: { 'retry-after': '1' } })
          : json({ access_token: 'at', token_type: 'bearer' }),
      )
      const started = Date.now()
      const tokens = await rp.pollDeviceAuthorizationGrant(config, { ...device, interval: 0 })
      assert.equal(tokens.access_token, 'at')
      assert.equal(calls.length, 2)
      assert.ok(Date.now() - started >= 900, 'waited for Retry-After')
    },
  )

  it(
    'pollDeviceAuthorizationGrant() rejects a 503 without Retry-After with OAUTH_RESPONSE_IS_NOT_CONFORM',
    POLLING,
    async () => {
      const { config, calls } = configure(() => new Response('busy', { status: 503 }))
      const err = await rejection(
        rp.pollDeviceAuthorizationGrant(config, { ...device, interval: 0 }),
      )
      assert.equal(err.code, 'OAUTH_RESPONSE_IS_NOT_CONFORM')
      assert.equal(calls.length, 1)
    },
  )

  it('fetchProtectedResource() with a stream body does not replay it on a DPoP nonce challenge', async () => {
    const { config, calls } = configure(
      () =>
        new Response(null, {
          status: 401,
          headers: { 'www-authenticate': 'DPoP error="use_dpop_nonce"', 'dpop-nonce': 'n1' },
        }),
    )
    const DPoP = rp.getDPoPHandle(config, await rp.randomDPoPKeyPair())
    const body = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('payload'))
        controller.close()
      },
    })
    const err = await rejection(
      rp.fetchProtectedResource(config, 'at', new URL(`${issuer}/api`), 'POST', body, undefined, {
        DPoP,
      }),
    )
    assert.ok(err instanceof rp.WWWAuthenticateChallengeError, String(err))
    assert.equal(calls.length, 1)
  })

  it('Configuration timeout accepts 0 and null as no timeout and refuses Infinity', () => {
    const { config } = configure(() => json({}))
    config.timeout = 0
    assert.equal(config.timeout, 0)
    config.timeout = null as unknown as undefined
    assert.equal(config.timeout, undefined)
    assert.throws(() => (config.timeout = Infinity), {
      name: 'TypeError',
      code: 'ERR_INVALID_ARG_VALUE',
    })
  })

  it('discovery() with timeout 0 makes its request without a timeout', async () => {
    const config = await rp.discovery(new URL(issuer), 'client', 'secret', undefined, {
      timeout: 0,
      [rp.customFetch]: async (_url, init) => {
        assert.equal(init.signal, undefined)
        return json(metadata)
      },
    })
    assert.equal(config.timeout, 0)
  })

  it('authorizationCodeGrant() refuses an empty pkceCodeVerifier instead of silently skipping PKCE', async () => {
    const { config, calls } = configure(() => json({}))
    const err = await rejection(
      rp.authorizationCodeGrant(config, new URL('https://rp.example/cb?code=c'), {
        pkceCodeVerifier: '',
      }),
    )
    assert.ok(err instanceof TypeError)
    assert.equal(err.code, 'ERR_INVALID_ARG_VALUE')
    assert.deepEqual(calls, [])
  })

  describe('Microsoft Entra ID multi-tenant issuers', () => {
    const entra = 'https://login.microsoftonline.com'
    const template = `${entra}/{tenantid}/v2.0`
    const tid = '9188040d-6c67-4c5b-b112-36a304b66dad'
    let key: SigningKey
    const entraMetadata = () => ({
      issuer: template,
      authorization_endpoint: `${entra}/common/oauth2/v2.0/authorize`,
      token_endpoint: `${entra}/common/oauth2/v2.0/token`,
      jwks_uri: `${entra}/common/discovery/v2.0/keys`,
    })

    before(async () => {
      key = await signingKey('RS256', 'entra-1')
    })

    async function transport(): Promise<rp.CustomFetch> {
      const idToken = await sign(
        {
          iss: `${entra}/${tid}/v2.0`,
          tid,
          aud: 'client',
          sub: 's',
          iat: epoch(),
          exp: epoch() + 300,
        },
        key,
      )
      return async (url) => {
        const { pathname } = new URL(url)
        if (pathname.endsWith('openid-configuration')) return json(entraMetadata())
        if (pathname.endsWith('/token'))
          return json({ access_token: 'at', token_type: 'bearer', id_token: idToken })
        return json({ keys: [key.jwk] })
      }
    }

    it('a discovered Configuration accepts the tenant issuer even after a manual Configuration of the same document', async () => {
      const manual = new rp.Configuration(entraMetadata(), 'client', 'secret')
      manual[rp.customFetch] = await transport()
      const discovered = await rp.discovery(
        new URL(`${entra}/common/v2.0`),
        'client',
        'secret',
        undefined,
        {
          [rp.customFetch]: await transport(),
        },
      )
      const tokens = await rp.authorizationCodeGrant(
        discovered,
        new URL('https://rp.example/cb?code=c'),
      )
      assert.equal(tokens.claims()?.iss, `${entra}/${tid}/v2.0`)
      const err = await rejection(
        rp.authorizationCodeGrant(manual, new URL('https://rp.example/cb?code=c')),
      )
      assert.equal(err.code, 'OAUTH_JWT_CLAIM_COMPARISON_FAILED')
    })
  })
})
