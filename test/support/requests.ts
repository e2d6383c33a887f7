/**
 * The fake server metadata, fake transports and assertions the request tests share: each records
 * the requests an operation sends, as a custom fetch sees them.
 */
import assert from 'node:assert/strict'
import { inspect } from 'node:util'

import type {
  ClientAuth,
  Configuration,
  CustomFetch,
  CustomFetchOptions,
  ServerMetadata,
} from 'openid-client'

import { type Client } from './implementations.ts'
import { neverAnswered } from './transport.ts'

export const issuer = 'https://op.example'
export const metadata: ServerMetadata = {
  issuer,
  authorization_endpoint: `${issuer}/auth`,
  token_endpoint: `${issuer}/token`,
  userinfo_endpoint: `${issuer}/me`,
  introspection_endpoint: `${issuer}/introspect`,
  revocation_endpoint: `${issuer}/revoke`,
  device_authorization_endpoint: `${issuer}/device`,
  backchannel_authentication_endpoint: `${issuer}/bc-authorize`,
}
export const mtlsAliases = {
  token_endpoint: 'https://mtls.op.example/token',
  userinfo_endpoint: 'https://mtls.op.example/me',
  introspection_endpoint: 'https://mtls.op.example/introspect',
  revocation_endpoint: 'https://mtls.op.example/revoke',
}

export const CLIENT_ID = 'client-id'
export const SECRET = 'client-secret-value'
/** RFC 6749 §2.3.1: id and secret form-urlencoded (so `-` is `%2D`), then base64. */
export const formEncode = (value: string) =>
  encodeURIComponent(value).replace(
    /[-_.!~*'()]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  )
export const BASIC = `Basic ${btoa(`${formEncode(CLIENT_ID)}:${formEncode(SECRET)}`)}`
export const FORM = 'application/x-www-form-urlencoded;charset=UTF-8'
export const deviceResponse = {
  device_code: 'device-code-value',
  user_code: 'USER-CODE',
  verification_uri: `${issuer}/device/verify`,
  expires_in: 60,
  interval: 0,
}
export const { interval: _, ...deviceAuthorization } = deviceResponse
export const bearerTokens = { access_token: 'access-token-value', token_type: 'bearer' }

export interface Call {
  url: string
  options: CustomFetchOptions
  headers: Headers
  body: URLSearchParams
}

export function recorded(url: string, options: CustomFetchOptions): Call {
  return {
    url,
    options,
    headers: new Headers(options.headers as HeadersInit),
    body: new URLSearchParams(options.body === undefined ? '' : String(options.body)),
  }
}

/** A fake transport: records every request and answers with `respond`. */
export function fakeFetch(respond: (call: Call, index: number) => Response | Promise<Response>) {
  const calls: Call[] = []
  const fetch: CustomFetch = async (url, options) => {
    const call = recorded(url, options)
    calls.push(call)
    return respond(call, calls.length - 1)
  }
  return { fetch, calls }
}

/**
 * A transport that never answers: it rejects with the signal's reason once the request is
 * aborted; a referenced fallback timer fails the request if no abort ever comes.
 */
export function silentFetch() {
  return fakeFetch(({ options: { signal } }) => neverAnswered(signal))
}

export function assertClientError(client: Client, err: unknown, code: string) {
  assert.ok(err instanceof client.ClientError, inspect(err))
  assert.equal((err as { code?: string }).code, code, inspect(err))
}

export const jwtPart = (jwt: string, index: 0 | 1) =>
  JSON.parse(Buffer.from(jwt.split('.')[index]!, 'base64url').toString()) as Record<string, unknown>

/** Builds Configurations of `client` (for `CLIENT_ID`) whose requests go to the given fetch. */
export function configurer(client: Client) {
  return (
    fetch: CustomFetch,
    server: ServerMetadata = metadata,
    clientMetadata: Record<string, unknown> | string = SECRET,
    auth?: ClientAuth,
  ): Configuration => {
    const config = new client.Configuration(server, CLIENT_ID, clientMetadata as never, auth)
    config[client.customFetch] = fetch
    return config
  }
}
