/**
 * Forging helpers for the conformance suite: keys a forged issuer signs with, keys a relying party
 * decrypts with, and functions that sign, encrypt and tamper with JWTs exactly as a scenario asks.
 * Everything is made with `jose`; nothing here validates anything.
 *
 * No test-runner import here: these are plain functions usable from any test.
 */
import { createHash } from 'node:crypto'
import {
  base64url,
  CompactEncrypt,
  CompactSign,
  type CryptoKey,
  exportJWK,
  exportSPKI,
  generateKeyPair,
  type JWK,
  SignJWT,
} from 'jose'

/** JWT claims or header parameters; a property set to `undefined` is left out of the JWT. */
export type Claims = Record<string, unknown>

/** Seconds since the epoch, as JWT timestamps are written. */
export function epoch(): number {
  return Math.floor(Date.now() / 1000)
}

/** Copies `object` without the properties whose value is `undefined` (how a claim is removed). */
export function compact<T extends Claims>(object: T): T {
  return Object.fromEntries(Object.entries(object).filter(([, value]) => value !== undefined)) as T
}

/** A signing key of a forged issuer: the private key, and the public JWK it publishes. */
export interface SigningKey {
  readonly alg: 'RS256' | 'ES256' | 'PS256'
  readonly kid: string | undefined
  readonly privateKey: CryptoKey
  readonly publicKey: CryptoKey
  /** The public JWK with `alg`, `use: sig` and `kid` (when the key has one), for a JWKS. */
  readonly jwk: JWK
}

/** Generates a signing key; `kid` undefined publishes the key without a `kid`. */
export async function signingKey(alg: SigningKey['alg'], kid?: string): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true })
  const jwk = compact({ ...(await exportJWK(publicKey)), alg, use: 'sig', kid })
  return { alg, kid, privateKey, publicKey, jwk }
}

/**
 * Signs `claims` with `key`. The header is `{ alg, kid }` of the key, merged with `header`; a
 * header parameter set to `undefined` is removed (e.g. `{ kid: undefined }` for no `kid`). A `crit`
 * header is signed as given (jose is told to accept its extensions).
 */
export async function sign(claims: Claims, key: SigningKey, header: Claims = {}): Promise<string> {
  const protectedHeader = compact({ alg: key.alg, kid: key.kid, ...header }) as { alg: string }
  const crit = (protectedHeader as { crit?: unknown }).crit
  const critOption = Array.isArray(crit)
    ? { crit: Object.fromEntries(crit.map((name: string) => [name, true])) }
    : undefined
  return new SignJWT(compact(claims))
    .setProtectedHeader(protectedHeader)
    .sign(key.privateKey, critOption)
}

/** An unsecured JWT (`alg: none`, empty signature) with `header` merged in. */
export function unsigned(claims: Claims, header: Claims = {}): string {
  const encode = (value: unknown) => base64url.encode(JSON.stringify(value))
  return `${encode(compact({ alg: 'none', ...header }))}.${encode(compact(claims))}.`
}

/** The same JWS with its signature corrupted (first signature byte flipped). */
export function corruptSignature(jws: string): string {
  const [header, payload, signature] = jws.split('.') as [string, string, string]
  const bytes = base64url.decode(signature)
  bytes[0] = bytes[0]! ^ 0xff
  return `${header}.${payload}.${base64url.encode(bytes)}`
}

/** The same JWS with its payload replaced after signing: the signature no longer covers it. */
export function replacePayload(jws: string, claims: Claims): string {
  const [header, , signature] = jws.split('.') as [string, string, string]
  return `${header}.${base64url.encode(JSON.stringify(compact(claims)))}.${signature}`
}

/**
 * Key confusion: an HS256 JWT whose HMAC secret is the issuer's public key (SPKI PEM), as a
 * verifier that feeds the published key to HMAC would accept it.
 */
export async function hs256WithPublicKey(claims: Claims, key: SigningKey): Promise<string> {
  const secret = new TextEncoder().encode(await exportSPKI(key.publicKey))
  return new SignJWT(compact(claims))
    .setProtectedHeader(compact({ alg: 'HS256', kid: key.kid }) as { alg: string })
    .sign(secret)
}

/** The OpenID Connect `c_hash` / `s_hash` / `at_hash` of `value` for a SHA-256 based `alg`. */
export function halfHash(value: string): string {
  const digest = createHash('sha256').update(value).digest()
  return base64url.encode(digest.subarray(0, digest.length / 2))
}

/** base64url(SHA-256(value)): the DPoP `ath` of an access token. */
export function sha256(value: string): string {
  return base64url.encode(createHash('sha256').update(value).digest())
}

/** A relying party's decryption key: the private key it holds, the public key a server encrypts to. */
export interface EncryptionKey {
  readonly alg: 'ECDH-ES+A256KW' | 'RSA-OAEP-256'
  readonly kid: string | undefined
  readonly privateKey: CryptoKey
  readonly publicKey: CryptoKey
}

/** Generates a decryption key pair (ECDH P-256 or RSA-OAEP-256). */
export async function encryptionKey(
  alg: EncryptionKey['alg'],
  kid?: string,
): Promise<EncryptionKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, {
    extractable: true,
    ...(alg === 'ECDH-ES+A256KW' && { crv: 'P-256' }),
  })
  return { alg, kid, privateKey, publicKey }
}

/**
 * Encrypts `plaintext` (usually a signed JWT) to `recipient` as a compact JWE with `enc`; the
 * header is `{ alg, enc, kid, cty: 'JWT' }` merged with `header`.
 */
export async function encrypt(
  plaintext: string,
  recipient: EncryptionKey,
  enc: string,
  header: Claims = {},
): Promise<string> {
  const protectedHeader = compact({
    alg: recipient.alg,
    enc,
    kid: recipient.kid,
    cty: 'JWT',
    ...header,
  })
  return new CompactEncrypt(new TextEncoder().encode(plaintext))
    .setProtectedHeader(protectedHeader as { alg: string; enc: string })
    .encrypt(recipient.publicKey)
}

/**
 * Signs an arbitrary `payload` string (not a claims object) with `key`, e.g. a JWT inside a JWS;
 * the header is `{ alg, kid }` of the key merged with `header`.
 */
export async function signPayload(
  payload: string,
  key: SigningKey,
  header: Claims = {},
): Promise<string> {
  const protectedHeader = compact({ alg: key.alg, kid: key.kid, ...header }) as { alg: string }
  return new CompactSign(new TextEncoder().encode(payload))
    .setProtectedHeader(protectedHeader)
    .sign(key.privateKey)
}
