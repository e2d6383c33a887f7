// The refresh token grant: new tokens for a refresh token.
// One token endpoint exchange.

import * as oauth from 'oauth4webapi'

import type { Configuration } from '../core/configuration.ts'
import { argumentError, clientError } from '../core/errors.ts'
import { internal } from '../core/state.ts'
import { exchange, type TokenResponse } from '../core/token-endpoint.ts'
import type { WithDecryptedResponse } from '../core/decrypted.ts'
import type { DPoPOptions } from '../core/dpop.ts'

/**
 * Options of {@link refreshTokenGrant}: the reference's `DPoP`, and the claims of the ID Token
 * the session has so far, which a refreshed ID Token must continue.
 *
 * @example
 * ```ts
 * const tokens = await client.refreshTokenGrant(config, refreshToken, undefined, {
 *   previousIdTokenClaims: login.claims(),
 * })
 * ```
 * @see [OpenID Connect Core §12.2](https://openid.net/specs/openid-connect-core-1_0.html#RefreshTokenResponse)
 */
export interface RefreshTokenGrantOptions extends DPoPOptions {
  /**
   * The claims of the ID Token issued when the user signed in (e.g. `tokens.claims()` of the
   * authorization code grant). A refreshed ID Token must then have the same `iss`, `sub`, `aud`
   * (as a set), `azp` and, when present, `auth_time` (`OAUTH_JWT_CLAIM_COMPARISON_FAILED`).
   */
  previousIdTokenClaims?: oauth.IDToken | undefined
}

const sameAudience = (a: unknown, b: unknown): boolean => {
  const left = new Set(Array.isArray(a) ? a : [a])
  const right = new Set(Array.isArray(b) ? b : [b])
  return left.size === right.size && [...left].every((value) => right.has(value))
}

/** Rejects a refreshed ID Token that does not continue the session of `previous` (OIDC Core 12.2). */
function checkContinuity(previous: oauth.IDToken, next: oauth.IDToken): void {
  const fail = (claim: string, expected: unknown, actual: unknown) =>
    clientError(
      `the refreshed ID Token "${claim}" differs from the original ID Token's (${JSON.stringify(expected)} expected, got ${JSON.stringify(actual)}): the server issued it for another session; sign the user in again`,
      'OAUTH_JWT_CLAIM_COMPARISON_FAILED',
      { claim, expected, actual },
    )
  for (const claim of ['iss', 'sub'] as const) {
    if (previous[claim] !== next[claim]) throw fail(claim, previous[claim], next[claim])
  }
  if (!sameAudience(previous.aud, next.aud)) throw fail('aud', previous.aud, next.aud)
  if (previous.azp !== next.azp) throw fail('azp', previous.azp, next.azp)
  if (
    previous.auth_time !== undefined &&
    next.auth_time !== undefined &&
    previous.auth_time !== next.auth_time
  ) {
    throw fail('auth_time', previous.auth_time, next.auth_time)
  }
}

/**
 * Exchanges a refresh token for new tokens. With `options.previousIdTokenClaims`, a refreshed ID
 * Token must continue the original one (OIDC Core 12.2), which the reference does not check.
 *
 * @param parameters Extra token request parameters (`scope`, `resource`, ...).
 * @example
 * ```ts
 * const tokens = await client.refreshTokenGrant(config, refreshToken, { scope: 'openid' })
 * ```
 * @see [RFC 6749 §6](https://www.rfc-editor.org/rfc/rfc6749.html#section-6)
 * @see [OpenID Connect Core §12.2](https://openid.net/specs/openid-connect-core-1_0.html#RefreshTokenResponse)
 * @group Grants
 */
export async function refreshTokenGrant<
  R extends TokenResponse = WithDecryptedResponse<TokenResponse, string>,
>(
  config: Configuration,
  refreshToken: string,
  parameters?: URLSearchParams | Record<string, string>,
  options?: RefreshTokenGrantOptions,
): Promise<R>
export async function refreshTokenGrant(
  config: Configuration,
  refreshToken: string,
  parameters?: URLSearchParams | Record<string, string>,
  options?: RefreshTokenGrantOptions,
): Promise<TokenResponse> {
  const state = internal(config)
  if (typeof refreshToken !== 'string' || refreshToken.length === 0) {
    throw argumentError('"refreshToken" must be a non-empty string')
  }
  const previous = options?.previousIdTokenClaims
  if (previous !== undefined && (typeof previous !== 'object' || previous === null)) {
    throw argumentError('"options.previousIdTokenClaims" must be the claims of an ID Token')
  }
  const body = new URLSearchParams(parameters)
  body.set('refresh_token', refreshToken)
  return exchange(state, {
    grantType: 'refresh_token',
    parameters: body,
    processResponse: (response, processing) =>
      oauth.processRefreshTokenResponse(state.as, state.c, response, processing),
    DPoP: options?.DPoP,
    after:
      previous === undefined
        ? undefined
        : (result) => {
            const next = oauth.getValidatedIdTokenClaims(result)
            if (next !== undefined) checkContinuity(previous, next)
          },
  })
}
