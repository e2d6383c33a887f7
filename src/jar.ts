import * as oauth from 'oauth4webapi'

import { authorizationParameters, authorizationUrl } from './core/authorization-request.ts'
import type { Configuration } from './core/configuration.ts'
import { argumentError, normalizeError } from './core/errors.ts'
import { internal } from './core/state.ts'

/**
 * The authorization URL with the request parameters in a signed request object (JAR): the URL
 * carries only `client_id` and `request`.
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
    const request = await oauth.issueRequestObject(state.as, state.c, params, signingKey, options)
    return authorizationUrl(state, new URLSearchParams({ client_id: state.c.client_id, request }))
  } catch (err) {
    throw normalizeError(err)
  }
}
