import { after, before, it } from 'node:test'
import assert from 'node:assert/strict'
import { describeEachImplementation } from '../support/implementations.ts'
import { login } from '../support/login.ts'
import { createProvider, type TestProvider } from '../support/provider.ts'
import { closeProvider, rejection } from '../support/e2e.ts'

const redirectUri = 'https://client.example/cb'

let op: TestProvider
let initialAccessToken: string

before(async () => {
  op = await createProvider({
    features: { registration: { initialAccessToken: true }, clientCredentials: true },
  })
  initialAccessToken = await new op.provider.InitialAccessToken({}).save()
})

after(() => closeProvider(op))

describeEachImplementation('dynamic client registration', (impl, client) => {
  it('dynamicClientRegistration() registers a client and returns a Configuration that can use it', async () => {
    const requests: Array<{ method: string; url: string; authorization?: string }> = []
    const config = await client.dynamicClientRegistration(
      op.issuer,
      {
        client_name: 'Registered Service',
        grant_types: ['client_credentials'],
        response_types: [],
        redirect_uris: [],
        token_endpoint_auth_method: 'client_secret_post',
      },
      undefined,
      {
        execute: [client.allowInsecureRequests],
        initialAccessToken,
        [client.customFetch]: (url, options) => {
          requests.push({
            method: options.method,
            url,
            authorization: options.headers.authorization,
          })
          return fetch(url, options as RequestInit)
        },
      },
    )
    const metadata = config.clientMetadata()
    assert.equal(typeof metadata.client_id, 'string')
    assert.equal(typeof metadata.client_secret, 'string')
    assert.equal(metadata.client_name, 'Registered Service')
    assert.equal(metadata.token_endpoint_auth_method, 'client_secret_post')
    assert.ok(await op.provider.Client.find(metadata.client_id), 'the provider knows the client')

    const registration = requests.find(
      (r) => r.url === config.serverMetadata().registration_endpoint,
    )
    assert.ok(registration, 'the registration request went through [customFetch]')
    assert.equal(registration.method, 'POST')
    assert.equal(registration.authorization, `Bearer ${initialAccessToken}`)

    const tokens = await client.clientCredentialsGrant(config, { scope: 'api:read' })
    assert.equal(tokens.scope, 'api:read')
  })

  it('dynamicClientRegistration() with ClientSecretBasic() uses the issued secret for a code flow', async () => {
    const config = await client.dynamicClientRegistration(
      op.issuer,
      { redirect_uris: [redirectUri], token_endpoint_auth_method: 'client_secret_basic' },
      client.ClientSecretBasic(),
      { execute: [client.allowInsecureRequests], initialAccessToken },
    )
    const pkceCodeVerifier = client.randomPKCECodeVerifier()
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope: 'openid',
      code_challenge: await client.calculatePKCECodeChallenge(pkceCodeVerifier),
      code_challenge_method: 'S256',
    })
    const callback = await login(url)
    assert.ok(callback instanceof URL)
    const tokens = await client.authorizationCodeGrant(config, callback, { pkceCodeVerifier })
    assert.equal(tokens.claims()?.aud, config.clientMetadata().client_id)
    assert.equal(tokens.claims()?.sub, op.account.sub)
  })

  it('dynamicClientRegistration() without the initial access token the provider demands rejects with its Bearer challenge', async () => {
    const error = await rejection(
      client.dynamicClientRegistration(op.issuer, { redirect_uris: [redirectUri] }, undefined, {
        execute: [client.allowInsecureRequests],
      }),
    )
    assert.ok(
      error instanceof client.WWWAuthenticateChallengeError,
      `got ${error.name}: ${error.message}`,
    )
    assert.equal(error.status, 401)
    const [challenge] = error.cause as Array<{
      scheme: string
      parameters: Record<string, string>
    }>
    assert.equal(challenge?.scheme, 'bearer')
    assert.equal(challenge?.parameters.realm, op.issuer.href)
  })

  it('dynamicClientRegistration() for private_key_jwt without a ClientAuth returns the registered client; a request needing the key fails then', async () => {
    const { privateKey, publicKey } = await client.randomDPoPKeyPair('ES256')
    const { kty, crv, x, y } = await crypto.subtle.exportKey('jwk', publicKey)
    const jwk = { kty: kty!, crv: crv!, x: x!, y: y!, alg: 'ES256' }
    const sent: string[] = []
    const config = await client.dynamicClientRegistration(
      op.issuer,
      {
        grant_types: ['client_credentials'],
        response_types: [],
        redirect_uris: [],
        token_endpoint_auth_method: 'private_key_jwt',
        token_endpoint_auth_signing_alg: 'ES256',
        jwks: { keys: [jwk] },
      },
      undefined,
      {
        execute: [client.allowInsecureRequests],
        initialAccessToken,
        [client.customFetch]: (url, options) => {
          sent.push(url)
          return fetch(url, options as RequestInit)
        },
      },
    )
    const metadata = config.clientMetadata()
    assert.equal(typeof metadata.client_id, 'string')
    assert.equal(typeof metadata.registration_access_token, 'string')
    assert.equal(metadata.token_endpoint_auth_method, 'private_key_jwt')
    assert.ok(await op.provider.Client.find(metadata.client_id), 'the provider knows the client')

    // Without the key, the token request cannot authenticate the client.
    const tokenEndpoint = config.serverMetadata().token_endpoint!
    const error = await rejection(client.clientCredentialsGrant(config, { scope: 'api:read' }))
    if (impl.name === 'openid-rp') {
      // docs/stricter-than-reference.md row 6: refused before anything is sent.
      assert.equal(error.name, 'TypeError')
      assert.equal(error.code, 'ERR_INVALID_ARG_VALUE')
      assert.match(error.message, /PrivateKeyJwt/)
      assert.ok(!sent.includes(tokenEndpoint), 'no token request was sent')
    } else {
      // The reference sends the request without client authentication, and the server refuses it.
      assert.ok(error instanceof client.ResponseBodyError, `got ${error.name}: ${error.message}`)
      assert.equal(error.error, 'invalid_client')
    }

    // With the registered client's key, the same client works.
    const withKey = new client.Configuration(
      config.serverMetadata(),
      metadata.client_id,
      metadata,
      client.PrivateKeyJwt(privateKey),
    )
    client.allowInsecureRequests(withKey)
    const tokens = await client.clientCredentialsGrant(withKey, { scope: 'api:read' })
    assert.equal(tokens.scope, 'api:read')
  })

  it('dynamicClientRegistration() with invalid metadata rejects with the provider error', async () => {
    const error = await rejection(
      client.dynamicClientRegistration(
        op.issuer,
        { redirect_uris: ['https://client.example/cb#fragment'] },
        undefined,
        { execute: [client.allowInsecureRequests], initialAccessToken },
      ),
    )
    assert.ok(error instanceof client.ResponseBodyError, `got ${error.name}: ${error.message}`)
    assert.equal(error.error, 'invalid_redirect_uri')
    assert.equal(error.status, 400)
  })
})
