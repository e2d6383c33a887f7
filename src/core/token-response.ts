import * as oauth from 'oauth4webapi'

import { captureDecryption, rememberDecrypted } from './decrypted.ts'
import { perform } from './http.ts'
import { withStrictExpiresIn } from './expires-in.ts'
import { checkIdToken } from './id-token.ts'
import { dpopProofs, formRequest, serverEndpoint } from './request.ts'
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

function addHelpers(response: oauth.TokenEndpointResponse): TokenResponse {
  const expiresAt =
    typeof response.expires_in === 'number' ? Date.now() + response.expires_in * 1000 : undefined
  Object.defineProperty(response, 'claims', {
    value: () => oauth.getValidatedIdTokenClaims(response),
  })
  Object.defineProperty(response, 'expiresIn', {
    value: () =>
      expiresAt === undefined
        ? undefined
        : Math.max(0, Math.floor((expiresAt - Date.now()) / 1000)),
  })
  return response as TokenResponse
}

/** @internal A token endpoint request: the grant type and its parameters. */
export interface TokenRequest {
  grantType: string
  parameters: URLSearchParams
}

/** Grants that send the Configuration's default `resource` (RFC 8707 §2.2). */
const RESOURCE_GRANTS = new Set(['authorization_code', 'refresh_token', 'client_credentials'])

/**
 * @internal One token endpoint exchange: request, process (with decryption), signature check
 * when non-repudiation is on, helpers; retried once on a DPoP nonce error.
 */
export async function exchange(
  state: State,
  dpop: oauth.DPoPHandle | undefined,
  request: TokenRequest,
  processResponse: (
    response: Response,
    options: oauth.ProcessTokenResponseOptions,
  ) => Promise<oauth.TokenEndpointResponse>,
  after?: (result: oauth.TokenEndpointResponse) => void | Promise<void>,
  signal?: AbortSignal,
): Promise<TokenResponse> {
  const proofs = dpopProofs(dpop)
  const url = serverEndpoint(state, 'token_endpoint')
  const body = request.parameters
  body.set('grant_type', request.grantType)
  if (
    state.resource !== undefined &&
    !body.has('resource') &&
    RESOURCE_GRANTS.has(request.grantType)
  ) {
    body.set('resource', state.resource)
  }
  state.profile?.tokenRequest(state, request.grantType, body, proofs !== undefined)
  return perform(
    state,
    dpop,
    async (deadline) => {
      const decryption = captureDecryption(state)
      const response = await formRequest(state, url, body, proofs, deadline, 'application/json')
      const result = await withStrictExpiresIn(state, response, 'token endpoint', (response) =>
        processResponse(response, decryption.options),
      )
      if (result.id_token !== undefined) {
        const jws = decryption.plaintext() ?? result.id_token
        checkIdToken(oauth.getValidatedIdTokenClaims(result), state.c, jws)
        state.profile?.jwt(jws, 'ID Token')
        if (state.nonRepudiation !== undefined) await state.nonRepudiation(response, signal)
      }
      state.profile?.tokenResponse(state, result, proofs !== undefined)
      if (after !== undefined) await after(result)
      return rememberDecrypted(addHelpers(result), decryption.plaintext())
    },
    signal,
  )
}
