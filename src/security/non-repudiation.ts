// Non-repudiation: every signed response (token endpoint ID Tokens, JWT UserInfo and
// introspection) is checked against the issuer JWKS within its own deadline.

import type { Configuration } from '../core/configuration.ts'
import { nonRepudiationCheck } from '../core/response-signature.ts'
import { internal } from '../core/state.ts'

/**
 * Validates the signature of every signed response against the issuer's JWKS: ID Tokens from
 * the token endpoint, JWT UserInfo and JWT introspection responses (responses over TLS are
 * otherwise trusted without it). Keys are cached, see `getJwksCache`.
 *
 * @example
 * ```ts
 * const config = await client.discovery(issuer, 'id', 'secret', undefined, {
 *   execute: [client.enableNonRepudiationChecks],
 * })
 * ```
 * @see [OpenID Connect Core §3.1.3.7](https://openid.net/specs/openid-connect-core-1_0.html#IDTokenValidation)
 * @group Advanced security
 */
export function enableNonRepudiationChecks(config: Configuration): void {
  const state = internal(config)
  state.nonRepudiation = nonRepudiationCheck(state)
}

/**
 * Accepts a signed UserInfo response without `iss` or `aud` under
 * {@link enableNonRepudiationChecks}, for providers that omit them (LemonLDAP::NG 2.16). The
 * signature is still verified against the issuer's keys, `sub` must still equal the expected
 * subject, and an `iss` or `aud` that is present must still match; only their absence is
 * forgiven. Off by default: OpenID Connect Core 5.3.2 asks signed UserInfo to carry both.
 *
 * @example
 * ```ts
 * const config = await client.discovery(issuer, 'id', 'secret', undefined, {
 *   execute: [client.enableNonRepudiationChecks, client.acceptSignedUserInfoWithoutIssuerAndAudience],
 * })
 * ```
 * @see [OpenID Connect Core §5.3.2](https://openid.net/specs/openid-connect-core-1_0.html#UserInfoResponse)
 * @group Advanced security
 */
export function acceptSignedUserInfoWithoutIssuerAndAudience(config: Configuration): void {
  internal(config).userInfoWithoutIssuerAndAudience = true
}
