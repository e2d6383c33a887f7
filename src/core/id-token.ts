// ID Token checks the reference leaves out: the payload of a JWS without verifying it, and an
// `iat` too far in the future.

import * as oauth from 'oauth4webapi'

import { CLOCK_HINT, clientError } from './errors.ts'

/** @internal The payload of a compact JWS, or undefined. */
export function jwsPayload(jws: string | null | undefined): Record<string, unknown> | undefined {
  const parts = jws?.split('.')
  if (parts?.length !== 3) return undefined
  try {
    const base64 = parts[1]!.replace(/-/g, '+').replace(/_/g, '/')
    const json = new TextDecoder().decode(Uint8Array.from(atob(base64), (ch) => ch.charCodeAt(0)))
    const payload: unknown = JSON.parse(json)
    return typeof payload === 'object' && payload !== null
      ? (payload as Record<string, unknown>)
      : undefined
  } catch {
    return undefined
  }
}

/**
 * @internal Rejects an ID Token issued in the future beyond the clock tolerance; oauth4webapi
 * checks only its type.
 */
export function checkIssuedAt(
  claims: { iat?: unknown } | undefined,
  client: oauth.Client,
  token = 'ID Token',
): void {
  if (typeof claims?.iat !== 'number') return
  const now = Math.floor(Date.now() / 1000) + (client[oauth.clockSkew] ?? 0)
  const tolerance = client[oauth.clockTolerance] ?? 30
  if (claims.iat > now + tolerance) {
    throw clientError(
      `the ${token} "iat" (issued at) is ${claims.iat - now} s in the future, beyond the ${tolerance} s clock tolerance: ${CLOCK_HINT}`,
      'OAUTH_JWT_TIMESTAMP_CHECK_FAILED',
      { claim: 'iat', iat: claims.iat, now, tolerance },
    )
  }
}
