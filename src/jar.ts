import * as oauth from 'oauth4webapi'

import { authorizationParameters, authorizationUrl } from './core/authorization-request.ts'
import type { Configuration } from './core/configuration.ts'
import { argumentError, clientError, normalizeError } from './core/errors.ts'
import { internal, type State } from './core/state.ts'

/**
 * Encrypts the signed request object when the client registered `request_object_encryption_alg`
 * (RFC 9101 §6.1); fails closed when `openid-rp/jar-encryption` was not enabled for it.
 */
async function encryptRequestObject(state: State, requestObject: string): Promise<string> {
  if (state.c.request_object_encryption_alg === undefined) return requestObject
  if (state.encryptRequestObject === undefined) {
    throw clientError(
      "the client registered request_object_encryption_alg, so its request objects must be encrypted: import { enableRequestObjectEncryption } from 'openid-rp/jar-encryption' and call enableRequestObjectEncryption(config) first",
      'OAUTH_UNSUPPORTED_OPERATION',
      { attribute: 'request_object_encryption_alg' },
    )
  }
  return state.encryptRequestObject(state, requestObject)
}

/**
 * The authorization URL with the request parameters in a signed request object (JAR): the URL
 * carries only `client_id` and `request`. When the client registered
 * `request_object_encryption_alg`, the signed request object is also encrypted to the server's key:
 * this needs `enableRequestObjectEncryption(config)` from `openid-rp/jar-encryption`, and without
 * it the call rejects (`OAUTH_UNSUPPORTED_OPERATION`) rather than send it unencrypted.
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
