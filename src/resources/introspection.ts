// Token introspection (RFC 7662, and RFC 9701 JWT responses): whether a token is active and what
// it grants.

import * as oauth from 'oauth4webapi'

import type { Configuration } from '../core/configuration.ts'
import { argumentError, clientError } from '../core/errors.ts'
import { formRequest } from '../core/request.ts'
import { internal } from '../core/state.ts'
import { type WithDecryptedResponse, withDecryption } from '../core/decrypted.ts'
import { perform } from '../core/deadline.ts'
import { serverEndpoint } from '../core/endpoint.ts'
import { checkResponseSignature, mediaType } from '../core/response-signature.ts'

const INTROSPECTION_JWT = 'application/token-introspection+jwt'

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
    state.c.introspection_signed_response_alg !== undefined ? INTROSPECTION_JWT : 'application/json'
  state.profile?.introspectionRequest(state)
  return perform(state, undefined, (deadline) =>
    withDecryption(state, async (decryption, plaintext) => {
      const response = await formRequest(state, url, body, undefined, deadline, accept)
      // oauth4webapi reads a JWT from application/token-introspection+jwt bodies only.
      const jwt = mediaType(response) === INTROSPECTION_JWT ? response.clone().text() : undefined
      jwt?.catch(() => {})
      const result = await oauth.processIntrospectionResponse(
        state.as,
        state.c,
        response,
        decryption,
      )
      if (jwt === undefined && state.c.introspection_signed_response_alg !== undefined) {
        throw clientError(
          'the introspection response is plain JSON, but the client registered "introspection_signed_response_alg": a signed JWT introspection response (RFC 9701) was expected; the server must sign it',
          'OAUTH_JWT_USERINFO_EXPECTED',
          {
            attribute: 'introspection_signed_response_alg',
            contentType: response.headers.get('content-type'),
          },
        )
      }
      if (jwt !== undefined) {
        const jws = plaintext() ?? (await jwt)
        state.profile?.jwt(jws, 'introspection response')
        if (state.nonRepudiation === undefined) {
          await checkResponseSignature(state, response, jws, deadline)
        } else {
          await state.nonRepudiation(response)
        }
      }
      return result
    }),
  )
}
