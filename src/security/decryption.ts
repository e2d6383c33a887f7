// Encrypted responses: enableDecryptingResponses() fills the decryption slot with the client's
// keys (jose loaded on first use), and getDecryptedResponses() reads what was decrypted.

import type { JWEHeaderParameters } from 'jose'
import type * as oauth from 'oauth4webapi'

import type { Configuration } from '../core/configuration.ts'
import { argumentError, clientError, normalizeError } from '../core/errors.ts'
import { internal } from '../core/state.ts'
import {
  type DecryptedAuthorizationCodeResponses,
  type WithDecryptedResponse,
  recalledDecrypted,
  rememberDecrypted,
} from '../core/decrypted.ts'
import { isCryptoKey } from '../core/crypto-key.ts'

/**
 * A private key for response decryption, optionally pinned to a JWE `alg` and a `kid`.
 *
 * @example
 * ```ts
 * const key: client.DecryptionKey = { key: privateKey, alg: 'ECDH-ES+A256KW', kid: 'enc-1' }
 * client.enableDecryptingResponses(config, undefined, key)
 * ```
 * @see [RFC 7516 §4.1](https://www.rfc-editor.org/rfc/rfc7516.html#section-4.1)
 * @group Advanced security
 */
export interface DecryptionKey {
  /** The private key (RSA-OAEP, ECDH P-256/P-384/P-521, or X25519). */
  key: oauth.CryptoKey
  /** The JWE key management algorithm this key is for, e.g. `ECDH-ES+A256KW`, `RSA-OAEP-256`. */
  alg?: string
  /** The key's `kid`; when set, only JWEs with that `kid` use it. */
  kid?: string
}

const CONTENT_ENCRYPTION = [
  'A128GCM',
  'A192GCM',
  'A256GCM',
  'A128CBC-HS256',
  'A192CBC-HS384',
  'A256CBC-HS512',
]
const ECDH_ALGS = ['ECDH-ES', 'ECDH-ES+A128KW', 'ECDH-ES+A192KW', 'ECDH-ES+A256KW']
const OAEP_BY_HASH: Record<string, string> = {
  'SHA-1': 'RSA-OAEP',
  'SHA-256': 'RSA-OAEP-256',
  'SHA-384': 'RSA-OAEP-384',
  'SHA-512': 'RSA-OAEP-512',
}

interface NormalizedKey {
  key: CryptoKey
  algs: string[]
  kid?: string
  curve?: string
}

function normalize(input: oauth.CryptoKey | DecryptionKey): NormalizedKey {
  const given: DecryptionKey =
    typeof input === 'object' && input !== null && 'key' in input
      ? input
      : { key: input as CryptoKey }
  const key = given.key as CryptoKey
  if (!isCryptoKey(key, 'private')) {
    throw argumentError('decryption keys must be private CryptoKeys', 'ERR_INVALID_ARG_VALUE')
  }
  let algs: string[]
  let curve: string | undefined
  switch (key.algorithm.name) {
    case 'RSA-OAEP': {
      const hash = (key.algorithm as RsaHashedKeyAlgorithm).hash.name
      const alg = OAEP_BY_HASH[hash]
      if (!alg)
        throw argumentError(`RSA-OAEP keys with ${hash} are not supported`, 'ERR_INVALID_ARG_VALUE')
      algs = [alg]
      break
    }
    case 'ECDH':
      curve = (key.algorithm as EcKeyAlgorithm).namedCurve
      algs = ECDH_ALGS
      break
    case 'X25519':
      curve = 'X25519'
      algs = ECDH_ALGS
      break
    default:
      throw argumentError(
        `${key.algorithm.name} keys cannot decrypt responses: use RSA-OAEP, ECDH or X25519 keys`,
        'ERR_INVALID_ARG_VALUE',
      )
  }
  if (given.alg !== undefined) {
    if (!algs.includes(given.alg)) {
      throw argumentError(
        `key alg ${JSON.stringify(given.alg)} does not fit a ${key.algorithm.name} key (expected one of ${algs.join(', ')})`,
        'ERR_INVALID_ARG_VALUE',
      )
    }
    algs = [given.alg]
  }
  return { key, algs, kid: given.kid, curve }
}

function selectKey(keys: NormalizedKey[], header: JWEHeaderParameters): CryptoKey {
  const { alg, kid, epk } = header
  const candidates = keys.filter(
    (key) =>
      (key.kid === undefined || kid === undefined || key.kid === kid) &&
      key.algs.includes(alg!) &&
      (key.curve === undefined || key.curve === (epk as { crv?: unknown } | undefined)?.crv),
  )
  const [first, second] = candidates
  if (first === undefined) {
    throw clientError(
      `no decryption key fits the JWE header (alg ${JSON.stringify(alg)}, kid ${JSON.stringify(kid)}): pass the key the server encrypts to`,
      'OAUTH_DECRYPTION_FAILED',
      { alg, kid },
    )
  }
  if (second !== undefined) {
    const exact = candidates.filter((key) => key.kid !== undefined && key.kid === kid)
    if (exact.length === 1) return exact[0]!.key
    throw clientError(
      'several decryption keys fit the JWE header: give each key a distinct "kid"',
      'OAUTH_DECRYPTION_FAILED',
      { alg, kid },
    )
  }
  return first.key
}

/**
 * Enables decryption of encrypted ID Tokens, UserInfo, introspection and JARM responses.
 * Supports ECDH-ES (+A128KW/A192KW/A256KW) with P-256/P-384/P-521/X25519 keys and RSA-OAEP
 * (-256/-384/-512); a JWE with a content encryption algorithm outside the allow list, or one no
 * key opens, is rejected with `OAUTH_DECRYPTION_FAILED`.
 *
 * @param contentEncryptionAlgorithms Allowed JWE `enc` values.
 * @param keys Private keys, or {@link DecryptionKey} objects to pin `alg`/`kid`.
 * @example
 * ```ts
 * const { privateKey } = await crypto.subtle.generateKey(
 *   { name: 'ECDH', namedCurve: 'P-256' }, false, ['deriveBits'])
 * client.enableDecryptingResponses(config, ['A256GCM'], { key: privateKey, kid: 'enc-1' })
 * ```
 * @see [RFC 7516](https://www.rfc-editor.org/rfc/rfc7516.html)
 * @group Advanced security
 */
export function enableDecryptingResponses(
  config: Configuration,
  contentEncryptionAlgorithms: string[] = CONTENT_ENCRYPTION,
  ...keys: Array<oauth.CryptoKey | DecryptionKey>
): void {
  const state = internal(config)
  if (state.decrypt !== undefined) {
    throw argumentError(
      'enableDecryptingResponses can only be called once per Configuration',
      'ERR_INVALID_ARG_VALUE',
    )
  }
  if (!Array.isArray(contentEncryptionAlgorithms) || contentEncryptionAlgorithms.length === 0) {
    throw argumentError(
      '"contentEncryptionAlgorithms" must be a non-empty array',
      'ERR_INVALID_ARG_VALUE',
    )
  }
  if (keys.length === 0) {
    throw argumentError('no decryption keys were provided', 'ERR_INVALID_ARG_VALUE')
  }
  const normalized = keys.map(normalize)
  const allowedEnc = [...contentEncryptionAlgorithms]
  const keyFor = (header: JWEHeaderParameters): CryptoKey => {
    if (typeof header.enc !== 'string' || !allowedEnc.includes(header.enc)) {
      throw clientError(
        `the response is encrypted with "enc" ${JSON.stringify(header.enc)}, which is not in the allowed content encryption algorithms (${allowedEnc.join(', ')})`,
        'OAUTH_DECRYPTION_FAILED',
        { enc: header.enc },
      )
    }
    return selectKey(normalized, header)
  }
  state.combineDecrypted = combineDecrypted
  state.decrypt = async (jwe) => {
    try {
      const { compactDecrypt } = await joseDecryption()
      return new TextDecoder().decode((await compactDecrypt(jwe, keyFor)).plaintext)
    } catch (err) {
      if (isJoseError(err)) {
        throw clientError(`decryption failed: ${err.message}`, 'OAUTH_DECRYPTION_FAILED', {
          code: err.code,
        })
      }
      throw normalizeError(err)
    }
  }
}

let jose: Promise<typeof import('jose/jwe/compact/decrypt')> | undefined

/**
 * jose's JWE decryption, loaded on the first encrypted response rather than at import: it is
 * most of the library's module graph, and most processes never decrypt anything.
 */
function joseDecryption(): Promise<typeof import('jose/jwe/compact/decrypt')> {
  jose ??= import('jose/jwe/compact/decrypt').catch((err: unknown) => {
    jose = undefined
    throw err
  })
  return jose
}

/** Whether an error is one of jose's (`ERR_JOSE_*`, `ERR_JWE_*`, `ERR_JWK_*`, ...). */
function isJoseError(err: unknown): err is Error & { code: string } {
  const code = (err as { code?: unknown } | null)?.code
  return err instanceof Error && typeof code === 'string' && /^ERR_J(?:OSE|W[EKST])/.test(code)
}

/**
 * The decrypted plaintext (the signed JWT) of a result whose response was encrypted, to keep
 * for non-repudiation. Authorization code grants give an object with the authorization response
 * and the ID Tokens of both endpoints.
 *
 * @example
 * ```ts
 * const userinfo = await client.fetchUserInfo(config, accessToken, sub)
 * const signedUserinfo = client.getDecryptedResponses(userinfo)
 * ```
 * @see [OpenID Connect Core §16.14](https://openid.net/specs/openid-connect-core-1_0.html#SigningOrder)
 * @group Advanced security
 */
export function getDecryptedResponses<S extends string | DecryptedAuthorizationCodeResponses>(
  result: WithDecryptedResponse<object, S>,
): S | undefined
export function getDecryptedResponses(
  result: object,
): string | DecryptedAuthorizationCodeResponses | undefined
export function getDecryptedResponses(
  result: object,
): string | DecryptedAuthorizationCodeResponses | undefined {
  return recalledDecrypted(result) as string | DecryptedAuthorizationCodeResponses | undefined
}

/**
 * The decrypted JWTs of one authorization code grant together: the front channel's (JARM,
 * hybrid ID Token) remembered on the authorization response, the token endpoint's on the result.
 */
function combineDecrypted(authResponse: URLSearchParams, result: object): void {
  const front = recalledDecrypted(authResponse) as DecryptedAuthorizationCodeResponses | undefined
  const tokenEndpoint = recalledDecrypted(result) as string | undefined
  if (front === undefined && tokenEndpoint === undefined) return
  const authorizationEndpoint = front?.id_token?.authorization_endpoint
  const decrypted: DecryptedAuthorizationCodeResponses = Object.freeze({
    ...(front?.authorization_response && {
      authorization_response: front.authorization_response,
    }),
    ...((tokenEndpoint || authorizationEndpoint) && {
      id_token: Object.freeze({
        ...(tokenEndpoint && { token_endpoint: tokenEndpoint }),
        ...(authorizationEndpoint && { authorization_endpoint: authorizationEndpoint }),
      }),
    }),
  })
  rememberDecrypted(result, decrypted)
}
