// DPoP (RFC 9449): the key pair generator and getDPoPHandle(), which binds a key pair to a
// Configuration for sender-constrained requests.

import * as oauth from 'oauth4webapi'

import type { Configuration } from '../core/configuration.ts'
import { argumentError, clientError, normalizeError } from '../core/errors.ts'
import { recordNonce } from '../core/dpop-nonces.ts'
import { internal } from '../core/state.ts'
import { dpopHandle, type DPoPHandle } from '../core/dpop.ts'
import { isCryptoKey } from '../core/crypto-key.ts'

/**
 * Options of {@link randomDPoPKeyPair}.
 *
 * @example
 * ```ts
 * const keyPair = await client.randomDPoPKeyPair('PS256', { modulusLength: 3072 })
 * ```
 * @group Types
 */
export interface GenerateKeyPairOptions {
  /** Make the private key extractable (default `false`: it cannot leave the runtime). */
  extractable?: boolean
  /** RSA modulus length in bits (default 2048). */
  modulusLength?: number
}

function keyAlgorithm(
  alg: string,
  modulusLength: number,
): RsaHashedKeyGenParams | EcKeyGenParams | Algorithm {
  const rsa = (name: string, hash: string): RsaHashedKeyGenParams => ({
    name,
    hash,
    modulusLength,
    publicExponent: new Uint8Array([1, 0, 1]),
  })
  switch (alg) {
    case 'ES256':
      return { name: 'ECDSA', namedCurve: 'P-256' }
    case 'ES384':
      return { name: 'ECDSA', namedCurve: 'P-384' }
    case 'ES512':
      return { name: 'ECDSA', namedCurve: 'P-521' }
    case 'PS256':
    case 'PS384':
    case 'PS512':
      return rsa('RSA-PSS', `SHA-${alg.slice(2)}`)
    case 'RS256':
    case 'RS384':
    case 'RS512':
      return rsa('RSASSA-PKCS1-v1_5', `SHA-${alg.slice(2)}`)
    case 'Ed25519':
    case 'EdDSA':
      return { name: 'Ed25519' }
    default:
      throw clientError(
        `unsupported DPoP algorithm ${JSON.stringify(alg)}: use ES256, ES384, ES512, PS256-512, RS256-512 or Ed25519`,
        'OAUTH_UNSUPPORTED_OPERATION',
        { alg },
      )
  }
}

/**
 * Generates a key pair for DPoP proofs. The private key is not extractable unless asked for,
 * so it can be stored (e.g. in IndexedDB) but never read back.
 *
 * @param alg The JWS algorithm (default `ES256`).
 * @example
 * ```ts
 * const keyPair = await client.randomDPoPKeyPair('ES256')
 * const DPoP = client.getDPoPHandle(config, keyPair)
 * ```
 * @see [RFC 9449 §2](https://www.rfc-editor.org/rfc/rfc9449.html#section-2)
 * @group Advanced security
 */
export async function randomDPoPKeyPair(
  alg = 'ES256',
  options?: GenerateKeyPairOptions,
): Promise<oauth.CryptoKeyPair> {
  if (typeof alg !== 'string') throw argumentError('"alg" must be a string')
  const modulusLength = options?.modulusLength ?? 2048
  if (!Number.isInteger(modulusLength) || modulusLength < 2048) {
    throw argumentError(
      '"modulusLength" must be an integer of at least 2048 bits (RSA keys below 2048 bits are too weak)',
      'ERR_INVALID_ARG_VALUE',
    )
  }
  const algorithm = keyAlgorithm(alg, modulusLength)
  try {
    return (await crypto.subtle.generateKey(algorithm, options?.extractable ?? false, [
      'sign',
      'verify',
    ])) as CryptoKeyPair
  } catch (err) {
    throw normalizeError(err)
  }
}

/**
 * A DPoP handle: pass it as `{ DPoP }` to token requests, PAR, UserInfo and protected resource
 * calls to sender-constrain them. It signs a proof per request (with `ath` for resource calls),
 * learns server nonces per origin and retries once on `use_dpop_nonce`.
 *
 * @param options `[modifyAssertion]` to change each proof before it is signed.
 * @example
 * ```ts
 * const DPoP = client.getDPoPHandle(config, await client.randomDPoPKeyPair())
 * const tokens = await client.authorizationCodeGrant(config, url, checks, undefined, { DPoP })
 * tokens.token_type // 'dpop'
 * ```
 * @see [RFC 9449](https://www.rfc-editor.org/rfc/rfc9449.html)
 * @group Advanced security
 */
export function getDPoPHandle(
  config: Configuration,
  keyPair: oauth.CryptoKeyPair,
  options?: oauth.ModifyAssertionOptions,
): DPoPHandle {
  const state = internal(config)
  if (
    typeof keyPair !== 'object' ||
    keyPair === null ||
    !isCryptoKey(keyPair.privateKey, 'private') ||
    !isCryptoKey(keyPair.publicKey, 'public')
  ) {
    throw argumentError('"keyPair" must be a CryptoKeyPair, e.g. from randomDPoPKeyPair()')
  }
  state.profile?.signingKey(keyPair.privateKey, 'DPoP proof')
  const handle = oauth.DPoP(state.c, keyPair, options) as oauth.DPoPHandle & {
    cacheNonce?: (response: Response, url: URL) => void
  }
  const cacheNonce = handle.cacheNonce
  if (typeof cacheNonce === 'function') {
    // Learned nonces are also recorded where exportLearnedState() can read them.
    Object.defineProperty(handle, 'cacheNonce', {
      value(response: Response, url: URL) {
        cacheNonce.call(handle, response, url)
        recordNonce(handle, response, url)
      },
    })
  }
  return dpopHandle(handle)
}
