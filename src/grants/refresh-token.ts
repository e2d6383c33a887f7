// The refresh token grant: new tokens for a refresh token.
// One token endpoint exchange.

import * as oauth from 'oauth4webapi'

import type { Configuration } from '../core/configuration.ts'
import { argumentError } from '../core/errors.ts'
import { internal } from '../core/state.ts'
import { exchange, type TokenResponse } from '../core/token-endpoint.ts'
import type { WithDecryptedResponse } from '../core/decrypted.ts'
import type { DPoPOptions } from '../core/dpop.ts'

/**
 * Exchanges a refresh token for new tokens.
 *
 * @param parameters Extra token request parameters (`scope`, `resource`, ...).
 * @example
 * ```ts
 * const tokens = await client.refreshTokenGrant(config, refreshToken, { scope: 'openid' })
 * ```
 * @see [RFC 6749 §6](https://www.rfc-editor.org/rfc/rfc6749.html#section-6)
 * @group Grants
 */
export async function refreshTokenGrant<
  R extends TokenResponse = WithDecryptedResponse<TokenResponse, string>,
>(
  config: Configuration,
  refreshToken: string,
  parameters?: URLSearchParams | Record<string, string>,
  options?: DPoPOptions,
): Promise<R>
export async function refreshTokenGrant(
  config: Configuration,
  refreshToken: string,
  parameters?: URLSearchParams | Record<string, string>,
  options?: DPoPOptions,
): Promise<TokenResponse> {
  const state = internal(config)
  if (typeof refreshToken !== 'string' || refreshToken.length === 0) {
    throw argumentError('"refreshToken" must be a non-empty string')
  }
  const body = new URLSearchParams(parameters)
  body.set('refresh_token', refreshToken)
  return exchange(state, {
    grantType: 'refresh_token',
    parameters: body,
    processResponse: (response, processing) =>
      oauth.processRefreshTokenResponse(state.as, state.c, response, processing),
    DPoP: options?.DPoP,
  })
}
