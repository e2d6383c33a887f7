// Requests of one Configuration: client-authenticated form POSTs, Bearer/DPoP GETs, and the
// options that route oauth4webapi's own requests (JWKS included) through send().

import * as oauth from 'oauth4webapi'

import type { EndpointAwareClientAuth } from './configuration.ts'
import { Deadline } from './deadline.ts'
import type { DPoPProofs } from './dpop.ts'
import {
  baseHeaders,
  type CustomFetch,
  getJson,
  headerValue,
  RequestHeaders,
  send,
  userAgentHeaders,
} from './http.ts'
import type { State } from './state.ts'

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
  return sendWithProof(state, url, 'POST', headers, form, dpop, deadline)
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
  return sendWithProof(state, url, 'GET', headers, undefined, dpop, deadline)
}

/** Sends one request and lets the DPoP handle learn the nonce its response carries. */
async function sendWithProof(
  state: Pick<State, 'fetch'>,
  url: URL,
  method: 'GET' | 'POST',
  headers: RequestHeaders,
  body: URLSearchParams | undefined,
  dpop: DPoPProofs | undefined,
  deadline: Deadline,
): Promise<Response> {
  const response = await send(state, url, {
    body,
    headers: headers.record,
    method,
    redirect: 'manual',
    signal: deadline.signal,
  })
  dpop?.cacheNonce(response, url)
  return response
}

/** @internal The transport settings of one Configuration, in oauth4webapi's option shape. */
export interface TransportOptions {
  [oauth.customFetch]: CustomFetch
  [oauth.allowInsecureRequests]?: boolean
  headers?: Record<string, string>
  signal?: (() => AbortSignal) | AbortSignal
}

/** One `customFetch` per Configuration state, so oauth4webapi sees the same function each time. */
const senders = new WeakMap<object, CustomFetch>()

/**
 * @internal Options for one oauth4webapi request (its JWKS fetches included), limited by
 * `deadline`: oauth4webapi builds the request and processes the response, {@link send} sends it.
 */
export function transport(
  state: Pick<State, 'fetch' | 'tlsOnly'>,
  deadline: Deadline | undefined,
): TransportOptions {
  let sender = senders.get(state)
  if (sender === undefined) {
    sender = (url, options) => send(state, url, options)
    senders.set(state, sender)
  }
  return {
    [oauth.customFetch]: sender,
    [oauth.allowInsecureRequests]: !state.tlsOnly,
    headers: userAgentHeaders,
    signal: deadline?.limited ? () => deadline.signal! : undefined,
  }
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

/**
 * @internal GETs a JSON object with a transport's settings (its HTTPS rule and timeout) through
 * {@link getJson}, within a Deadline of its own; errors are left as they are.
 */
export async function fetchJsonObject(
  state: { fetch?: CustomFetch; tlsOnly: boolean; timeout?: number | undefined },
  url: URL,
): Promise<Record<string, unknown>> {
  oauth.checkProtocol(url, state.tlsOnly)
  const deadline = new Deadline(state.timeout)
  try {
    return await getJson(state, url, deadline)
  } finally {
    deadline.release()
  }
}
