// OpenID Connect Back-Channel Logout 1.0 for relying parties: validating the logout token the
// provider POSTs, and the HTTP response to give it.

import * as oauth from 'oauth4webapi'

import { isRequest } from '../core/callback.ts'
import type { Configuration } from '../core/configuration.ts'
import {
  argumentError,
  CLOCK_HINT,
  ClientError,
  clientError,
  normalizeError,
} from '../core/errors.ts'
import { nonRepudiationCheck } from '../core/response-signature.ts'
import { checkIssuedAt } from '../core/id-token.ts'
import { internal, type State } from '../core/state.ts'
import { MemoryReplayStore, type ReplayStore } from './store.ts'

/** The member of the `events` claim that makes a JWT a logout token. */
export const BACKCHANNEL_LOGOUT_EVENT = 'http://schemas.openid.net/event/backchannel-logout'

/**
 * The validated claims of a logout token.
 *
 * @example
 * ```ts
 * const claims: client.LogoutTokenClaims = await client.validateLogoutToken(config, request)
 * await store.markLoggedOut({ iss: claims.iss, sid: claims.sid, sub: claims.sub }, 3600)
 * ```
 * @see [OpenID Connect Back-Channel Logout 1.0 §2.4](https://openid.net/specs/openid-connect-backchannel-1_0.html#LogoutToken)
 */
export interface LogoutTokenClaims {
  /** The issuer. */
  readonly iss: string
  /** The audience, including this client's `client_id`. */
  readonly aud: string | string[]
  /** When the token was issued (epoch seconds). */
  readonly iat: number
  /** Absent only when {@link LogoutTokenValidationOptions.allowMissingExp} let it through. */
  readonly exp?: number
  /** The token's unique ID, recorded against replays. */
  readonly jti: string
  /** The events; its back-channel logout member is an object. */
  readonly events: oauth.JsonObject
  /** The user whose sessions ended; with no `sid`, every session of that user. */
  readonly sub?: string
  /** The session that ended. */
  readonly sid?: string
  readonly [claim: string]: oauth.JsonValue | undefined
}

/**
 * Options of {@link validateLogoutToken}. The interop options are off by default; turn one on
 * only for the provider that needs it.
 *
 * @example
 * ```ts
 * // Keycloak before 23 sends logout tokens without "exp"
 * await client.validateLogoutToken(config, request, { allowMissingExp: true, replayStore })
 * ```
 * @see [OpenID Connect Back-Channel Logout 1.0 §2.6](https://openid.net/specs/openid-connect-backchannel-1_0.html#Validation)
 */
export interface LogoutTokenValidationOptions {
  /**
   * Seconds a logout token is accepted after its `iat` (default 120), plus the clock tolerance.
   */
  maxAge?: number
  /**
   * Where the `jti` of accepted tokens is recorded to refuse replays. Default: one
   * {@link MemoryReplayStore} per Configuration, which serves one process only.
   */
  replayStore?: ReplayStore
  /**
   * Interop: accept a token without `exp`, bounded by `iat` + `maxAge` instead. Needed for Ory
   * Hydra 2.2, Keycloak before 23 and authentik before 2025.8.
   */
  allowMissingExp?: boolean
  /** Strict typing: require the header `typ` `logout+jwt` (absent and `JWT` are refused). */
  requireLogoutJwtType?: boolean
  /**
   * Require `sid` (default: the client metadata `backchannel_logout_session_required`).
   */
  requireSid?: boolean
  /** Aborts the JWKS fetch, when one is needed. */
  signal?: AbortSignal
}

/** The largest back-channel request body read, in bytes; logout tokens are a few kilobytes. */
export const MAX_LOGOUT_REQUEST_BYTES = 64 * 1024

const DEFAULT_MAX_AGE = 120
const defaultReplayStores = new WeakMap<State, ReplayStore>()

function invalid(message: string, cause?: unknown): ClientError {
  return clientError(`logout token: ${message}`, 'OAUTH_INVALID_RESPONSE', cause)
}

async function readLimited(request: Request): Promise<string> {
  const declared = Number(request.headers.get('content-length'))
  if (declared > MAX_LOGOUT_REQUEST_BYTES) throw tooLarge()
  if (request.body === null) return ''
  const reader = request.body.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    size += value.byteLength
    if (size > MAX_LOGOUT_REQUEST_BYTES) {
      await reader.cancel().catch(() => {})
      throw tooLarge()
    }
    chunks.push(value)
  }
  const body = new Uint8Array(size)
  let offset = 0
  for (const chunk of chunks) {
    body.set(chunk, offset)
    offset += chunk.byteLength
  }
  return new TextDecoder().decode(body)
}

function tooLarge(): ClientError {
  return clientError(
    `the back-channel logout request body is larger than ${MAX_LOGOUT_REQUEST_BYTES} bytes: a logout token is a few kilobytes, so this is not one`,
    'OAUTH_INVALID_REQUEST',
  )
}

/** The one `logout_token` of a back-channel logout request. */
async function logoutTokenOf(request: Request): Promise<string> {
  if (request.method !== 'POST') {
    throw clientError(
      `the back-channel logout request method is ${JSON.stringify(request.method)}: the provider must POST the logout token`,
      'OAUTH_INVALID_REQUEST',
      { method: request.method },
    )
  }
  const type = request.headers.get('content-type')?.split(';')[0]?.trim().toLowerCase()
  if (type !== 'application/x-www-form-urlencoded') {
    throw clientError(
      `the back-channel logout request has content type ${JSON.stringify(type ?? null)}: expected application/x-www-form-urlencoded`,
      'OAUTH_INVALID_REQUEST',
      { contentType: type },
    )
  }
  const tokens = new URLSearchParams(await readLimited(request)).getAll('logout_token')
  if (tokens.length !== 1 || tokens[0] === '') {
    throw clientError(
      `the back-channel logout request must have exactly one non-empty "logout_token" parameter, it has ${tokens.length}`,
      'OAUTH_INVALID_REQUEST',
      { count: tokens.length },
    )
  }
  return tokens[0]!
}

function decodeSegment(segment: string, part: 'header' | 'payload'): Record<string, unknown> {
  let value: unknown
  try {
    const base64 = segment.replace(/-/g, '+').replace(/_/g, '/')
    value = JSON.parse(
      new TextDecoder('utf-8', { fatal: true }).decode(
        Uint8Array.from(atob(base64), (ch) => ch.charCodeAt(0)),
      ),
    )
  } catch {
    throw invalid(`its ${part} is not base64url-encoded JSON`)
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalid(`its ${part} is not a JSON object`)
  }
  return value as Record<string, unknown>
}

/** The signed logout token: the token itself, or the JWS inside it when it is a JWE. */
async function signedToken(state: State, token: string): Promise<string> {
  const parts = token.split('.').length
  const registered = state.c.id_token_encrypted_response_alg
  if (parts === 5) {
    if (state.decrypt === undefined) {
      throw clientError(
        'logout token: it is encrypted (JWE) but this Configuration decrypts nothing: call enableDecryptingResponses() with the key registered for ID Token encryption, or refuse the provider',
        'OAUTH_DECRYPTION_FAILED',
      )
    }
    const jws = await state.decrypt(token)
    if (jws.split('.').length !== 3) throw invalid('the encrypted token does not hold a JWS')
    return jws
  }
  if (parts !== 3) throw invalid(`it is not a compact JWS (${parts} parts instead of 3)`)
  if (typeof registered === 'string') {
    throw clientError(
      `logout token: it is not encrypted, but the client registered "id_token_encrypted_response_alg" ${JSON.stringify(registered)}, so the provider must encrypt it`,
      'OAUTH_DECRYPTION_FAILED',
      { id_token_encrypted_response_alg: registered },
    )
  }
  return token
}

/** `JWT`, `application/jwt`, `logout+jwt` → the media type without `application/`, lower case. */
function normalizeType(typ: string): string {
  const lower = typ.toLowerCase()
  return lower.startsWith('application/') ? lower.slice('application/'.length) : lower
}

/** The JWS `alg` values accepted: the registered one, the server's, or RS256. */
function expectedAlgorithms(state: State): string[] {
  const registered = state.c.id_token_signed_response_alg
  if (typeof registered === 'string') return [registered]
  const supported = state.as.id_token_signing_alg_values_supported
  return Array.isArray(supported) && supported.length !== 0 ? supported : ['RS256']
}

function checkHeader(
  state: State,
  header: Record<string, unknown>,
  options: LogoutTokenValidationOptions | undefined,
): string[] {
  const { alg, typ } = header
  if (typeof alg !== 'string' || alg.toLowerCase() === 'none') {
    throw invalid(
      `its "alg" is ${JSON.stringify(alg ?? null)}: an unsigned logout token is never accepted`,
      { alg },
    )
  }
  const algorithms = expectedAlgorithms(state)
  if (!algorithms.includes(alg)) {
    throw invalid(
      `it is signed with "alg" ${JSON.stringify(alg)}, expected ${algorithms.join(' or ')} (from id_token_signed_response_alg, else the server's id_token_signing_alg_values_supported, else RS256)`,
      { alg, expected: algorithms },
    )
  }
  if (typ !== undefined) {
    const type = typeof typ === 'string' ? normalizeType(typ) : undefined
    if (type !== 'logout+jwt' && type !== 'jwt') {
      throw invalid(
        `its header "typ" is ${JSON.stringify(typ)}: a logout token is typed logout+jwt (or JWT), so this is another kind of token`,
        { typ },
      )
    }
  }
  if (
    options?.requireLogoutJwtType &&
    (typeof typ !== 'string' || normalizeType(typ) !== 'logout+jwt')
  ) {
    throw invalid(
      `its header "typ" is ${JSON.stringify(typ ?? null)}, and requireLogoutJwtType asks for "logout+jwt": turn the option off for a provider that does not type its logout tokens`,
      { typ },
    )
  }
  return algorithms
}

function expectedIssuer(state: State, claims: Record<string, unknown>): string {
  const hook = (oauth as unknown as { _expectedIssuer: symbol })._expectedIssuer
  const derive = (state.as as unknown as Record<symbol, unknown>)[hook]
  return typeof derive === 'function'
    ? (derive as (result: { claims: unknown }) => string)({ claims })
    : state.as.issuer
}

function checkClaims(
  state: State,
  claims: Record<string, unknown>,
  options: LogoutTokenValidationOptions | undefined,
  maxAge: number,
): void {
  const issuer = expectedIssuer(state, claims)
  if (claims.iss !== issuer) {
    throw clientError(
      `logout token: its "iss" ${JSON.stringify(claims.iss ?? null)} is not the issuer ${JSON.stringify(issuer)}: the token was not issued by the configured issuer`,
      'OAUTH_JWT_CLAIM_COMPARISON_FAILED',
      { claim: 'iss', expected: issuer, actual: claims.iss },
    )
  }
  const clientId = state.c.client_id
  const { aud } = claims
  if (!(aud === clientId || (Array.isArray(aud) && aud.includes(clientId)))) {
    throw clientError(
      `logout token: its "aud" ${JSON.stringify(aud ?? null)} does not contain the client_id ${JSON.stringify(clientId)}: the token was not issued to this client`,
      'OAUTH_JWT_CLAIM_COMPARISON_FAILED',
      { claim: 'aud', expected: clientId, actual: aud },
    )
  }
  if (typeof claims.iat !== 'number' || !Number.isFinite(claims.iat)) {
    throw invalid('its "iat" (issued at) is missing or not a number', { claim: 'iat' })
  }
  const now = Math.floor(Date.now() / 1000) + (state.c[oauth.clockSkew] ?? 0)
  const tolerance = state.c[oauth.clockTolerance] ?? 30
  if (now - claims.iat > maxAge + tolerance) {
    throw clientError(
      `logout token: it was issued ${now - claims.iat} s ago, more than maxAge ${maxAge} s plus the ${tolerance} s clock tolerance: ${CLOCK_HINT}, or raise maxAge`,
      'OAUTH_JWT_TIMESTAMP_CHECK_FAILED',
      { claim: 'iat', iat: claims.iat, now, maxAge, tolerance },
    )
  }
  checkIssuedAt(claims, state.c, 'logout token')
  if (claims.exp === undefined) {
    if (!options?.allowMissingExp) {
      throw invalid(
        'it has no "exp" (expiration time): pass allowMissingExp: true only for a provider known to omit it (Ory Hydra 2.2, Keycloak before 23, authentik before 2025.8, Glewlwyd 2.7)',
        { claim: 'exp' },
      )
    }
  } else if (typeof claims.exp !== 'number' || !Number.isFinite(claims.exp)) {
    throw invalid('its "exp" (expiration time) is not a number', { claim: 'exp' })
  } else if (claims.exp <= now - tolerance) {
    throw clientError(
      `logout token: it expired ${now - claims.exp} s ago, beyond the ${tolerance} s clock tolerance: ${CLOCK_HINT}`,
      'OAUTH_JWT_TIMESTAMP_CHECK_FAILED',
      { claim: 'exp', exp: claims.exp, now, tolerance },
    )
  }
  if (typeof claims.jti !== 'string' || claims.jti === '') {
    throw invalid('its "jti" (JWT ID) is missing or not a string, so replays cannot be detected', {
      claim: 'jti',
    })
  }
  const { events } = claims
  const event =
    typeof events === 'object' && events !== null && !Array.isArray(events)
      ? (events as Record<string, unknown>)[BACKCHANNEL_LOGOUT_EVENT]
      : undefined
  if (typeof event !== 'object' || event === null || Array.isArray(event)) {
    throw invalid(
      `its "events" claim has no "${BACKCHANNEL_LOGOUT_EVENT}" object member: this is not a logout token`,
      { claim: 'events' },
    )
  }
  for (const claim of ['sub', 'sid'] as const) {
    if (
      claims[claim] !== undefined &&
      (typeof claims[claim] !== 'string' || claims[claim] === '')
    ) {
      throw invalid(`its "${claim}" is not a non-empty string`, { claim })
    }
  }
  if (claims.sub === undefined && claims.sid === undefined) {
    throw invalid('it has neither "sub" nor "sid", so it names no session to end', {
      claim: 'sid',
    })
  }
  const requireSid = options?.requireSid ?? state.c.backchannel_logout_session_required === true
  if (requireSid && claims.sid === undefined) {
    throw invalid(
      'it has no "sid", which the client requires (backchannel_logout_session_required): the provider must name the session',
      { claim: 'sid' },
    )
  }
  if (claims.nonce !== undefined) {
    throw invalid(
      'it has a "nonce", which a logout token never has: this is probably an ID Token',
      {
        claim: 'nonce',
      },
    )
  }
}

/**
 * The signature, with the ID Token's key selection and JWKS cache (oauth4webapi's, on this
 * Configuration's server metadata). oauth4webapi verifies application-level signatures only of
 * responses it has processed, so the token is processed as a JWT UserInfo response first; that
 * processing insists on `sub`, which a session-only logout token lacks, after it has registered
 * the JWT, so that one refusal is expected and anything else is not.
 */
async function checkSignature(
  state: State,
  jws: string,
  algorithms: string[],
  hasSubject: boolean,
  signal: AbortSignal | undefined,
): Promise<void> {
  const response = new Response(jws, { headers: { 'content-type': 'application/jwt' } })
  const client = { ...state.c, userinfo_signed_response_alg: algorithms as unknown as string }
  try {
    await oauth.processUserInfoResponse(state.as, client, oauth.skipSubjectCheck, response)
  } catch (err) {
    const missingSubject =
      !hasSubject &&
      err instanceof oauth.OperationProcessingError &&
      err.code === oauth.INVALID_RESPONSE &&
      err.message.includes('"sub"')
    if (!missingSubject) throw err
  }
  await nonRepudiationCheck(state)(response, signal)
}

function checkOptions(options: LogoutTokenValidationOptions | undefined): number {
  if (options === undefined) return DEFAULT_MAX_AGE
  if (typeof options !== 'object' || options === null) {
    throw argumentError('"options" must be an object')
  }
  const maxAge = options.maxAge ?? DEFAULT_MAX_AGE
  if (typeof maxAge !== 'number' || !Number.isFinite(maxAge) || maxAge <= 0) {
    throw argumentError(
      '"options.maxAge" must be a positive number of seconds',
      'ERR_INVALID_ARG_VALUE',
    )
  }
  const store = options.replayStore
  if (store !== undefined && typeof store?.remember !== 'function') {
    throw argumentError('"options.replayStore" must have a remember(key, expiresAt) method')
  }
  return maxAge
}

function replayStoreOf(
  state: State,
  options: LogoutTokenValidationOptions | undefined,
): ReplayStore {
  if (options?.replayStore !== undefined) return options.replayStore
  let store = defaultReplayStores.get(state)
  if (store === undefined) defaultReplayStores.set(state, (store = new MemoryReplayStore()))
  return store
}

/**
 * The cause of an oauth4webapi refusal without the signed bytes it carries (a failed signature
 * keeps the token's header and payload as `data`, and its `signature`).
 */
function withoutTokenBytes(cause: unknown): unknown {
  if (typeof cause !== 'object' || cause === null || !('data' in cause || 'signature' in cause)) {
    return cause
  }
  const { data: _data, signature: _signature, ...rest } = cause as Record<string, unknown>
  return rest
}

/**
 * Validates a back-channel logout token and returns its claims: the signature against the
 * issuer's JWKS (with the ID Token's algorithm and key selection; `none` is refused), decryption
 * when the client registered ID Token encryption, `iss`, `aud`, `iat` (at most `maxAge` old),
 * `exp`, `jti` (refused when seen before, see {@link ReplayStore}), the back-channel logout
 * event, `sub`/`sid`, no `nonce`, and the header `typ` (`logout+jwt`, `JWT` or absent).
 * Answer the provider with {@link backchannelLogoutResponse}.
 *
 * @param input The provider's POST request (`application/x-www-form-urlencoded`, one
 *   `logout_token`), or the logout token itself.
 * @example
 * ```ts
 * async function POST(request: Request): Promise<Response> {
 *   try {
 *     const claims = await client.validateLogoutToken(config, request)
 *     await store.markLoggedOut({ iss: claims.iss, sid: claims.sid, sub: claims.sub }, 86400)
 *     return client.backchannelLogoutResponse()
 *   } catch (err) {
 *     return client.backchannelLogoutResponse(err)
 *   }
 * }
 * ```
 * @see [OpenID Connect Back-Channel Logout 1.0 §2.6](https://openid.net/specs/openid-connect-backchannel-1_0.html#Validation)
 */
export async function validateLogoutToken(
  config: Configuration,
  input: Request | string,
  options?: LogoutTokenValidationOptions,
): Promise<LogoutTokenClaims> {
  const state = internal(config)
  const maxAge = checkOptions(options)
  if (typeof input !== 'string' && !isRequest(input)) {
    throw argumentError('"input" must be a Request or the logout token string')
  }
  try {
    const token = typeof input === 'string' ? input : await logoutTokenOf(input)
    if (token.length > MAX_LOGOUT_REQUEST_BYTES) throw tooLarge()
    const jws = await signedToken(state, token)
    const [headerSegment, payloadSegment] = jws.split('.') as [string, string, string]
    const header = decodeSegment(headerSegment, 'header')
    const claims = decodeSegment(payloadSegment, 'payload')
    const algorithms = checkHeader(state, header, options)
    checkClaims(state, claims, options, maxAge)
    await checkSignature(state, jws, algorithms, claims.sub !== undefined, options?.signal)
    const expiresAt = (claims.exp as number | undefined) ?? (claims.iat as number) + maxAge
    const tolerance = state.c[oauth.clockTolerance] ?? 30
    const fresh = await replayStoreOf(state, options).remember(
      JSON.stringify([claims.iss, claims.jti]),
      expiresAt + tolerance,
    )
    if (!fresh) {
      throw clientError(
        'logout token: its "jti" was seen before: this is a replayed token',
        'OAUTH_JWT_CLAIM_COMPARISON_FAILED',
        { claim: 'jti' },
      )
    }
    return claims as unknown as LogoutTokenClaims
  } catch (err) {
    const normalized = normalizeError(err)
    if (normalized instanceof ClientError && !normalized.message.startsWith('logout token')) {
      throw new ClientError(`logout token: ${normalized.message}`, {
        code: normalized.code,
        cause: withoutTokenBytes(normalized.cause),
      })
    }
    throw normalized
  }
}

/**
 * The response to a back-channel logout request: 200 when `error` is undefined, otherwise 400
 * `{"error":"invalid_request"}` (nothing about the failed check, which would help an attacker;
 * log `error` yourself). Both carry `Cache-Control: no-store`.
 *
 * @example
 * ```ts
 * const response = await client
 *   .validateLogoutToken(config, request)
 *   .then(() => client.backchannelLogoutResponse(), (err) => client.backchannelLogoutResponse(err))
 * ```
 * @see [OpenID Connect Back-Channel Logout 1.0 §2.8](https://openid.net/specs/openid-connect-backchannel-1_0.html#BCResponse)
 */
export function backchannelLogoutResponse(error?: unknown): Response {
  if (error === undefined) {
    return new Response(null, { status: 200, headers: { 'cache-control': 'no-store' } })
  }
  return new Response('{"error":"invalid_request"}', {
    status: 400,
    headers: { 'cache-control': 'no-store', 'content-type': 'application/json' },
  })
}
