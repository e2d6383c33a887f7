// fetchProtectedResource(): a request to a resource server with a Bearer or DPoP access token,
// its WWW-Authenticate challenges and the DPoP nonce retry.

import * as oauth from 'oauth4webapi'

import type { Configuration } from '../core/configuration.ts'
import { isReadableStream, isURL, ownURL } from '../core/brand.ts'
import { argumentError } from '../core/errors.ts'
import { userAgentHeaders, type FetchBody } from '../core/http.ts'
import { internal } from '../core/state.ts'
import { perform, timeoutSignal } from '../core/deadline.ts'
import { transport } from '../core/request.ts'
import type { DPoPOptions } from '../core/dpop.ts'

/**
 * Calls a protected resource with an access token (`Bearer`, or `DPoP` with a proof when a DPoP
 * handle is given). A 401 with `WWW-Authenticate` rejects with `WWWAuthenticateChallengeError`;
 * a DPoP `use_dpop_nonce` challenge is retried once with the server's nonce.
 *
 * @example
 * ```ts
 * const response = await client.fetchProtectedResource(
 *   config, tokens.access_token, new URL('https://api.example.com/accounts'), 'GET')
 * const accounts = await response.json()
 * ```
 * @see [RFC 6750 §2.1](https://www.rfc-editor.org/rfc/rfc6750.html#section-2.1)
 * @group Resources
 */
export async function fetchProtectedResource(
  config: Configuration,
  accessToken: string,
  url: URL,
  method: string,
  body?: FetchBody,
  headers?: Headers,
  options?: DPoPOptions,
): Promise<Response> {
  const state = internal(config)
  if (typeof accessToken !== 'string' || accessToken.length === 0) {
    throw argumentError('"accessToken" must be a non-empty string')
  }
  if (!isURL(url)) {
    throw argumentError('"url" must be an instance of URL')
  }
  const target = ownURL(url)
  if (typeof method !== 'string' || method.length === 0) {
    throw argumentError('"method" must be a non-empty string')
  }
  let requestHeaders: Headers | Record<string, string> | undefined = userAgentHeaders
  if (headers !== undefined) {
    requestHeaders = new Headers(headers)
    if (userAgentHeaders && !requestHeaders.has('user-agent')) {
      requestHeaders.set('user-agent', userAgentHeaders['user-agent']!)
    }
  }
  // A stream body is consumed by the first attempt, so a DPoP nonce retry could not resend it;
  // the handle still learns the nonce, and the caller's own retry succeeds.
  const replayable = !isReadableStream(body)
  return perform(state, replayable ? options?.DPoP : undefined, () =>
    oauth.protectedResourceRequest(accessToken, method, target, requestHeaders as Headers, body, {
      ...transport(state, undefined),
      // The caller reads the body after this returns, so no release could clear a plain timer;
      // AbortSignal.timeout() needs none and holds its signal only weakly.
      signal: timeoutSignal(state.timeout),
      DPoP: options?.DPoP,
    }),
  )
}
