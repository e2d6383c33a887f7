// A SharedStore built on one primitive, an update of one entry (value, version, expiry): the
// memory, browser and Cloudflare KV adapters differ only in how they read and update an entry.

import { endsSession, type Lease, logoutKeys, markerKey, type SharedStore } from './types.ts'

/** @internal One stored entry. */
export interface Entry {
  value?: string
  version: number
  /** Milliseconds since the epoch; absent: kept until deleted. */
  expires?: number
}

/** @internal What an adapter provides. */
export interface EntryBackend {
  /** The entry under `key`, expired or not. */
  get(key: string): Promise<Entry | undefined>
  /**
   * Reads the entry, lets `change` decide, and writes its `next` (null deletes, undefined keeps);
   * atomic when the store is.
   */
  update<T>(
    key: string,
    change: (current: Entry | undefined) => { next?: Entry | null; result: T },
  ): Promise<T>
}

const live = (entry: Entry | undefined): Entry | undefined =>
  entry?.expires !== undefined && entry.expires <= Date.now() ? undefined : entry

const later = (seconds: number | undefined) =>
  seconds === undefined ? undefined : Date.now() + seconds * 1000

/** @internal A SharedStore on `backend`, with `lease` when the adapter has one. */
export function entryStore(
  backend: EntryBackend,
  atomic: boolean,
  lease?: (key: string, ttl: number) => Promise<Lease | undefined>,
): SharedStore {
  const write = (key: string, value: string | undefined, ttl?: number) =>
    backend.update(key, (current) => {
      const next: Entry = { version: (live(current)?.version ?? 0) + 1 }
      if (value !== undefined) next.value = value
      const expires = later(ttl)
      if (expires !== undefined) next.expires = expires
      return { next, result: undefined }
    })
  const store: SharedStore = {
    atomic,
    async get(key) {
      return live(await backend.get(key))?.value
    },
    async set(key, value, ttl) {
      await write(key, value, ttl)
    },
    async delete(key) {
      await backend.update(key, () => ({ next: null, result: undefined }))
    },
    async read(key) {
      const entry = live(await backend.get(key))
      return { version: entry?.version ?? 0, value: entry?.value }
    },
    compareAndSet(key, expectedVersion, value) {
      return backend.update(key, (current) => {
        const version = live(current)?.version ?? 0
        if (version !== expectedVersion) return { result: false }
        const next: Entry = { version: version + 1 }
        if (value !== undefined) next.value = value
        return { next, result: true }
      })
    },
    async markLoggedOut(marker, ttl) {
      await write(markerKey(marker), String(Math.floor(Date.now() / 1000)), ttl)
    },
    async isLoggedOut(claims) {
      const began = claims.auth_time ?? claims.iat
      for (const key of logoutKeys(claims)) {
        const recorded = live(await backend.get(key))?.value
        if (recorded !== undefined && endsSession(Number(recorded), began)) return true
      }
      return false
    },
    async clear(claims) {
      for (const key of logoutKeys(claims)) await store.delete(key)
    },
    remember(key, expiresAt) {
      return backend.update(`openid-rp:replay:${key}`, (current) =>
        live(current) !== undefined
          ? { result: false }
          : {
              next: {
                value: '1',
                version: 1,
                expires: Math.max(expiresAt * 1000, Date.now() + 1000),
              },
              result: true,
            },
      )
    },
  }
  if (lease !== undefined) store.lease = lease
  return store
}

/** @internal A lease kept as an entry that expires: taken only when absent or expired. */
export function entryLease(backend: EntryBackend) {
  return async (key: string, ttl: number): Promise<Lease | undefined> => {
    const holder = crypto.randomUUID()
    const taken = await backend.update(key, (current) =>
      live(current) !== undefined
        ? { result: false }
        : { next: { value: holder, version: 1, expires: Date.now() + ttl }, result: true },
    )
    if (!taken) return undefined
    return {
      release: () =>
        backend.update(key, (current) => ({
          next: live(current)?.value === holder ? null : undefined,
          result: undefined,
        })),
    }
  }
}
