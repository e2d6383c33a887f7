import { after, before, it } from 'node:test'
import assert from 'node:assert/strict'
import { describeEachImplementation, divergence } from '../support/implementations.ts'
import { login } from '../support/login.ts'
import { createProvider, type TestProvider } from '../support/provider.ts'
import {
  assertClientError,
  closeProvider,
  pkceRequest,
  recordingFetch,
  redirectUri,
  rejection,
  secret,
  type Exchange,
  type Transport,
} from '../support/e2e.ts'

let op: TestProvider

before(async () => {
  op = await createProvider({
    features: { introspection: true, jwtIntrospection: true, jwtUserinfo: true },
    clients: [
      {
        client_id: 'signed',
        client_secret: secret('signed'),
        redirect_uris: [redirectUri],
        response_types: ['code'],
        grant_types: ['authorization_code'],
        userinfo_signed_response_alg: 'ES256',
        introspection_signed_response_alg: 'ES256',
      },
    ],
  })
})

after(() => closeProvider(op))

/** Flips one character of a JWT response body's signature; other responses pass through. */
function tamperingFetch(inner: Transport = fetch): Transport {
  return async (url, options) => {
    const response = await inner(url, options)
    const type = response.headers.get('content-type') ?? ''
    if (!type.includes('jwt')) return response
    const body = await response.text()
    const last = body.at(-2) === 'A' ? 'B' : 'A'
    return new Response(`${body.slice(0, -2)}${last}${body.at(-1)}`, {
      status: response.status,
      headers: response.headers,
    })
  }
}

describeEachImplementation('non-repudiation and JWKS cache', (impl, client) => {
  const configure = (exchanges: Exchange[], inner?: Transport, nonRepudiation = true) =>
    client.discovery(
      op.issuer,
      'signed',
      { userinfo_signed_response_alg: 'ES256', introspection_signed_response_alg: 'ES256' },
      client.ClientSecretBasic(secret('signed')),
      {
        execute: [
          client.allowInsecureRequests,
          ...(nonRepudiation ? [client.enableNonRepudiationChecks] : []),
        ],
        [client.customFetch]: recordingFetch(exchanges, inner),
      },
    )

  const accessToken = async (config: Awaited<ReturnType<typeof configure>>) => {
    const { parameters, checks } = await pkceRequest(client)
    const callback = await login(client.buildAuthorizationUrl(config, parameters))
    return (await client.authorizationCodeGrant(config, callback, checks)).access_token
  }

  const jwksFetches = (exchanges: Exchange[], config: Awaited<ReturnType<typeof configure>>) =>
    exchanges.filter((exchange) => exchange.url === config.serverMetadata().jwks_uri).length

  it('enableNonRepudiationChecks() verifies a signed UserInfo JWT (application/jwt) against the JWKS', async () => {
    const exchanges: Exchange[] = []
    const config = await configure(exchanges)
    const token = await accessToken(config)
    const userinfo = await client.fetchUserInfo(config, token, op.account.sub)
    assert.equal(userinfo.email, op.account.email)
    const exchange = exchanges.find((e) => e.url === config.serverMetadata().userinfo_endpoint)
    assert.equal(exchange?.contentType?.split(';')[0], 'application/jwt')
    assert.equal(exchange?.requestHeaders.get('accept')?.includes('application/jwt'), true)
    assert.ok(jwksFetches(exchanges, config) >= 1, 'the JWKS was fetched to verify')
  })

  it('enableNonRepudiationChecks() verifies a JWT introspection response (token-introspection+jwt)', async () => {
    const exchanges: Exchange[] = []
    const config = await configure(exchanges)
    const token = await accessToken(config)
    const introspection = await client.tokenIntrospection(config, token)
    assert.equal(introspection.active, true)
    assert.equal(introspection.sub, op.account.sub)
    const exchange = exchanges.find((e) => e.url === config.serverMetadata().introspection_endpoint)
    assert.equal(exchange?.contentType?.split(';')[0], 'application/token-introspection+jwt')
  })

  it('enableNonRepudiationChecks() rejects a UserInfo JWT whose signature was altered', async () => {
    const exchanges: Exchange[] = []
    const config = await configure(exchanges, tamperingFetch())
    const token = await accessToken(config)
    const error = await rejection(client.fetchUserInfo(config, token, op.account.sub))
    assertClientError(client, error, 'OAUTH_INVALID_RESPONSE')
  })

  it('enableNonRepudiationChecks() rejects a JWT introspection response whose signature was altered', async () => {
    const exchanges: Exchange[] = []
    const config = await configure(exchanges, tamperingFetch())
    const token = await accessToken(config)
    const error = await rejection(client.tokenIntrospection(config, token))
    assertClientError(client, error, 'OAUTH_INVALID_RESPONSE')
  })

  it(`without enableNonRepudiationChecks() an altered UserInfo signature is ${divergence(impl, 34) ? 'refused (a signature that is there is checked)' : 'not checked (TLS trusted)'}`, async () => {
    const exchanges: Exchange[] = []
    const config = await configure(exchanges, tamperingFetch(), false)
    const token = await accessToken(config)
    const attempt = client.fetchUserInfo(config, token, op.account.sub)
    if (divergence(impl, 34)) {
      assertClientError(client, await rejection(attempt), 'OAUTH_INVALID_RESPONSE')
      assert.equal(jwksFetches(exchanges, config), 1, 'one JWKS fetch to check the signature')
    } else {
      assert.equal((await attempt).sub, op.account.sub)
      assert.equal(jwksFetches(exchanges, config), 0, 'no JWKS fetch without the checks')
    }
  })

  it('without enableNonRepudiationChecks() a genuine signed UserInfo from the provider is accepted', async () => {
    const exchanges: Exchange[] = []
    const config = await configure(exchanges, undefined, false)
    const token = await accessToken(config)
    assert.equal((await client.fetchUserInfo(config, token, op.account.sub)).sub, op.account.sub)
    assert.equal((await client.fetchUserInfo(config, token, op.account.sub)).sub, op.account.sub)
    assert.equal(
      jwksFetches(exchanges, config),
      divergence(impl, 34) ? 1 : 0,
      'one cached JWKS fetch for two signed responses',
    )
  })

  it('getJwksCache()/setJwksCache() carry the JWKS to a fresh Configuration that then verifies without fetching it', async () => {
    const first: Exchange[] = []
    const config = await configure(first)
    assert.equal(client.getJwksCache(config), undefined, 'nothing cached before keys were needed')
    const token = await accessToken(config)
    await client.fetchUserInfo(config, token, op.account.sub)
    const cache = client.getJwksCache(config)
    assert.ok(cache, 'getJwksCache() returns the fetched JWKS')
    assert.equal(typeof cache.uat, 'number')
    const stored = JSON.parse(JSON.stringify(cache)) as typeof cache
    assert.ok(stored.jwks.keys.length >= 1, 'the cache holds the issuer keys')

    const second: Exchange[] = []
    const fresh = await configure(second)
    client.setJwksCache(fresh, stored)
    const userinfo = await client.fetchUserInfo(fresh, token, op.account.sub)
    assert.equal(userinfo.sub, op.account.sub)
    const introspection = await client.tokenIntrospection(fresh, token)
    assert.equal(introspection.active, true)
    assert.equal(jwksFetches(second, fresh), 0, 'the restored cache served the keys')
    assert.deepEqual(client.getJwksCache(fresh)?.jwks, stored.jwks)
  })

  it('setJwksCache() with a fresh cache lacking the signing key rejects without refetching (refetch cooldown)', async () => {
    const exchanges: Exchange[] = []
    const config = await configure(exchanges, undefined, false)
    const token = await accessToken(config)
    client.enableNonRepudiationChecks(config)
    client.setJwksCache(config, { jwks: { keys: [] }, uat: Math.floor(Date.now() / 1000) })
    const error = await rejection(client.fetchUserInfo(config, token, op.account.sub))
    assertClientError(client, error, 'OAUTH_KEY_SELECTION_FAILED')
    assert.equal(jwksFetches(exchanges, config), 0)
  })

  it('setJwksCache() with a stale cache lacking the signing key refetches the JWKS once', async () => {
    const exchanges: Exchange[] = []
    const config = await configure(exchanges)
    client.setJwksCache(config, { jwks: { keys: [] }, uat: Math.floor(Date.now() / 1000) - 600 })
    const token = await accessToken(config)
    const userinfo = await client.fetchUserInfo(config, token, op.account.sub)
    assert.equal(userinfo.sub, op.account.sub)
    assert.equal(jwksFetches(exchanges, config), 1)
  })
})
