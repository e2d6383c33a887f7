import * as oauth from 'oauth4webapi'

/**
 * Passed as `expectedState` to accept an authorization response without checking its `state`.
 *
 * @example
 * ```ts
 * await client.authorizationCodeGrant(config, currentUrl, { expectedState: client.skipStateCheck })
 * ```
 */
export const skipStateCheck: typeof oauth.skipStateCheck = oauth.skipStateCheck

/**
 * Passed as `expectedSubject` to {@link fetchUserInfo} to skip the `sub` comparison.
 *
 * @example
 * ```ts
 * await client.fetchUserInfo(config, accessToken, client.skipSubjectCheck)
 * ```
 */
export const skipSubjectCheck: typeof oauth.skipSubjectCheck = oauth.skipSubjectCheck

/**
 * Key of a `fetch` replacement on a Configuration or on `discovery` options, used for every
 * HTTP request the library makes (proxies, mTLS agents, test transports).
 *
 * @example
 * ```ts
 * config[client.customFetch] = (url, options) => fetch(url, { ...options, dispatcher })
 * ```
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
 */
export const modifyAssertion: typeof oauth.modifyAssertion = oauth.modifyAssertion

/**
 * Client metadata key: seconds the local clock is behind (positive) or ahead (negative) of the
 * authorization server's.
 *
 * @example
 * ```ts
 * new client.Configuration(server, 'id', { [client.clockSkew]: 30 })
 * ```
 */
export const clockSkew: typeof oauth.clockSkew = oauth.clockSkew

/**
 * Client metadata key: seconds of tolerance when checking JWT `exp`, `iat` and `nbf` (default 30).
 *
 * @example
 * ```ts
 * new client.Configuration(server, 'id', { [client.clockTolerance]: 60 })
 * ```
 */
export const clockTolerance: typeof oauth.clockTolerance = oauth.clockTolerance
