// ID Token checks the reference leaves out: the payload of a JWS without verifying it, and an
// `iat` too far in the future.

import * as oauth from 'oauth4webapi'

import { CLOCK_HINT, clientError } from './errors.ts'
import { checkExplicitType } from './explicit-typing.ts'

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

/**
 * @internal Rejects an ID Token whose `azp` is not the client, also with a single audience
 * (OpenID Connect Core 3.1.3.7, original text); oauth4webapi checks it with several audiences only.
 */
export function checkAuthorizedParty(
  claims: { azp?: unknown } | undefined,
  client: oauth.Client,
): void {
  if (claims?.azp === undefined || claims.azp === client.client_id) return
  throw clientError(
    `the ID Token "azp" (authorized party) ${JSON.stringify(claims.azp)} is not this client's client_id: the token was not issued to this client_id`,
    'OAUTH_JWT_CLAIM_COMPARISON_FAILED',
    { claim: 'azp', expected: client.client_id, azp: claims.azp },
  )
}

/**
 * @internal The checks openid-rp adds to oauth4webapi's on every ID Token it accepts: `iat` not in
 * the future, `azp`, and explicit typing of the signed JWT `jws` (the plaintext of a JWE).
 */
export function checkIdToken(
  claims: { iat?: unknown; azp?: unknown } | undefined,
  client: oauth.Client,
  jws: string | null | undefined,
): void {
  checkExplicitType(jws, 'ID Token')
  checkIssuedAt(claims, client)
  checkAuthorizedParty(claims, client)
}
