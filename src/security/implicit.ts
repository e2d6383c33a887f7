// The implicit flow with response_type=id_token: the switch on the Configuration and the
// validation of the authentication response (signature, nonce, state).

import * as oauth from 'oauth4webapi'

import { callbackInput, callbackParameters } from '../core/callback.ts'
import type { Configuration } from '../core/configuration.ts'
import { argumentError, clientError } from '../core/errors.ts'
import { internal } from '../core/state.ts'
import { type WithDecryptedResponse, withDecryption } from '../core/decrypted.ts'
import { checkIdToken } from '../core/id-token.ts'
import { perform } from '../core/deadline.ts'
import { signatureOptions } from '../core/request.ts'

/**
 * Checks of {@link implicitAuthentication}.
 *
 * @example
 * ```ts
 * const checks: client.ImplicitAuthenticationResponseChecks = { expectedState: state, maxAge: 300 }
 * ```
 * @see [OpenID Connect Core §3.2.2.11](https://openid.net/specs/openid-connect-core-1_0.html#ImplicitIDTValidation)
 * @group Advanced security
 */
export interface ImplicitAuthenticationResponseChecks {
  /** The `state` sent in the authorization request, or `skipStateCheck`. */
  expectedState?: string | typeof oauth.skipStateCheck
  /** The `max_age` sent in the authorization request (checks `auth_time`). */
  maxAge?: number
}

/**
 * Switches the Configuration to the OpenID Connect implicit flow with
 * `response_type=id_token` (authentication only, no access token); complete it with
 * {@link implicitAuthentication}. Authorization requests must carry a `nonce`.
 *
 * @example
 * ```ts
 * const config = await client.discovery(issuer, 'spa', undefined, client.None(), {
 *   execute: [client.useIdTokenResponseType],
 * })
 * ```
 * @see [OpenID Connect Core §3.2](https://openid.net/specs/openid-connect-core-1_0.html#ImplicitFlowAuth)
 * @group Advanced security
 */
export function useIdTokenResponseType(config: Configuration): void {
  const state = internal(config)
  if (state.responseMode === 'jwt' || state.responseType === 'code id_token') {
    throw clientError(
      '"id_token" response type cannot be combined with JARM or the hybrid response type',
      'OAUTH_UNSUPPORTED_OPERATION',
    )
  }
  state.responseType = 'id_token'
}

/**
 * Validates an implicit (`response_type=id_token`) authentication response, from the URL
 * fragment or a form_post request, and returns the ID Token's claims: signature (against the
 * issuer JWKS), `iss`, `aud`, `exp`, `iat`, `nonce`, `auth_time`, and `state`.
 *
 * @param expectedNonce The `nonce` sent in the authorization request.
 * @example
 * ```ts
 * const claims = await client.implicitAuthentication(config, new URL(location.href), nonce, {
 *   expectedState: state,
 * })
 * ```
 * @see [OpenID Connect Core §3.2.2.11](https://openid.net/specs/openid-connect-core-1_0.html#ImplicitIDTValidation)
 * @group Advanced security
 */
export async function implicitAuthentication<
  R extends oauth.IDToken = WithDecryptedResponse<oauth.IDToken, string>,
>(
  config: Configuration,
  currentUrl: URL | Request,
  expectedNonce: string,
  checks?: ImplicitAuthenticationResponseChecks,
): Promise<R>
export async function implicitAuthentication(
  config: Configuration,
  currentUrl: URL | Request,
  expectedNonce: string,
  checks?: ImplicitAuthenticationResponseChecks,
): Promise<oauth.IDToken> {
  const state = internal(config)
  const callback = callbackInput(currentUrl)
  if (callback === undefined) {
    throw argumentError('"currentUrl" must be an instance of URL, or Request')
  }
  if (typeof expectedNonce !== 'string') {
    throw argumentError('"expectedNonce" must be a string')
  }
  if (state.responseType !== 'id_token') {
    throw argumentError(
      'implicitAuthentication() needs a Configuration with useIdTokenResponseType()',
      'ERR_INVALID_ARG_VALUE',
    )
  }
  return perform(state, undefined, async (deadline) => {
    const params = await callbackParameters(callback, true)
    const withoutIdToken = new URLSearchParams(params)
    withoutIdToken.delete('id_token')
    oauth.validateAuthResponse(
      params.has('iss')
        ? state.as
        : { ...state.as, authorization_response_iss_parameter_supported: false },
      state.c,
      withoutIdToken,
      checks?.expectedState ?? oauth.expectNoState,
    )
    const [idToken, ...others] = params.getAll('id_token')
    if (!idToken || others.length !== 0) {
      throw clientError(
        `the implicit authentication response must have exactly one "id_token" parameter, not ${others.length + Number(idToken !== undefined)}`,
        'OAUTH_INVALID_RESPONSE',
      )
    }
    // The ID Token checks of oauth4webapi run on token endpoint responses; present it as one.
    const asTokenResponse = new Response(
      JSON.stringify({ access_token: 'none', token_type: 'bearer', id_token: idToken }),
      { headers: { 'content-type': 'application/json' } },
    )
    return withDecryption(state, async (decryption, plaintext) => {
      const result = await oauth.processAuthorizationCodeResponse(
        state.as,
        state.c,
        asTokenResponse,
        { ...decryption, expectedNonce, maxAge: checks?.maxAge, requireIdToken: true },
      )
      await oauth.validateApplicationLevelSignature(
        state.as,
        asTokenResponse,
        signatureOptions(state, deadline),
      )
      const claims = oauth.getValidatedIdTokenClaims(result)!
      checkIdToken(claims, state.c, plaintext() ?? idToken)
      return claims
    })
  })
}
