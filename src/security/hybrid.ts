// The hybrid response type (code id_token): fills the response validator slot and the
// front-channel comparison of the two ID Tokens.

import * as oauth from 'oauth4webapi'

import type { Configuration } from '../core/configuration.ts'
import { clientError } from '../core/errors.ts'
import { checkSameSubject, idTokenResponseValidator } from '../core/front-channel.ts'
import { internal } from '../core/state.ts'

/**
 * Switches the Configuration to the OpenID Connect hybrid flow (`response_type=code id_token`):
 * `authorizationCodeGrant` validates the front-channel ID Token (signature, `nonce`, `c_hash`,
 * `s_hash` when `state` is present) before exchanging the code, and requires the token endpoint's
 * ID Token to have the same `iss` and `sub`.
 *
 * @example
 * ```ts
 * const config = await client.discovery(issuer, 'id', 'secret', undefined, {
 *   execute: [client.useCodeIdTokenResponseType],
 * })
 * ```
 * @see [OpenID Connect Core §3.3](https://openid.net/specs/openid-connect-core-1_0.html#HybridFlowAuth)
 * @group Advanced security
 */
export function useCodeIdTokenResponseType(config: Configuration): void {
  const state = internal(config)
  if (state.responseMode === 'jwt' || state.responseType === 'id_token') {
    throw clientError(
      '"code id_token" response type cannot be combined with JARM or the implicit response type',
      'OAUTH_UNSUPPORTED_OPERATION',
    )
  }
  // Applied again, it keeps what is set: it must not replace the stricter detached-signature checks.
  if (state.responseType === 'code id_token') return
  state.responseType = 'code id_token'
  state.authResponse = idTokenResponseValidator(oauth.validateCodeIdTokenResponse)
  state.frontChannel = checkSameSubject
}
