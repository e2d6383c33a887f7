// ID Tokens in the authorization response (hybrid, detached signature): their validation before
// the code is exchanged, and the comparison with the token endpoint's ID Token.

import * as oauth from 'oauth4webapi'

import { callbackParameters } from './callback.ts'
import { argumentError, clientError } from './errors.ts'
import {
  type DecryptedAuthorizationCodeResponses,
  recalledDecrypted,
  withDecryption,
} from './decrypted.ts'
import { checkIdToken, jwsPayload } from './id-token.ts'
import type { AuthResponseValidator } from './state.ts'
import { signatureOptions } from './request.ts'

const frontChannelClaims = new WeakMap<URLSearchParams, Record<string, unknown>>()

type IdTokenResponseValidation = typeof oauth.validateCodeIdTokenResponse

/**
 * @internal A validator of hybrid (`code id_token`) authorization responses: the ID Token's
 * signature, `nonce`, `c_hash`, `s_hash` (and with `validate` = detached-signature checks, the
 * FAPI 1.0 rules) before the code is exchanged.
 */
export function idTokenResponseValidator(
  validate: IdTokenResponseValidation,
): AuthResponseValidator {
  return async (state, currentUrl, checks, deadline) => {
    if (typeof checks.expectedNonce !== 'string') {
      throw argumentError(
        '"expectedNonce" must be a string: pass the nonce sent in the authorization request',
      )
    }
    if (checks.expectedState === oauth.skipStateCheck) {
      throw argumentError(
        'skipStateCheck cannot be used with the hybrid flow: pass the state sent as "expectedState"',
        'ERR_INVALID_ARG_VALUE',
      )
    }
    const received = await callbackParameters(currentUrl, true)
    const expectedNonce = checks.expectedNonce
    const expectedState = checks.expectedState ?? oauth.expectNoState
    const params = await withDecryption(
      state,
      (decryption) =>
        validate(state.as, state.c, received, expectedNonce, expectedState, checks.maxAge, {
          ...signatureOptions(state, deadline),
          ...decryption,
        }),
      (plaintext) => ({ id_token: { authorization_endpoint: plaintext } }),
    )
    const decrypted = recalledDecrypted(params) as DecryptedAuthorizationCodeResponses | undefined
    const jws = decrypted?.id_token?.authorization_endpoint ?? received.get('id_token')
    const claims = jwsPayload(jws)
    checkIdToken(claims, state.c, jws)
    if (claims) frontChannelClaims.set(params, claims)
    return params
  }
}

/**
 * @internal OpenID Connect Core 3.3.3.6: the ID Token from the token endpoint must have the
 * same `iss` and `sub` as the one in the authorization response.
 */
export function checkSameSubject(
  authResponse: URLSearchParams,
  tokens: oauth.TokenEndpointResponse,
): void {
  const front = frontChannelClaims.get(authResponse)
  if (front === undefined || tokens.id_token === undefined) return
  const back = oauth.getValidatedIdTokenClaims(tokens)
  for (const claim of ['iss', 'sub'] as const) {
    if (back?.[claim] !== front[claim]) {
      throw clientError(
        `the ID Token from the token endpoint has a different "${claim}" than the ID Token in the authorization response (OpenID Connect Core 3.3.3.6): the responses do not belong together`,
        'OAUTH_JWT_CLAIM_COMPARISON_FAILED',
        { claim, expected: front[claim], actual: back?.[claim] },
      )
    }
  }
}
