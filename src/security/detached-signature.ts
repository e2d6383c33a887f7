// FAPI 1.0 detached signatures: the hybrid response's ID Token as a detached signature of the
// authorization response (code and state hashes), checked before the code is exchanged.

import * as oauth from 'oauth4webapi'

import type { Configuration } from '../core/configuration.ts'
import { clientError } from '../core/errors.ts'
import { idTokenResponseValidator } from '../core/front-channel.ts'
import { internal } from '../core/state.ts'

/**
 * FAPI 1.0 Advanced: treats the hybrid response's ID Token as a detached signature of the
 * authorization response, so `s_hash` is required along with `c_hash`. Call after
 * `useCodeIdTokenResponseType`.
 *
 * @example
 * ```ts
 * const config = await client.discovery(issuer, 'id', undefined, client.PrivateKeyJwt(key), {
 *   execute: [client.useCodeIdTokenResponseType, client.enableDetachedSignatureResponseChecks],
 * })
 * ```
 * @see [FAPI 1.0 Advanced §5.2.2.1](https://openid.net/specs/openid-financial-api-part-2-1_0.html#id-token-as-detached-signature)
 * @group Advanced security
 */
export function enableDetachedSignatureResponseChecks(config: Configuration): void {
  const state = internal(config)
  if (state.responseType !== 'code id_token') {
    throw clientError(
      'detached signature checks need the "code id_token" response type: call useCodeIdTokenResponseType(config) first',
      'OAUTH_UNSUPPORTED_OPERATION',
    )
  }
  state.authResponse = idTokenResponseValidator(oauth.validateDetachedSignatureResponse)
}
