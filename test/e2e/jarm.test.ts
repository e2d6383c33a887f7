import { after, before, it } from 'node:test'
import assert from 'node:assert/strict'
import { describeEachImplementation } from '../support/implementations.ts'
import { login } from '../support/login.ts'
import { createProvider, type TestProvider } from '../support/provider.ts'
import {
  assertClientError,
  closeProvider,
  enabledJWA,
  encryptionKey,
  jwtHeader,
  pkceRequest,
  redirectUri,
  rejection,
  secret,
  type EncryptionKey,
} from '../support/e2e.ts'

let op: TestProvider
let encKey: EncryptionKey

before(async () => {
  encKey = await encryptionKey('ECDH-ES+A256KW', 'jarm-enc-1')
  op = await createProvider({
    features: { jwtResponseModes: true, encryption: true },
    configuration: { enabledJWA },
    clients: [
      {
        client_id: 'jarm-signed',
        client_secret: secret('jarm-signed'),
        redirect_uris: [redirectUri],
        response_types: ['code'],
        grant_types: ['authorization_code'],
        authorization_signed_response_alg: 'ES256',
      },
      {
        client_id: 'jarm-encrypted',
        client_secret: secret('jarm-encrypted'),
        redirect_uris: [redirectUri],
        response_types: ['code'],
        grant_types: ['authorization_code'],
        authorization_signed_response_alg: 'ES256',
        authorization_encrypted_response_alg: 'ECDH-ES+A256KW',
        authorization_encrypted_response_enc: 'A256GCM',
        jwks: { keys: [encKey.jwk] },
      },
    ],
  })
})

after(() => closeProvider(op))

describeEachImplementation('JARM', (_impl, client) => {
  const configure = (clientId: string) =>
    client.discovery(op.issuer, clientId, undefined, client.ClientSecretBasic(secret(clientId)), {
      execute: [client.allowInsecureRequests, client.useJwtResponseMode],
    })

  it('buildAuthorizationUrl() sets response_mode=jwt and authorizationCodeGrant() validates the signed response', async () => {
    const config = await configure('jarm-signed')
    const { parameters, checks } = await pkceRequest(client)
    const url = client.buildAuthorizationUrl(config, parameters)
    assert.equal(url.searchParams.get('response_mode'), 'jwt')
    const callback = await login(url)
    assert.ok(callback instanceof URL)
    const response = callback.searchParams.get('response')
    assert.ok(response, 'the callback carries a JWT response')
    assert.equal(callback.searchParams.has('code'), false, 'the code is only inside the JWT')
    assert.equal(jwtHeader(response).alg, 'ES256')

    const tokens = await client.authorizationCodeGrant(config, callback, checks)
    assert.equal(tokens.claims()?.sub, op.account.sub)
    assert.equal(tokens.claims()?.nonce, checks.expectedNonce)
  })

  it('buildAuthorizationUrl() under useJwtResponseMode replaces a response_mode parameter with jwt', async () => {
    const config = await configure('jarm-signed')
    const { parameters, checks } = await pkceRequest(client, { response_mode: 'form_post.jwt' })
    const url = client.buildAuthorizationUrl(config, parameters)
    assert.equal(url.searchParams.get('response_mode'), 'jwt')
    const callback = await login(url)
    assert.ok(callback instanceof URL, 'a query redirect, not a form')
    const tokens = await client.authorizationCodeGrant(config, callback, checks)
    assert.equal(tokens.claims()?.nonce, checks.expectedNonce)
  })

  it('authorizationCodeGrant() throws AuthorizationResponseError for a JARM error response', async () => {
    const config = await configure('jarm-signed')
    const { parameters, checks } = await pkceRequest(client)
    const callback = await login(client.buildAuthorizationUrl(config, parameters), { deny: true })
    assert.ok(callback instanceof URL)
    assert.ok(callback.searchParams.get('response'))
    assert.equal(callback.searchParams.has('error'), false, 'the error is inside the JWT')
    const error = await rejection(client.authorizationCodeGrant(config, callback, checks))
    assert.ok(
      error instanceof client.AuthorizationResponseError,
      `got ${error.name}: ${error.message}`,
    )
    assert.equal(error.error, 'access_denied')
  })

  it('authorizationCodeGrant() rejects a JARM response whose state differs', async () => {
    const config = await configure('jarm-signed')
    const { parameters, checks } = await pkceRequest(client)
    const callback = await login(client.buildAuthorizationUrl(config, parameters))
    assert.ok(callback instanceof URL)
    const error = await rejection(
      client.authorizationCodeGrant(config, callback, {
        ...checks,
        expectedState: client.randomState(),
      }),
    )
    assertClientError(client, error, 'OAUTH_INVALID_RESPONSE')
  })

  it('authorizationCodeGrant() decrypts a signed-then-encrypted JARM response with enableDecryptingResponses', async () => {
    const config = await configure('jarm-encrypted')
    client.enableDecryptingResponses(config, ['A256GCM'], {
      key: encKey.privateKey,
      alg: encKey.alg,
      kid: encKey.kid,
    })
    const { parameters, checks } = await pkceRequest(client)
    const callback = await login(client.buildAuthorizationUrl(config, parameters))
    assert.ok(callback instanceof URL)
    const response = callback.searchParams.get('response')!
    assert.equal(response.split('.').length, 5, 'the response is a JWE')
    assert.equal(jwtHeader(response).alg, 'ECDH-ES+A256KW')
    assert.equal(jwtHeader(response).kid, encKey.kid)

    const tokens = await client.authorizationCodeGrant(config, callback, checks)
    assert.equal(tokens.claims()?.sub, op.account.sub)
    const decrypted = client.getDecryptedResponses(tokens)
    assert.ok(
      decrypted && typeof decrypted === 'object',
      'getDecryptedResponses() returns the decrypted responses',
    )
    const signed = decrypted.authorization_response
    assert.equal(typeof signed, 'string')
    assert.equal(
      signed!.split('.').length,
      3,
      'the decrypted authorization response is the signed JWT',
    )
    assert.equal(jwtHeader(signed!).alg, 'ES256')
  })

  it('authorizationCodeGrant() rejects an encrypted JARM response without a decryption key', async () => {
    const config = await configure('jarm-encrypted')
    const { parameters, checks } = await pkceRequest(client)
    const callback = await login(client.buildAuthorizationUrl(config, parameters))
    assert.ok(callback instanceof URL)
    const error = await rejection(client.authorizationCodeGrant(config, callback, checks))
    assertClientError(client, error, 'OAUTH_UNSUPPORTED_OPERATION')
  })
})
