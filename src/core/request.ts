import { argumentError } from './errors.ts'
import type { DPoPProofs } from './dpop.ts'
import { baseHeaders } from './http.ts'
import type { EndpointAwareClientAuth } from './configuration.ts'
import type { State } from './state.ts'
import type { Deadline } from './deadline.ts'

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
function headerValue(value: unknown): string {
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

/**
 * @internal POSTs a form to a client-authenticated endpoint (token, introspection, revocation,
 * device and backchannel authorization): the `accept` header (none when `null`), the DPoP proof
 * when a handle is given, then the client authentication; learns the DPoP nonce the response
 * carries.
 */
export async function formRequest(
  state: State,
  url: URL,
  body: URLSearchParams,
  dpop: DPoPProofs | undefined,
  deadline: Deadline,
  accept: string | null,
): Promise<Response> {
  const headers = new RequestHeaders(baseHeaders(accept ?? undefined))
  if (dpop !== undefined) await dpop.addProof(url, headers, 'POST')
  // Client authentication writes into the body (client_id, client_assertion): each attempt, a
  // DPoP nonce retry or another poll, starts from the parameters as given.
  const form = new URLSearchParams(body)
  const authenticating = (state.auth as EndpointAwareClientAuth)(
    state.as,
    state.c,
    form,
    headers as unknown as Headers,
    url,
  )
  if (authenticating !== undefined) await authenticating
  headers.record['content-type'] = 'application/x-www-form-urlencoded;charset=UTF-8'
  return send(state, url, 'POST', headers, form, dpop, deadline)
}

/**
 * @internal GETs a resource with an access token (`Bearer`, or `DPoP` with a proof bound to it);
 * learns the DPoP nonce the response carries.
 */
export async function bearerGet(
  state: Pick<State, 'fetch'>,
  url: URL,
  accessToken: string,
  accept: string,
  dpop: DPoPProofs | undefined,
  deadline: Deadline,
): Promise<Response> {
  const token = headerValue(accessToken)
  const headers = new RequestHeaders(baseHeaders(accept))
  if (dpop !== undefined) await dpop.addProof(url, headers, 'GET', token)
  headers.record.authorization = `${dpop !== undefined ? 'DPoP' : 'Bearer'} ${token}`
  return send(state, url, 'GET', headers, undefined, dpop, deadline)
}

/** Sends one request as oauth4webapi would (no redirects followed) and learns its DPoP nonce. */
async function send(
  state: Pick<State, 'fetch'>,
  url: URL,
  method: 'GET' | 'POST',
  headers: RequestHeaders,
  body: URLSearchParams | undefined,
  dpop: DPoPProofs | undefined,
  deadline: Deadline,
): Promise<Response> {
  const response = await (state.fetch ?? fetch)(url.href, {
    body,
    headers: headers.record,
    method,
    redirect: 'manual',
    signal: deadline.signal,
  })
  dpop?.cacheNonce(response, url)
  return response
}
