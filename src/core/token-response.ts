import * as oauth from 'oauth4webapi'

import { clientError } from './errors.ts'
import { perform, type TransportOptions, transportWithSignal } from './http.ts'
import type { State } from './state.ts'

/**
 * A DPoP key pair bound to a Configuration; create it with `getDPoPHandle`.
 *
 * @example
 * ```ts
 * const DPoP: client.DPoPHandle = client.getDPoPHandle(config, await client.randomDPoPKeyPair())
 * ```
 * @see [RFC 9449 §4](https://www.rfc-editor.org/rfc/rfc9449.html#section-4)
 */
export interface DPoPHandle extends oauth.DPoPHandle {}

/**
 * The `DPoP` option of operations that can send DPoP proofs.
 *
 * @example
 * ```ts
 * const options: client.DPoPOptions = { DPoP: client.getDPoPHandle(config, keyPair) }
 * const tokens = await client.refreshTokenGrant(config, refreshToken, undefined, options)
 * ```
 * @see [RFC 9449 §5](https://www.rfc-editor.org/rfc/rfc9449.html#section-5)
 */
export interface DPoPOptions {
  /** Sender-constrains the request (and the tokens it returns) with this DPoP handle. */
  DPoP?: DPoPHandle
}

/**
 * Helpers on every token endpoint response.
 *
 * @example
 * ```ts
 * const tokens = await client.refreshTokenGrant(config, refreshToken)
 * const sub = tokens.claims()?.sub
 * const seconds = tokens.expiresIn()
 * ```
 * @see [RFC 6749 §5.1](https://www.rfc-editor.org/rfc/rfc6749.html#section-5.1)
 */
export interface TokenEndpointResponseHelpers {
  /** The validated claims of the response's ID Token, if it has one. */
  claims(): oauth.IDToken | undefined
  /** Seconds until the access token expires, from `expires_in` and the time it was received. */
  expiresIn(): number | undefined
}

/**
 * @internal A token endpoint response with its helpers. Inlined in the API docs: the public API
 * (like `openid-client`'s) names only its two parts.
 * @inline
 */
export type TokenResponse = oauth.TokenEndpointResponse & TokenEndpointResponseHelpers

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

const NO_DECRYPTION = Object.freeze({ options: Object.freeze({}), plaintext: () => undefined })

/** @internal Wraps the Configuration's decryption to keep the last plaintext it produced. */
export function captureDecryption(state: State): {
  options: oauth.JWEDecryptOptions
  plaintext(): string | undefined
} {
  const decrypt = state.decrypt
  if (decrypt === undefined) return NO_DECRYPTION
  let plaintext: string | undefined
  return {
    options: { [oauth.jweDecrypt]: async (jwe: string) => (plaintext = await decrypt(jwe)) },
    plaintext: () => plaintext,
  }
}

/**
 * @internal Rejects an ID Token issued in the future beyond the clock tolerance; oauth4webapi
 * checks only its type.
 */
export function checkIssuedAt(claims: { iat?: unknown } | undefined, client: oauth.Client): void {
  if (typeof claims?.iat !== 'number') return
  const now = Math.floor(Date.now() / 1000) + (client[oauth.clockSkew] ?? 0)
  const tolerance = client[oauth.clockTolerance] ?? 30
  if (claims.iat > now + tolerance) {
    throw clientError(
      `the ID Token "iat" (issued at) is ${claims.iat - now} s in the future, beyond the ${tolerance} s clock tolerance: check the local clock or set the [clockSkew] client metadata`,
      'OAUTH_JWT_TIMESTAMP_CHECK_FAILED',
      { claim: 'iat', iat: claims.iat, now, tolerance },
    )
  }
}

function addHelpers(response: oauth.TokenEndpointResponse): TokenResponse {
  const expiresAt =
    typeof response.expires_in === 'number' ? Date.now() + response.expires_in * 1000 : undefined
  return Object.defineProperties(response, {
    claims: {
      value: () => oauth.getValidatedIdTokenClaims(response),
    },
    expiresIn: {
      value: () =>
        expiresAt === undefined
          ? undefined
          : Math.max(0, Math.floor((expiresAt - Date.now()) / 1000)),
    },
  }) as TokenResponse
}

/** @internal Request options for a token endpoint operation. */
export type TokenRequestOptions = TransportOptions & { DPoP?: oauth.DPoPHandle }

/**
 * @internal One token endpoint exchange: request, process (with decryption), signature check
 * when non-repudiation is on, helpers; retried once on a DPoP nonce error.
 */
export async function exchange(
  state: State,
  dpop: oauth.DPoPHandle | undefined,
  request: (options: TokenRequestOptions) => Promise<Response>,
  processResponse: (
    response: Response,
    options: oauth.ProcessTokenResponseOptions,
  ) => Promise<oauth.TokenEndpointResponse>,
  after?: (result: oauth.TokenEndpointResponse) => void | Promise<void>,
  signal?: AbortSignal,
): Promise<TokenResponse> {
  return perform(dpop, async () => {
    const decryption = captureDecryption(state)
    const response = await request({ ...transportWithSignal(state, signal), DPoP: dpop })
    const result = await processResponse(response, decryption.options)
    if (result.id_token !== undefined) {
      checkIssuedAt(oauth.getValidatedIdTokenClaims(result), state.c)
      await state.nonRepudiation?.(response)
    }
    await after?.(result)
    return rememberDecrypted(addHelpers(result), decryption.plaintext())
  })
}
