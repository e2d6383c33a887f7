/**
 * Shared pieces of the fuzz suite: an in-process fake server behind `[customFetch]` (no sockets),
 * the typed-error oracle, a per-run timeout, and an unhandled-rejection trap.
 */
import assert from 'node:assert/strict'

import { type Claims, epoch, type SigningKey } from '../support/forge.ts'
import type { Client } from '../support/implementations.ts'

export const ISSUER = 'https://op.fuzz.example'
export const CLIENT_ID = 'fuzz-client'
export const CLIENT_SECRET = 'fuzz-client-secret-that-must-not-leak'
export const REDIRECT_URI = 'https://rp.fuzz.example/cb'

/** Per-run budget: a run that takes longer counts as a hang. */
export const RUN_TIMEOUT_MS = 2_000

/** What the fake server answers; a property sets the members it fuzzes. */
export interface Script {
  token?: () => Response
  userinfo?: () => Response
  resource?: () => Response
}

export type Configuration = InstanceType<Client['Configuration']>

/** A Configuration of `client` whose every request is answered in-process from `script`. */
export function fakeConfiguration(
  client: Client,
  key: SigningKey,
  script: Script,
  metadata: Claims = {},
): Configuration {
  const config = new client.Configuration(
    {
      issuer: ISSUER,
      authorization_endpoint: `${ISSUER}/authorize`,
      token_endpoint: `${ISSUER}/token`,
      userinfo_endpoint: `${ISSUER}/userinfo`,
      jwks_uri: `${ISSUER}/jwks`,
      id_token_signing_alg_values_supported: ['ES256'],
      authorization_signing_alg_values_supported: ['ES256'],
      userinfo_signing_alg_values_supported: ['ES256'],
      ...metadata,
    },
    CLIENT_ID,
    CLIENT_SECRET,
  )
  config[client.customFetch] = async (url) => {
    const path = new URL(url).pathname
    if (path === '/jwks') return Response.json({ keys: [key.jwk] })
    if (path === '/token') return script.token?.() ?? Response.json(tokenResponse())
    if (path === '/userinfo') return script.userinfo?.() ?? Response.json({ sub: 'user-1' })
    if (path === '/resource') return script.resource?.() ?? Response.json({ ok: true })
    return new Response('not found', { status: 404 })
  }
  return config
}

export function tokenResponse(overrides: Claims = {}): Claims {
  return { access_token: 'fuzz-access-token', token_type: 'Bearer', expires_in: 300, ...overrides }
}

export function idTokenClaims(overrides: Claims = {}): Claims {
  const now = epoch()
  return { iss: ISSUER, aud: CLIENT_ID, sub: 'user-1', iat: now, exp: now + 300, ...overrides }
}

/** Whether `err` is one of the typed errors the contract allows. */
export function isTyped(client: Client, err: unknown): boolean {
  if (
    err instanceof client.ResponseBodyError ||
    err instanceof client.AuthorizationResponseError ||
    err instanceof client.WWWAuthenticateChallengeError
  ) {
    return true
  }
  const code = (err as { code?: unknown } | null)?.code
  if (err instanceof client.ClientError) return typeof code === 'string' && code.length > 0
  if (err instanceof TypeError) return typeof code === 'string' && code.length > 0
  return false
}

/** Describes an error for a counterexample report. */
export function describeError(err: unknown): string {
  const e = err as { constructor?: { name?: string }; code?: unknown; message?: unknown }
  return `${e?.constructor?.name ?? typeof err} code=${String(e?.code)}: ${String(e?.message)}`
}

/**
 * Runs `operation`; resolves when it succeeds or rejects with a typed error, throws (failing
 * the property) on an untyped error or when it does not settle within {@link RUN_TIMEOUT_MS}.
 */
export async function typedOrSuccess(
  client: Client,
  operation: () => Promise<unknown>,
): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  const hang = new Promise<'hang'>((resolve) => {
    timer = setTimeout(() => resolve('hang'), RUN_TIMEOUT_MS)
  })
  try {
    const outcome = await Promise.race([
      operation().then(
        () => 'ok' as const,
        (err: unknown) => ({ err }),
      ),
      hang,
    ])
    if (outcome === 'hang') assert.fail(`no result within ${RUN_TIMEOUT_MS} ms`)
    if (outcome !== 'ok' && !isTyped(client, outcome.err)) {
      assert.fail(`untyped error: ${describeError(outcome.err)}`)
    }
  } finally {
    clearTimeout(timer)
  }
}

/** Collects unhandled rejections while installed; `check()` fails if any occurred. */
export function trapUnhandledRejections(): { check(): void; remove(): void } {
  const seen: unknown[] = []
  const listener = (reason: unknown) => {
    seen.push(reason)
  }
  process.on('unhandledRejection', listener)
  return {
    check() {
      assert.deepEqual(seen.map(describeError), [], 'unhandled rejections')
    },
    remove() {
      process.off('unhandledRejection', listener)
    },
  }
}
