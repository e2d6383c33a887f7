import * as oauth from 'oauth4webapi'

import {
  authorizationParameters,
  authorizationUrl,
  endpoint,
} from './core/authorization-request.ts'
import type { Configuration } from './core/configuration.ts'
import { argumentError, clientError, normalizeError } from './core/errors.ts'
import { fetchJsonObject } from './core/http.ts'
import { internal, type State } from './core/state.ts'

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

/**
 * Encrypts a signed request object to the server's encryption key when the client registered
 * `request_object_encryption_alg` (RFC 9101 §6.1, OpenID Connect Registration §2).
 */
async function encryptRequestObject(state: State, requestObject: string): Promise<string> {
  const alg = state.c.request_object_encryption_alg
  if (alg === undefined) return requestObject
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
  const jwks = await fetchJsonObject(state, endpoint(state, 'jwks_uri'))
  const keys = Array.isArray(jwks.keys) ? (jwks.keys as Record<string, unknown>[]) : []
  const candidates = keys.filter(
    (jwk) =>
      typeof jwk === 'object' &&
      jwk !== null &&
      keyTypeFor(alg).includes(jwk.kty as string) &&
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
  const { CompactEncrypt } = await import('jose/jwe/compact/encrypt')
  const key = await crypto.subtle.importKey(
    'jwk',
    jwk as JsonWebKey,
    alg.startsWith('RSA-OAEP')
      ? { name: 'RSA-OAEP', hash: OAEP_HASH[alg] ?? 'SHA-1' }
      : jwk.kty === 'OKP'
        ? { name: String(jwk.crv) }
        : { name: 'ECDH', namedCurve: String(jwk.crv) },
    true,
    alg.startsWith('RSA-OAEP') ? ['encrypt'] : [],
  )
  return new CompactEncrypt(new TextEncoder().encode(requestObject))
    .setProtectedHeader({
      alg,
      enc,
      cty: 'JWT',
      ...(typeof jwk.kid === 'string' && { kid: jwk.kid }),
    })
    .encrypt(key)
}

/**
 * The authorization URL with the request parameters in a signed request object (JAR): the URL
 * carries only `client_id` and `request`. When the client registered
 * `request_object_encryption_alg` (and optionally `request_object_encryption_enc`, default
 * `A128CBC-HS256`), the signed request object is also encrypted to the server's key from its JWKS.
 *
 * @param signingKey The client's private key (`{ key, kid }` to set the `kid` header).
 * @param options `[modifyAssertion]` to change the request object before it is signed.
 * @example
 * ```ts
 * const url = await client.buildAuthorizationUrlWithJAR(config, {
 *   redirect_uri: 'https://rp.example.com/cb', scope: 'openid',
 *   code_challenge, code_challenge_method: 'S256',
 * }, { key: privateKey, kid: 'rp-signing-1' })
 * ```
 * @see [RFC 9101 §4](https://www.rfc-editor.org/rfc/rfc9101.html#section-4)
 */
export async function buildAuthorizationUrlWithJAR(
  config: Configuration,
  parameters: URLSearchParams | Record<string, string>,
  signingKey: oauth.CryptoKey | oauth.PrivateKey,
  options?: oauth.ModifyAssertionOptions,
): Promise<URL> {
  const state = internal(config)
  if (!signingKey) {
    throw argumentError('"signingKey" must be provided', 'ERR_INVALID_ARG_VALUE')
  }
  try {
    const params = authorizationParameters(state, parameters)
    const request = await encryptRequestObject(
      state,
      await oauth.issueRequestObject(state.as, state.c, params, signingKey, options),
    )
    return authorizationUrl(state, new URLSearchParams({ client_id: state.c.client_id, request }))
  } catch (err) {
    throw normalizeError(err)
  }
}
