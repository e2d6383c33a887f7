// The FAPI 2.0 Security Profile and its Message Signing additions as one-call Configuration
// helpers: every request the profile forbids is refused before it is sent.
import * as oauth from 'oauth4webapi'

import type { Configuration, EndpointAwareClientAuth } from '../core/configuration.ts'
import { argumentError, clientError } from '../core/errors.ts'
import { protectedHeader } from '../core/explicit-typing.ts'
import { jwsPayload } from '../core/id-token.ts'
import { nonRepudiationCheck } from '../core/response-signature.ts'
import { internal, type SecurityProfile, type State } from '../core/state.ts'

/**
 * Options of {@link useFAPI2SecurityProfile}.
 *
 * @example
 * ```ts
 * const options: client.FAPI2SecurityProfileOptions = { senderConstraint: 'mtls' }
 * ```
 * @see [FAPI 2.0 Security Profile §5.3.2](https://openid.net/specs/fapi-security-profile-2_0-final.html#section-5.3.2)
 */
export interface FAPI2SecurityProfileOptions {
  /**
   * How access tokens are sender-constrained: `dpop` (default; every token request needs a
   * `DPoP` option and a `DPoP` token type comes back) or `mtls` (RFC 8705: the server must
   * advertise certificate-bound access tokens; the TLS client certificate is the `customFetch`'s).
   */
  senderConstraint?: 'dpop' | 'mtls'
  /**
   * With `mtls`: the base64url SHA-256 thumbprint of the client certificate; a JWT access token
   * must then be bound to exactly it (`cnf["x5t#S256"]`).
   */
  certificateThumbprint?: string
}

/** Signing algorithms FAPI 2.0 allows (§5.4); `Ed25519` is EdDSA's fully-specified name. */
const ALGORITHMS = ['PS256', 'ES256', 'EdDSA', 'Ed25519']
const TLS_CLIENT_AUTH = ['tls_client_auth', 'self_signed_tls_client_auth']
const CLAUSE = 'FAPI 2.0 Security Profile'
const MAX_RECORDED = 1000

function profileError(message: string): TypeError {
  return argumentError(message, 'ERR_INVALID_ARG_VALUE')
}

async function s256(verifier: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))
  return btoa(String.fromCharCode(...new Uint8Array(digest)))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '')
}

/** The rules of one Configuration's profile; `messageSigning` is turned on by the second helper. */
class FAPI2Profile implements SecurityProfile {
  messageSigning = false
  readonly #sender: 'dpop' | 'mtls'
  readonly #thumbprint: string | undefined
  /** `max_age` of recent authorization requests by PKCE challenge, oldest first. */
  readonly #maxAges = new Map<string, number>()

  constructor(options: FAPI2SecurityProfileOptions) {
    this.#sender = options.senderConstraint ?? 'dpop'
    this.#thumbprint = options.certificateThumbprint
  }

  authorizationRequest(state: State, params: URLSearchParams, via: 'url' | 'jar' | 'par'): void {
    if (via === 'url') {
      const onlyPushed = [...params.keys()].every((k) => k === 'client_id' || k === 'request_uri')
      if (params.has('request_uri') && onlyPushed) return
      throw clientError(
        `the ${CLAUSE} requires pushed authorization requests (§5.3.2): use buildAuthorizationUrlWithPAR(); nothing was built`,
        'OAUTH_UNSUPPORTED_OPERATION',
        { rule: 'par' },
      )
    }
    let request: Record<string, unknown> | URLSearchParams = params
    if (via === 'par' && params.has('request')) {
      const jws = params.get('request')!
      // A JWE was checked when buildAuthorizationUrlWithJAR() signed it.
      if (jws.split('.').length !== 3) return
      request = jwsPayload(jws) ?? {}
    } else if (via === 'par' && this.messageSigning) {
      throw clientError(
        'FAPI 2.0 Message Signing requires signed request objects: push the parameters of buildAuthorizationUrlWithJAR(); nothing was sent',
        'OAUTH_UNSUPPORTED_OPERATION',
        { rule: 'jar' },
      )
    }
    const get = (name: string): unknown =>
      request instanceof URLSearchParams ? (request.get(name) ?? undefined) : request[name]
    if (get('response_type') !== 'code') {
      throw clientError(
        `the ${CLAUSE} allows the authorization code flow only (§5.3.2): "response_type" is ${JSON.stringify(get('response_type'))}, it must be "code"; nothing was sent`,
        'OAUTH_UNSUPPORTED_OPERATION',
        { rule: 'response_type', response_type: get('response_type') },
      )
    }
    const challenge = get('code_challenge')
    if (
      typeof challenge !== 'string' ||
      challenge === '' ||
      get('code_challenge_method') !== 'S256'
    ) {
      throw clientError(
        `the ${CLAUSE} requires PKCE with S256 (§5.3.2): send "code_challenge" from calculatePKCECodeChallenge() and "code_challenge_method" "S256"; nothing was sent`,
        'OAUTH_UNSUPPORTED_OPERATION',
        { rule: 'pkce', code_challenge_method: get('code_challenge_method') },
      )
    }
    if (this.messageSigning && state.responseMode !== 'jwt') {
      throw clientError(
        'FAPI 2.0 Message Signing requires JWT-secured authorization responses (JARM): apply useJwtResponseMode() too; nothing was sent',
        'OAUTH_UNSUPPORTED_OPERATION',
        { rule: 'jarm' },
      )
    }
    const maxAge = Number(get('max_age'))
    if (get('max_age') !== undefined && Number.isInteger(maxAge) && maxAge >= 0) {
      this.#maxAges.delete(challenge)
      this.#maxAges.set(challenge, maxAge)
      if (this.#maxAges.size > MAX_RECORDED) {
        this.#maxAges.delete(this.#maxAges.keys().next().value!)
      }
    }
  }

  authorizationResponse(state: State, params: URLSearchParams): void {
    if (this.messageSigning && state.responseMode !== 'jwt') {
      throw clientError(
        'FAPI 2.0 Message Signing requires a JWT-secured authorization response (JARM): apply useJwtResponseMode(); the code was not sent',
        'OAUTH_UNSUPPORTED_OPERATION',
        { rule: 'jarm' },
      )
    }
    if (!params.has('iss')) {
      throw clientError(
        `the authorization response has no "iss" parameter, which the ${CLAUSE} requires (§5.3.2, RFC 9207): it may come from another authorization server (mix-up); the code was not sent`,
        'OAUTH_INVALID_RESPONSE',
        { parameter: 'iss', rule: 'iss' },
      )
    }
  }

  tokenRequest(state: State, grantType: string, parameters: URLSearchParams, dpop: boolean): void {
    if (this.#sender === 'dpop' && !dpop) {
      throw profileError(
        `the ${CLAUSE} with senderConstraint "dpop" requires sender-constrained tokens (§5.3.2): pass { DPoP: getDPoPHandle(config, keyPair) } as options; nothing was sent`,
      )
    }
    if (this.#sender === 'mtls' && state.as.tls_client_certificate_bound_access_tokens !== true) {
      throw clientError(
        `the ${CLAUSE} with senderConstraint "mtls" requires certificate-bound access tokens, but the server metadata does not advertise "tls_client_certificate_bound_access_tokens": nothing was sent`,
        'OAUTH_INVALID_SERVER_METADATA',
        { attribute: 'tls_client_certificate_bound_access_tokens', rule: 'mtls' },
      )
    }
    if (grantType === 'authorization_code' && !parameters.has('code_verifier')) {
      throw profileError(
        `the ${CLAUSE} requires PKCE (§5.3.2): pass the code verifier as "pkceCodeVerifier"; nothing was sent`,
      )
    }
  }

  tokenResponse(_state: State, result: oauth.TokenEndpointResponse, dpop: boolean): void {
    if (dpop && result.token_type.toLowerCase() !== 'dpop') {
      throw clientError(
        `a DPoP proof was sent, but the token endpoint returned a "${result.token_type}" access token, which is not sender-constrained as the ${CLAUSE} requires (§5.3.2, RFC 9449 §5)`,
        'OAUTH_INVALID_RESPONSE',
        { attribute: 'token_type', token_type: result.token_type, rule: 'dpop' },
      )
    }
    if (this.#sender !== 'mtls') return
    const claims = jwsPayload(result.access_token)
    if (claims === undefined) return
    const cnf = claims.cnf as Record<string, unknown> | undefined
    const bound = typeof cnf === 'object' && cnf !== null ? cnf['x5t#S256'] : undefined
    if (
      typeof bound !== 'string' ||
      (this.#thumbprint !== undefined && bound !== this.#thumbprint)
    ) {
      throw clientError(
        typeof bound !== 'string'
          ? `the JWT access token has no "cnf" "x5t#S256" certificate binding, which the ${CLAUSE} with senderConstraint "mtls" requires (§5.3.2, RFC 8705 §3)`
          : `the JWT access token is bound to another certificate ("cnf" "x5t#S256" ${JSON.stringify(bound)}) than this client's (RFC 8705 §3)`,
        'OAUTH_INVALID_RESPONSE',
        { claim: 'cnf', rule: 'mtls' },
      )
    }
  }

  jwt(jws: string, kind: string): void {
    const alg = protectedHeader(jws)?.alg
    if (typeof alg === 'string' && ALGORITHMS.includes(alg)) return
    const message = `the ${kind} is signed with ${JSON.stringify(alg)}, but the ${CLAUSE} allows PS256, ES256 and EdDSA only (§5.4)`
    if (kind === 'request object') {
      throw profileError(`${message}: sign with such a key; nothing was sent`)
    }
    throw clientError(message, 'OAUTH_INVALID_RESPONSE', { header: 'alg', alg, rule: 'alg' })
  }

  signingKey(key: CryptoKey, purpose: string): void {
    const algorithm = key.algorithm as {
      name: string
      namedCurve?: string
      hash?: { name: string }
    }
    const allowed =
      (algorithm.name === 'ECDSA' && algorithm.namedCurve === 'P-256') ||
      (algorithm.name === 'RSA-PSS' && algorithm.hash?.name === 'SHA-256') ||
      algorithm.name === 'Ed25519'
    if (!allowed) {
      throw profileError(
        `the ${purpose} key is ${algorithm.name}${algorithm.namedCurve ? ` ${algorithm.namedCurve}` : ''}${algorithm.hash ? ` ${algorithm.hash.name}` : ''}, but the ${CLAUSE} allows PS256, ES256 and EdDSA only (§5.4): use randomDPoPKeyPair('ES256')`,
      )
    }
  }

  introspectionRequest(state: State): void {
    if (this.messageSigning && state.c.introspection_signed_response_alg === undefined) {
      throw profileError(
        'FAPI 2.0 Message Signing requires signed introspection responses: register "introspection_signed_response_alg" in the client metadata; nothing was sent',
      )
    }
  }

  async maxAge(codeVerifier: string): Promise<number | undefined> {
    if (this.#maxAges.size === 0) return undefined
    const challenge = await s256(codeVerifier)
    const maxAge = this.#maxAges.get(challenge)
    this.#maxAges.delete(challenge)
    return maxAge
  }
}

/**
 * Client authentication limited to what FAPI 2.0 allows: `private_key_jwt` with an allowed
 * algorithm, or mTLS (`tls_client_auth`, `self_signed_tls_client_auth` registered). Runs the
 * Configuration's own method, then inspects what it added before anything is sent.
 */
function fapiClientAuth(state: State, auth: EndpointAwareClientAuth): EndpointAwareClientAuth {
  return async (as, client, body, headers, endpoint) => {
    await auth(as, client, body, headers, endpoint)
    const assertion = body.get('client_assertion')
    const secret = body.has('client_secret') || /^basic /i.test(headers.get('authorization') ?? '')
    const alg = assertion === null ? undefined : protectedHeader(assertion)?.alg
    const allowed =
      assertion !== null
        ? typeof alg === 'string' && ALGORITHMS.includes(alg)
        : !secret && TLS_CLIENT_AUTH.includes(String(state.c.token_endpoint_auth_method))
    if (!allowed || secret) {
      throw profileError(
        `the ${CLAUSE} allows private_key_jwt (PS256, ES256, EdDSA) and mTLS client authentication only (§5.3.2)${assertion !== null ? `, not a client assertion signed with ${JSON.stringify(alg)}` : secret ? ', not a client secret' : ': for mTLS register "token_endpoint_auth_method" tls_client_auth'}; nothing was sent`,
      )
    }
  }
}

function isOptions(value: unknown): value is FAPI2SecurityProfileOptions {
  if (typeof value !== 'object' || value === null) return false
  try {
    internal(value)
    return false
  } catch {
    return true
  }
}

function checkOptions(
  options: FAPI2SecurityProfileOptions | undefined,
): FAPI2SecurityProfileOptions {
  const given = options ?? {}
  if (typeof given !== 'object' || given === null) {
    throw argumentError('"options" must be an object such as { senderConstraint: "dpop" }')
  }
  if (given.senderConstraint !== undefined && !['dpop', 'mtls'].includes(given.senderConstraint)) {
    throw profileError('"options.senderConstraint" must be "dpop" or "mtls"')
  }
  if (
    given.certificateThumbprint !== undefined &&
    typeof given.certificateThumbprint !== 'string'
  ) {
    throw argumentError('"options.certificateThumbprint" must be a base64url string')
  }
  return { ...given }
}

function applyProfile(config: Configuration, options: FAPI2SecurityProfileOptions): void {
  const state = internal(config)
  if (state.responseType !== undefined) {
    throw profileError(
      `the ${CLAUSE} allows the authorization code flow only (§5.3.2): do not combine it with useCodeIdTokenResponseType() or useIdTokenResponseType()`,
    )
  }
  if (state.profile instanceof FAPI2Profile) {
    throw profileError('useFAPI2SecurityProfile() was already applied to this Configuration')
  }
  state.nonRepudiation ??= nonRepudiationCheck(state)
  ;(state as { auth: EndpointAwareClientAuth }).auth = fapiClientAuth(state, state.auth)
  state.profile = new FAPI2Profile(options)
}

/**
 * Turns a Configuration into a FAPI 2.0 Security Profile client: refuses, before sending, what
 * the profile forbids. Authorization requests are pushed (PAR) with PKCE S256 and
 * `response_type=code`; responses must carry RFC 9207 `iss`; tokens are sender-constrained
 * (DPoP: a `DPoP` option on every token request and a `DPoP` token type back; mTLS: the server
 * must advertise certificate-bound tokens and a JWT access token must carry `cnf["x5t#S256"]`);
 * ID Token signatures are verified (as `enableNonRepudiationChecks` does); JWTs are PS256, ES256
 * or EdDSA; client authentication is `private_key_jwt` or mTLS; a `max_age` pushed with a PKCE
 * challenge is checked against `auth_time` when the grant is given that verifier (pass `maxAge`
 * yourself when the grant runs in another process).
 *
 * Call it with the Configuration, or with the options alone to get a function for
 * `discovery(…, { execute: [...] })` (which calls each function with the Configuration only;
 * there, the function itself uses DPoP).
 *
 * @example
 * ```ts
 * const config = await client.discovery(issuer, 'client-id', undefined,
 *   client.PrivateKeyJwt(signingKey), {
 *     execute: [client.useFAPI2SecurityProfile({ senderConstraint: 'dpop' })],
 *   })
 * const DPoP = client.getDPoPHandle(config, await client.randomDPoPKeyPair('ES256'))
 * ```
 * @see [FAPI 2.0 Security Profile §5](https://openid.net/specs/fapi-security-profile-2_0-final.html#section-5)
 */
export function useFAPI2SecurityProfile(
  config: Configuration,
  options?: FAPI2SecurityProfileOptions,
): void
export function useFAPI2SecurityProfile(
  options: FAPI2SecurityProfileOptions,
): (config: Configuration) => void
export function useFAPI2SecurityProfile(
  configOrOptions: Configuration | FAPI2SecurityProfileOptions,
  options?: FAPI2SecurityProfileOptions,
): void | ((config: Configuration) => void) {
  if (isOptions(configOrOptions)) {
    const checked = checkOptions(configOrOptions)
    return (config: Configuration) => applyProfile(config, checked)
  }
  applyProfile(configOrOptions, checkOptions(options))
}

/**
 * Adds the FAPI 2.0 Message Signing requirements to a Configuration that already has
 * {@link useFAPI2SecurityProfile} and `useJwtResponseMode`: pushed parameters must be a signed
 * request object (from `buildAuthorizationUrlWithJAR`), authorization responses must be JARM,
 * and introspection responses must be signed (`introspection_signed_response_alg` registered).
 *
 * @example
 * ```ts
 * const config = await client.discovery(issuer, 'client-id', {
 *   introspection_signed_response_alg: 'ES256',
 * }, client.PrivateKeyJwt(signingKey), {
 *   execute: [client.useJwtResponseMode, client.useFAPI2SecurityProfile, client.useFAPI2MessageSigning],
 * })
 * ```
 * @see [FAPI 2.0 Message Signing §5](https://openid.net/specs/fapi-message-signing-2_0.html#section-5)
 */
export function useFAPI2MessageSigning(config: Configuration): void {
  const state = internal(config)
  if (!(state.profile instanceof FAPI2Profile)) {
    throw profileError(
      'useFAPI2MessageSigning() adds to the FAPI 2.0 Security Profile: apply useFAPI2SecurityProfile() first',
    )
  }
  if (state.responseMode !== 'jwt') {
    throw profileError(
      'FAPI 2.0 Message Signing requires JWT-secured authorization responses (JARM): apply useJwtResponseMode() first',
    )
  }
  state.profile.messageSigning = true
}
