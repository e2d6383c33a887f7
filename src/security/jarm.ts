// JWT-secured authorization responses (JARM): response_mode=jwt and the validation of the
// response JWT (signature, iss, aud, exp), decrypted first when it is encrypted.

import * as oauth from 'oauth4webapi'

import { callbackParameters } from '../core/callback.ts'
import type { Configuration } from '../core/configuration.ts'
import { clientError } from '../core/errors.ts'
import { checkExplicitType } from '../core/explicit-typing.ts'
import { internal } from '../core/state.ts'
import { withDecryption } from '../core/decrypted.ts'
import { signatureOptions } from '../core/request.ts'

/**
 * Switches the Configuration to JWT-secured authorization responses (JARM): `response_mode=jwt`
 * is sent, and the response JWT's signature, `iss`, `aud` and `exp` are validated (decrypted
 * first when response decryption is enabled). Error responses reject with
 * `AuthorizationResponseError`.
 *
 * @example
 * ```ts
 * const config = await client.discovery(issuer, 'id', 'secret', undefined, {
 *   execute: [client.useJwtResponseMode],
 * })
 * ```
 * @see [JARM §2](https://openid.net/specs/oauth-v2-jarm.html#section-2)
 * @group Advanced security
 */
export function useJwtResponseMode(config: Configuration): void {
  const state = internal(config)
  if (state.responseType !== undefined) {
    throw clientError(
      'JARM cannot be combined with the hybrid or implicit response types',
      'OAUTH_UNSUPPORTED_OPERATION',
    )
  }
  state.responseMode = 'jwt'
  state.authResponse = async (state, currentUrl, checks, deadline) => {
    const received = await callbackParameters(currentUrl)
    return withDecryption(
      state,
      async (decryption, plaintext) => {
        const params = await oauth.validateJwtAuthResponse(
          state.as,
          state.c,
          received,
          checks.expectedState ?? oauth.expectNoState,
          { ...signatureOptions(state, deadline), ...decryption },
        )
        const jws = plaintext() ?? received.get('response')!
        checkExplicitType(jws, 'JARM response')
        state.profile?.jwt(jws, 'JARM response')
        return params
      },
      (plaintext) => ({ authorization_response: plaintext }),
    )
  }
}
