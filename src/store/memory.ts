// The in-memory SharedStore: the default of the token manager, shared by everything in one
// process (or one browser tab); nothing leaves the process.

import { endsSession, type Lease, logoutKeys, markerKey, type SharedStore } from './types.ts'

interface Entry {
  value: string | undefined
  version: number
  /** Milliseconds since the epoch; absent: kept until deleted. */
  expires?: number
}

/**
 * A {@link SharedStore} in this process's memory: atomic compare-and-set and leases (JavaScript
 * runs one task at a time), expiring entries. Instances and processes do not share it: use
 * `openid-rp/redis`, {@link createBrowserStore} or {@link createCloudflareKvStore} for that.
 *
 * @example
 * ```ts
 * const store = client.createMemoryStore()
 * const manager = client.createTokenManager(config, { store, session: 'alice', initialTokens })
 * ```
 */
export function createMemoryStore(): SharedStore {
  const entries = new Map<string, Entry>()
  const live = (key: string): Entry | undefined => {
    const entry = entries.get(key)
    if (entry?.expires !== undefined && entry.expires <= Date.now()) {
      entries.delete(key)
      return undefined
    }
    return entry
  }
  const put = (key: string, value: string | undefined, ttlSeconds?: number) => {
    const version = (live(key)?.version ?? 0) + 1
    const entry: Entry = { value, version }
    if (ttlSeconds !== undefined) entry.expires = Date.now() + ttlSeconds * 1000
    entries.set(key, entry)
  }
  return {
    atomic: true,
    async get(key) {
      return live(key)?.value
    },
    async set(key, value, ttl) {
      put(key, value, ttl)
    },
    async delete(key) {
      entries.delete(key)
    },
    async read(key) {
      const entry = live(key)
      return { version: entry?.version ?? 0, value: entry?.value }
    },
    async compareAndSet(key, expectedVersion, value) {
      if ((live(key)?.version ?? 0) !== expectedVersion) return false
      put(key, value)
      return true
    },
    async lease(key, ttl) {
      if (live(key)?.value !== undefined) return undefined
      const holder = crypto.randomUUID()
      entries.set(key, { value: holder, version: 1, expires: Date.now() + ttl })
      const lease: Lease = {
        async release() {
          if (live(key)?.value === holder) entries.delete(key)
        },
      }
      return lease
    },
    async markLoggedOut(marker, ttl) {
      put(markerKey(marker), String(Math.floor(Date.now() / 1000)), ttl)
    },
    async isLoggedOut(claims) {
      const began = claims.auth_time ?? claims.iat
      return logoutKeys(claims).some((key) => {
        const recorded = live(key)?.value
        return recorded !== undefined && endsSession(Number(recorded), began)
      })
    },
    async clear(claims) {
      for (const key of logoutKeys(claims)) entries.delete(key)
    },
    async remember(key, expiresAt) {
      const name = `openid-rp:replay:${key}`
      if (live(name) !== undefined) return false
      entries.set(name, {
        value: '1',
        version: 1,
        expires: Math.max(expiresAt * 1000, Date.now() + 1000),
      })
      return true
    },
  }
}
