// Token introspection (RFC 7662, and RFC 9701 JWT responses): whether a token is active and what
// it grants.

import * as oauth from 'oauth4webapi'

import type { Configuration } from '../core/configuration.ts'
import { argumentError } from '../core/errors.ts'
import { isJwtResponse } from '../core/http.ts'
import { formRequest } from '../core/request.ts'
import { internal } from '../core/state.ts'
import { type WithDecryptedResponse, withDecryption } from '../core/decrypted.ts'
import { perform } from '../core/deadline.ts'
import { serverEndpoint } from '../core/endpoint.ts'

/**
 * Asks the authorization server whether a token is active and what it grants. Requests a JWT
 * response (RFC 9701) when the client has `introspection_signed_response_alg` metadata.
 *
 * @param parameters Extra parameters such as `token_type_hint`.
 * @example
 * ```ts
 * const { active, scope } = await client.tokenIntrospection(config, accessToken)
 * ```
 * @see [RFC 7662 §2](https://www.rfc-editor.org/rfc/rfc7662.html#section-2)
 * @group Resources
 */
export async function tokenIntrospection<
  R extends oauth.IntrospectionResponse = WithDecryptedResponse<
    oauth.IntrospectionResponse,
    string
  >,
>(
  config: Configuration,
  token: string,
  parameters?: URLSearchParams | Record<string, string>,
): Promise<R>
export async function tokenIntrospection(
  config: Configuration,
  token: string,
  parameters?: URLSearchParams | Record<string, string>,
): Promise<oauth.IntrospectionResponse> {
  const state = internal(config)
  if (typeof token !== 'string' || token.length === 0) {
    throw argumentError('"token" must be a non-empty string')
  }
  const url = serverEndpoint(state, 'introspection_endpoint')
  const body = new URLSearchParams(parameters)
  body.set('token', token)
  const accept =
    state.c.introspection_signed_response_alg !== undefined
      ? 'application/token-introspection+jwt'
      : 'application/json'
  return perform(state, undefined, (deadline) =>
    withDecryption(state, async (decryption) => {
      const response = await formRequest(state, url, body, undefined, deadline, accept)
      const jwt = isJwtResponse(response)
      const result = await oauth.processIntrospectionResponse(
        state.as,
        state.c,
        response,
        decryption,
      )
      if (jwt) await state.nonRepudiation?.(response)
      return result
    }),
  )
}
