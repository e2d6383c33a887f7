// Plain authorization and end-session URLs: buildAuthorizationUrl() and buildEndSessionUrl()
// (parameters in the query, nothing sent to the server).

import { authorizationParameters, authorizationUrl } from './core/authorization-request.ts'
import type { Configuration } from './core/configuration.ts'
import { normalizeError } from './core/errors.ts'
import { internal } from './core/state.ts'

/**
 * The URL to send the user to for authorization. Adds `client_id`, and `response_type` (`code`
 * unless a hybrid or implicit response type is configured) and `response_mode=jwt` (with JARM)
 * when absent.
 *
 * @example
 * ```ts
 * const codeVerifier = client.randomPKCECodeVerifier()
 * const url = client.buildAuthorizationUrl(config, {
 *   redirect_uri: 'https://rp.example.com/cb',
 *   scope: 'openid email',
 *   code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
 *   code_challenge_method: 'S256',
 * })
 * ```
 * @see [RFC 6749 §4.1.1](https://www.rfc-editor.org/rfc/rfc6749.html#section-4.1.1)
 * @group Authorization requests
 */
export function buildAuthorizationUrl(
  config: Configuration,
  parameters: URLSearchParams | Record<string, string>,
): URL {
  const state = internal(config)
  try {
    const params = authorizationParameters(state, parameters)
    state.profile?.authorizationRequest(state, params, 'url')
    return authorizationUrl(state, params)
  } catch (err) {
    throw normalizeError(err)
  }
}

/**
 * The URL to send the user to for RP-initiated logout, with `client_id` added when absent.
 *
 * @example
 * ```ts
 * const url = client.buildEndSessionUrl(config, {
 *   id_token_hint: tokens.id_token!,
 *   post_logout_redirect_uri: 'https://rp.example.com/',
 * })
 * ```
 * @see [OpenID Connect RP-Initiated Logout §2](https://openid.net/specs/openid-connect-rpinitiated-1_0.html#RPLogout)
 * @group Authorization requests
 */
export function buildEndSessionUrl(
  config: Configuration,
  parameters?: URLSearchParams | Record<string, string>,
): URL {
  const state = internal(config)
  try {
    const params = new URLSearchParams(parameters)
    if (!params.has('client_id')) params.set('client_id', state.c.client_id)
    return authorizationUrl(state, params, 'end_session_endpoint')
  } catch (err) {
    throw normalizeError(err)
  }
}
