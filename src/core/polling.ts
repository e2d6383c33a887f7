// Polling the token endpoint for the device and CIBA grants: intervals, slow_down, Retry-After
// and the grant's expiry.

import * as oauth from 'oauth4webapi'

import { isResponse } from './brand.ts'
import { clientError, normalizeError } from './errors.ts'
import type { State } from './state.ts'
import { exchange, type TokenRequest, type TokenResponse } from './token-endpoint.ts'
import { MAX_TIMEOUT, timeoutSignal } from './deadline.ts'

/**
 * @internal Resolves after `seconds`, or rejects with `OAUTH_ABORT` (`OAUTH_TIMEOUT` for a
 * timeout signal) when `signal` aborts. Waits in steps of at most 5 s, so a huge `interval` or
 * `Retry-After` from a hostile server means a long wait, never a timer that overflows and fires
 * at once.
 */
function wait(seconds: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    let timer: ReturnType<typeof setTimeout> | undefined
    const onAbort = () => {
      clearTimeout(timer)
      reject(aborted(signal!))
    }
    const step = (remaining: number) => {
      if (signal?.aborted) {
        signal.removeEventListener('abort', onAbort)
        reject(aborted(signal))
        return
      }
      if (!(remaining > 0)) {
        signal?.removeEventListener('abort', onAbort)
        resolve()
        return
      }
      const next = Math.min(remaining, 5)
      timer = setTimeout(() => step(remaining - next), next * 1000)
    }
    signal?.addEventListener('abort', onAbort, { once: true })
    step(seconds)
  })
}

function aborted(signal: AbortSignal): Error {
  const reason: unknown = signal.reason
  const name = typeof reason === 'object' && reason !== null ? (reason as Error).name : undefined
  if (name === 'TimeoutError' || name === 'AbortError') {
    return normalizeError(reason)
  }
  return clientError('polling was aborted by its AbortSignal', 'OAUTH_ABORT', reason)
}

/** @internal Seconds a `Retry-After` header asks to wait (delta-seconds or HTTP date). */
function retryAfter(response: Response): number | undefined {
  const value = response.headers.get('retry-after')?.trim()
  if (!value) return undefined
  if (/^\d+$/.test(value)) return Number.parseInt(value, 10)
  const date = Date.parse(value)
  if (Number.isNaN(date)) return undefined
  return Math.max(0, Math.ceil((date - Date.now()) / 1000))
}

/**
 * @internal Polls a token endpoint grant (device, CIBA) until it yields tokens: waits
 * `interval` before each request, adds 5 s on `slow_down`, honours `Retry-After` (on 503 too).
 */
async function pollGrant<T>(
  initialInterval: number | undefined,
  signal: AbortSignal | undefined,
  attempt: (signal: AbortSignal | undefined) => Promise<T>,
): Promise<T> {
  let interval = typeof initialInterval === 'number' && initialInterval >= 0 ? initialInterval : 5
  let delay = interval
  for (;;) {
    await wait(delay, signal)
    delay = interval
    try {
      return await attempt(signal)
    } catch (err) {
      let requested: number | undefined
      if (
        err instanceof oauth.ResponseBodyError &&
        (err.error === 'slow_down' || err.error === 'authorization_pending')
      ) {
        if (err.error === 'slow_down') interval += 5
        requested = retryAfter(err.response) ?? 0
      } else {
        const response = (err as { cause?: unknown })?.cause
        if (isResponse(response) && response.status === 503) {
          requested = retryAfter(response)
        }
        if (requested === undefined) throw err
      }
      delay = Math.max(interval, requested)
    }
  }
}

/**
 * @internal Polls a token endpoint grant (device code, CIBA) with {@link pollGrant}, each
 * attempt a full {@link exchange}. Without a caller's signal, polling stops with
 * `OAUTH_TIMEOUT` when the grant's `expires_in` has passed, as in the reference.
 */
export function pollTokenEndpoint(
  state: State,
  grant: { interval?: number; expires_in?: number },
  options: { DPoP?: oauth.DPoPHandle; signal?: AbortSignal } | undefined,
  request: Pick<TokenRequest, 'grantType' | 'parameters' | 'processResponse'>,
): Promise<TokenResponse> {
  const signal =
    options?.signal ??
    (typeof grant.expires_in === 'number' && grant.expires_in > 0
      ? timeoutSignal(Math.min(grant.expires_in, MAX_TIMEOUT))
      : undefined)
  return pollGrant(grant.interval, signal, (signal) =>
    exchange(state, { ...request, DPoP: options?.DPoP, signal }),
  )
}
