import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'

import * as jose from 'jose'
import { enableRequestObjectEncryption } from 'openid-rp/jar-encryption'

import { describeEachImplementation, divergence } from '../support/implementations.ts'
import { login } from '../support/login.ts'
import { createProvider, type TestProvider } from '../support/provider.ts'
import { closeProvider } from '../support/e2e.ts'
import { json } from '../support/transport.ts'

const redirectUri = 'https://client.example/cb'

let op: TestProvider
let signingKey: { key: CryptoKey; kid: string }

const encryptingClients = [
  {
    client_id: 'rp-jar-rsa',
    request_object_encryption_alg: 'RSA-OAEP-256',
    request_object_encryption_enc: 'A256GCM',
  },
  {
    client_id: 'rp-jar-ecdh',
    request_object_encryption_alg: 'ECDH-ES',
    request_object_encryption_enc: 'A128CBC-HS256',
  },
] as const

before(async () => {
  const { privateKey, publicKey } = await jose.generateKeyPair('ES256', { extractable: true })
  signingKey = { key: privateKey, kid: 'rp-jar-key' }
  const jwk = {
    ...(await jose.exportJWK(publicKey)),
    kid: signingKey.kid,
    alg: 'ES256',
    use: 'sig',
  }
  op = await createProvider({
    features: { requestObjects: true, encryption: true },
    clients: encryptingClients.map((metadata) => ({
      ...metadata,
      redirect_uris: [redirectUri],
      response_types: ['code'],
      grant_types: ['authorization_code'],
      token_endpoint_auth_method: 'private_key_jwt',
      request_object_signing_alg: 'ES256',
      jwks: { keys: [jwk] },
    })),
  })
})

after(() => closeProvider(op))

describeEachImplementation('encrypted request objects (JAR)', (impl, client) => {
  /** openid-rp encrypts only once the opt-in entry is enabled; the reference never does. */
  const enable = (config: unknown) => {
    if (divergence(impl, 18)) enableRequestObjectEncryption(config as never)
  }

  for (const metadata of encryptingClients) {
    it(`buildAuthorizationUrlWithJAR() with request_object_encryption_alg ${metadata.request_object_encryption_alg} completes the code flow`, async () => {
      const config = await client.discovery(
        op.issuer,
        metadata.client_id,
        { ...metadata },
        client.PrivateKeyJwt(signingKey),
        {
          execute: [client.allowInsecureRequests, enable],
        },
      )
      const pkceCodeVerifier = client.randomPKCECodeVerifier()
      const expectedState = client.randomState()
      const url = await client.buildAuthorizationUrlWithJAR(
        config,
        {
          redirect_uri: redirectUri,
          scope: 'openid',
          code_challenge: await client.calculatePKCECodeChallenge(pkceCodeVerifier),
          code_challenge_method: 'S256',
          state: expectedState,
        },
        signingKey,
      )
      const request = url.searchParams.get('request')!
      const header = jose.decodeProtectedHeader(request)
      if (divergence(impl, 18)) {
        assert.equal(request.split('.').length, 5, 'the request object is a JWE')
        assert.equal(header.alg, metadata.request_object_encryption_alg)
        assert.equal(header.enc, metadata.request_object_encryption_enc)
        const encryptionKey = op.jwks.keys.find((key) => key.kid === header.kid)
        assert.equal(encryptionKey?.use, 'enc', 'encrypted to one of the provider keys')
      } else {
        assert.equal(
          request.split('.').length,
          3,
          'the reference sends the signed request object only',
        )
        assert.equal(header.alg, 'ES256')
      }
      const callback = await login(url, { redirectUri })
      assert.ok(callback instanceof URL)
      if (divergence(impl, 18)) {
        const tokens = await client.authorizationCodeGrant(config, callback, {
          pkceCodeVerifier,
          expectedState,
        })
        assert.equal(typeof tokens.access_token, 'string')
      }
    })
  }

  it('buildAuthorizationUrlWithJAR() without an encryption key for the registered alg rejects with OAUTH_KEY_SELECTION_FAILED', async () => {
    const config = await client.discovery(
      op.issuer,
      'rp-jar-rsa',
      { request_object_encryption_alg: 'RSA-OAEP-512' },
      client.PrivateKeyJwt(signingKey),
      { execute: [client.allowInsecureRequests, enable] },
    )
    const attempt = client.buildAuthorizationUrlWithJAR(
      config,
      { redirect_uri: redirectUri, scope: 'openid' },
      signingKey,
    )
    if (divergence(impl, 18)) {
      await assert.rejects(attempt, (err: Error & { code?: string }) => {
        assert.ok(err instanceof client.ClientError)
        assert.equal(err.code, 'OAUTH_KEY_SELECTION_FAILED')
        assert.match(err.message, /RSA-OAEP-512/)
        return true
      })
    } else {
      assert.ok((await attempt) instanceof URL)
    }
  })

  for (const metadata of encryptingClients) {
    it(`buildAuthorizationUrlWithJAR() with request_object_encryption_alg ${metadata.request_object_encryption_alg} but without enableRequestObjectEncryption() ${divergence(impl, 18) ? 'rejects with OAUTH_UNSUPPORTED_OPERATION and sends nothing' : 'sends the signed request object'}`, async () => {
      const requests: string[] = []
      const config = await client.discovery(
        op.issuer,
        metadata.client_id,
        { ...metadata },
        client.PrivateKeyJwt(signingKey),
        { execute: [client.allowInsecureRequests] },
      )
      config[client.customFetch] = (url, options) => {
        requests.push(url)
        return fetch(url, options as RequestInit)
      }
      const attempt = client.buildAuthorizationUrlWithJAR(
        config,
        { redirect_uri: redirectUri, scope: 'openid', state: client.randomState() },
        signingKey,
      )
      if (divergence(impl, 18)) {
        await assert.rejects(attempt, (err: Error & { code?: string }) => {
          assert.ok(err instanceof client.ClientError)
          assert.equal(err.code, 'OAUTH_UNSUPPORTED_OPERATION')
          assert.match(err.message, /request_object_encryption_alg/)
          assert.match(err.message, /enableRequestObjectEncryption\(config\)/)
          assert.match(err.message, /'openid-rp\/jar-encryption'/)
          return true
        })
        assert.deepEqual(requests, [], 'not even the JWKS was fetched')
      } else {
        const request = (await attempt).searchParams.get('request')!
        assert.equal(request.split('.').length, 3)
      }
    })
  }

  it(`buildAuthorizationUrlWithJAR() without request_object_encryption_alg sends a signed request object${divergence(impl, 18) ? ', also with enableRequestObjectEncryption()' : ''}`, async () => {
    const config = await client.discovery(
      op.issuer,
      'rp-jar-rsa',
      undefined,
      client.PrivateKeyJwt(signingKey),
      { execute: [client.allowInsecureRequests, enable] },
    )
    const url = await client.buildAuthorizationUrlWithJAR(
      config,
      { redirect_uri: redirectUri, scope: 'openid' },
      signingKey,
    )
    const request = url.searchParams.get('request')!
    assert.equal(request.split('.').length, 3, 'a JWS, not a JWE')
  })
})

describe('openid-rp/jar-encryption', () => {
  it('enableRequestObjectEncryption() refuses anything but a Configuration with ERR_INVALID_ARG_TYPE', () => {
    assert.throws(
      () => enableRequestObjectEncryption({} as never),
      (err: Error & { code?: string }) => {
        assert.ok(err instanceof TypeError)
        assert.equal(err.code, 'ERR_INVALID_ARG_TYPE')
        return true
      },
    )
  })

  it('buildAuthorizationUrlWithJAR() fetches the server JWKS once for several encrypted request objects', async () => {
    const client = await import('openid-rp')
    const metadata = encryptingClients[0]
    const config = await client.discovery(
      op.issuer,
      metadata.client_id,
      { ...metadata },
      client.PrivateKeyJwt(signingKey),
      { execute: [client.allowInsecureRequests, enableRequestObjectEncryption] },
    )
    const jwksUri = config.serverMetadata().jwks_uri
    const fetched: string[] = []
    config[client.customFetch] = (url, options) => {
      fetched.push(url)
      return fetch(url, options as RequestInit)
    }
    const kids = new Set<unknown>()
    for (let i = 0; i < 3; i++) {
      const url = await client.buildAuthorizationUrlWithJAR(
        config,
        { redirect_uri: redirectUri, scope: 'openid' },
        signingKey,
      )
      const request = url.searchParams.get('request')!
      assert.equal(request.split('.').length, 5, 'the request object is a JWE')
      kids.add(jose.decodeProtectedHeader(request).kid)
    }
    assert.deepEqual(fetched, [jwksUri])
    assert.equal(kids.size, 1)
  })

  it('buildAuthorizationUrlWithJAR() for ECDH-ES refuses a server JWKS with only signing or Ed25519 keys (OAUTH_KEY_SELECTION_FAILED)', async () => {
    const client = await import('openid-rp')
    const config = await client.discovery(
      op.issuer,
      'rp-jar-ecdh',
      { request_object_encryption_alg: 'ECDH-ES' },
      client.PrivateKeyJwt(signingKey),
      { execute: [client.allowInsecureRequests, enableRequestObjectEncryption] },
    )
    const { publicKey } = await jose.generateKeyPair('EdDSA', { extractable: true })
    const forged = {
      keys: [
        { ...(await jose.exportJWK(publicKey)), kid: 'ed' },
        { ...(await jose.exportJWK(signingKey.key as never)), kid: 'sig', use: 'sig' },
      ],
    }
    const jwksUri = config.serverMetadata().jwks_uri
    config[client.customFetch] = (url, options) =>
      url === jwksUri ? Promise.resolve(Response.json(forged)) : fetch(url, options as RequestInit)
    await assert.rejects(
      client.buildAuthorizationUrlWithJAR(
        config,
        { redirect_uri: redirectUri, scope: 'openid' },
        signingKey,
      ),
      (err: Error & { code?: string }) => {
        assert.ok(err instanceof client.ClientError)
        assert.equal(err.code, 'OAUTH_KEY_SELECTION_FAILED')
        return true
      },
    )
  })

  it('buildAuthorizationUrlWithJAR() with an enabled request_object_encryption_alg that is not RSA-OAEP* or ECDH-ES* rejects with OAUTH_UNSUPPORTED_OPERATION', async () => {
    const client = await import('openid-rp')
    const config = await client.discovery(
      op.issuer,
      'rp-jar-rsa',
      { request_object_encryption_alg: 'A128KW' },
      client.PrivateKeyJwt(signingKey),
      { execute: [client.allowInsecureRequests, enableRequestObjectEncryption] },
    )
    await assert.rejects(
      client.buildAuthorizationUrlWithJAR(
        config,
        { redirect_uri: redirectUri, scope: 'openid' },
        signingKey,
      ),
      (err: Error & { code?: string }) => {
        assert.ok(err instanceof client.ClientError)
        assert.equal(err.code, 'OAUTH_UNSUPPORTED_OPERATION')
        assert.match(err.message, /"A128KW" is not supported/)
        return true
      },
    )
  })
})

describe('openid-rp/jar-encryption: a broken server JWKS', () => {
  const server = {
    issuer: 'https://op.example',
    authorization_endpoint: 'https://op.example/auth',
    jwks_uri: 'https://op.example/jwks',
  }

  for (const [title, answer, code] of [
    ['HTTP 500', () => json({ keys: [] }, 500), 'OAUTH_RESPONSE_IS_NOT_CONFORM'],
    [
      'a non-JSON body',
      () => new Response('<html>maintenance</html>', { headers: { 'content-type': 'text/html' } }),
      'OAUTH_PARSE_ERROR',
    ],
    ['a JSON array', () => json([{ kty: 'RSA' }]), 'OAUTH_INVALID_RESPONSE'],
  ] as const) {
    it(`buildAuthorizationUrlWithJAR() whose jwks_uri answers ${title} rejects with ${code}, sending nothing but the JWKS request (openid-rp only)`, async () => {
      const client = await import('openid-rp')
      const config = new client.Configuration(
        server,
        'rp-jar-rsa',
        {
          request_object_encryption_alg: 'RSA-OAEP-256',
          request_object_encryption_enc: 'A256GCM',
        },
        client.PrivateKeyJwt(signingKey),
      )
      enableRequestObjectEncryption(config)
      const requests: string[] = []
      config[client.customFetch] = async (url) => {
        requests.push(url)
        return answer()
      }
      await assert.rejects(
        client.buildAuthorizationUrlWithJAR(
          config,
          { redirect_uri: redirectUri, scope: 'openid' },
          signingKey,
        ),
        (err: Error & { code?: string }) => {
          assert.ok(err instanceof client.ClientError, String(err))
          assert.equal(err.code, code)
          return true
        },
      )
      assert.deepEqual(requests, [server.jwks_uri])
    })
  }
})

describe('openid-rp/jar-encryption: mTLS endpoint aliases', () => {
  it('buildAuthorizationUrlWithJAR() with use_mtls_endpoint_aliases fetches the encryption key from jwks_uri, never mtls_endpoint_aliases.jwks_uri', async () => {
    const client = await import('openid-rp')
    const server = {
      issuer: 'https://op.example',
      authorization_endpoint: 'https://op.example/auth',
      jwks_uri: 'https://op.example/jwks',
      mtls_endpoint_aliases: { jwks_uri: 'https://mtls.op.example/jwks' },
    }
    const { publicKey } = await jose.generateKeyPair('RSA-OAEP-256', { extractable: true })
    const jwks = { keys: [{ ...(await jose.exportJWK(publicKey)), kid: 'enc', use: 'enc' }] }
    const config = new client.Configuration(
      server,
      'rp-jar-rsa',
      {
        request_object_encryption_alg: 'RSA-OAEP-256',
        request_object_encryption_enc: 'A256GCM',
        use_mtls_endpoint_aliases: true,
      },
      client.PrivateKeyJwt(signingKey),
    )
    enableRequestObjectEncryption(config)
    const requests: string[] = []
    config[client.customFetch] = async (url) => {
      requests.push(url)
      return json(jwks)
    }
    const url = await client.buildAuthorizationUrlWithJAR(
      config,
      { redirect_uri: redirectUri, scope: 'openid' },
      signingKey,
    )
    assert.equal(url.searchParams.get('request')?.split('.').length, 5, 'a JWE')
    assert.deepEqual(requests, [server.jwks_uri])
  })
})
