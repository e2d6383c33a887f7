// The authorization code grant: validates the authorization response (through the response
// mode/type slot) and exchanges its code at the token endpoint.

import * as oauth from 'oauth4webapi'

import { callbackInput, callbackParameters, redirectUriOf } from '../core/callback.ts'
import type { Configuration } from '../core/configuration.ts'
import { argumentError, clientError } from '../core/errors.ts'
import { type AuthResponseValidator, internal } from '../core/state.ts'
import { exchange, type TokenResponse } from '../core/token-endpoint.ts'
import type {
  WithDecryptedResponse,
  DecryptedAuthorizationCodeResponses,
} from '../core/decrypted.ts'
import { perform } from '../core/deadline.ts'
import type { DPoPOptions } from '../core/dpop.ts'

/**
 * Checks of the authorization response and the ID Token of {@link authorizationCodeGrant}.
 *
 * @example
 * ```ts
 * const checks: client.AuthorizationCodeGrantChecks = {
 *   pkceCodeVerifier: codeVerifier,
 *   expectedState: state,
 *   expectedNonce: nonce,
 *   idTokenExpected: true,
 * }
 * ```
 * @see [OpenID Connect Core §3.1.3.7](https://openid.net/specs/openid-connect-core-1_0.html#IDTokenValidation)
 * @group Grants
 */
export interface AuthorizationCodeGrantChecks {
  /** The `nonce` sent in the authorization request; required when one was sent. */
  expectedNonce?: string
  /** The `state` sent in the authorization request, or `skipStateCheck`. */
  expectedState?: string | typeof oauth.skipStateCheck
  /** Fail unless the token endpoint returns an ID Token. */
  idTokenExpected?: boolean
  /** The `max_age` sent in the authorization request (checks `auth_time`). */
  maxAge?: number
  /** The PKCE `code_verifier` whose challenge was sent in the authorization request. */
  pkceCodeVerifier?: string
}

/**
 * Options of {@link authorizationCodeGrant}.
 *
 * @example
 * ```ts
 * const options: client.AuthorizationCodeGrantOptions = { DPoP: client.getDPoPHandle(config, keyPair) }
 * ```
 * @see [RFC 9449 §5](https://www.rfc-editor.org/rfc/rfc9449.html#section-5)
 * @group Grants
 */
export interface AuthorizationCodeGrantOptions extends DPoPOptions {}

const queryResponse: AuthResponseValidator = async (state, currentUrl, checks) =>
  oauth.validateAuthResponse(
    state.as,
    state.c,
    await callbackParameters(currentUrl),
    checks.expectedState ?? oauth.expectNoState,
  )

function checkOptionalString(value: unknown, name: string): void {
  if (value !== undefined && typeof value !== 'string') {
    throw argumentError(`"${name}" must be a string`)
  }
}

/**
 * Validates the authorization response at the redirect URI and exchanges its code at the token
 * endpoint. Checks `state`, `iss` (RFC 9207), PKCE, and the ID Token (`nonce`, `auth_time`).
 *
 * @param currentUrl The callback URL, or the callback `Request` (a form_post `POST` included).
 * @param tokenEndpointParameters Extra token request parameters; a `redirect_uri` here replaces
 *   the one derived from `currentUrl`.
 * @example
 * ```ts
 * const tokens = await client.authorizationCodeGrant(config, new URL(req.url), {
 *   pkceCodeVerifier: codeVerifier,
 *   expectedState: state,
 *   expectedNonce: nonce,
 * })
 * console.log(tokens.access_token, tokens.claims()?.sub)
 * ```
 * @see [RFC 6749 §4.1](https://www.rfc-editor.org/rfc/rfc6749.html#section-4.1)
 * @group Grants
 */
export async function authorizationCodeGrant<
  R extends TokenResponse = WithDecryptedResponse<
    TokenResponse,
    DecryptedAuthorizationCodeResponses
  >,
>(
  config: Configuration,
  currentUrl: URL | Request,
  checks?: AuthorizationCodeGrantChecks,
  tokenEndpointParameters?: URLSearchParams | Record<string, string>,
  options?: AuthorizationCodeGrantOptions,
): Promise<R>
export async function authorizationCodeGrant(
  config: Configuration,
  currentUrl: URL | Request,
  checks?: AuthorizationCodeGrantChecks,
  tokenEndpointParameters?: URLSearchParams | Record<string, string>,
  options?: AuthorizationCodeGrantOptions,
): Promise<TokenResponse> {
  const state = internal(config)
  const callback = callbackInput(currentUrl)
  if (callback === undefined) {
    throw argumentError('"currentUrl" must be an instance of URL, or Request')
  }
  checkOptionalString(checks?.expectedNonce, 'expectedNonce')
  if (checks?.expectedState !== oauth.skipStateCheck) {
    checkOptionalString(checks?.expectedState, 'expectedState')
  }
  checkOptionalString(checks?.pkceCodeVerifier, 'pkceCodeVerifier')
  if (checks?.pkceCodeVerifier === '') {
    throw argumentError(
      '"pkceCodeVerifier" is empty: pass the code_verifier whose challenge was sent, or leave it out when PKCE was not used',
      'ERR_INVALID_ARG_VALUE',
    )
  }
  if (state.responseType === 'id_token') {
    throw argumentError(
      'authorizationCodeGrant() cannot be used by response_type=id_token clients: use implicitAuthentication()',
      'ERR_INVALID_ARG_VALUE',
    )
  }
  const parameters = new URLSearchParams(tokenEndpointParameters)
  const redirectUri = parameters.get('redirect_uri') ?? redirectUriOf(callback)

  const authResponse = await perform(state, undefined, (deadline) =>
    (state.authResponse ?? queryResponse)(
      state,
      callback,
      {
        expectedNonce: checks?.expectedNonce,
        expectedState: checks?.expectedState,
        maxAge: checks?.maxAge,
      },
      deadline,
    ),
  )

  state.profile?.authorizationResponse(state, authResponse)
  const maxAge =
    checks?.maxAge ??
    (state.profile && checks?.pkceCodeVerifier
      ? await state.profile.maxAge(checks.pkceCodeVerifier)
      : undefined)

  const code = authResponse.getAll('code')
  if (code.length !== 1 || code[0] === '') {
    throw clientError(
      code.length > 1
        ? 'the authorization response has more than one "code" parameter'
        : 'the authorization response has no "code" parameter: the server did not issue an authorization code',
      'OAUTH_INVALID_RESPONSE',
      { parameter: 'code' },
    )
  }
  parameters.set('redirect_uri', redirectUri)
  parameters.set('code', code[0]!)
  if (checks?.pkceCodeVerifier) parameters.set('code_verifier', checks.pkceCodeVerifier)

  const result = await exchange(state, {
    grantType: 'authorization_code',
    parameters,
    processResponse: (response, processing) =>
      oauth.processAuthorizationCodeResponse(state.as, state.c, response, {
        ...processing,
        expectedNonce: checks?.expectedNonce,
        maxAge,
        requireIdToken: checks?.idTokenExpected,
      }),
    DPoP: options?.DPoP,
    after: state.frontChannel && ((result) => state.frontChannel!(authResponse, result)),
  })
  state.combineDecrypted?.(authResponse, result)
  return result
}
