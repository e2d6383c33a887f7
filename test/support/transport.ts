/**
 * Helpers for tests that answer through `[customFetch]` instead of a server: canned JSON
 * responses, a transport that never answers, and error assertions.
 */
import assert from 'node:assert/strict'
import { inspect } from 'node:util'

/** A JSON response, `content-type: application/json` plus the given headers. */
export const json = (body: unknown, status = 200, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json', ...headers },
  })

/**
 * A response that never comes: rejects with the signal's reason once the request is aborted. A
 * referenced fallback timer keeps the event loop alive (Node's timeout signals do not) and fails
 * the request if no abort ever comes.
 */
export function neverAnswered(signal: AbortSignal | null | undefined): Promise<Response> {
  return new Promise<Response>((_resolve, reject) => {
    const fallback = setTimeout(() => reject(new Error('the request was never aborted')), 5000)
    const abort = () => {
      clearTimeout(fallback)
      reject(signal!.reason)
    }
    if (!signal) return
    if (signal.aborted) abort()
    else signal.addEventListener('abort', abort, { once: true })
  })
}

/** The error `run` throws or rejects with; fails when it does not. */
export async function caught(run: () => unknown): Promise<any> {
  try {
    await run()
  } catch (err) {
    return err
  }
  assert.fail('expected an error, none was thrown')
}

/** Asserts `err` is an argument TypeError carrying the Node.js-style `code`, when one is given. */
export function assertArgumentError(
  err: unknown,
  code?: 'ERR_INVALID_ARG_TYPE' | 'ERR_INVALID_ARG_VALUE',
): void {
  assert.ok(err instanceof TypeError, inspect(err))
  if (code !== undefined) assert.equal((err as TypeError & { code?: unknown }).code, code)
}
