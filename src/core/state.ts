// The state behind every Configuration, kept in a WeakMap, with the slots that opt-in features
// fill (decryption, non-repudiation, response modes); imports only types.

import type * as oauth from 'oauth4webapi'

import { argumentError } from './errors.ts'
import type { Deadline } from './deadline.ts'
import type { CustomFetch } from './http.ts'

/** Checks applied to an authorization response before its code is exchanged. */
export interface AuthResponseChecks {
  expectedNonce?: string
  expectedState?: string | typeof oauth.skipStateCheck
  maxAge?: number
}

/** Validates an authorization response; filled by the response-mode/type features. */
export type AuthResponseValidator = (
  state: State,
  currentUrl: URL | Request,
  checks: AuthResponseChecks,
  deadline: Deadline,
) => Promise<URLSearchParams>

/**
 * A security profile's checks (FAPI 2.0), each called before the step it guards sends anything;
 * filled by `useFAPI2SecurityProfile`. Each throws to refuse.
 */
export interface SecurityProfile {
  /** An authorization request about to be built: `url` (front channel), `jar` (signed), `par`. */
  authorizationRequest(state: State, params: URLSearchParams, via: 'url' | 'jar' | 'par'): void
  /** A validated authorization response, before its code is sent. */
  authorizationResponse(state: State, params: URLSearchParams): void
  /** A token request about to be sent; `dpop` tells whether a proof is attached. */
  tokenRequest(state: State, grantType: string, parameters: URLSearchParams, dpop: boolean): void
  /** A processed token response, before it is returned. */
  tokenResponse(state: State, result: oauth.TokenEndpointResponse, dpop: boolean): void
  /** A JWT the library signed or validated (its protected header is checked): `kind` names it. */
  jwt(jws: string, kind: string): void
  /** A key the library is given to sign with (DPoP proofs). */
  signingKey(key: CryptoKey, purpose: string): void
  /** An introspection request about to be sent. */
  introspectionRequest(state: State): void
  /** The `max_age` an authorization request with this PKCE challenge carried, if recorded. */
  maxAge(codeVerifier: string): Promise<number | undefined>
}

/** Everything a Configuration holds; reachable only through {@link internal}. */
export interface State {
  readonly as: oauth.AuthorizationServer
  readonly c: oauth.Client
  readonly auth: oauth.ClientAuth
  fetch?: CustomFetch
  timeout?: number
  tlsOnly: boolean
  jwksCache: oauth.JWKSCacheInput
  /**
   * Checks a response's JWT signature against the issuer JWKS, fetched (when not cached) within
   * its own request timeout and the caller's `signal`.
   */
  nonRepudiation?: (response: Response, signal?: AbortSignal) => Promise<void>
  /** Signed UserInfo may lack `iss`/`aud` (LemonLDAP::NG 2.16), see docs/providers.md. */
  userInfoWithoutIssuerAndAudience?: true
  decrypt?: oauth.JweDecryptFunction
  /** Gathers the JWTs decrypted during one authorization code grant, see `getDecryptedResponses`. */
  combineDecrypted?: (authResponse: URLSearchParams, result: object) => void
  responseMode?: 'jwt'
  responseType?: 'code id_token' | 'id_token'
  authResponse?: AuthResponseValidator
  /** Cross-checks the token endpoint response against the front-channel one (hybrid flow). */
  frontChannel?: (authResponse: URLSearchParams, tokens: oauth.TokenEndpointResponse) => void
  /**
   * The RFC 8707 `resource` sent by default in authorization, PAR, code, refresh and client
   * credentials requests (set by `discoverProtectedResource`).
   */
  resource?: string
  /** The security profile in force (`useFAPI2SecurityProfile`). */
  profile?: SecurityProfile
  /** `expires_in` may be a string of digits (`allowStringExpiresIn`). */
  stringExpiresIn?: boolean
  /** Encrypts a signed request object (`openid-rp/jar-encryption`). */
  encryptRequestObject?: (state: State, requestObject: string) => Promise<string>
}

const states = new WeakMap<object, State>()

/** @internal */
export function setInternal(config: object, state: State): void {
  states.set(config, state)
}

/** @internal The state behind a Configuration; a TypeError for anything else. */
export function internal(config: unknown): State {
  const state = typeof config === 'object' && config !== null ? states.get(config) : undefined
  if (state === undefined) {
    throw argumentError('"config" must be an instance of Configuration')
  }
  return state
}
