import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import * as jose from 'jose'
import type { ClientMetadata } from 'oidc-provider'
import { login } from '../support/login.ts'
import {
  createProvider,
  startResourceServer,
  type ResourceServer,
  type TestProvider,
} from '../support/provider.ts'
import {
  closeProvider,
  enabledJWA,
  encryptionKey,
  redirectUri,
  secret,
  type EncryptionKey,
} from '../support/e2e.ts'
import * as dpop from '../../examples/dpop.ts'
import * as jarm from '../../examples/jarm.ts'
import * as hybrid from '../../examples/hybrid.ts'
import * as implicit from '../../examples/implicit.ts'
import * as fapi1 from '../../examples/fapi1-detached.ts'
import * as nonRepudiation from '../../examples/non-repudiation.ts'
import * as decryption from '../../examples/decryption.ts'
import * as jwksCache from '../../examples/jwks-cache.ts'
import * as parJar from '../../examples/par-jar.ts'
import * as jarEncryption from '../../examples/jar-encryption.ts'

let op: TestProvider
let rs: ResourceServer
let encKey: EncryptionKey
let jarKey: CryptoKey

const confidential = (clientId: string, extra: Partial<ClientMetadata> = {}): ClientMetadata => ({
  client_id: clientId,
  client_secret: secret(clientId),
  redirect_uris: [redirectUri],
  response_types: ['code'],
  grant_types: ['authorization_code', 'refresh_token'],
  ...extra,
})
const hybridGrants: Partial<ClientMetadata> = {
  response_types: ['code id_token'],
  grant_types: ['authorization_code', 'implicit'],
}

before(async () => {
  encKey = await encryptionKey('ECDH-ES+A256KW', 'example-enc')
  const jar = await jose.generateKeyPair('ES256', { extractable: true })
  jarKey = jar.privateKey
  op = await createProvider({
    features: {
      dPoP: true,
      encryption: true,
      introspection: true,
      jwtIntrospection: true,
      jwtUserinfo: true,
      jwtResponseModes: true,
      pushedAuthorizationRequests: true,
      requestObjects: true,
      fapi: {
        profile: (_ctx: unknown, client: { clientId: string } | undefined) =>
          client?.clientId === 'ex-fapi' ? '1.0 Final' : undefined,
      } as never,
    },
    configuration: { enabledJWA },
    clients: [
      confidential('ex-dpop'),
      confidential('ex-jarm', { authorization_signed_response_alg: 'ES256' }),
      confidential('ex-hybrid', hybridGrants),
      confidential('ex-fapi', hybridGrants),
      {
        client_id: 'ex-implicit',
        token_endpoint_auth_method: 'none',
        redirect_uris: [redirectUri],
        response_types: ['id_token'],
        grant_types: ['implicit'],
      },
      confidential('ex-signed', {
        userinfo_signed_response_alg: 'ES256',
        introspection_signed_response_alg: 'ES256',
      }),
      confidential('ex-enc', {
        jwks: { keys: [encKey.jwk] },
        userinfo_signed_response_alg: 'ES256',
        userinfo_encrypted_response_alg: encKey.alg,
        userinfo_encrypted_response_enc: 'A256GCM',
        id_token_encrypted_response_alg: encKey.alg,
        id_token_encrypted_response_enc: 'A256GCM',
      }),
      confidential('ex-par', {
        request_object_signing_alg: 'ES256',
        jwks: { keys: [{ ...(await jose.exportJWK(jar.publicKey)), alg: 'ES256', use: 'sig' }] },
      }),
      confidential('ex-jar-enc', {
        request_object_signing_alg: 'ES256',
        request_object_encryption_alg: 'RSA-OAEP-256',
        request_object_encryption_enc: 'A256GCM',
        jwks: { keys: [{ ...(await jose.exportJWK(jar.publicKey)), alg: 'ES256', use: 'sig' }] },
      }),
    ],
  })
  rs = await startResourceServer(op, { requireDpopNonce: true })
})

after(async () => {
  await rs.close()
  await closeProvider(op)
})

const browser = (authorizationUrl: URL) => login(authorizationUrl, { redirectUri })
const common = (clientId: string) => ({
  clientId,
  clientSecret: secret(clientId),
  redirectUri,
  browser,
  allowHttp: true,
})

/** An access token for `ex-signed`, from a plain code flow (the examples take it as input). */
async function accessTokenFor(clientId: string): Promise<string> {
  const client = await import('openid-rp')
  const config = await client.discovery(op.issuer, clientId, secret(clientId), undefined, {
    execute: [client.allowInsecureRequests],
  })
  const verifier = client.randomPKCECodeVerifier()
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri,
    scope: 'openid email',
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
  })
  const tokens = await client.authorizationCodeGrant(config, await browser(url), {
    pkceCodeVerifier: verifier,
  })
  return tokens.access_token
}

describe('examples/ run against the local provider (openid-rp)', () => {
  it('examples/dpop.ts: DPoP-bound tokens, a nonce-demanding resource, a DPoP refresh', async () => {
    const result = await dpop.main(op.issuer, {
      ...common('ex-dpop'),
      resource: new URL('/example', rs.url),
    })
    assert.deepEqual(result, { tokenType: 'dpop', resourceStatus: 200, refreshedTokenType: 'dpop' })
  })

  it('examples/jarm.ts: response_mode=jwt and a validated JARM response', async () => {
    const result = await jarm.main(op.issuer, common('ex-jarm'))
    assert.deepEqual(result, { responseMode: 'jwt', sub: op.account.sub })
  })

  it('examples/hybrid.ts: code id_token over form_post', async () => {
    const result = await hybrid.main(op.issuer, common('ex-hybrid'))
    assert.equal(result.claims?.sub, op.account.sub)
    assert.equal(typeof result.accessToken, 'string')
  })

  it('examples/implicit.ts: id_token in the fragment', async () => {
    const result = await implicit.main(op.issuer, {
      clientId: 'ex-implicit',
      redirectUri,
      browser,
      allowHttp: true,
    })
    assert.deepEqual(result, { sub: op.account.sub, email: op.account.email })
  })

  it('examples/fapi1-detached.ts: the detached signature with s_hash', async () => {
    const result = await fapi1.main(op.issuer, common('ex-fapi'))
    assert.equal(result.sub, op.account.sub)
  })

  it('examples/non-repudiation.ts: signed UserInfo and JWT introspection', async () => {
    const accessToken = await accessTokenFor('ex-signed')
    const result = await nonRepudiation.main(op.issuer, {
      ...common('ex-signed'),
      accessToken,
      expectedSubject: op.account.sub,
    })
    assert.equal(result.userInfo.email, op.account.email)
    assert.equal(result.introspection.active, true)
  })

  it('examples/decryption.ts: encrypted ID Token and UserInfo', async () => {
    const result = await decryption.main(op.issuer, {
      ...common('ex-enc'),
      decryptionKey: { key: encKey.privateKey, alg: encKey.alg, kid: encKey.kid },
    })
    assert.equal(result.sub, op.account.sub)
    assert.equal(result.userInfo.email, op.account.email)
    assert.equal(typeof result.signedUserInfo, 'string')
  })

  it('examples/jwks-cache.ts: the second invocation restores the cache', async () => {
    const accessToken = await accessTokenFor('ex-signed')
    let stored: string | undefined
    const storage = {
      load: async () => (stored ? JSON.parse(stored) : undefined),
      save: async (cache: unknown) => {
        stored = JSON.stringify(cache)
      },
    }
    const options = {
      ...common('ex-signed'),
      accessToken,
      expectedSubject: op.account.sub,
      storage,
    }
    const first = await jwksCache.main(op.issuer, options)
    assert.equal(first.sub, op.account.sub)
    assert.ok(stored, 'the first invocation saved the JWKS')
    const second = await jwksCache.main(op.issuer, options)
    assert.equal(second.sub, op.account.sub)
  })

  it('examples/par-jar.ts: a pushed, signed request object', async () => {
    const result = await parJar.main(op.issuer, {
      ...common('ex-par'),
      signingKey: { key: jarKey },
    })
    assert.ok(result.authorizationUrl.searchParams.get('request_uri'))
    assert.equal(result.sub, op.account.sub)
  })

  it('examples/jar-encryption.ts: a signed and encrypted request object', async () => {
    const result = await jarEncryption.main(op.issuer, {
      ...common('ex-jar-enc'),
      signingKey: { key: jarKey },
    })
    const request = result.authorizationUrl.searchParams.get('request')!
    assert.equal(request.split('.').length, 5, 'the request object is a JWE')
    assert.equal(jose.decodeProtectedHeader(request).cty, 'JWT')
    assert.equal(result.sub, op.account.sub)
  })
})
