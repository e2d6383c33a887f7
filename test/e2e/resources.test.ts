import { after, before, it } from 'node:test'
import assert from 'node:assert/strict'
import { type Client, describeEachImplementation } from '../support/implementations.ts'
import {
  createProvider,
  startResourceServer,
  type ResourceRequest,
  type ResourceServer,
  type TestProvider,
} from '../support/provider.ts'
import {
  assertClientError,
  closeProvider,
  discoverWebAndService,
  rejection,
  serviceSecret,
  signInWithPKCE,
  webAndServiceClients,
  webSecret,
} from '../support/e2e.ts'

type Configuration = InstanceType<Client['Configuration']>

let op: TestProvider
let rs: ResourceServer

before(async () => {
  op = await createProvider({
    features: { clientCredentials: true, introspection: true, revocation: true },
    clients: webAndServiceClients(),
  })
  rs = await startResourceServer(op)
})

after(async () => {
  await rs.close()
  await closeProvider(op)
})

function challengeOf(error: { cause?: unknown }) {
  const [challenge] = error.cause as Array<{ scheme: string; parameters: Record<string, string> }>
  return challenge
}

describeEachImplementation('resources', (_impl, client) => {
  let web: Configuration
  let service: Configuration

  const signIn = () => signInWithPKCE(client, web)

  before(async () => {
    ;({ web, service } = await discoverWebAndService(client, op))
  })

  it('fetchUserInfo() with the expected subject returns the account claims the scopes allow', async () => {
    const tokens = await signIn()
    const userinfo = await client.fetchUserInfo(web, tokens.access_token, op.account.sub)
    assert.equal(userinfo.sub, op.account.sub)
    assert.equal(userinfo.email, op.account.email)
    assert.equal(userinfo.email_verified, op.account.email_verified)
    assert.equal(userinfo.name, op.account.name)
    assert.equal(userinfo.phone_number, undefined, 'the phone scope was not requested')
  })

  it('fetchUserInfo() with skipSubjectCheck returns the claims without comparing sub', async () => {
    const tokens = await signIn()
    const userinfo = await client.fetchUserInfo(web, tokens.access_token, client.skipSubjectCheck)
    assert.equal(userinfo.sub, op.account.sub)
    assert.equal(userinfo.given_name, op.account.given_name)
  })

  it('fetchUserInfo() rejects a response for another subject than expected', async () => {
    const tokens = await signIn()
    const error = await rejection(client.fetchUserInfo(web, tokens.access_token, 'someone-else'))
    assertClientError(client, error, 'OAUTH_JSON_ATTRIBUTE_COMPARISON_FAILED')
  })

  it('fetchUserInfo() with an access token the provider never issued rejects with the invalid_token challenge', async () => {
    const error = await rejection(
      client.fetchUserInfo(web, 'not-an-access-token', client.skipSubjectCheck),
    )
    assert.ok(
      error instanceof client.WWWAuthenticateChallengeError,
      `got ${error.name}: ${error.message}`,
    )
    assert.equal(error.status, 401)
    assert.equal(challengeOf(error)?.parameters.error, 'invalid_token')
  })

  it('tokenIntrospection() reports an active access token with its subject, client and scope', async () => {
    const tokens = await signIn()
    const introspection = await client.tokenIntrospection(web, tokens.access_token)
    assert.equal(introspection.active, true)
    assert.equal(introspection.sub, op.account.sub)
    assert.equal(introspection.client_id, 'rp-web')
    assert.equal(introspection.scope, 'openid email profile')
    assert.equal(introspection.iss, op.issuer.href)
    assert.equal(typeof introspection.exp, 'number')
  })

  it('tokenIntrospection() with a token_type_hint parameter reports an active refresh token', async () => {
    const tokens = await signIn()
    const bodies: URLSearchParams[] = []
    const config = await client.discovery(
      op.issuer,
      'rp-web',
      undefined,
      client.ClientSecretBasic(webSecret),
      {
        execute: [client.allowInsecureRequests],
        [client.customFetch]: (url, options) => {
          if (options.method === 'POST')
            bodies.push(new URLSearchParams(options.body as string | URLSearchParams))
          return fetch(url, options as RequestInit)
        },
      },
    )
    const introspection = await client.tokenIntrospection(config, tokens.refresh_token!, {
      token_type_hint: 'refresh_token',
    })
    assert.equal(introspection.active, true)
    assert.equal(introspection.sub, op.account.sub)
    assert.equal(introspection.client_id, 'rp-web')
    assert.equal(bodies.length, 1)
    assert.equal(bodies[0]!.get('token'), tokens.refresh_token)
    assert.equal(bodies[0]!.get('token_type_hint'), 'refresh_token')
  })

  it('tokenIntrospection() reports a token the provider never issued as inactive', async () => {
    const introspection = await client.tokenIntrospection(
      service,
      'not-a-token-issued-by-this-provider',
    )
    assert.deepEqual(introspection, { active: false })
  })

  it('tokenRevocation() of an access token makes it inactive and refused at userinfo', async () => {
    const tokens = await signIn()
    assert.equal((await client.tokenIntrospection(web, tokens.access_token)).active, true)

    const result = await client.tokenRevocation(web, tokens.access_token)
    assert.equal(result, undefined)
    assert.equal((await client.tokenIntrospection(web, tokens.access_token)).active, false)
    const error = await rejection(client.fetchUserInfo(web, tokens.access_token, op.account.sub))
    assert.ok(
      error instanceof client.WWWAuthenticateChallengeError,
      `got ${error.name}: ${error.message}`,
    )
  })

  it('tokenRevocation() of a refresh token with a token_type_hint makes refreshTokenGrant() fail with invalid_grant', async () => {
    const tokens = await signIn()
    await client.tokenRevocation(web, tokens.refresh_token!, { token_type_hint: 'refresh_token' })
    const introspection = await client.tokenIntrospection(web, tokens.refresh_token!)
    assert.equal(introspection.active, false)
    const error = await rejection(client.refreshTokenGrant(web, tokens.refresh_token!))
    assert.ok(error instanceof client.ResponseBodyError, `got ${error.name}: ${error.message}`)
    assert.equal(error.error, 'invalid_grant')
  })

  it('fetchProtectedResource() GET sends the access token as Bearer with the given headers', async () => {
    const tokens = await signIn()
    const url = new URL('/accounts/me?fields=all', rs.url)
    const response = await client.fetchProtectedResource(
      web,
      tokens.access_token,
      url,
      'GET',
      undefined,
      new Headers({ 'x-request-id': 'req-1', accept: 'application/json' }),
    )
    assert.ok(response instanceof Response)
    assert.equal(response.status, 200)
    const seen = (await response.json()) as ResourceRequest
    assert.equal(seen.method, 'GET')
    assert.equal(seen.path, '/accounts/me')
    assert.deepEqual(seen.query, { fields: 'all' })
    assert.equal(seen.scheme, 'Bearer')
    assert.equal(seen.headers.authorization, `Bearer ${tokens.access_token}`)
    assert.equal(seen.headers['x-request-id'], 'req-1')
    assert.equal(seen.token.sub, op.account.sub)
    assert.equal(seen.token.client_id, 'rp-web')
  })

  it('fetchProtectedResource() sends POST, PUT, PATCH and DELETE with string, URLSearchParams and byte bodies', async () => {
    const { access_token: token } = await client.clientCredentialsGrant(service, {
      scope: 'api:write',
    })
    const cases: Array<{
      method: string
      body: string | URLSearchParams | Uint8Array | undefined
      headers?: Headers
      expected: string
    }> = [
      {
        method: 'POST',
        body: JSON.stringify({ amount: 10 }),
        headers: new Headers({ 'content-type': 'application/json' }),
        expected: '{"amount":10}',
      },
      {
        method: 'PUT',
        body: new URLSearchParams({ name: 'Jane', city: 'Zürich' }),
        expected: 'name=Jane&city=Z%C3%BCrich',
      },
      {
        method: 'PATCH',
        body: new TextEncoder().encode('raw-bytes'),
        headers: new Headers({ 'content-type': 'application/octet-stream' }),
        expected: 'raw-bytes',
      },
      { method: 'DELETE', body: undefined, expected: '' },
    ]
    for (const { method, body, headers, expected } of cases) {
      const response = await client.fetchProtectedResource(
        service,
        token,
        new URL('/things/1', rs.url),
        method,
        body,
        headers,
      )
      assert.equal(response.status, 200, `${method} accepted`)
      const seen = (await response.json()) as ResourceRequest
      assert.equal(seen.method, method)
      assert.equal(seen.body, expected, `${method} body`)
      assert.equal(seen.token.client_id, 'rp-service')
      assert.equal(seen.token.sub, undefined, 'a client credentials token has no end-user')
      assert.equal(seen.token.scope, 'api:write')
    }
  })

  it('fetchProtectedResource() with a revoked token rejects with the invalid_token challenge', async () => {
    const { access_token: token } = await client.clientCredentialsGrant(service, {
      scope: 'api:read',
    })
    await client.tokenRevocation(service, token)
    const error = await rejection(
      client.fetchProtectedResource(service, token, new URL('/things/1', rs.url), 'GET'),
    )
    assert.ok(
      error instanceof client.WWWAuthenticateChallengeError,
      `got ${error.name}: ${error.message}`,
    )
    assert.equal(error.status, 401)
    assert.equal(challengeOf(error)?.scheme, 'bearer')
    assert.equal(challengeOf(error)?.parameters.error, 'invalid_token')
  })

  it('fetchProtectedResource() gives up with OAUTH_TIMEOUT when the resource is slower than Configuration.timeout', async () => {
    const { access_token: token } = await client.clientCredentialsGrant(service, {
      scope: 'api:read',
    })
    const slow = await client.discovery(op.issuer, 'rp-service', serviceSecret, undefined, {
      execute: [client.allowInsecureRequests],
    })
    slow.timeout = 0.2
    const started = performance.now()
    const error = await rejection(
      client.fetchProtectedResource(slow, token, new URL('/slow?ms=5000', rs.url), 'GET'),
    )
    const elapsed = performance.now() - started
    assertClientError(client, error, 'OAUTH_TIMEOUT')
    assert.ok(elapsed >= 150 && elapsed < 2000, `gave up after ${Math.round(elapsed)} ms`)
  })

  it('Configuration [customFetch] carries the token, userinfo, introspection and resource requests', async () => {
    const seen: Array<{ method: string; url: string }> = []
    const config = await client.discovery(op.issuer, 'rp-service', serviceSecret, undefined, {
      execute: [client.allowInsecureRequests],
    })
    assert.equal(config[client.customFetch], undefined)
    config[client.customFetch] = (url, options) => {
      seen.push({ method: options.method, url })
      return fetch(url, options as RequestInit)
    }
    const { access_token: token } = await client.clientCredentialsGrant(config, {
      scope: 'api:read',
    })
    await client.tokenIntrospection(config, token)
    await client.fetchProtectedResource(config, token, new URL('/via-custom-fetch', rs.url), 'GET')
    await client.tokenRevocation(config, token)

    const metadata = config.serverMetadata()
    assert.deepEqual(seen, [
      { method: 'POST', url: metadata.token_endpoint },
      { method: 'POST', url: metadata.introspection_endpoint },
      { method: 'GET', url: new URL('/via-custom-fetch', rs.url).href },
      { method: 'POST', url: metadata.revocation_endpoint },
    ])
  })
})
