/**
 * Public key validation of the server's encryption key (src/core/public-key-validation.ts) at its
 * edges, beyond test/conformance/jar-encryption-weak-keys.test.ts: the smallest sound RSA
 * exponent accepted, an even modulus, values that are not base64url, coordinates that are not
 * field elements, unsupported curves, and the refusal's message and cause. Each test kills a
 * mutant of `npm run mutate -- core/public-key-validation` (docs/mutation.md).
 */
import assert from 'node:assert/strict'
import { generateKeyPairSync } from 'node:crypto'
import { before, describe, it } from 'node:test'

import * as jose from 'jose'
import * as client from 'openid-rp'
import { enableRequestObjectEncryption } from 'openid-rp/jar-encryption'

import { json } from '../support/transport.ts'

const server = {
  issuer: 'https://op.example',
  authorization_endpoint: 'https://op.example/auth',
  jwks_uri: 'https://op.example/jwks',
}

let signingKey: CryptoKey

before(async () => {
  ;({ privateKey: signingKey } = await jose.generateKeyPair('ES256'))
})

/** Builds a JAR URL for a client encrypting with `alg` to a server whose only key is `key`. */
function encryptTo(alg: string, key: jose.JWK) {
  const config = new client.Configuration(
    server,
    'rp-jar',
    { request_object_encryption_alg: alg, request_object_encryption_enc: 'A256GCM' },
    client.None(),
  )
  enableRequestObjectEncryption(config)
  config[client.customFetch] = async () => json({ keys: [{ use: 'enc', ...key }] })
  return client.buildAuthorizationUrlWithJAR(
    config,
    { redirect_uri: 'https://rp.example/cb', scope: 'openid', state: 'state-1' },
    signingKey,
  )
}

type Refusal = Error & { code?: string; cause?: Record<string, unknown> }

async function refusal(alg: string, key: jose.JWK): Promise<Refusal> {
  let caught: Refusal | undefined
  await assert.rejects(encryptTo(alg, key), (err: Refusal) => {
    caught = err
    return true
  })
  assert.ok(caught instanceof client.ClientError, String(caught))
  assert.equal(caught.code, 'OAUTH_KEY_SELECTION_FAILED')
  return caught
}

const rsaJwk = (publicExponent?: number) =>
  generateKeyPairSync('rsa', { modulusLength: 2048, publicExponent }).publicKey.export({
    format: 'jwk',
  }) as jose.JWK

/** A base64url big-endian value of `bytes` bytes. */
function bigEndian(value: bigint, bytes: number): string {
  const out = new Uint8Array(bytes)
  for (let i = bytes - 1, rest = value; i >= 0; i--, rest >>= 8n) out[i] = Number(rest & 0xffn)
  return jose.base64url.encode(out)
}

describe('openid-rp/jar-encryption: public key validation at its edges', () => {
  it('buildAuthorizationUrlWithJAR() encrypts to a 2048-bit RSA key with public exponent 3', async () => {
    const url = await encryptTo('RSA-OAEP-256', { ...rsaJwk(3), kid: 'e3' })
    const request = url.searchParams.get('request')!
    assert.equal(jose.decodeProtectedHeader(request).kid, 'e3')
  })

  it('buildAuthorizationUrlWithJAR() refuses an RSA key with an even modulus, naming the key, with a cause', async () => {
    const jwk = rsaJwk()
    const n = jose.base64url.decode(jwk.n!)
    n[n.length - 1]! &= 0xfe
    const err = await refusal('RSA-OAEP-256', { ...jwk, n: jose.base64url.encode(n), kid: 'k1' })
    assert.match(
      err.message,
      /^the server's RSA-OAEP-256 request object encryption key "k1" is unsafe to encrypt to: its modulus is even; nothing was encrypted to it/,
    )
    assert.deepEqual(err.cause, { kty: 'RSA', kid: 'k1', reason: 'its modulus is even' })
  })

  it('buildAuthorizationUrlWithJAR() refuses an RSA key whose "e" is not base64url, and names no kid when it has none', async () => {
    const err = await refusal('RSA-OAEP-256', { ...rsaJwk(), e: 'AQ+B' })
    assert.match(
      err.message,
      /encryption key is unsafe to encrypt to: its "n" or "e" is not base64url/,
    )
  })

  it('buildAuthorizationUrlWithJAR() refuses a P-256 key whose x is not a field element', async () => {
    const p = 2n ** 256n - 2n ** 224n + 2n ** 192n + 2n ** 96n - 1n
    const jwk = (await jose.exportJWK(
      (await jose.generateKeyPair('ECDH-ES', { crv: 'P-256', extractable: true })).publicKey,
    )) as jose.JWK
    const err = await refusal('ECDH-ES', { ...jwk, x: bigEndian(p, 32) })
    assert.match(err.message, /its coordinates are not field elements/)
  })
  it('buildAuthorizationUrlWithJAR() refuses a P-256 key whose y is not a field element', async () => {
    const p = 2n ** 256n - 2n ** 224n + 2n ** 192n + 2n ** 96n - 1n
    const jwk = (await jose.exportJWK(
      (await jose.generateKeyPair('ECDH-ES', { crv: 'P-256', extractable: true })).publicKey,
    )) as jose.JWK
    const err = await refusal('ECDH-ES', { ...jwk, y: bigEndian(p, 32) })
    assert.match(err.message, /its coordinates are not field elements/)
  })

  for (const [name, e] of [
    ['a number', 1235],
    ['"AQ+B" (a "+" inside)', 'AQ+B'],
  ] as const) {
    it(`buildAuthorizationUrlWithJAR() refuses an RSA key whose "e" is ${name}`, async () => {
      const err = await refusal('RSA-OAEP-256', { ...rsaJwk(), e } as unknown as jose.JWK)
      assert.match(err.message, /its "n" or "e" is not base64url/)
    })
  }

  it('buildAuthorizationUrlWithJAR() refuses an RSA key whose "n" is not base64url', async () => {
    const err = await refusal('RSA-OAEP-256', { ...rsaJwk(), n: 'not base64url' })
    assert.match(err.message, /its "n" or "e" is not base64url/)
  })

  it('buildAuthorizationUrlWithJAR() refuses an RSA key with a zero modulus, saying 0 bits', async () => {
    const err = await refusal('RSA-OAEP-256', { ...rsaJwk(), n: 'AA' })
    assert.match(err.message, /its modulus has 0 bits, fewer than 2048/)
  })

  for (const [name, change] of [
    ['x not base64url', { x: 'not base64url' }],
    ['y not base64url', { y: 'not base64url' }],
    ['a short y', { y: bigEndian(1n, 31) }],
  ] as const) {
    it(`buildAuthorizationUrlWithJAR() refuses a P-256 key with ${name}`, async () => {
      const jwk = (await jose.exportJWK(
        (await jose.generateKeyPair('ECDH-ES', { crv: 'P-256', extractable: true })).publicKey,
      )) as jose.JWK
      const err = await refusal('ECDH-ES', { ...jwk, ...change })
      assert.match(err.message, /its coordinates are not 32-byte values/)
    })
  }

  for (const [name, x, reason] of [
    ['31 bytes', jose.base64url.encode(new Uint8Array(31).fill(9)), /not a 32-byte value/],
    ['not base64url', 'not base64url', /not a 32-byte value/],
    [
      'exactly 2^255 - 19',
      jose.base64url.encode(
        Uint8Array.from({ length: 32 }, (_, i) => (i === 0 ? 0xed : i === 31 ? 0x7f : 0xff)),
      ),
      /not canonical/,
    ],
  ] as const) {
    it(`buildAuthorizationUrlWithJAR() refuses an X25519 key whose x is ${name}`, async () => {
      const err = await refusal('ECDH-ES', { kty: 'OKP', crv: 'X25519', x })
      assert.match(err.message, reason)
    })
  }
  it('buildAuthorizationUrlWithJAR() refuses an EC key on the curve X25519 (an OKP curve)', async () => {
    const err = await refusal('ECDH-ES', {
      kty: 'EC',
      crv: 'X25519',
      x: bigEndian(9n, 32),
      y: bigEndian(9n, 32),
    })
    assert.match(err.message, /its curve "X25519" is not supported/)
  })

  it('buildAuthorizationUrlWithJAR() refuses an OKP key on the curve P-256 (an EC curve)', async () => {
    const err = await refusal('ECDH-ES', { kty: 'OKP', crv: 'P-256', x: bigEndian(9n, 32) })
    assert.match(err.message, /its curve "P-256" is not supported/)
  })
  for (const [name, x] of [
    ['the base point (u = 9)', jose.base64url.encode(Uint8Array.of(9, ...new Uint8Array(31)))],
    [
      'a point on the curve (u = 11)',
      jose.base64url.encode(Uint8Array.of(11, ...new Uint8Array(31))),
    ],
    [
      "RFC 7748 §6.1 Alice's public key",
      jose.base64url.encode(
        Uint8Array.from(
          '8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a'.match(/../g)!,
          (h) => parseInt(h, 16),
        ),
      ),
    ],
    [
      "RFC 7748 §6.1 Bob's public key",
      jose.base64url.encode(
        Uint8Array.from(
          'de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f'.match(/../g)!,
          (h) => parseInt(h, 16),
        ),
      ),
    ],
  ] as const) {
    it(`buildAuthorizationUrlWithJAR() encrypts to an X25519 key with ${name}`, async () => {
      const url = await encryptTo('ECDH-ES', { kty: 'OKP', crv: 'X25519', x, kid: 'fixed' })
      assert.equal(jose.decodeProtectedHeader(url.searchParams.get('request')!).kid, 'fixed')
    })
  }
})
