// The in-memory SharedStore: the default of the token manager, shared by everything in one
// process (or one browser tab); nothing leaves the process.

import { type Entry, type EntryBackend, entryLease, entryStore } from './entries.ts'
import type { SharedStore } from './types.ts'

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
  let writes = 0
  const sweep = () => {
    const now = Date.now()
    for (const [key, entry] of entries) {
      if (entry.expires !== undefined && entry.expires <= now) entries.delete(key)
    }
  }
  const backend: EntryBackend = {
    async get(key) {
      return entries.get(key)
    },
    async update(key, change) {
      const { next, result } = change(entries.get(key))
      if (next === null) entries.delete(key)
      else if (next !== undefined) entries.set(key, next)
      // expired replay entries and markers nobody reads again go in a sweep every 1000 writes
      if (next !== undefined && ++writes % 1000 === 0) sweep()
      return result
    },
  }
  return entryStore(backend, true, entryLease(backend))
}
