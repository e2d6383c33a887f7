// The token endpoint: exchange() sends one grant's request and processes the response (decryption,
// ID Token checks, non-repudiation, DPoP nonce retry), and the helpers every token response has.

import * as oauth from 'oauth4webapi'

import { recalledDecrypted, withDecryption } from './decrypted.ts'
import { withStrictExpiresIn } from './expires-in.ts'
import { checkIdToken } from './id-token.ts'
import { formRequest } from './request.ts'
import type { State } from './state.ts'
import { perform } from './deadline.ts'
import { serverEndpoint } from './endpoint.ts'
import { dpopProofs } from './dpop.ts'

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
 * @group Grants
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

/** @internal One token endpoint request: what to send and how to process the response. */
export interface TokenRequest {
  /** The `grant_type` value. */
  grantType: string
  /** The grant's parameters; `grant_type` is set on them. */
  parameters: URLSearchParams
  /** oauth4webapi's processing of this grant's response. */
  processResponse: (
    response: Response,
    options: oauth.ProcessTokenResponseOptions,
  ) => Promise<oauth.TokenEndpointResponse>
  /** Sender-constrains the request with this handle. */
  DPoP?: oauth.DPoPHandle | undefined
  /** A further check of the processed response (the hybrid flow's front-channel comparison). */
  after?: ((result: oauth.TokenEndpointResponse) => void | Promise<void>) | undefined
  /** The caller's signal, besides the Configuration's timeout. */
  signal?: AbortSignal | undefined
}

/** Grants that send the Configuration's default `resource` (RFC 8707 §2.2). */
const RESOURCE_GRANTS = new Set(['authorization_code', 'refresh_token', 'client_credentials'])

/**
 * @internal One token endpoint exchange: request, process (with decryption), signature check
 * when non-repudiation is on, helpers; retried once on a DPoP nonce error.
 */
export async function exchange(state: State, request: TokenRequest): Promise<TokenResponse> {
  const { DPoP: dpop, processResponse, after, signal } = request
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
      let response!: Response
      const result = await withDecryption(state, async (decryption) => {
        response = await formRequest(state, url, body, proofs, deadline, 'application/json')
        return withStrictExpiresIn(state, response, 'token endpoint', (response) =>
          processResponse(response, decryption),
        )
      })
      if (result.id_token !== undefined) {
        const jws = (recalledDecrypted(result) as string | undefined) ?? result.id_token
        checkIdToken(oauth.getValidatedIdTokenClaims(result), state.c, jws)
        state.profile?.jwt(jws, 'ID Token')
        if (state.nonRepudiation !== undefined) await state.nonRepudiation(response, signal)
      }
      state.profile?.tokenResponse(state, result, proofs !== undefined)
      if (after !== undefined) await after(result)
      return addHelpers(result)
    },
    signal,
  )
}
