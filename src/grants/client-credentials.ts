// The client credentials grant: an access token for the client itself.
// One token endpoint exchange.

import * as oauth from 'oauth4webapi'

import type { Configuration } from '../core/configuration.ts'
import { internal } from '../core/state.ts'
import { exchange, type TokenResponse } from '../core/token-endpoint.ts'
import type { DPoPOptions } from '../core/dpop.ts'

/**
 * Requests an access token for the client itself (client credentials grant).
 *
 * @param parameters Token request parameters (`scope`, `resource`, ...).
 * @example
 * ```ts
 * const { access_token } = await client.clientCredentialsGrant(config, { scope: 'api:read' })
 * ```
 * @see [RFC 6749 §4.4](https://www.rfc-editor.org/rfc/rfc6749.html#section-4.4)
 * @group Grants
 */
export async function clientCredentialsGrant(
  config: Configuration,
  parameters?: URLSearchParams | Record<string, string>,
  options?: DPoPOptions,
): Promise<TokenResponse> {
  const state = internal(config)
  return exchange(state, {
    grantType: 'client_credentials',
    parameters: new URLSearchParams(parameters),
    processResponse: (response, processing) =>
      oauth.processClientCredentialsResponse(state.as, state.c, response, processing),
    DPoP: options?.DPoP,
  })
}
