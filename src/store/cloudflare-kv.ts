// The Cloudflare Workers KV SharedStore: entries as JSON values of a KV namespace. KV has no
// atomic write, so compare-and-set and replay checks are best effort (see the limits below).

import { type Entry, type EntryBackend, entryStore } from './entries.ts'
import type { SharedStore } from './types.ts'

/**
 * The methods of a Workers KV namespace binding the store uses.
 *
 * @example
 * ```ts
 * const kv: client.KvNamespace = env.OIDC_KV
 * ```
 */
export interface KvNamespace {
  /** Reads a value as text; null when absent. */
  get(key: string, type: 'text'): Promise<string | null>
  /** Writes a value, expiring after `expirationTtl` seconds (60 at least). */
  put(key: string, value: string, options?: { expirationTtl?: number }): Promise<void>
  /** Removes a value. */
  delete(key: string): Promise<void>
}

/** KV refuses an expirationTtl under 60 seconds; shorter lives are enforced on read. */
const KV_MIN_TTL = 60

/**
 * A {@link SharedStore} on a Cloudflare Workers KV namespace. Its limits come from KV itself:
 * writes are last-writer-wins and reach other locations up to 60 s later, so compare-and-set is
 * **not atomic** (`atomic` is false), there is no lease, and `remember()` may miss a replay that
 * arrives at another location within that window. Two instances can then both refresh one
 * session: keep refresh-token rotation with reuse detection off for such sessions, or use a
 * store with compare-and-set (`openid-rp/redis`, a Durable Object). Metadata, JWKS and DPoP
 * nonces, which tolerate a stale read, are what KV suits.
 *
 * @example
 * ```ts
 * const worker = {
 *   async fetch(request: Request, env: { OIDC_KV: client.KvNamespace }) {
 *     const store = client.createCloudflareKvStore(env.OIDC_KV)
 *     const state = await store.get('openid-rp:state')
 *     return new Response(state ?? 'cold')
 *   },
 * }
 * await worker.fetch(request, env)
 * ```
 * @see [Workers KV: how KV works](https://developers.cloudflare.com/kv/concepts/how-kv-works/)
 */
export function createCloudflareKvStore(kv: KvNamespace): SharedStore {
  const parse = (text: string | null): Entry | undefined => {
    if (text === null) return undefined
    try {
      const entry = JSON.parse(text) as Entry
      return typeof entry?.version === 'number' ? entry : undefined
    } catch {
      return undefined
    }
  }
  const backend: EntryBackend = {
    async get(key) {
      return parse(await kv.get(key, 'text'))
    },
    async update(key, change) {
      const { next, result } = change(parse(await kv.get(key, 'text')))
      if (next === null) await kv.delete(key)
      else if (next !== undefined) {
        const ttl =
          next.expires === undefined
            ? undefined
            : Math.max(KV_MIN_TTL, Math.ceil((next.expires - Date.now()) / 1000))
        await kv.put(
          key,
          JSON.stringify(next),
          ttl === undefined ? undefined : { expirationTtl: ttl },
        )
      }
      return result
    },
  }
  return entryStore(backend, false)
}
