// The parameters of an authorization request (client_id, response_type, response_mode from the
// Configuration) and the authorization endpoint URL that carries them.

import { argumentError } from './errors.ts'
import type { State } from './state.ts'
import { serverEndpoint } from './endpoint.ts'

/**
 * @internal The authorization request parameters: `client_id`, the Configuration's default
 * `resource`, and unless the request is by reference, the `response_type` and `response_mode`
 * the Configuration's features require.
 */
export function authorizationParameters(
  state: State,
  parameters: URLSearchParams | Record<string, string>,
): URLSearchParams {
  const params = new URLSearchParams(parameters)
  if (!params.has('client_id')) params.set('client_id', state.c.client_id)
  if (state.resource !== undefined && !params.has('request_uri') && !params.has('resource')) {
    params.set('resource', state.resource)
  }
  if (!params.has('request_uri') && !params.has('request')) {
    if (!params.has('response_type')) params.set('response_type', state.responseType ?? 'code')
    if (state.responseType === 'id_token' && !params.has('nonce')) {
      throw argumentError(
        'response_type=id_token clients must send a "nonce" authorization request parameter: use randomNonce()',
        'ERR_INVALID_ARG_VALUE',
      )
    }
    if (state.responseMode === 'jwt') params.set('response_mode', 'jwt')
  }
  return params
}

/** @internal A front-channel endpoint URL (authorization by default) with the given parameters. */
export function authorizationUrl(
  state: State,
  parameters: URLSearchParams,
  name: 'authorization_endpoint' | 'end_session_endpoint' = 'authorization_endpoint',
): URL {
  // A copy: the parsed endpoint is cached and shared by later requests.
  const url = new URL(serverEndpoint(state, name, false).href)
  for (const [key, value] of parameters) url.searchParams.append(key, value)
  return url
}
