// The browser SharedStore: entries in IndexedDB (compare-and-set in one readwrite transaction)
// and leases with the Web Locks API, so the tabs of one origin refresh a session once.

import { type Entry, type EntryBackend, entryStore } from './entries.ts'
import type { Lease, SharedStore } from './types.ts'

/**
 * Options of {@link createBrowserStore}.
 *
 * @example
 * ```ts
 * const store = client.createBrowserStore({ database: 'my-app-auth' })
 * ```
 */
export interface BrowserStoreOptions {
  /** The IndexedDB database name (default `openid-rp`). */
  database?: string
}

const OBJECT_STORE = 'entries'

function promised<T>(request: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result)
    request.onerror = () => reject(request.error)
  })
}

/**
 * A {@link SharedStore} for the tabs of one origin: entries in IndexedDB, where a readwrite
 * transaction makes compare-and-set atomic across tabs, and leases from `navigator.locks`, which
 * the browser frees when the holding tab closes or crashes. Without the Web Locks API it has no
 * lease (compare-and-set still decides). Values stay in the origin's storage: keep XSS out, and
 * prefer DPoP-bound tokens there.
 *
 * @example
 * ```ts
 * const manager = client.createTokenManager(config, {
 *   session: 'spa',
 *   store: client.createBrowserStore(),
 *   DPoP,
 * })
 * ```
 * @see [IndexedDB](https://www.w3.org/TR/IndexedDB/)
 * @see [Web Locks API](https://w3c.github.io/web-locks/)
 */
export function createBrowserStore(options: BrowserStoreOptions = {}): SharedStore {
  const name = options.database ?? 'openid-rp'
  let opened: Promise<IDBDatabase> | undefined
  const database = () =>
    (opened ??= new Promise<IDBDatabase>((resolve, reject) => {
      const request = indexedDB.open(name, 1)
      request.onupgradeneeded = () => request.result.createObjectStore(OBJECT_STORE)
      request.onsuccess = () => resolve(request.result)
      request.onerror = () => reject(request.error)
    }))
  const backend: EntryBackend = {
    async get(key) {
      const db = await database()
      return promised<Entry | undefined>(
        db.transaction(OBJECT_STORE, 'readonly').objectStore(OBJECT_STORE).get(key),
      )
    },
    async update(key, change) {
      const db = await database()
      const transaction = db.transaction(OBJECT_STORE, 'readwrite')
      const entries = transaction.objectStore(OBJECT_STORE)
      const done = new Promise<void>((resolve, reject) => {
        transaction.oncomplete = () => resolve()
        transaction.onerror = () => reject(transaction.error)
        transaction.onabort = () => reject(transaction.error)
      })
      const current = await promised<Entry | undefined>(entries.get(key))
      const { next, result } = change(current)
      if (next === null) entries.delete(key)
      else if (next !== undefined) entries.put(next, key)
      await done
      return result
    },
  }
  const locks = (globalThis.navigator as Navigator | undefined)?.locks
  const lease =
    locks === undefined
      ? undefined
      : (key: string, ttl: number) =>
          new Promise<Lease | undefined>((resolve, reject) => {
            locks
              .request(key, { ifAvailable: true }, (lock) => {
                if (lock === null) {
                  resolve(undefined)
                  return undefined
                }
                return new Promise<void>((release) => {
                  const timer = setTimeout(release, ttl)
                  resolve({
                    async release() {
                      clearTimeout(timer)
                      release()
                    },
                  })
                })
              })
              .catch(reject)
          })
  return entryStore(backend, true, lease)
}
