// Public key validation (NIST SP 800-56A §5.6.2.3, SP 800-56B §6.4.2) of keys a server offers to
// be encrypted to: RSA exponent and modulus size, EC points on their curve, X25519 small order.
import { clientError } from './errors.ts'

/** NIST prime curves: field prime and `b` of y² = x³ - 3x + b (SEC 2 §2.4, FIPS 186-5 §G.1). */
const PRIME_CURVES: Record<string, { p: bigint; b: bigint; bytes: number }> = {
  'P-256': {
    p: 2n ** 256n - 2n ** 224n + 2n ** 192n + 2n ** 96n - 1n,
    b: 0x5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604bn,
    bytes: 32,
  },
  'P-384': {
    p: 2n ** 384n - 2n ** 128n - 2n ** 96n + 2n ** 32n - 1n,
    b: 0xb3312fa7e23ee7e4988e056be3f82d19181d9c6efe8141120314088f5013875ac656398d8a2ed19d2a85c8edd3ec2aefn,
    bytes: 48,
  },
  'P-521': {
    p: 2n ** 521n - 1n,
    b: 0x0051953eb9618e1c9a1f929a21a0b68540eea2da725b99b315f3b8b489918ef109e156193951ec7e937b1652c0bd3bb1bf073573df883d2c34f1ef451fd46b503f00n,
    bytes: 66,
  },
}

/** Curve25519 (RFC 7748 §4.1): p = 2^255 - 19, A = 486662. */
const P25519 = 2n ** 255n - 19n
const A25519 = 486662n

/**
 * The u-coordinates of the X25519 points of order 1, 2, 4 and 8 (RFC 7748 §6.1: a shared secret
 * from them is all zero and known to anyone).
 */
const X25519_SMALL_ORDER = new Set([
  0n,
  1n,
  P25519 - 1n,
  325606250916557431795983626356110631294008115727848805560023387167927233504n,
  39382357235489614581723060781553021112529911719440698176882885853963445705823n,
])

/** Smallest RSA modulus accepted, in bits (NIST SP 800-131A Rev. 2 §2). */
const MIN_RSA_BITS = 2048

function bytesOf(value: unknown): Uint8Array | undefined {
  if (typeof value !== 'string' || !/^[A-Za-z0-9_-]+$/.test(value)) return undefined
  try {
    const binary = atob(value.replace(/-/g, '+').replace(/_/g, '/'))
    return Uint8Array.from(binary, (ch) => ch.charCodeAt(0))
  } catch {
    return undefined
  }
}

function bigEndian(bytes: Uint8Array): bigint {
  let value = 0n
  for (const byte of bytes) value = (value << 8n) | BigInt(byte)
  return value
}

function littleEndian(bytes: Uint8Array): bigint {
  return bigEndian(Uint8Array.from(bytes).reverse())
}

function modPow(base: bigint, exponent: bigint, modulus: bigint): bigint {
  let result = 1n
  let b = base % modulus
  for (let e = exponent; e > 0n; e >>= 1n) {
    if (e & 1n) result = (result * b) % modulus
    b = (b * b) % modulus
  }
  return result
}

/** Why the RSA public key is weak, or undefined. */
function rsaWeakness(jwk: Record<string, unknown>): string | undefined {
  const n = bytesOf(jwk.n)
  const e = bytesOf(jwk.e)
  if (n === undefined || e === undefined) return 'its "n" or "e" is not base64url'
  const exponent = bigEndian(e)
  if (exponent < 3n) return `its public exponent e=${exponent} is below 3`
  if (exponent % 2n === 0n) return `its public exponent e=${exponent} is even`
  const modulus = bigEndian(n)
  const bits = modulus.toString(2).length
  if (modulus === 0n || bits < MIN_RSA_BITS) {
    return `its modulus has ${modulus === 0n ? 0 : bits} bits, fewer than ${MIN_RSA_BITS}`
  }
  if (modulus % 2n === 0n) return 'its modulus is even'
  return undefined
}

/** Why the EC public key is weak, or undefined. */
function ecWeakness(jwk: Record<string, unknown>): string | undefined {
  const curve = PRIME_CURVES[jwk.crv as string]
  if (curve === undefined) return `its curve ${JSON.stringify(jwk.crv)} is not supported`
  const x = bytesOf(jwk.x)
  const y = bytesOf(jwk.y)
  if (x?.length !== curve.bytes || y?.length !== curve.bytes) {
    return `its coordinates are not ${curve.bytes}-byte values`
  }
  const { p, b } = curve
  const X = bigEndian(x)
  const Y = bigEndian(y)
  if (X >= p || Y >= p) return 'its coordinates are not field elements'
  if ((Y * Y - (X * X * X - 3n * X + b)) % p !== 0n) {
    return `its point is not on the curve ${String(jwk.crv)}`
  }
  return undefined
}

/** Why the OKP (X25519) public key is weak, or undefined. */
function okpWeakness(jwk: Record<string, unknown>): string | undefined {
  if (jwk.crv !== 'X25519') return `its curve ${JSON.stringify(jwk.crv)} is not supported`
  const x = bytesOf(jwk.x)
  if (x?.length !== 32) return 'its "x" is not a 32-byte value'
  const u = littleEndian(x)
  if (u >= P25519) return 'its u-coordinate is not canonical (not below 2^255 - 19)'
  if (X25519_SMALL_ORDER.has(u)) return 'its point has small order (the shared secret is known)'
  const v = (u * u * u + A25519 * u * u + u) % P25519
  if (modPow(v, (P25519 - 1n) / 2n, P25519) !== 1n) {
    return 'its point is not on Curve25519 (it lies on the twist)'
  }
  return undefined
}

/**
 * @internal Refuses a public key an attacker could have chosen to make encryption to it
 * breakable: RSA with `e` < 3 or even, or a modulus under 2048 bits; an EC point not on its
 * curve; an X25519 point of small order or off the curve. `purpose` names what the key was for.
 */
export function checkPublicKey(jwk: Record<string, unknown>, purpose: string): void {
  const weakness =
    jwk.kty === 'RSA'
      ? rsaWeakness(jwk)
      : jwk.kty === 'EC'
        ? ecWeakness(jwk)
        : jwk.kty === 'OKP'
          ? okpWeakness(jwk)
          : `its key type ${JSON.stringify(jwk.kty)} is not supported`
  if (weakness !== undefined) {
    throw clientError(
      `the server's ${purpose} key${typeof jwk.kid === 'string' ? ` ${JSON.stringify(jwk.kid)}` : ''} is unsafe to encrypt to: ${weakness}; nothing was encrypted to it, the server must publish a sound key`,
      'OAUTH_KEY_SELECTION_FAILED',
      { kty: jwk.kty, kid: jwk.kid, reason: weakness },
    )
  }
}
