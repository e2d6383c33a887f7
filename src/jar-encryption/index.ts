// openid-rp/jar-encryption, the opt-in entry that encrypts signed request objects to the server's
// JWKS key; kept apart so the encryption code leaves bundles that do not need it.

import { CompactEncrypt } from 'jose/jwe/compact/encrypt'

import type { Configuration } from '../core/configuration.ts'
import { clientError } from '../core/errors.ts'
import { perform } from '../core/deadline.ts'
import { getJson } from '../core/http.ts'
import { checkPublicKey } from '../core/public-key-validation.ts'
import { internal, type State } from '../core/state.ts'
import { serverEndpoint } from '../core/endpoint.ts'

const OAEP_HASH: Record<string, string> = {
  'RSA-OAEP-256': 'SHA-256',
  'RSA-OAEP-384': 'SHA-384',
  'RSA-OAEP-512': 'SHA-512',
}

function keyTypeFor(alg: string): string[] {
  if (alg.startsWith('RSA-OAEP')) return ['RSA']
  if (alg.startsWith('ECDH-ES')) return ['EC', 'OKP']
  return []
}

/** How long a server encryption key is reused before its JWKS is fetched again. */
const KEY_MAX_AGE_MS = 300_000

interface ServerKey {
  key: CryptoKey
  kid?: string
  until: number
}

const serverKeys = new WeakMap<State, Promise<ServerKey>>()

/** Curves a key agreement (ECDH-ES) key may use; an Ed25519 signing key is not one of them. */
const AGREEMENT_CURVES = ['P-256', 'P-384', 'P-521', 'X25519']

/**
 * The server's encryption key for `alg`, fetched from its `jwks_uri` and imported once per
 * Configuration for a few minutes, so building authorization URLs repeats neither the JWKS
 * request nor the key import.
 */
async function serverKey(state: State, alg: string): Promise<ServerKey> {
  const cached = serverKeys.get(state)
  if (cached !== undefined && (await cached).until > Date.now()) return cached
  const loading = loadServerKey(state, alg)
  serverKeys.set(state, loading)
  loading.catch(() => {
    if (serverKeys.get(state) === loading) serverKeys.delete(state)
  })
  return loading
}

async function loadServerKey(state: State, alg: string): Promise<ServerKey> {
  const kty = keyTypeFor(alg)
  const url = serverEndpoint(state, 'jwks_uri', false)
  const jwks = await perform(state, undefined, (deadline) => getJson(state, url, deadline))
  const keys = Array.isArray(jwks.keys) ? (jwks.keys as Record<string, unknown>[]) : []
  const candidates = keys.filter(
    (jwk) =>
      typeof jwk === 'object' &&
      jwk !== null &&
      kty.includes(jwk.kty as string) &&
      (jwk.kty === 'RSA' || AGREEMENT_CURVES.includes(jwk.crv as string)) &&
      (jwk.use === undefined || jwk.use === 'enc') &&
      (jwk.alg === undefined || jwk.alg === alg) &&
      (!Array.isArray(jwk.key_ops) ||
        jwk.key_ops.some((op) => op === 'encrypt' || op === 'wrapKey' || op === 'deriveKey')),
  )
  const jwk = candidates.find((candidate) => candidate.alg === alg) ?? candidates[0]
  if (jwk === undefined) {
    throw clientError(
      `the server's JWKS has no encryption key for ${alg}: it cannot receive encrypted request objects with this algorithm`,
      'OAUTH_KEY_SELECTION_FAILED',
      { alg },
    )
  }
  checkPublicKey(jwk, `${alg} request object encryption`)
  const key = await crypto.subtle.importKey(
    'jwk',
    jwk as JsonWebKey,
    alg.startsWith('RSA-OAEP')
      ? { name: 'RSA-OAEP', hash: OAEP_HASH[alg] ?? 'SHA-1' }
      : jwk.kty === 'OKP'
        ? { name: String(jwk.crv) }
        : { name: 'ECDH', namedCurve: String(jwk.crv) },
    false,
    alg.startsWith('RSA-OAEP') ? ['encrypt'] : [],
  )
  return {
    key,
    ...(typeof jwk.kid === 'string' && { kid: jwk.kid }),
    until: Date.now() + KEY_MAX_AGE_MS,
  }
}

async function encryptRequestObject(state: State, requestObject: string): Promise<string> {
  const alg = state.c.request_object_encryption_alg
  if (typeof alg !== 'string' || keyTypeFor(alg).length === 0) {
    throw clientError(
      `request_object_encryption_alg ${JSON.stringify(alg)} is not supported: use RSA-OAEP(-256/384/512) or ECDH-ES(+A128KW/A192KW/A256KW)`,
      'OAUTH_UNSUPPORTED_OPERATION',
    )
  }
  const enc =
    typeof state.c.request_object_encryption_enc === 'string'
      ? state.c.request_object_encryption_enc
      : 'A128CBC-HS256'
  const { key, kid } = await serverKey(state, alg)
  return new CompactEncrypt(new TextEncoder().encode(requestObject))
    .setProtectedHeader({
      alg,
      enc,
      cty: 'JWT',
      ...(kid !== undefined && { kid }),
    })
    .encrypt(key)
}

/**
 * Lets `buildAuthorizationUrlWithJAR` encrypt signed request objects (JWE, `cty: JWT`) to the
 * server's key from its JWKS, as the client registered with `request_object_encryption_alg`
 * (`RSA-OAEP*` or `ECDH-ES*`) and `request_object_encryption_enc` (default `A128CBC-HS256`).
 * Without this call, a Configuration whose client registered `request_object_encryption_alg`
 * refuses to build a JAR URL rather than send the request object unencrypted. It lives in its
 * own entry so applications that do not encrypt request objects do not ship JWE encryption.
 *
 * @example
 * ```ts
 * import * as client from 'openid-rp'
 * import { enableRequestObjectEncryption } from 'openid-rp/jar-encryption'
 *
 * const config = await client.discovery(server, 'client-id', {
 *   request_object_encryption_alg: 'RSA-OAEP-256',
 *   request_object_encryption_enc: 'A256GCM',
 * }, client.PrivateKeyJwt(signingKey))
 * enableRequestObjectEncryption(config)
 * const url = await client.buildAuthorizationUrlWithJAR(config, parameters, signingKey)
 * ```
 * @see [RFC 9101 §6.1](https://www.rfc-editor.org/rfc/rfc9101.html#section-6.1)
 * @see [OpenID Connect Core §6.1](https://openid.net/specs/openid-connect-core-1_0.html#JWTRequests)
 */
export function enableRequestObjectEncryption(config: Configuration): void {
  internal(config).encryptRequestObject = encryptRequestObject
}
