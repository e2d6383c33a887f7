import * as oauth from 'oauth4webapi'

import { argumentError, clientError, normalizeError } from './errors.ts'
import type { State } from './state.ts'
import { VERSION } from './version.ts'

const isBrowser =
  typeof navigator !== 'undefined' && navigator.userAgent?.startsWith?.('Mozilla/5.0 ') === true

/** @internal The `user-agent` request header, absent in browsers (they set their own). */
export const userAgentHeaders: Record<string, string> | undefined = isBrowser
  ? undefined
  : { 'user-agent': `openid-rp/${VERSION}` }

/** @internal Default request timeout in seconds, as in the reference. */
export const DEFAULT_TIMEOUT = 30

/** @internal The transport settings of one Configuration, in oauth4webapi's option shape. */
export interface TransportOptions {
  [oauth.customFetch]?: State['fetch']
  [oauth.allowInsecureRequests]?: boolean
  headers?: Record<string, string>
  signal?: (url: string) => AbortSignal
}

/**
 * @internal Options for one oauth4webapi request; the timeout signal is created only when a
 * request is actually made, and also aborts with the caller's `signal` when one is given.
 */
export function transport(
  state: Pick<State, 'fetch' | 'tlsOnly' | 'timeout'>,
  signal?: AbortSignal,
): TransportOptions {
  const timeout = state.timeout
  return {
    [oauth.customFetch]: state.fetch as TransportOptions[typeof oauth.customFetch],
    [oauth.allowInsecureRequests]: !state.tlsOnly,
    headers: userAgentHeaders,
    signal: timeout
      ? () =>
          signal ? AbortSignal.any([signal, timeoutSignal(timeout)!]) : timeoutSignal(timeout)!
      : signal && (() => signal),
  }
}

/** The largest timeout a timer can hold, in seconds (2^31 - 1 ms). */
export const MAX_TIMEOUT = 2_147_483

/**
 * @internal Checks a timeout in seconds: a finite number from 0 (no timeout) to about 24 days;
 * `undefined` and `null` mean no timeout.
 */
export function checkTimeout(value: unknown): number | undefined {
  if (value === undefined || value === null) return undefined
  if (typeof value !== 'number' || !(value >= 0) || value > MAX_TIMEOUT) {
    throw argumentError(
      `"timeout" must be a number of seconds from 0 (no timeout) to ${MAX_TIMEOUT}`,
      'ERR_INVALID_ARG_VALUE',
    )
  }
  return value
}

/** @internal A fresh AbortSignal for one request, or none when the timeout is 0 or unset. */
export function timeoutSignal(seconds: number | undefined): AbortSignal | undefined {
  return seconds ? AbortSignal.timeout(Math.ceil(seconds * 1000)) : undefined
}

/**
 * @internal Runs one protocol operation; when a DPoP handle is in use and the server asks for a
 * fresh nonce, runs it once more (the handle has learned the nonce by then).
 */
export async function perform<T>(
  dpop: oauth.DPoPHandle | undefined,
  operation: () => Promise<T>,
): Promise<T> {
  try {
    return await operation()
  } catch (err) {
    if (dpop !== undefined && oauth.isDPoPNonceError(err)) {
      try {
        return await operation()
      } catch (retryErr) {
        throw normalizeError(retryErr)
      }
    }
    throw normalizeError(err)
  }
}

/** @internal Whether a response body is a JWT (`application/jwt`, `application/*+jwt`). */
export function isJwtResponse(response: Response): boolean {
  return /^application\/(?:[^;]+\+)?jwt\s*(?:;|$)/i.test(response.headers.get('content-type') ?? '')
}

/** @internal GETs a JSON object (e.g. the issuer's JWKS) with the Configuration's transport. */
export async function fetchJsonObject(
  state: Pick<State, 'fetch' | 'tlsOnly' | 'timeout'>,
  url: URL,
): Promise<Record<string, unknown>> {
  oauth.checkProtocol(url, state.tlsOnly)
  const timeout = state.timeout
  const response = await (state.fetch ?? fetch)(url.href, {
    body: undefined,
    headers: { accept: 'application/json', ...userAgentHeaders },
    method: 'GET',
    redirect: 'manual',
    signal: timeoutSignal(timeout),
  })
  if (response.status !== 200) {
    throw clientError(
      `${url.href} answered HTTP ${response.status}, expected 200`,
      'OAUTH_RESPONSE_IS_NOT_CONFORM',
      response,
    )
  }
  let body: unknown
  try {
    body = await response.json()
  } catch (cause) {
    throw clientError(`${url.href} did not answer with JSON`, 'OAUTH_PARSE_ERROR', cause)
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw clientError(`${url.href} did not answer with a JSON object`, 'OAUTH_INVALID_RESPONSE')
  }
  return body as Record<string, unknown>
}

/** @internal Options for a response whose JWT signature is checked against the issuer JWKS. */
export function signatureOptions(state: State): oauth.ValidateSignatureOptions {
  return {
    ...transport(state),
    [oauth.jwksCache]: state.jwksCache,
  } as oauth.ValidateSignatureOptions
}
