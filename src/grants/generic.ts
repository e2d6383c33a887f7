import * as oauth from 'oauth4webapi'

import type { Configuration } from '../core/configuration.ts'
import { argumentError } from '../core/errors.ts'
import { internal } from '../core/state.ts'
import { type DPoPOptions, exchange, type TokenResponse } from '../core/token-response.ts'

/**
 * Performs any grant at the token endpoint (token exchange, JWT bearer, custom grants).
 *
 * @param grantType The `grant_type` value.
 * @param parameters The grant's parameters.
 * @example
 * ```ts
 * const tokens = await client.genericGrantRequest(
 *   config, 'urn:ietf:params:oauth:grant-type:token-exchange',
 *   { subject_token: token, subject_token_type: 'urn:ietf:params:oauth:token-type:access_token' })
 * ```
 * @see [RFC 6749 §4.5](https://www.rfc-editor.org/rfc/rfc6749.html#section-4.5)
 */
export async function genericGrantRequest(
  config: Configuration,
  grantType: string,
  parameters: URLSearchParams | Record<string, string>,
  options?: DPoPOptions,
): Promise<TokenResponse> {
  const state = internal(config)
  if (typeof grantType !== 'string' || grantType.length === 0) {
    throw argumentError('"grantType" must be a non-empty string')
  }
  return exchange(
    state,
    options?.DPoP,
    { grantType, parameters: new URLSearchParams(parameters) },
    (response, processing) =>
      oauth.processGenericTokenEndpointResponse(state.as, state.c, response, processing),
  )
}
