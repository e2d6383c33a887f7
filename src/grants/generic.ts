// genericGrantRequest(): any grant type at the token endpoint (token exchange, JWT bearer, custom
// grants), processed as a generic token response.

import * as oauth from 'oauth4webapi'

import type { Configuration } from '../core/configuration.ts'
import { argumentError } from '../core/errors.ts'
import { internal } from '../core/state.ts'
import { exchange, type TokenResponse } from '../core/token-endpoint.ts'
import type { WithDecryptedResponse } from '../core/decrypted.ts'
import type { DPoPOptions } from '../core/dpop.ts'

const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange'

/** RFC 8693 §2.2.1: an issued token that is not an access token has `token_type` `N_A`. */
const NOT_APPLICABLE: oauth.RecognizedTokenTypes = Object.freeze({ n_a: () => {} })

/**
 * Performs any grant at the token endpoint (token exchange, JWT bearer, custom grants). For
 * token exchange (RFC 8693) a `token_type` of `N_A` (any case) is accepted; other grants refuse
 * it with `OAUTH_UNSUPPORTED_OPERATION`.
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
 * @group Grants
 */
export async function genericGrantRequest<
  R extends TokenResponse = WithDecryptedResponse<TokenResponse, string>,
>(
  config: Configuration,
  grantType: string,
  parameters: URLSearchParams | Record<string, string>,
  options?: DPoPOptions,
): Promise<R>
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
  return exchange(state, {
    grantType,
    parameters: new URLSearchParams(parameters),
    processResponse: (response, processing) =>
      oauth.processGenericTokenEndpointResponse(
        state.as,
        state.c,
        response,
        grantType === TOKEN_EXCHANGE
          ? { ...processing, recognizedTokenTypes: NOT_APPLICABLE }
          : processing,
      ),
    DPoP: options?.DPoP,
  })
}
