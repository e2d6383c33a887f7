import { after, before, it } from 'node:test'
import assert from 'node:assert/strict'
import * as jose from 'jose'
import { type Client, describeEachImplementation } from '../support/implementations.ts'
import { CookieJar, login } from '../support/login.ts'
import { createProvider, type TestProvider } from '../support/provider.ts'
import { assertClientError, closeProvider, rejection } from '../support/e2e.ts'

type ClientAuth = ReturnType<Client['None']>

const redirectUri = 'https://client.example/cb'
const postLogoutRedirectUri = 'https://client.example/logged-out'
const secret = (name: string) => `${name}-secret-0123456789abcdefghijklmnopqrstuvwxyz`

let op: TestProvider
let signingKey: { key: CryptoKey; kid: string }

const baseClient = {
  redirect_uris: [redirectUri],
  post_logout_redirect_uris: [postLogoutRedirectUri],
  grant_types: ['authorization_code', 'refresh_token'],
  response_types: ['code'],
} as const

before(async () => {
  const { privateKey, publicKey } = await jose.generateKeyPair('ES256', { extractable: true })
  signingKey = { key: privateKey, kid: 'rp-signing-key' }
  const publicJwk = {
    ...(await jose.exportJWK(publicKey)),
    kid: signingKey.kid,
    alg: 'ES256',
    use: 'sig',
  }
  op = await createProvider({
    features: { requestObjects: true },
    clients: [
      {
        ...baseClient,
        client_id: 'rp-basic',
        client_secret: secret('rp-basic'),
        token_endpoint_auth_method: 'client_secret_basic',
      },
      {
        ...baseClient,
        client_id: 'rp-post',
        client_secret: secret('rp-post'),
        token_endpoint_auth_method: 'client_secret_post',
      },
      {
        ...baseClient,
        client_id: 'rp-secret-jwt',
        client_secret: secret('rp-secret-jwt'),
        token_endpoint_auth_method: 'client_secret_jwt',
      },
      {
        ...baseClient,
        client_id: 'rp-private-key-jwt',
        token_endpoint_auth_method: 'private_key_jwt',
        jwks: { keys: [publicJwk] },
        request_object_signing_alg: 'ES256',
      },
      { ...baseClient, client_id: 'rp-public', token_endpoint_auth_method: 'none' },
    ],
  })
})

after(() => closeProvider(op))

/** A 401 with `WWW-Authenticate: Basic error="invalid_client"` surfaces as WWWAuthenticateChallengeError. */
function assertBasicChallenge(client: Client, error: Error & { status?: number; cause?: unknown }) {
  assert.ok(
    error instanceof client.WWWAuthenticateChallengeError,
    `got ${error.name}: ${error.message}`,
  )
  assert.equal(error.status, 401)
  const [challenge] = error.cause as Array<{ scheme: string; parameters: Record<string, string> }>
  assert.equal(challenge?.scheme, 'basic')
  assert.equal(challenge?.parameters.error, 'invalid_client')
}

function asUrl(callback: URL | Request): URL {
  assert.ok(callback instanceof URL, 'the provider redirected to the redirect URI')
  return callback
}

describeEachImplementation('authorization code', (impl, client) => {
  const configure = (
    clientId: string,
    auth?: ClientAuth,
    metadata?: Parameters<Client['discovery']>[2],
  ) =>
    client.discovery(op.issuer, clientId, metadata, auth, {
      execute: [client.allowInsecureRequests],
    })

  /** PKCE + state + nonce request parameters and the matching checks. */
  const pkceRequest = async (extra: Record<string, string> = {}) => {
    const pkceCodeVerifier = client.randomPKCECodeVerifier()
    const expectedState = client.randomState()
    const expectedNonce = client.randomNonce()
    const parameters = {
      redirect_uri: redirectUri,
      scope: 'openid email profile',
      code_challenge: await client.calculatePKCECodeChallenge(pkceCodeVerifier),
      code_challenge_method: 'S256',
      state: expectedState,
      nonce: expectedNonce,
      ...extra,
    }
    return { parameters, checks: { pkceCodeVerifier, expectedState, expectedNonce } }
  }

  /** `rp-basic` logged in through the front channel: its Configuration, checks and callback. */
  const signedInCallback = async () => {
    const config = await configure('rp-basic', client.ClientSecretBasic(secret('rp-basic')))
    const { parameters, checks } = await pkceRequest()
    const callback = asUrl(await login(client.buildAuthorizationUrl(config, parameters)))
    return { config, checks, callback }
  }

  it('buildAuthorizationUrl() targets the authorization endpoint with client_id, response_type and the parameters', async () => {
    const config = await configure('rp-basic', client.ClientSecretBasic(secret('rp-basic')))
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope: 'openid',
      state: 'abc',
    })
    assert.equal(`${url.origin}${url.pathname}`, config.serverMetadata().authorization_endpoint)
    assert.equal(url.searchParams.get('client_id'), 'rp-basic')
    assert.equal(url.searchParams.get('response_type'), 'code')
    assert.equal(url.searchParams.get('redirect_uri'), redirectUri)
    assert.equal(url.searchParams.get('scope'), 'openid')
    assert.equal(url.searchParams.get('state'), 'abc')
  })

  it('authorizationCodeGrant() with PKCE, state, nonce and maxAge on a query callback returns tokens and ID Token claims', async () => {
    const config = await configure('rp-basic', client.ClientSecretBasic(secret('rp-basic')))
    const { parameters, checks } = await pkceRequest({ max_age: '300' })
    const callback = asUrl(await login(client.buildAuthorizationUrl(config, parameters)))
    assert.equal(callback.searchParams.get('state'), checks.expectedState)

    const before = Math.floor(Date.now() / 1000)
    const tokens = await client.authorizationCodeGrant(config, callback, {
      ...checks,
      maxAge: 300,
    })
    assert.equal(typeof tokens.access_token, 'string')
    assert.equal(tokens.token_type.toLowerCase(), 'bearer')
    assert.equal(typeof tokens.refresh_token, 'string')
    assert.equal(tokens.scope, 'openid email profile')

    const claims = tokens.claims()
    assert.ok(claims, 'claims() returns the ID Token claims')
    assert.equal(claims.sub, op.account.sub)
    assert.equal(claims.iss, op.issuer.href)
    assert.equal(claims.aud, 'rp-basic')
    assert.equal(claims.nonce, checks.expectedNonce)
    assert.equal(typeof claims.auth_time, 'number')
    assert.ok(
      Math.abs((claims.auth_time as number) - before) <= 5,
      'auth_time is the login just made',
    )

    const expiresIn = tokens.expiresIn()
    assert.equal(typeof expiresIn, 'number')
    assert.ok(
      expiresIn! > 0 && expiresIn! <= tokens.expires_in!,
      `expiresIn() ${expiresIn} within expires_in ${tokens.expires_in}`,
    )
  })

  it('authorizationCodeGrant() accepts the POST Request of a response_mode=form_post callback', async () => {
    const config = await configure('rp-post', client.ClientSecretPost(secret('rp-post')))
    const { parameters, checks } = await pkceRequest({ response_mode: 'form_post' })
    const callback = await login(client.buildAuthorizationUrl(config, parameters))
    assert.ok(callback instanceof Request, 'the provider answered with an auto-submitting form')
    assert.equal(callback.method, 'POST')

    const tokens = await client.authorizationCodeGrant(config, callback, checks)
    assert.equal(tokens.claims()?.sub, op.account.sub)
    assert.equal(tokens.claims()?.nonce, checks.expectedNonce)
  })

  it('authorizationCodeGrant() throws AuthorizationResponseError when the user denies access', async () => {
    const config = await configure('rp-basic', client.ClientSecretBasic(secret('rp-basic')))
    const { parameters, checks } = await pkceRequest()
    const callback = asUrl(
      await login(client.buildAuthorizationUrl(config, parameters), { deny: true }),
    )
    assert.equal(callback.searchParams.get('error'), 'access_denied')

    const error = await rejection(client.authorizationCodeGrant(config, callback, checks))
    assert.ok(
      error instanceof client.AuthorizationResponseError,
      `got ${error.name}: ${error.message}`,
    )
    assert.equal(error.error, 'access_denied')
    assert.equal(error.error_description, 'End-User denied the request')
  })

  it('authorizationCodeGrant() rejects a callback whose state differs from expectedState', async () => {
    const { config, checks, callback } = await signedInCallback()

    const error = await rejection(
      client.authorizationCodeGrant(config, callback, {
        ...checks,
        expectedState: client.randomState(),
      }),
    )
    assertClientError(client, error, 'OAUTH_INVALID_RESPONSE')
  })

  it('authorizationCodeGrant() with skipStateCheck accepts the callback of a request sent without state', async () => {
    const config = await configure('rp-basic', client.ClientSecretBasic(secret('rp-basic')))
    const { parameters, checks } = await pkceRequest()
    const { state: _omitted, ...withoutState } = parameters
    const callback = asUrl(await login(client.buildAuthorizationUrl(config, withoutState)))
    assert.equal(callback.searchParams.has('state'), false)

    const tokens = await client.authorizationCodeGrant(config, callback, {
      ...checks,
      expectedState: client.skipStateCheck,
    })
    assert.equal(tokens.claims()?.nonce, checks.expectedNonce)
  })

  it('authorizationCodeGrant() without expectedState rejects a callback that carries state', async () => {
    const { config, checks, callback } = await signedInCallback()

    const error = await rejection(
      client.authorizationCodeGrant(config, callback, {
        pkceCodeVerifier: checks.pkceCodeVerifier,
        expectedNonce: checks.expectedNonce,
      }),
    )
    assertClientError(client, error, 'OAUTH_INVALID_RESPONSE')
  })

  it('authorizationCodeGrant() rejects an ID Token whose nonce differs from expectedNonce', async () => {
    const { config, checks, callback } = await signedInCallback()

    const error = await rejection(
      client.authorizationCodeGrant(config, callback, {
        ...checks,
        expectedNonce: client.randomNonce(),
      }),
    )
    assertClientError(client, error, 'OAUTH_JWT_CLAIM_COMPARISON_FAILED')
  })

  it('authorizationCodeGrant() with the wrong PKCE verifier gets invalid_grant as ResponseBodyError', async () => {
    const { config, checks, callback } = await signedInCallback()

    const error = await rejection(
      client.authorizationCodeGrant(config, callback, {
        ...checks,
        pkceCodeVerifier: client.randomPKCECodeVerifier(),
      }),
    )
    assert.ok(error instanceof client.ResponseBodyError, `got ${error.name}: ${error.message}`)
    assert.equal(error.error, 'invalid_grant')
    assert.equal(error.status, 400)
  })

  const authMethods: Array<{
    method: string
    clientId: string
    auth?: (c: Client) => ClientAuth
    metadata?: Parameters<Client['discovery']>[2]
  }> = [
    {
      method: 'client_secret_basic',
      clientId: 'rp-basic',
      auth: (c) => c.ClientSecretBasic(secret('rp-basic')),
    },
    {
      method: 'client_secret_post',
      clientId: 'rp-post',
      auth: (c) => c.ClientSecretPost(secret('rp-post')),
    },
    {
      method: 'client_secret_jwt',
      clientId: 'rp-secret-jwt',
      auth: (c) => c.ClientSecretJwt(secret('rp-secret-jwt')),
    },
    {
      method: 'private_key_jwt',
      clientId: 'rp-private-key-jwt',
      auth: (c) => c.PrivateKeyJwt(signingKey),
    },
    { method: 'none', clientId: 'rp-public', auth: (c) => c.None() },
    {
      method: 'client_secret_post (default for a secret given as metadata)',
      clientId: 'rp-post',
      metadata: { client_secret: secret('rp-post') },
    },
  ]
  for (const { method, clientId, auth, metadata } of authMethods) {
    it(`authorizationCodeGrant() authenticates the client with ${method} and gets tokens`, async () => {
      const config = await configure(clientId, auth?.(client), metadata)
      const { parameters, checks } = await pkceRequest()
      const callback = asUrl(await login(client.buildAuthorizationUrl(config, parameters)))
      const tokens = await client.authorizationCodeGrant(config, callback, checks)
      assert.equal(tokens.claims()?.aud, clientId)
      assert.equal(typeof tokens.access_token, 'string')
    })
  }

  it('authorizationCodeGrant() with [clockSkew] two hours ahead rejects the fresh ID Token as expired', async () => {
    const config = await configure('rp-post', undefined, {
      client_secret: secret('rp-post'),
      [client.clockSkew]: 7200,
    })
    const { parameters, checks } = await pkceRequest()
    const callback = asUrl(await login(client.buildAuthorizationUrl(config, parameters)))

    const error = await rejection(client.authorizationCodeGrant(config, callback, checks))
    assertClientError(client, error, 'OAUTH_JWT_TIMESTAMP_CHECK_FAILED')
  })

  it('authorizationCodeGrant() with [clockSkew] two hours ahead and a matching [clockTolerance] accepts the ID Token', async () => {
    const config = await configure('rp-post', undefined, {
      client_secret: secret('rp-post'),
      [client.clockSkew]: 7200,
      [client.clockTolerance]: 7200,
    })
    const { parameters, checks } = await pkceRequest()
    const callback = asUrl(await login(client.buildAuthorizationUrl(config, parameters)))
    const tokens = await client.authorizationCodeGrant(config, callback, checks)
    assert.equal(tokens.claims()?.sub, op.account.sub)
  })

  it('getJwksCache() exports the JWKS that enableNonRepudiationChecks() fetched and setJwksCache() spares another Configuration the fetch', async () => {
    const requested: string[] = []
    const record = (url: string, options: { method: string }) => {
      requested.push(url)
      return fetch(url, options as RequestInit)
    }
    const first = await configure('rp-basic', client.ClientSecretBasic(secret('rp-basic')))
    client.enableNonRepudiationChecks(first)
    assert.equal(
      client.getJwksCache(first),
      undefined,
      'nothing cached before an ID Token was verified',
    )
    first[client.customFetch] = record
    const { parameters, checks } = await pkceRequest()
    await client.authorizationCodeGrant(
      first,
      asUrl(await login(client.buildAuthorizationUrl(first, parameters))),
      checks,
    )
    const jwksUri = first.serverMetadata().jwks_uri!
    assert.equal(
      requested.filter((url) => url === jwksUri).length,
      1,
      'the first grant fetched the JWKS to verify the ID Token',
    )

    const cache = client.getJwksCache(first)
    assert.ok(cache, 'a cache was exported')
    assert.equal(typeof cache.uat, 'number')
    assert.deepEqual(
      cache.jwks.keys.map((key) => key.kid).sort(),
      op.jwks.keys.map((key) => key.kid).sort(),
    )

    requested.length = 0
    const second = await configure('rp-basic', client.ClientSecretBasic(secret('rp-basic')))
    client.enableNonRepudiationChecks(second)
    client.setJwksCache(second, cache)
    second[client.customFetch] = record
    const next = await pkceRequest()
    const tokens = await client.authorizationCodeGrant(
      second,
      asUrl(await login(client.buildAuthorizationUrl(second, next.parameters))),
      next.checks,
    )
    assert.equal(tokens.claims()?.nonce, next.checks.expectedNonce)
    assert.deepEqual(
      requested,
      [second.serverMetadata().token_endpoint],
      'only the token request, no JWKS fetch',
    )
  })

  it('ClientSecretBasic() with a wrong secret gets the token endpoint Basic invalid_client challenge', async () => {
    const config = await configure('rp-basic', client.ClientSecretBasic(secret('not-rp-basic')))
    const { parameters, checks } = await pkceRequest()
    const callback = asUrl(await login(client.buildAuthorizationUrl(config, parameters)))
    const error = await rejection(client.authorizationCodeGrant(config, callback, checks))
    assertBasicChallenge(client, error)
  })

  it('PrivateKeyJwt() with [modifyAssertion] sends the modified assertion, which the provider accepts', async () => {
    const assertions: string[] = []
    const auth = client.PrivateKeyJwt(signingKey, {
      [client.modifyAssertion]: (header, payload) => {
        header.typ = 'JWT'
        payload.purpose = 'e2e'
      },
    })
    const config = await configure('rp-private-key-jwt', auth)
    config[client.customFetch] = (url, options) => {
      if (url === config.serverMetadata().token_endpoint) {
        const body = new URLSearchParams(options.body as string | URLSearchParams)
        assertions.push(body.get('client_assertion') ?? '')
      }
      return fetch(url, options as RequestInit)
    }
    const { parameters, checks } = await pkceRequest()
    const callback = asUrl(await login(client.buildAuthorizationUrl(config, parameters)))
    const tokens = await client.authorizationCodeGrant(config, callback, checks)
    assert.equal(typeof tokens.access_token, 'string')

    assert.equal(assertions.length, 1, 'one token request carried a client assertion')
    const header = jose.decodeProtectedHeader(assertions[0]!)
    const payload = jose.decodeJwt(assertions[0]!)
    assert.equal(header.typ, 'JWT')
    assert.equal(header.kid, signingKey.kid)
    assert.equal(payload.purpose, 'e2e')
    assert.equal(payload.iss, 'rp-private-key-jwt')
    assert.equal(payload.sub, 'rp-private-key-jwt')
  })

  it('buildAuthorizationUrlWithJAR() sends a signed request object that the provider accepts', async () => {
    const config = await configure('rp-private-key-jwt', client.PrivateKeyJwt(signingKey))
    const { parameters, checks } = await pkceRequest()
    const url = await client.buildAuthorizationUrlWithJAR(config, parameters, signingKey)

    // openid-rp repeats response_type and scope for an OpenID request (OIDC Core §6.1; divergence row 80).
    assert.deepEqual(
      [...url.searchParams.keys()].sort(),
      impl.name === 'openid-rp'
        ? ['client_id', 'request', 'response_type', 'scope']
        : ['client_id', 'request'],
    )
    const requestObject = url.searchParams.get('request')!
    assert.equal(jose.decodeProtectedHeader(requestObject).alg, 'ES256')
    const claims = jose.decodeJwt(requestObject)
    assert.equal(claims.iss, 'rp-private-key-jwt')
    assert.equal(claims.aud, op.issuer.href)
    assert.equal(claims.client_id, 'rp-private-key-jwt')
    assert.equal(claims.state, checks.expectedState)
    assert.equal(claims.redirect_uri, redirectUri)

    const callback = asUrl(await login(url, { redirectUri }))
    const tokens = await client.authorizationCodeGrant(config, callback, checks)
    assert.equal(tokens.claims()?.nonce, checks.expectedNonce)
  })

  it('buildAuthorizationUrlWithJAR() with a key the client never registered is refused by the provider', async () => {
    const config = await configure('rp-private-key-jwt', client.PrivateKeyJwt(signingKey))
    const { parameters } = await pkceRequest()
    const stranger = await jose.generateKeyPair('ES256')
    const url = await client.buildAuthorizationUrlWithJAR(config, parameters, {
      key: stranger.privateKey,
      kid: signingKey.kid,
    })
    const callback = asUrl(await login(url, { redirectUri }))
    assert.equal(callback.searchParams.get('error'), 'invalid_request_object')
  })

  it('buildAuthorizationUrlWithPAR() pushes the parameters and returns a request_uri URL that completes the flow', async () => {
    const config = await configure('rp-basic', client.ClientSecretBasic(secret('rp-basic')))
    const { parameters, checks } = await pkceRequest()
    const url = await client.buildAuthorizationUrlWithPAR(config, parameters)

    assert.equal(`${url.origin}${url.pathname}`, config.serverMetadata().authorization_endpoint)
    assert.deepEqual([...url.searchParams.keys()].sort(), ['client_id', 'request_uri'])
    assert.match(url.searchParams.get('request_uri')!, /^urn:ietf:params:oauth:request_uri:/)

    const callback = asUrl(await login(url, { redirectUri }))
    const tokens = await client.authorizationCodeGrant(config, callback, checks)
    assert.equal(tokens.claims()?.nonce, checks.expectedNonce)
  })

  it('buildAuthorizationUrlWithPAR() with a wrong client secret rejects with the Basic invalid_client challenge', async () => {
    const config = await configure('rp-basic', client.ClientSecretBasic(secret('not-rp-basic')))
    const { parameters } = await pkceRequest()
    const error = await rejection(client.buildAuthorizationUrlWithPAR(config, parameters))
    assertBasicChallenge(client, error)
  })

  it('buildEndSessionUrl() with id_token_hint ends the session and returns to post_logout_redirect_uri with state', async () => {
    const config = await configure('rp-basic', client.ClientSecretBasic(secret('rp-basic')))
    const jar = new CookieJar()
    const { parameters, checks } = await pkceRequest()
    const tokens = await client.authorizationCodeGrant(
      config,
      asUrl(await login(client.buildAuthorizationUrl(config, parameters), { jar })),
      checks,
    )
    const silent = async () => {
      const { parameters: silentParameters } = await pkceRequest({ prompt: 'none' })
      return asUrl(await login(client.buildAuthorizationUrl(config, silentParameters), { jar }))
    }
    assert.ok((await silent()).searchParams.has('code'), 'the browser has a session before logout')

    const state = client.randomState()
    const url = client.buildEndSessionUrl(config, {
      id_token_hint: tokens.id_token!,
      post_logout_redirect_uri: postLogoutRedirectUri,
      state,
    })
    assert.equal(`${url.origin}${url.pathname}`, config.serverMetadata().end_session_endpoint)
    assert.equal(url.searchParams.get('client_id'), 'rp-basic')

    const back = asUrl(await login(url, { jar }))
    assert.equal(`${back.origin}${back.pathname}`, postLogoutRedirectUri)
    assert.equal(back.searchParams.get('state'), state)
    assert.equal(
      (await silent()).searchParams.get('error'),
      'login_required',
      'the session has ended',
    )
  })
})
