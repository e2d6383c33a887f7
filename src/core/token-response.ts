import * as oauth from 'oauth4webapi'

import { clientError } from './errors.ts'
import { perform, type TransportOptions, transportWithSignal } from './http.ts'
import type { State } from './state.ts'

/** A DPoP key pair bound to a Configuration; create it with `getDPoPHandle`. */
export interface DPoPHandle extends oauth.DPoPHandle {}

/** The `DPoP` option of operations that can send DPoP proofs. */
export interface DPoPOptions {
  /** Sender-constrains the request (and the tokens it returns) with this DPoP handle. */
  DPoP?: DPoPHandle
}

/** Helpers on every token endpoint response. */
export interface TokenEndpointResponseHelpers {
  /** The validated claims of the response's ID Token, if it has one. */
  claims(): oauth.IDToken | undefined
  /** Seconds until the access token expires, from `expires_in` and the time it was received. */
  expiresIn(): number | undefined
}

/** @internal A token endpoint response with its helpers. */
export type TokenResponse = oauth.TokenEndpointResponse & TokenEndpointResponseHelpers

/** JWTs decrypted during an authorization code grant, see `getDecryptedResponses`. */
export interface DecryptedAuthorizationCodeResponses {
  readonly id_token?: {
    readonly token_endpoint?: string
    readonly authorization_endpoint?: string
  }
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

/** @internal Wraps the Configuration's decryption to keep the last plaintext it produced. */
export function captureDecryption(state: State): {
  options: oauth.JWEDecryptOptions
  plaintext(): string | undefined
} {
  const decrypt = state.decrypt
  let plaintext: string | undefined
  return {
    options: decrypt
      ? { [oauth.jweDecrypt]: async (jwe: string) => (plaintext = await decrypt(jwe)) }
      : {},
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
    if (result.id_token !== undefined)
      checkIssuedAt(oauth.getValidatedIdTokenClaims(result), state.c)
    if (result.id_token !== undefined) await state.nonRepudiation?.(response)
    await after?.(result)
    return rememberDecrypted(addHelpers(result), decryption.plaintext())
  })
}
