// Random values for authorization requests (state, nonce, PKCE code verifier) and the PKCE S256
// code challenge.

import * as oauth from 'oauth4webapi'

/**
 * A random PKCE `code_verifier` (43 base64url characters, 256 bits).
 *
 * @example
 * ```ts
 * const codeVerifier = client.randomPKCECodeVerifier()
 * ```
 * @see [RFC 7636 §4.1](https://www.rfc-editor.org/rfc/rfc7636.html#section-4.1)
 * @group Random values and PKCE
 */
export function randomPKCECodeVerifier(): string {
  return oauth.generateRandomCodeVerifier()
}

/**
 * A random `nonce` (256 bits, base64url) for the authorization request.
 *
 * @example
 * ```ts
 * const nonce = client.randomNonce()
 * ```
 * @see [OpenID Connect Core §15.5.2](https://openid.net/specs/openid-connect-core-1_0.html#NonceNotes)
 * @group Random values and PKCE
 */
export function randomNonce(): string {
  return oauth.generateRandomNonce()
}

/**
 * A random `state` (256 bits, base64url) for the authorization request.
 *
 * @example
 * ```ts
 * const state = client.randomState()
 * ```
 * @see [RFC 6749 §10.12](https://www.rfc-editor.org/rfc/rfc6749.html#section-10.12)
 * @group Random values and PKCE
 */
export function randomState(): string {
  return oauth.generateRandomState()
}

/**
 * The S256 PKCE `code_challenge` of a `code_verifier`.
 *
 * @example
 * ```ts
 * const codeChallenge = await client.calculatePKCECodeChallenge(codeVerifier)
 * ```
 * @see [RFC 7636 §4.2](https://www.rfc-editor.org/rfc/rfc7636.html#section-4.2)
 * @group Random values and PKCE
 */
export function calculatePKCECodeChallenge(codeVerifier: string): Promise<string> {
  return oauth.calculatePKCECodeChallenge(codeVerifier)
}
