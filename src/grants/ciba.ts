// Client-initiated backchannel authentication (CIBA): the backchannel authentication request and
// the token endpoint polling that follows it.

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
 * Options of {@link pollBackchannelAuthenticationGrant}.
 *
 * @example
 * ```ts
 * const options: client.BackchannelAuthenticationGrantPollOptions = {
 *   signal: AbortSignal.timeout(response.expires_in * 1000),
 * }
 * ```
 * @see [CIBA Core §10.1](https://openid.net/specs/openid-client-initiated-backchannel-authentication-core-1_0.html#token_request)
 * @group Grants
 */
export interface BackchannelAuthenticationGrantPollOptions extends DPoPOptions {
  /** Stops polling (rejecting with `OAUTH_ABORT`) when aborted. */
  signal?: AbortSignal
}

/**
 * Starts a Client-Initiated Backchannel Authentication (CIBA) request for a user identified by
 * `login_hint`, `id_token_hint` or `login_hint_token`.
 *
 * @example
 * ```ts
 * const response = await client.initiateBackchannelAuthentication(config, {
 *   scope: 'openid', login_hint: 'alice', binding_message: 'W4SCT',
 * })
 * ```
 * @see [CIBA Core §7](https://openid.net/specs/openid-client-initiated-backchannel-authentication-core-1_0.html#auth_request)
 * @group Grants
 */
export async function initiateBackchannelAuthentication(
  config: Configuration,
  parameters: URLSearchParams | Record<string, string>,
): Promise<oauth.BackchannelAuthenticationResponse> {
  const state = internal(config)
  const url = serverEndpoint(state, 'backchannel_authentication_endpoint')
  const body = new URLSearchParams(parameters)
  body.set('client_id', state.c.client_id)
  return perform(state, undefined, async (deadline) =>
    withStrictExpiresIn(
      state,
      await formRequest(state, url, body, undefined, deadline, 'application/json'),
      'backchannel authentication',
      (response) => oauth.processBackchannelAuthenticationResponse(state.as, state.c, response),
    ),
  )
}

/**
 * Polls the token endpoint until the user approves the CIBA request (or it is denied, expires,
 * or `signal` aborts), honouring `interval`, `slow_down` and `Retry-After`.
 *
 * @example
 * ```ts
 * const tokens = await client.pollBackchannelAuthenticationGrant(config, response)
 * ```
 * @see [CIBA Core §10.1](https://openid.net/specs/openid-client-initiated-backchannel-authentication-core-1_0.html#token_request)
 * @group Grants
 */
export async function pollBackchannelAuthenticationGrant<
  R extends TokenResponse = WithDecryptedResponse<TokenResponse, string>,
>(
  config: Configuration,
  backchannelAuthenticationResponse: oauth.BackchannelAuthenticationResponse,
  parameters?: URLSearchParams | Record<string, string>,
  options?: BackchannelAuthenticationGrantPollOptions,
): Promise<R>
export async function pollBackchannelAuthenticationGrant(
  config: Configuration,
  backchannelAuthenticationResponse: oauth.BackchannelAuthenticationResponse,
  parameters?: URLSearchParams | Record<string, string>,
  options?: BackchannelAuthenticationGrantPollOptions,
): Promise<TokenResponse> {
  const state = internal(config)
  const authReqId = backchannelAuthenticationResponse?.auth_req_id
  if (typeof authReqId !== 'string' || authReqId.length === 0) {
    throw argumentError(
      '"backchannelAuthenticationResponse" must be the result of initiateBackchannelAuthentication()',
    )
  }
  const body = new URLSearchParams(parameters)
  body.set('auth_req_id', authReqId)
  return pollTokenEndpoint(state, backchannelAuthenticationResponse, options, {
    grantType: 'urn:openid:params:grant-type:ciba',
    parameters: body,
    processResponse: (response, processing) =>
      oauth.processBackchannelAuthenticationGrantResponse(state.as, state.c, response, processing),
  })
}
