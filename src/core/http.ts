import * as oauth from 'oauth4webapi'

import { argumentError, clientError, normalizeError } from './errors.ts'
import type { State } from './state.ts'
import { VERSION } from './version.ts'

const isBrowser =
  typeof navigator !== 'undefined' && navigator.userAgent?.startsWith?.('Mozilla/5.0 ') === true

const USER_AGENT = isBrowser ? undefined : `openid-rp/${VERSION}`

/** @internal The `user-agent` request header, absent in browsers (they set their own). */
export const userAgentHeaders: Record<string, string> | undefined =
  USER_AGENT === undefined ? undefined : { 'user-agent': USER_AGENT }

/**
 * @internal Fresh request headers: `user-agent` (outside browsers) and `accept` when given.
 * Built as a literal: spreading a shared record costs more than the rest of the headers.
 */
export function baseHeaders(accept?: string): Record<string, string> {
  const headers: Record<string, string> =
    USER_AGENT === undefined ? {} : { 'user-agent': USER_AGENT }
  if (accept !== undefined) headers.accept = accept
  return headers
}

/** @internal Default request timeout in seconds, as in the reference. */
export const DEFAULT_TIMEOUT = 30

/** @internal The transport settings of one Configuration, in oauth4webapi's option shape. */
export interface TransportOptions {
  [oauth.customFetch]?: State['fetch']
  [oauth.allowInsecureRequests]?: boolean
  headers?: Record<string, string>
  signal?: () => AbortSignal
}

/**
 * @internal The time limit of one request: its `signal` aborts with a `TimeoutError` once the
 * Configuration's timeout has passed, or with the caller's signal. The timer starts when the
 * signal is first read (so nothing is armed when no request is made) and `release()` clears it
 * once the response has been read. One plain timer instead of `AbortSignal.timeout()`, whose
 * weak-reference bookkeeping costs about 16 µs a request in Node 20 and leaves its timer pending
 * for the whole timeout.
 */
export class Deadline {
  readonly #ms: number
  readonly #caller: AbortSignal | undefined
  #controller: AbortController | undefined
  #timer: ReturnType<typeof setTimeout> | undefined
  #forward: (() => void) | undefined

  constructor(seconds: number | undefined, caller?: AbortSignal) {
    this.#ms = seconds ? Math.ceil(seconds * 1000) : 0
    this.#caller = caller
  }

  /** Whether the operation has a limit at all. */
  get limited(): boolean {
    return this.#ms !== 0 || this.#caller !== undefined
  }

  /** The signal to pass to `fetch`, or none when there is no limit. */
  get signal(): AbortSignal | undefined {
    if (this.#ms === 0) return this.#caller
    if (this.#controller === undefined) {
      const controller = (this.#controller = new AbortController())
      const timer = setTimeout(() => controller.abort(timeoutReason()), this.#ms)
      ;(timer as { unref?: () => void }).unref?.()
      this.#timer = timer
      const caller = this.#caller
      if (caller?.aborted) {
        controller.abort(caller.reason)
      } else if (caller !== undefined) {
        this.#forward = () => controller.abort(caller.reason)
        caller.addEventListener('abort', this.#forward, { once: true })
      }
    }
    return this.#controller.signal
  }

  /** Clears the timer and stops following the caller's signal. */
  release(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer)
    if (this.#forward !== undefined) this.#caller!.removeEventListener('abort', this.#forward)
  }
}

/** @internal Options for one oauth4webapi request limited by `deadline`. */
export function transport(
  state: Pick<State, 'fetch' | 'tlsOnly'>,
  deadline: Deadline,
): TransportOptions {
  return {
    [oauth.customFetch]: state.fetch as TransportOptions[typeof oauth.customFetch],
    [oauth.allowInsecureRequests]: !state.tlsOnly,
    headers: userAgentHeaders,
    signal: deadline.limited ? () => deadline.signal! : undefined,
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

const timeoutReason = () =>
  new DOMException('The operation was aborted due to timeout', 'TimeoutError')

/**
 * @internal Runs one protocol operation within a fresh {@link Deadline}, released when it
 * settles; when a DPoP handle is in use and the server asks for a fresh nonce, runs it once more
 * (the handle has learned the nonce by then).
 */
export async function perform<T>(
  state: Pick<State, 'timeout'>,
  dpop: oauth.DPoPHandle | undefined,
  operation: (deadline: Deadline) => Promise<T>,
  signal?: AbortSignal,
): Promise<T> {
  let deadline = new Deadline(state.timeout, signal)
  try {
    return await operation(deadline)
  } catch (err) {
    if (dpop === undefined || !oauth.isDPoPNonceError(err)) throw normalizeError(err)
    deadline.release()
    deadline = new Deadline(state.timeout, signal)
    try {
      return await operation(deadline)
    } catch (retryErr) {
      throw normalizeError(retryErr)
    }
  } finally {
    deadline.release()
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
  const deadline = new Deadline(state.timeout)
  try {
    return await getJsonObject(state, url, deadline)
  } finally {
    deadline.release()
  }
}

async function getJsonObject(
  state: Pick<State, 'fetch'>,
  url: URL,
  deadline: Deadline,
): Promise<Record<string, unknown>> {
  const response = await (state.fetch ?? fetch)(url.href, {
    body: undefined,
    headers: baseHeaders('application/json'),
    method: 'GET',
    redirect: 'manual',
    signal: deadline.signal,
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

/**
 * @internal Options for a response whose JWT signature is checked against the issuer JWKS,
 * fetched (when not cached) within `deadline`.
 */
export function signatureOptions(state: State, deadline: Deadline): oauth.ValidateSignatureOptions {
  return {
    ...transport(state, deadline),
    [oauth.jwksCache]: state.jwksCache,
  } as oauth.ValidateSignatureOptions
}
