// The device authorization grant (RFC 8628): the device authorization request and the token
// endpoint polling that follows it.

import * as oauth from 'oauth4webapi'

import type { Configuration } from '../core/configuration.ts'
import { argumentError } from '../core/errors.ts'
import { withStrictExpiresIn } from '../core/expires-in.ts'
import { formRequest } from '../core/request.ts'
import { pollTokenEndpoint } from '../core/polling.ts'
import { internal } from '../core/state.ts'
import type { TokenResponse } from '../core/token-endpoint.ts'
import type { WithDecryptedResponse } from '../core/decrypted.ts'
import { perform } from '../core/deadline.ts'
import { serverEndpoint } from '../core/endpoint.ts'
import type { DPoPOptions } from '../core/dpop.ts'

/**
 * Options of {@link pollDeviceAuthorizationGrant}.
 *
 * @example
 * ```ts
 * const options: client.DeviceAuthorizationGrantPollOptions = {
 *   signal: AbortSignal.timeout(response.expires_in * 1000),
 * }
 * ```
 * @see [RFC 8628 §3.4](https://www.rfc-editor.org/rfc/rfc8628.html#section-3.4)
 * @group Grants
 */
export interface DeviceAuthorizationGrantPollOptions extends DPoPOptions {
  /** Stops polling (rejecting with `OAUTH_ABORT`) when aborted. */
  signal?: AbortSignal
}

/**
 * @deprecated The reference's misspelled name of {@link DeviceAuthorizationGrantPollOptions}.
 * @group Grants
 */
export interface DeviceAutorizationGrantPollOptions extends DeviceAuthorizationGrantPollOptions {}

/**
 * Starts a device authorization grant: returns the `user_code` and `verification_uri` to show
 * the user, and the `device_code` to poll with.
 *
 * @example
 * ```ts
 * const response = await client.initiateDeviceAuthorization(config, { scope: 'openid' })
 * console.log(`visit ${response.verification_uri} and enter ${response.user_code}`)
 * ```
 * @see [RFC 8628 §3.1](https://www.rfc-editor.org/rfc/rfc8628.html#section-3.1)
 * @group Grants
 */
export async function initiateDeviceAuthorization(
  config: Configuration,
  parameters: URLSearchParams | Record<string, string>,
): Promise<oauth.DeviceAuthorizationResponse> {
  const state = internal(config)
  const url = serverEndpoint(state, 'device_authorization_endpoint')
  const body = new URLSearchParams(parameters)
  body.set('client_id', state.c.client_id)
  return perform(state, undefined, async (deadline) =>
    withStrictExpiresIn(
      state,
      await formRequest(state, url, body, undefined, deadline, 'application/json'),
      'device authorization',
      (response) => oauth.processDeviceAuthorizationResponse(state.as, state.c, response),
    ),
  )
}

/**
 * Polls the token endpoint until the user approves the device authorization (or it is denied,
 * expires, or `signal` aborts). Waits `interval` seconds (default 5) between requests, adds 5 s on
 * `slow_down`, and honours `Retry-After`.
 *
 * @example
 * ```ts
 * const tokens = await client.pollDeviceAuthorizationGrant(config, response, undefined, {
 *   signal: AbortSignal.timeout(response.expires_in * 1000),
 * })
 * ```
 * @see [RFC 8628 §3.4](https://www.rfc-editor.org/rfc/rfc8628.html#section-3.4)
 * @group Grants
 */
export async function pollDeviceAuthorizationGrant<
  R extends TokenResponse = WithDecryptedResponse<TokenResponse, string>,
>(
  config: Configuration,
  deviceAuthorizationResponse: oauth.DeviceAuthorizationResponse,
  parameters?: URLSearchParams | Record<string, string>,
  options?: DeviceAuthorizationGrantPollOptions,
): Promise<R>
export async function pollDeviceAuthorizationGrant(
  config: Configuration,
  deviceAuthorizationResponse: oauth.DeviceAuthorizationResponse,
  parameters?: URLSearchParams | Record<string, string>,
  options?: DeviceAuthorizationGrantPollOptions,
): Promise<TokenResponse> {
  const state = internal(config)
  const deviceCode = deviceAuthorizationResponse?.device_code
  if (typeof deviceCode !== 'string' || deviceCode.length === 0) {
    throw argumentError(
      '"deviceAuthorizationResponse" must be the result of initiateDeviceAuthorization()',
    )
  }
  const body = new URLSearchParams(parameters)
  body.set('device_code', deviceCode)
  return pollTokenEndpoint(state, deviceAuthorizationResponse, options, {
    grantType: 'urn:ietf:params:oauth:grant-type:device_code',
    parameters: body,
    processResponse: (response, processing) =>
      oauth.processDeviceCodeResponse(state.as, state.c, response, processing),
  })
}
