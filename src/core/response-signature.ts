// The default check of a signed UserInfo or introspection response: a signature that is there is
// verified (issuer JWKS, cached per Configuration; HMAC with the client secret), claims unchanged.
import * as oauth from 'oauth4webapi'

import { clientError } from './errors.ts'
import { Deadline } from './deadline.ts'
import { signatureOptions } from './request.ts'
import type { State } from './state.ts'

const HMAC_HASH: Record<string, string> = {
  HS256: 'SHA-256',
  HS384: 'SHA-384',
  HS512: 'SHA-512',
}

function decode(part: string): Uint8Array<ArrayBuffer> {
  const binary = atob(part.replace(/-/g, '+').replace(/_/g, '/'))
  return Uint8Array.from(binary, (ch) => ch.charCodeAt(0))
}

function algorithmOf(jws: string): unknown {
  try {
    return (JSON.parse(new TextDecoder().decode(decode(jws.split('.')[0]!))) as { alg?: unknown })
      .alg
  } catch {
    return undefined
  }
}

async function checkHmac(state: State, jws: string, hash: string): Promise<void> {
  const secret = state.c.client_secret
  if (typeof secret !== 'string' || secret.length === 0) {
    throw clientError(
      'the response is signed with a client-secret (HMAC) algorithm, but this client has no client_secret to verify it with: configure the client secret or have the server sign with its own key',
      'OAUTH_INVALID_RESPONSE',
      { reason: 'no client_secret' },
    )
  }
  const [header, payload, signature] = jws.split('.') as [string, string, string]
  const key = await crypto.subtle.importKey(
    'raw',
    new TextEncoder().encode(secret),
    { name: 'HMAC', hash },
    false,
    ['verify'],
  )
  let valid = false
  try {
    valid = await crypto.subtle.verify(
      'HMAC',
      key,
      decode(signature),
      new TextEncoder().encode(`${header}.${payload}`),
    )
  } catch {}
  if (!valid) {
    throw clientError('JWT signature verification failed', 'OAUTH_INVALID_RESPONSE', {
      reason: 'signature',
    })
  }
}

/**
 * @internal Verifies the signature of a JWT response oauth4webapi has just processed: `jws` is
 * the signed JWT (the plaintext of a JWE). Asymmetric signatures are checked against the issuer's
 * JWKS (fetched within `deadline` unless cached); HMAC ones with the client secret; an unsecured
 * JWT (`alg: none`, accepted only when registered or advertised) has no signature to check.
 */
export async function checkResponseSignature(
  state: State,
  response: Response,
  jws: string,
  deadline: Deadline,
): Promise<void> {
  const alg = algorithmOf(jws)
  if (alg === 'none') return
  const hash = typeof alg === 'string' ? HMAC_HASH[alg] : undefined
  if (hash !== undefined) return checkHmac(state, jws, hash)
  // Parallel first calls wait for one JWKS fetch instead of each fetching it.
  const loading = firstFetches.get(state)
  if (loading !== undefined) await loading
  const verifying = oauth.validateApplicationLevelSignature(
    state.as,
    response,
    signatureOptions(state, deadline),
  )
  if (!('uat' in state.jwksCache) && !firstFetches.has(state)) {
    const settled = verifying.then(
      () => firstFetches.delete(state),
      () => firstFetches.delete(state),
    )
    firstFetches.set(state, settled)
  }
  await verifying
}

/** The first JWKS fetch of a Configuration whose cache is empty, while it is in flight. */
const firstFetches = new WeakMap<State, Promise<unknown>>()

/**
 * @internal The non-repudiation check: the signature of a processed JWT response (an ID Token's
 * token response, a UserInfo or introspection JWT) verified against the issuer's JWKS, fetched
 * (when not cached) within its own request timeout and the caller's `signal`.
 */
export function nonRepudiationCheck(state: State): NonNullable<State['nonRepudiation']> {
  return async (response, signal) => {
    const deadline = new Deadline(state.timeout, signal)
    try {
      await oauth.validateApplicationLevelSignature(
        state.as,
        response,
        signatureOptions(state, deadline),
      )
    } finally {
      deadline.release()
    }
  }
}

/** @internal The media type of a response, lower-cased, without parameters. */
export function mediaType(response: Response): string | undefined {
  return response.headers.get('content-type')?.split(';')[0]?.trim().toLowerCase()
}
