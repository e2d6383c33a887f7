// Pushed authorization requests (PAR): the request pushed to the server and the authorization
// URL that references it by request_uri.

import * as oauth from 'oauth4webapi'

import { authorizationParameters, authorizationUrl } from './core/authorization-request.ts'
import type { Configuration, EndpointAwareClientAuth } from './core/configuration.ts'
import { withStrictExpiresIn } from './core/expires-in.ts'
import { internal, type State } from './core/state.ts'
import { perform } from './core/deadline.ts'
import { serverEndpoint } from './core/endpoint.ts'
import type { DPoPOptions } from './core/dpop.ts'
import { transport } from './core/request.ts'

/** Client authentication for the PAR request, told the URL it is sent to. */
const parAuth =
  (state: State): oauth.ClientAuth =>
  (as, client, body, headers) =>
    (state.auth as EndpointAwareClientAuth)(
      as,
      client,
      body,
      headers,
      serverEndpoint(state, 'pushed_authorization_request_endpoint'),
    )

/**
 * Pushes the authorization request to the server (PAR) and returns the authorization URL that
 * references it by `request_uri`. Combine with JAR by passing the `searchParams` of
 * `buildAuthorizationUrlWithJAR()`'s URL; with a DPoP handle the request binds the code to the key.
 *
 * @example
 * ```ts
 * const url = await client.buildAuthorizationUrlWithPAR(config, {
 *   redirect_uri: 'https://rp.example.com/cb', scope: 'openid',
 *   code_challenge, code_challenge_method: 'S256',
 * }, { DPoP: dpopHandle })
 * ```
 * @see [RFC 9126 §2](https://www.rfc-editor.org/rfc/rfc9126.html#section-2)
 * @group Authorization requests
 */
export async function buildAuthorizationUrlWithPAR(
  config: Configuration,
  parameters: URLSearchParams | Record<string, string>,
  options?: DPoPOptions,
): Promise<URL> {
  const state = internal(config)
  const pushed = await perform(state, options?.DPoP, async (deadline) => {
    const params = authorizationParameters(state, parameters)
    state.profile?.authorizationRequest(state, params, 'par')
    return withStrictExpiresIn(
      state,
      await oauth.pushedAuthorizationRequest(state.as, state.c, parAuth(state), params, {
        ...transport(state, deadline),
        DPoP: options?.DPoP,
      }),
      'pushed authorization',
      (response) => oauth.processPushedAuthorizationResponse(state.as, state.c, response),
    )
  })
  return perform(state, undefined, async () =>
    authorizationUrl(
      state,
      new URLSearchParams({ client_id: state.c.client_id, request_uri: pushed.request_uri }),
    ),
  )
}
