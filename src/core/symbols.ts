// The symbols of the public API (customFetch, clockSkew, skipStateCheck, ...), oauth4webapi's own
// re-exported under documented names.

import * as oauth from 'oauth4webapi'

/**
 * Passed as `expectedState` to accept an authorization response without checking its `state`.
 *
 * @example
 * ```ts
 * await client.authorizationCodeGrant(config, currentUrl, { expectedState: client.skipStateCheck })
 * ```
 * @see [RFC 6749 §10.12](https://www.rfc-editor.org/rfc/rfc6749.html#section-10.12)
 * @group Symbols
 */
export const skipStateCheck: typeof oauth.skipStateCheck = oauth.skipStateCheck

/**
 * Passed as `expectedSubject` to {@link fetchUserInfo} to skip the `sub` comparison.
 *
 * @example
 * ```ts
 * await client.fetchUserInfo(config, accessToken, client.skipSubjectCheck)
 * ```
 * @see [OpenID Connect Core §5.3.2](https://openid.net/specs/openid-connect-core-1_0.html#UserInfoResponse)
 * @group Symbols
 */
export const skipSubjectCheck: typeof oauth.skipSubjectCheck = oauth.skipSubjectCheck

/**
 * Key of a `fetch` replacement on a Configuration or on `discovery` options, used for every
 * HTTP request the library makes (proxies, mTLS agents, test transports).
 *
 * @example
 * ```ts
 * config[client.customFetch] = (url, options) =>
 *   fetch(url, { ...options, dispatcher } as RequestInit)
 * ```
 * @group Symbols
 */
export const customFetch: typeof oauth.customFetch = oauth.customFetch

/**
 * Key of a function that may change the header and payload of a JWT the library is about to
 * sign (client assertions, request objects, DPoP proofs).
 *
 * @example
 * ```ts
 * client.PrivateKeyJwt(key, { [client.modifyAssertion]: (header) => { header.kid = 'k1' } })
 * ```
 * @see [RFC 7523 §3](https://www.rfc-editor.org/rfc/rfc7523.html#section-3)
 * @group Symbols
 */
export const modifyAssertion: typeof oauth.modifyAssertion = oauth.modifyAssertion

/**
 * Client metadata key: seconds the local clock is behind (positive) or ahead (negative) of the
 * authorization server's.
 *
 * @example
 * ```ts
 * new client.Configuration(serverMetadata, 'id', { [client.clockSkew]: 30 })
 * ```
 * @see [RFC 7519 §4.1.4](https://www.rfc-editor.org/rfc/rfc7519.html#section-4.1.4)
 * @group Symbols
 */
export const clockSkew: typeof oauth.clockSkew = oauth.clockSkew

/**
 * Client metadata key: seconds of tolerance when checking JWT `exp`, `iat` and `nbf` (default 30).
 *
 * @example
 * ```ts
 * new client.Configuration(serverMetadata, 'id', { [client.clockTolerance]: 60 })
 * ```
 * @see [RFC 7519 §4.1.4](https://www.rfc-editor.org/rfc/rfc7519.html#section-4.1.4)
 * @group Symbols
 */
export const clockTolerance: typeof oauth.clockTolerance = oauth.clockTolerance
