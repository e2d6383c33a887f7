// OpenID Connect Front-Channel Logout 1.0 for relying parties: checking the `iss`/`sid` of the
// request the provider's logout page makes in an iframe, and the no-cache page to answer it.

import { callbackParameters, isRequest } from '../core/callback.ts'
import type { Configuration } from '../core/configuration.ts'
import { argumentError, clientError } from '../core/errors.ts'
import { internal } from '../core/state.ts'

/**
 * The validated parameters of a front-channel logout request.
 *
 * @example
 * ```ts
 * const { sid }: client.FrontchannelLogoutParameters = await client.validateFrontchannelLogout(config, url)
 * ```
 * @see [OpenID Connect Front-Channel Logout 1.0 §2](https://openid.net/specs/openid-connect-frontchannel-1_0.html#RPLogout)
 */
export interface FrontchannelLogoutParameters {
  /** The issuer, present when the provider sends session information. */
  readonly iss?: string
  /** The session that ended, present when the provider sends session information. */
  readonly sid?: string
}

/**
 * Options of {@link validateFrontchannelLogout}.
 *
 * @example
 * ```ts
 * client.validateFrontchannelLogout(config, url, { expectedSid: req.session.sid })
 * ```
 */
export interface FrontchannelLogoutOptions {
  /** The `sid` of the session the request arrived with; a different `sid` is refused. */
  expectedSid?: string
  /**
   * Require `iss` and `sid` (default: the client metadata
   * `frontchannel_logout_session_required`).
   */
  requireSession?: boolean
}

function single(params: URLSearchParams, name: string): string | undefined {
  const values = params.getAll(name)
  if (values.length > 1 || values[0] === '') {
    throw clientError(
      `the front-channel logout request must have at most one non-empty "${name}" parameter`,
      'OAUTH_INVALID_REQUEST',
      { parameter: name },
    )
  }
  return values[0]
}

/**
 * Checks the query of a front-channel logout request (a GET the provider's logout page makes in
 * an iframe): `iss` must be the issuer and `sid` the expected session, both required when the
 * client registered `frontchannel_logout_session_required`. End the session it names, then
 * answer with {@link frontchannelLogoutResponse}. The iframe carries the session cookie only
 * when the browser sends third-party cookies, which most block: prefer back-channel logout.
 *
 * @param currentUrl The URL requested, or the GET Request.
 * @example
 * ```ts
 * async function GET(request: Request): Promise<Response> {
 *   const { sid } = await client.validateFrontchannelLogout(config, request)
 *   if (sid === session.claims.sid) session.destroy()
 *   return client.frontchannelLogoutResponse()
 * }
 * ```
 * @see [OpenID Connect Front-Channel Logout 1.0 §2](https://openid.net/specs/openid-connect-frontchannel-1_0.html#RPLogout)
 */
export async function validateFrontchannelLogout(
  config: Configuration,
  currentUrl: URL | Request,
  options?: FrontchannelLogoutOptions,
): Promise<FrontchannelLogoutParameters> {
  const state = internal(config)
  if (!(currentUrl instanceof URL) && !isRequest(currentUrl)) {
    throw argumentError('"currentUrl" must be an instance of URL, or Request')
  }
  if (isRequest(currentUrl) && currentUrl.method !== 'GET') {
    throw clientError(
      `the front-channel logout request method is ${JSON.stringify(currentUrl.method)}: the provider's page loads it with GET`,
      'OAUTH_INVALID_REQUEST',
      { method: currentUrl.method },
    )
  }
  const params = await callbackParameters(currentUrl)
  const iss = single(params, 'iss')
  const sid = single(params, 'sid')
  const required = options?.requireSession ?? state.c.frontchannel_logout_session_required === true
  if (required && (iss === undefined || sid === undefined)) {
    throw clientError(
      'the front-channel logout request lacks "iss" or "sid", which the client requires (frontchannel_logout_session_required)',
      'OAUTH_INVALID_REQUEST',
      { iss: iss !== undefined, sid: sid !== undefined },
    )
  }
  if ((iss === undefined) !== (sid === undefined)) {
    throw clientError(
      'the front-channel logout request has one of "iss" and "sid" without the other: the provider sends both or neither',
      'OAUTH_INVALID_REQUEST',
    )
  }
  if (iss !== undefined && iss !== state.as.issuer) {
    throw clientError(
      `the front-channel logout "iss" ${JSON.stringify(iss)} is not the issuer ${JSON.stringify(state.as.issuer)}: the request is not from the configured provider`,
      'OAUTH_JWT_CLAIM_COMPARISON_FAILED',
      { claim: 'iss', expected: state.as.issuer, actual: iss },
    )
  }
  if (options?.expectedSid !== undefined && sid !== options.expectedSid) {
    throw clientError(
      'the front-channel logout "sid" is not the session of this request: it ends another session',
      'OAUTH_JWT_CLAIM_COMPARISON_FAILED',
      { claim: 'sid' },
    )
  }
  return Object.freeze(iss === undefined ? {} : { iss, sid })
}

/**
 * The page to answer a front-channel logout request with: an empty HTML document the browser
 * must not cache (`Cache-Control: no-cache, no-store`, `Pragma: no-cache`).
 *
 * @example
 * ```ts
 * const response: Response = client.frontchannelLogoutResponse()
 * ```
 * @see [OpenID Connect Front-Channel Logout 1.0 §2](https://openid.net/specs/openid-connect-frontchannel-1_0.html#RPLogout)
 */
export function frontchannelLogoutResponse(): Response {
  return new Response('<!DOCTYPE html><title>Logged out</title>', {
    status: 200,
    headers: {
      'cache-control': 'no-cache, no-store',
      pragma: 'no-cache',
      'content-type': 'text/html; charset=utf-8',
    },
  })
}
