// Time limits: the Deadline of one request, the timeout constants and checks, and perform(),
// which runs one protocol operation within a fresh Deadline (once more on a DPoP nonce error).

import * as oauth from 'oauth4webapi'

import { argumentError, normalizeError } from './errors.ts'

/** @internal Default request timeout in seconds, as in the reference. */
export const DEFAULT_TIMEOUT = 30

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
  state: { timeout?: number },
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
