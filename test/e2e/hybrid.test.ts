import type { ClientMetadata } from 'oidc-provider'
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
  jwtPayload,
  pkceRequest,
  redirectUri,
  rejection,
  secret,
  type EncryptionKey,
} from '../support/e2e.ts'

let op: TestProvider
let rsaKey: EncryptionKey

const hybridClient = (clientId: string, extra: Partial<ClientMetadata> = {}): ClientMetadata => ({
  client_id: clientId,
  client_secret: secret(clientId),
  token_endpoint_auth_method: 'client_secret_basic',
  redirect_uris: [redirectUri],
  response_types: ['code id_token'],
  grant_types: ['authorization_code', 'implicit'],
  ...extra,
})

before(async () => {
  rsaKey = await encryptionKey('RSA-OAEP-256', 'hybrid-enc-rsa')
  op = await createProvider({
    features: {
      encryption: true,
      fapi: {
        profile: (_ctx: unknown, client: { clientId: string } | undefined) =>
          client?.clientId.startsWith('fapi-') ? '1.0 Final' : undefined,
      } as never,
    },
    configuration: { enabledJWA },
    clients: [
      hybridClient('hybrid'),
      hybridClient('fapi-hybrid'),
      hybridClient('fapi-encrypted', {
        id_token_encrypted_response_alg: 'RSA-OAEP-256',
        id_token_encrypted_response_enc: 'A256GCM',
        jwks: { keys: [rsaKey.jwk] },
      }),
    ],
  })
})

after(() => closeProvider(op))

describeEachImplementation('hybrid flow and FAPI 1.0 detached signatures', (_impl, client) => {
  const configure = (clientId: string, execute: Array<(config: never) => void> = []) =>
    client.discovery(op.issuer, clientId, undefined, client.ClientSecretBasic(secret(clientId)), {
      execute: [
        client.allowInsecureRequests,
        client.useCodeIdTokenResponseType,
        ...(execute as never[]),
      ],
    })

  it('buildAuthorizationUrl() sets response_type=code id_token; authorizationCodeGrant() accepts the fragment response', async () => {
    const config = await configure('hybrid')
    const { parameters, checks } = await pkceRequest(client)
    const url = client.buildAuthorizationUrl(config, parameters)
    assert.equal(url.searchParams.get('response_type'), 'code id_token')
    const callback = await login(url)
    assert.ok(callback instanceof URL)
    const fragment = new URLSearchParams(callback.hash.slice(1))
    assert.ok(fragment.get('code') && fragment.get('id_token'), 'code and id_token in the fragment')
    assert.equal(typeof jwtPayload(fragment.get('id_token')!).c_hash, 'string')

    const tokens = await client.authorizationCodeGrant(config, callback, checks)
    assert.equal(typeof tokens.access_token, 'string')
    const claims = tokens.claims()
    assert.equal(claims?.sub, op.account.sub)
    assert.equal(claims?.nonce, checks.expectedNonce)
    assert.equal(claims?.aud, 'hybrid')
  })

  it('authorizationCodeGrant() accepts the hybrid response as a form_post Request', async () => {
    const config = await configure('hybrid')
    const { parameters, checks } = await pkceRequest(client, { response_mode: 'form_post' })
    const callback = await login(client.buildAuthorizationUrl(config, parameters))
    assert.ok(callback instanceof Request, 'an auto-submitted form')
    const tokens = await client.authorizationCodeGrant(config, callback, checks)
    assert.equal(tokens.claims()?.sub, op.account.sub)
    assert.equal(tokens.claims()?.nonce, checks.expectedNonce)
  })

  it('authorizationCodeGrant() throws AuthorizationResponseError for a hybrid error response in the fragment', async () => {
    const config = await configure('hybrid')
    const { parameters, checks } = await pkceRequest(client)
    const callback = await login(client.buildAuthorizationUrl(config, parameters), { deny: true })
    assert.ok(callback instanceof URL)
    assert.equal(new URLSearchParams(callback.hash.slice(1)).get('error'), 'access_denied')
    const error = await rejection(client.authorizationCodeGrant(config, callback, checks))
    assert.ok(
      error instanceof client.AuthorizationResponseError,
      `got ${error.name}: ${error.message}`,
    )
    assert.equal(error.error, 'access_denied')
  })

  it('authorizationCodeGrant() rejects a front-channel ID Token whose c_hash is for another code', async () => {
    const config = await configure('hybrid')
    const first = await pkceRequest(client)
    const second = await pkceRequest(client)
    const callback1 = await login(client.buildAuthorizationUrl(config, first.parameters))
    const callback2 = await login(client.buildAuthorizationUrl(config, second.parameters))
    assert.ok(callback1 instanceof URL && callback2 instanceof URL)
    const one = new URLSearchParams(callback1.hash.slice(1))
    const two = new URLSearchParams(callback2.hash.slice(1))
    one.set('code', two.get('code')!)
    const spliced = new URL(callback1)
    spliced.hash = one.toString()
    const error = await rejection(client.authorizationCodeGrant(config, spliced, first.checks))
    assertClientError(client, error, 'OAUTH_JWT_CLAIM_COMPARISON_FAILED')
  })

  it('authorizationCodeGrant() rejects a hybrid response whose ID Token nonce differs', async () => {
    const config = await configure('hybrid')
    const { parameters, checks } = await pkceRequest(client)
    const callback = await login(client.buildAuthorizationUrl(config, parameters))
    const error = await rejection(
      client.authorizationCodeGrant(config, callback, {
        ...checks,
        expectedNonce: client.randomNonce(),
      }),
    )
    assertClientError(client, error, 'OAUTH_JWT_CLAIM_COMPARISON_FAILED')
  })

  it('enableDetachedSignatureResponseChecks() accepts a FAPI 1.0 response whose ID Token carries s_hash', async () => {
    const config = await configure('fapi-hybrid', [client.enableDetachedSignatureResponseChecks])
    const { parameters, checks } = await pkceRequest(client)
    const callback = await login(client.buildAuthorizationUrl(config, parameters))
    assert.ok(callback instanceof URL)
    const idToken = new URLSearchParams(callback.hash.slice(1)).get('id_token')!
    assert.equal(typeof jwtPayload(idToken).s_hash, 'string', 'the FAPI profile issues s_hash')
    const tokens = await client.authorizationCodeGrant(config, callback, checks)
    assert.equal(tokens.claims()?.sub, op.account.sub)
  })

  it('enableDetachedSignatureResponseChecks() rejects an ID Token without s_hash (provider outside the FAPI profile)', async () => {
    const config = await configure('hybrid', [client.enableDetachedSignatureResponseChecks])
    const { parameters, checks } = await pkceRequest(client)
    const callback = await login(client.buildAuthorizationUrl(config, parameters))
    assert.ok(callback instanceof URL)
    const idToken = new URLSearchParams(callback.hash.slice(1)).get('id_token')!
    assert.equal(jwtPayload(idToken).s_hash, undefined)
    const error = await rejection(client.authorizationCodeGrant(config, callback, checks))
    assertClientError(client, error, 'OAUTH_INVALID_RESPONSE')
  })

  it('hybrid + detached signature + encrypted ID Tokens (RSA-OAEP-256): both ID Tokens are decrypted and validated', async () => {
    const config = await configure('fapi-encrypted', [client.enableDetachedSignatureResponseChecks])
    client.enableDecryptingResponses(config, ['A256GCM'], {
      key: rsaKey.privateKey,
      alg: rsaKey.alg,
      kid: rsaKey.kid,
    })
    const { parameters, checks } = await pkceRequest(client)
    const callback = await login(client.buildAuthorizationUrl(config, parameters))
    assert.ok(callback instanceof URL)
    const idToken = new URLSearchParams(callback.hash.slice(1)).get('id_token')!
    assert.equal(idToken.split('.').length, 5, 'the front-channel ID Token is a JWE')
    assert.equal(jwtHeader(idToken).alg, 'RSA-OAEP-256')

    const tokens = await client.authorizationCodeGrant(config, callback, checks)
    assert.equal(tokens.claims()?.sub, op.account.sub)
    assert.equal(
      typeof tokens.claims()?.s_hash,
      'undefined',
      'claims() are the token endpoint ID Token',
    )
    const decrypted = client.getDecryptedResponses(tokens)
    assert.ok(decrypted && typeof decrypted === 'object')
    const { token_endpoint, authorization_endpoint } = decrypted.id_token ?? {}
    assert.equal(
      token_endpoint?.split('.').length,
      3,
      'the token endpoint ID Token is the signed JWT',
    )
    assert.equal(
      authorization_endpoint?.split('.').length,
      3,
      'the front-channel ID Token is the signed JWT',
    )
    assert.equal(typeof jwtPayload(authorization_endpoint!).s_hash, 'string')
  })

  it('hybrid with encrypted ID Tokens is rejected without a decryption key', async () => {
    const config = await configure('fapi-encrypted', [client.enableDetachedSignatureResponseChecks])
    const { parameters, checks } = await pkceRequest(client)
    const callback = await login(client.buildAuthorizationUrl(config, parameters))
    const error = await rejection(client.authorizationCodeGrant(config, callback, checks))
    assertClientError(client, error, 'OAUTH_UNSUPPORTED_OPERATION')
  })
})
