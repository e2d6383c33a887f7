// Decrypted responses: withDecryption() runs an operation with the Configuration's decryption
// and remembers the plaintext JWTs on its result for getDecryptedResponses().

import * as oauth from 'oauth4webapi'

import type { State } from './state.ts'

/**
 * JWTs decrypted during an authorization code grant, see `getDecryptedResponses`.
 *
 * @example
 * ```ts
 * const tokens = await client.authorizationCodeGrant(config, currentUrl, checks)
 * const decrypted = client.getDecryptedResponses(tokens)
 * if (typeof decrypted === 'object') console.log(decrypted.id_token?.token_endpoint)
 * ```
 * @see [OpenID Connect Core §16.14](https://openid.net/specs/openid-connect-core-1_0.html#SigningOrder)
 * @group Grants
 */
export interface DecryptedAuthorizationCodeResponses {
  /** The signed ID Tokens inside encrypted ones, by the endpoint that returned them. */
  readonly id_token?: {
    /** The signed ID Token from the token endpoint. */
    readonly token_endpoint?: string
    /** The signed ID Token from the authorization response (hybrid flow). */
    readonly authorization_endpoint?: string
  }
  /** The signed JARM response JWT inside the encrypted one. */
  readonly authorization_response?: string
}

declare const decryptedResponseType: unique symbol

/**
 * A result that `getDecryptedResponses` maps to `S`: the result type of the operations that can
 * decrypt a response, typed as in openid-client 6.9.
 *
 * @typeParam T The result without the marker.
 * @typeParam S What `getDecryptedResponses` returns for it (besides `undefined`).
 * @example
 * ```ts
 * const userinfo: client.WithDecryptedResponse<client.UserInfoResponse, string> =
 *   await client.fetchUserInfo(config, accessToken, sub)
 * const jws: string | undefined = client.getDecryptedResponses(userinfo)
 * ```
 * @see [OpenID Connect Core §16.14](https://openid.net/specs/openid-connect-core-1_0.html#SigningOrder)
 * @group Grants
 */
export type WithDecryptedResponse<T, S extends string | DecryptedAuthorizationCodeResponses> = T & {
  /** Type-level marker only: no such property exists at run time. */
  readonly [decryptedResponseType]: S
}

const decryptedResponses = new WeakMap<object, unknown>()

/** @internal Remembers the plaintext of a decrypted response for `getDecryptedResponses`. */
export function rememberDecrypted<T extends object>(result: T, plaintext: unknown): T {
  if (plaintext !== undefined) decryptedResponses.set(result, plaintext)
  return result
}

/** @internal */
export function recalledDecrypted(result: object): unknown {
  return decryptedResponses.get(result)
}

const NO_DECRYPTION: oauth.JWEDecryptOptions = Object.freeze({})

/**
 * @internal Runs `run` with the Configuration's response decryption (oauth4webapi's `jweDecrypt`
 * option) and a reader of the plaintext decrypted so far (for checks on the JWS inside), then
 * remembers the plaintext on the result, as `record(plaintext)`, for `getDecryptedResponses`.
 */
export async function withDecryption<T extends object>(
  state: Pick<State, 'decrypt'>,
  run: (options: oauth.JWEDecryptOptions, plaintext: () => string | undefined) => Promise<T>,
  record: (plaintext: string) => unknown = (plaintext) => plaintext,
): Promise<T> {
  const decrypt = state.decrypt
  if (decrypt === undefined) return run(NO_DECRYPTION, () => undefined)
  let plaintext: string | undefined
  const result = await run(
    { [oauth.jweDecrypt]: async (jwe: string) => (plaintext = await decrypt(jwe)) },
    () => plaintext,
  )
  return plaintext === undefined ? result : rememberDecrypted(result, record(plaintext))
}
