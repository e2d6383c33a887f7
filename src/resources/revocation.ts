// Token revocation (RFC 7009) at the revocation endpoint.
// One client-authenticated form POST.

import * as oauth from 'oauth4webapi'

import type { Configuration } from '../core/configuration.ts'
import { argumentError } from '../core/errors.ts'
import { formRequest } from '../core/request.ts'
import { internal } from '../core/state.ts'
import { perform } from '../core/deadline.ts'
import { serverEndpoint } from '../core/endpoint.ts'

/**
 * Revokes an access or refresh token at the revocation endpoint.
 *
 * @param parameters Extra parameters such as `token_type_hint`.
 * @example
 * ```ts
 * await client.tokenRevocation(config, tokens.refresh_token!, { token_type_hint: 'refresh_token' })
 * ```
 * @see [RFC 7009 §2](https://www.rfc-editor.org/rfc/rfc7009.html#section-2)
 * @group Resources
 */
export async function tokenRevocation(
  config: Configuration,
  token: string,
  parameters?: URLSearchParams | Record<string, string>,
): Promise<void> {
  const state = internal(config)
  if (typeof token !== 'string' || token.length === 0) {
    throw argumentError('"token" must be a non-empty string')
  }
  const url = serverEndpoint(state, 'revocation_endpoint')
  const body = new URLSearchParams(parameters)
  body.set('token', token)
  await perform(state, undefined, async (deadline) =>
    oauth.processRevocationResponse(await formRequest(state, url, body, undefined, deadline, null)),
  )
}
