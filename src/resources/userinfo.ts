// The UserInfo request: plain, signed or encrypted responses, checked against the expected
// subject (and, with non-repudiation, signed by the issuer).

import * as oauth from 'oauth4webapi'

import type { Configuration } from '../core/configuration.ts'
import { argumentError, clientError } from '../core/errors.ts'
import { checkExplicitType } from '../core/explicit-typing.ts'
import { bearerGet } from '../core/request.ts'
import { internal } from '../core/state.ts'
import { type WithDecryptedResponse, withDecryption } from '../core/decrypted.ts'
import { perform } from '../core/deadline.ts'
import { serverEndpoint } from '../core/endpoint.ts'
import { dpopProofs, type DPoPOptions } from '../core/dpop.ts'
import { checkResponseSignature, mediaType } from '../core/response-signature.ts'

/**
 * Fetches the UserInfo of the user the access token was issued for. The response's `sub` must
 * equal `expectedSubject` (the ID Token's `sub`); signed and encrypted responses are supported.
 *
 * @param expectedSubject The `sub` of the ID Token, or `skipSubjectCheck`.
 * @example
 * ```ts
 * const userinfo = await client.fetchUserInfo(config, tokens.access_token, tokens.claims()!.sub)
 * ```
 * @see [OpenID Connect Core §5.3](https://openid.net/specs/openid-connect-core-1_0.html#UserInfo)
 * @group Resources
 */
export async function fetchUserInfo<
  R extends oauth.UserInfoResponse = WithDecryptedResponse<oauth.UserInfoResponse, string>,
>(
  config: Configuration,
  accessToken: string,
  expectedSubject: string | typeof oauth.skipSubjectCheck,
  options?: DPoPOptions,
): Promise<R>
export async function fetchUserInfo(
  config: Configuration,
  accessToken: string,
  expectedSubject: string | typeof oauth.skipSubjectCheck,
  options?: DPoPOptions,
): Promise<oauth.UserInfoResponse> {
  const state = internal(config)
  if (typeof accessToken !== 'string' || accessToken.length === 0) {
    throw argumentError('"accessToken" must be a non-empty string')
  }
  if (expectedSubject !== oauth.skipSubjectCheck && typeof expectedSubject !== 'string') {
    throw argumentError('"expectedSubject" must be a string or skipSubjectCheck')
  }
  const proofs = dpopProofs(options?.DPoP)
  const url = serverEndpoint(state, 'userinfo_endpoint')
  const accept = state.c.userinfo_signed_response_alg
    ? 'application/jwt'
    : 'application/json, application/jwt'
  return perform(state, options?.DPoP, (deadline) =>
    withDecryption(state, async (decryption, plaintext) => {
      const response = await bearerGet(state, url, accessToken, accept, proofs, deadline)
      // The JWT oauth4webapi validates (it reads application/jwt bodies only), for the checks below.
      const body = mediaType(response) === 'application/jwt' ? response.clone().text() : undefined
      body?.catch(() => {})
      const result = await oauth.processUserInfoResponse(
        state.as,
        state.c,
        expectedSubject,
        response,
        decryption,
      )
      const jws = body === undefined ? undefined : (plaintext() ?? (await body))
      if (jws === undefined) return result
      checkExplicitType(jws, 'UserInfo response')
      state.profile?.jwt(jws, 'UserInfo response')
      if (state.nonRepudiation === undefined) {
        await checkResponseSignature(state, response, jws, deadline)
      } else {
        await state.nonRepudiation(response)
        for (const claim of state.userInfoWithoutIssuerAndAudience
          ? []
          : (['iss', 'aud'] as const)) {
          if (result[claim] === undefined) {
            throw clientError(
              `the signed UserInfo response has no "${claim}" claim, which OpenID Connect Core 5.3.2 requires of signed responses: the server must include it`,
              'OAUTH_JWT_CLAIM_COMPARISON_FAILED',
              { claim },
            )
          }
        }
      }
      return result
    }),
  )
}
