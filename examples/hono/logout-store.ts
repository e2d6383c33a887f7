/**
 * A `LogoutStore` on a KV-like store (a Workers KV namespace fits as is): the back-channel logout
 * route of any isolate records a logout, every isolate sees it on the session's next request.
 * Markers carry their own expiry, so a store without TTLs works too.
 */
import type * as client from 'openid-rp'

import type { KvStore } from './app.ts'

interface StoredMarker {
  /** When the logout was recorded, in milliseconds. */
  recordedAt: number
  /** When to forget it, in milliseconds. */
  expiresAt: number
}

const keyOf = (iss: string, kind: 'sid' | 'sub', value: string) =>
  `logout:${JSON.stringify([iss, kind, value])}`

export class KvLogoutStore implements client.LogoutStore {
  readonly #kv: KvStore

  constructor(kv: KvStore) {
    this.#kv = kv
  }

  async markLoggedOut(marker: client.LogoutMarker, ttl: number): Promise<void> {
    const key =
      marker.sid !== undefined
        ? keyOf(marker.iss, 'sid', marker.sid)
        : keyOf(marker.iss, 'sub', marker.sub!)
    const now = Date.now()
    const value: StoredMarker = { recordedAt: now, expiresAt: now + ttl * 1000 }
    await this.#kv.put(key, JSON.stringify(value), { expirationTtl: Math.max(60, ttl) })
  }

  async isLoggedOut(claims: client.LogoutSessionClaims): Promise<boolean> {
    const began = Math.max(claims.iat ?? 0, claims.auth_time ?? 0) * 1000
    const keys = [
      claims.sid === undefined ? undefined : keyOf(claims.iss, 'sid', claims.sid),
      claims.sub === undefined ? undefined : keyOf(claims.iss, 'sub', claims.sub),
    ].filter((key) => key !== undefined)
    const now = Date.now()
    for (const stored of await Promise.all(keys.map((key) => this.#kv.get(key)))) {
      if (stored === null) continue
      const marker = JSON.parse(stored) as StoredMarker
      if (marker.expiresAt > now && marker.recordedAt >= began) return true
    }
    return false
  }

  async clear(claims: { iss: string; sid?: string; sub?: string }): Promise<void> {
    if (claims.sid !== undefined) await this.#kv.delete?.(keyOf(claims.iss, 'sid', claims.sid))
    if (claims.sub !== undefined) await this.#kv.delete?.(keyOf(claims.iss, 'sub', claims.sub))
  }
}
