import type { ClientMetadata } from 'oidc-provider'
import { after, before, it } from 'node:test'
import assert from 'node:assert/strict'
import { describeEachImplementation, divergence } from '../support/implementations.ts'
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
const keys: Record<string, EncryptionKey> = {}

const encryptingClient = (clientId: string, key: EncryptionKey): ClientMetadata => ({
  client_id: clientId,
  client_secret: secret(clientId),
  redirect_uris: [redirectUri],
  response_types: ['code'],
  grant_types: ['authorization_code'],
  jwks: { keys: [key.jwk] },
  id_token_encrypted_response_alg: key.alg,
  id_token_encrypted_response_enc: 'A256GCM',
  userinfo_signed_response_alg: 'ES256',
  userinfo_encrypted_response_alg: key.alg,
  userinfo_encrypted_response_enc: 'A256GCM',
  introspection_signed_response_alg: 'ES256',
  introspection_encrypted_response_alg: key.alg,
  introspection_encrypted_response_enc: 'A256GCM',
})

before(async () => {
  keys['ECDH-ES+A256KW'] = await encryptionKey('ECDH-ES+A256KW', 'rp-enc-ec')
  keys['RSA-OAEP-256'] = await encryptionKey('RSA-OAEP-256', 'rp-enc-rsa')
  op = await createProvider({
    features: { encryption: true, introspection: true, jwtIntrospection: true, jwtUserinfo: true },
    configuration: { enabledJWA },
    clients: [
      encryptingClient('enc-ec', keys['ECDH-ES+A256KW']),
      encryptingClient('enc-rsa', keys['RSA-OAEP-256']),
      {
        client_id: 'enc-implicit',
        token_endpoint_auth_method: 'none',
        redirect_uris: [redirectUri],
        response_types: ['id_token'],
        grant_types: ['implicit'],
        jwks: { keys: [keys['ECDH-ES+A256KW'].jwk] },
        id_token_encrypted_response_alg: 'ECDH-ES+A256KW',
        id_token_encrypted_response_enc: 'A256GCM',
      },
    ],
  })
})

after(() => closeProvider(op))

describeEachImplementation('response decryption', (impl, client) => {
  const configure = (clientId: string) =>
    client.discovery(
      op.issuer,
      clientId,
      { introspection_signed_response_alg: 'ES256', userinfo_signed_response_alg: 'ES256' },
      client.ClientSecretBasic(secret(clientId)),
      { execute: [client.allowInsecureRequests] },
    )

  const signIn = async (config: Awaited<ReturnType<typeof configure>>) => {
    const { parameters, checks } = await pkceRequest(client)
    const callback = await login(client.buildAuthorizationUrl(config, parameters))
    return client.authorizationCodeGrant(config, callback, checks)
  }

  for (const [clientId, alg] of [
    ['enc-ec', 'ECDH-ES+A256KW'],
    ['enc-rsa', 'RSA-OAEP-256'],
  ] as const) {
    it(`enableDecryptingResponses() with a ${alg} DecryptionKey (kid) decrypts the ID Token, UserInfo and introspection`, async () => {
      const key = keys[alg]!
      const config = await configure(clientId)
      client.enableDecryptingResponses(config, ['A256GCM'], {
        key: key.privateKey,
        alg,
        kid: key.kid,
      })

      const tokens = await signIn(config)
      assert.equal(tokens.claims()?.sub, op.account.sub)
      const idToken = (tokens as { id_token?: string }).id_token!
      assert.equal(idToken.split('.').length, 5, 'the token endpoint returned a JWE ID Token')
      assert.equal(jwtHeader(idToken).alg, alg)
      assert.equal(jwtHeader(idToken).kid, key.kid)
      const decryptedTokens = client.getDecryptedResponses(tokens)
      assert.ok(decryptedTokens && typeof decryptedTokens === 'object')
      assert.equal(jwtPayload(decryptedTokens.id_token!.token_endpoint!).sub, op.account.sub)

      const userinfo = await client.fetchUserInfo(config, tokens.access_token, op.account.sub)
      assert.equal(userinfo.email, op.account.email)
      const signedUserinfo = client.getDecryptedResponses(userinfo)
      assert.equal(typeof signedUserinfo, 'string')
      assert.equal(
        (signedUserinfo as string).split('.').length,
        3,
        'the decrypted UserInfo is a JWS',
      )
      assert.equal(jwtHeader(signedUserinfo as string).alg, 'ES256')

      const introspection = await client.tokenIntrospection(config, tokens.access_token)
      assert.equal(introspection.active, true)
      assert.equal(introspection.sub, op.account.sub)
      const signedIntrospection = client.getDecryptedResponses(introspection)
      assert.equal(typeof signedIntrospection, 'string')
      assert.equal(jwtHeader(signedIntrospection as string).typ, 'token-introspection+jwt')
    })
  }

  it('enableDecryptingResponses() with a bare ECDH CryptoKey: openid-rp accepts ECDH-ES+A256KW, openid-client only ECDH-ES', async () => {
    const config = await configure('enc-ec')
    client.enableDecryptingResponses(config, undefined, keys['ECDH-ES+A256KW']!.privateKey)
    const { parameters, checks } = await pkceRequest(client)
    const callback = await login(client.buildAuthorizationUrl(config, parameters))
    if (divergence(impl, 19)) {
      // openid-rp lets a bare ECDH key serve every ECDH-ES key management variant
      const tokens = await client.authorizationCodeGrant(config, callback, checks)
      const userinfo = await client.fetchUserInfo(config, tokens.access_token, op.account.sub)
      assert.equal(userinfo.sub, op.account.sub)
    } else {
      // the reference pins a bare ECDH key to alg ECDH-ES; a { key, alg } DecryptionKey is needed
      const error = await rejection(client.authorizationCodeGrant(config, callback, checks))
      assertClientError(client, error, 'OAUTH_DECRYPTION_FAILED')
    }
  })

  it('decryption with enableNonRepudiationChecks: the inner signed UserInfo and introspection JWTs are verified', async () => {
    const key = keys['RSA-OAEP-256']!
    const config = await configure('enc-rsa')
    client.enableNonRepudiationChecks(config)
    client.enableDecryptingResponses(config, ['A256GCM'], {
      key: key.privateKey,
      alg: key.alg,
      kid: key.kid,
    })
    const tokens = await signIn(config)
    const userinfo = await client.fetchUserInfo(config, tokens.access_token, op.account.sub)
    assert.equal(userinfo.sub, op.account.sub)
    const introspection = await client.tokenIntrospection(config, tokens.access_token)
    assert.equal(introspection.active, true)
    assert.ok(client.getJwksCache(config), 'the issuer keys were fetched to verify the inner JWTs')
  })

  it('fetchUserInfo() rejects a decrypted UserInfo whose sub differs from expectedSubject', async () => {
    const key = keys['ECDH-ES+A256KW']!
    const config = await configure('enc-ec')
    client.enableDecryptingResponses(config, ['A256GCM'], {
      key: key.privateKey,
      alg: key.alg,
      kid: key.kid,
    })
    const tokens = await signIn(config)
    const error = await rejection(client.fetchUserInfo(config, tokens.access_token, 'someone-else'))
    assertClientError(client, error, 'OAUTH_JSON_ATTRIBUTE_COMPARISON_FAILED')
  })

  it('implicitAuthentication() decrypts an encrypted front-channel ID Token', async () => {
    const key = keys['ECDH-ES+A256KW']!
    const config = await client.discovery(op.issuer, 'enc-implicit', undefined, client.None(), {
      execute: [client.allowInsecureRequests, client.useIdTokenResponseType],
    })
    client.enableDecryptingResponses(config, ['A256GCM'], {
      key: key.privateKey,
      alg: key.alg,
      kid: key.kid,
    })
    const nonce = client.randomNonce()
    const callback = await login(
      client.buildAuthorizationUrl(config, { redirect_uri: redirectUri, scope: 'openid', nonce }),
    )
    assert.ok(callback instanceof URL)
    assert.equal(new URLSearchParams(callback.hash.slice(1)).get('id_token')?.split('.').length, 5)
    const claims = await client.implicitAuthentication(config, callback, nonce)
    assert.equal(claims.sub, op.account.sub)
    const signed = client.getDecryptedResponses(claims)
    assert.equal(typeof signed, 'string')
    assert.equal(jwtPayload(signed as string).nonce, nonce)
  })

  it('a response encrypted with an enc outside contentEncryptionAlgorithms is rejected', async () => {
    const key = keys['ECDH-ES+A256KW']!
    const config = await configure('enc-ec')
    client.enableDecryptingResponses(config, ['A128GCM'], {
      key: key.privateKey,
      alg: key.alg,
      kid: key.kid,
    })
    const { parameters, checks } = await pkceRequest(client)
    const callback = await login(client.buildAuthorizationUrl(config, parameters))
    const error = await rejection(client.authorizationCodeGrant(config, callback, checks))
    assertClientError(client, error, 'OAUTH_DECRYPTION_FAILED')
  })

  it('a DecryptionKey whose kid differs from the JWE kid is not used', async () => {
    const key = keys['RSA-OAEP-256']!
    const config = await configure('enc-rsa')
    client.enableDecryptingResponses(config, ['A256GCM'], {
      key: key.privateKey,
      alg: key.alg,
      kid: 'another-kid',
    })
    const { parameters, checks } = await pkceRequest(client)
    const callback = await login(client.buildAuthorizationUrl(config, parameters))
    const error = await rejection(client.authorizationCodeGrant(config, callback, checks))
    assertClientError(client, error, 'OAUTH_DECRYPTION_FAILED')
  })
})
