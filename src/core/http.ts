// HTTP as the library speaks it: the public customFetch types, request header records, and
// send(), the one function every request goes through, with getJson() on top of it.

import { argumentError, clientError } from './errors.ts'
import type { Deadline } from './deadline.ts'
import { VERSION } from './version.ts'

/**
 * What the library passes to a {@link CustomFetch}.
 *
 * @example
 * ```ts
 * config[client.customFetch] = (url: string, options: client.CustomFetchOptions) => {
 *   console.log(options.method, url, options.headers['content-type'])
 *   return fetch(url, options as RequestInit)
 * }
 * ```
 * @group Configuration
 */
export interface CustomFetchOptions {
  /** The request body. */
  body: FetchBody
  /** `half` when the body is a stream. */
  duplex?: 'half'
  /** The request headers. */
  headers: Record<string, string>
  /** The HTTP method. */
  method: string
  /** Always `manual`: redirects are never followed. */
  redirect: 'manual'
  /** Aborts the request on timeout or when the caller aborts. */
  signal?: AbortSignal
}

/**
 * A `fetch` replacement, see `customFetch`.
 *
 * @example
 * ```ts
 * const logging: client.CustomFetch = (url, options) => {
 *   console.log(options.method, url)
 *   return fetch(url, options as RequestInit)
 * }
 * ```
 * @group Configuration
 */
export type CustomFetch = (url: string, options: CustomFetchOptions) => Promise<Response>

/**
 * A request body the library may send.
 *
 * @example
 * ```ts
 * const body: client.FetchBody = JSON.stringify({ amount: 10 })
 * await client.fetchProtectedResource(config, accessToken, url, 'POST', body)
 * ```
 * @group Configuration
 */
export type FetchBody =
  ArrayBuffer | null | ReadableStream | string | Uint8Array | undefined | URLSearchParams

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/

/** A header name as `Headers` accepts it (an HTTP token), lower-cased. */
function headerName(name: string): string {
  const text = String(name)
  if (!TOKEN.test(text)) {
    throw argumentError(
      `${JSON.stringify(text)} is not a valid header name`,
      'ERR_INVALID_ARG_VALUE',
    )
  }
  return text.toLowerCase()
}

/** A header value as `Headers` accepts it: no CR, LF or NUL, so nothing can be smuggled in. */
export function headerValue(value: unknown): string {
  const text = String(value)
  if (/[\0\r\n]/.test(text)) {
    throw argumentError(
      'header values must not contain CR, LF or NUL characters',
      'ERR_INVALID_ARG_VALUE',
    )
  }
  return text
}

/**
 * @internal The request headers of one request as a record with the `Headers` methods a client
 * authentication function or a DPoP handle uses (names are case-insensitive), handed to `fetch`
 * as it is. Only own properties count, so a header named like an `Object.prototype` member
 * (`constructor`, `__proto__`) is an ordinary header. (A prototype-less record would do the same,
 * but copying one into the plain object `fetch` expects costs more than the rest of the headers.)
 */
export class RequestHeaders {
  readonly record: Record<string, string>

  constructor(init: Record<string, string>) {
    this.record = init
  }

  get(name: string): string | null {
    const key = name.toLowerCase()
    return Object.hasOwn(this.record, key) ? this.record[key]! : null
  }

  has(name: string): boolean {
    return Object.hasOwn(this.record, name.toLowerCase())
  }

  set(name: string, value: string): void {
    Object.defineProperty(this.record, headerName(name), {
      value: headerValue(value),
      enumerable: true,
      writable: true,
      configurable: true,
    })
  }

  append(name: string, value: string): void {
    const current = this.get(name)
    this.set(name, current === null ? value : `${current}, ${value}`)
  }

  delete(name: string): void {
    delete this.record[name.toLowerCase()]
  }

  forEach(callback: (value: string, name: string) => void): void {
    for (const [name, value] of Object.entries(this.record)) callback(value, name)
  }

  keys(): IterableIterator<string> {
    return Object.keys(this.record)[Symbol.iterator]()
  }

  values(): IterableIterator<string> {
    return Object.values(this.record)[Symbol.iterator]()
  }

  entries(): IterableIterator<[string, string]> {
    return Object.entries(this.record)[Symbol.iterator]()
  }

  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.entries()
  }
}

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

/** @internal Whether a response body is a JWT (`application/jwt`, `application/*+jwt`). */
export function isJwtResponse(response: Response): boolean {
  return /^application\/(?:[^;]+\+)?jwt\s*(?:;|$)/i.test(response.headers.get('content-type') ?? '')
}

/**
 * @internal Sends one request: the only place the library calls `fetch` (the Configuration's
 * `customFetch` when set). Redirects are never followed (`redirect: 'manual'`).
 */
export function send(
  client: { fetch?: CustomFetch },
  url: URL | string,
  options: CustomFetchOptions,
): Promise<Response> {
  const href = typeof url === 'string' ? url : url.href
  const custom = client.fetch
  return custom !== undefined ? custom(href, options) : fetch(href, options as RequestInit)
}

/**
 * @internal GETs a JSON object (a JWKS, a metadata document) through {@link send} within
 * `deadline`: anything but a 200 answer with a JSON object rejects with a `ClientError`.
 */
export async function getJson(
  client: { fetch?: CustomFetch },
  url: URL,
  deadline: Deadline,
): Promise<Record<string, unknown>> {
  const response = await send(client, url, {
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
