import * as oauth from 'oauth4webapi'

import { clientError } from './errors.ts'
import { Deadline } from './deadline.ts'
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

/** @internal The transport settings of one Configuration, in oauth4webapi's option shape. */
export interface TransportOptions {
  [oauth.customFetch]?: State['fetch']
  [oauth.allowInsecureRequests]?: boolean
  headers?: Record<string, string>
  signal?: () => AbortSignal
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
