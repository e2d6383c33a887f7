/**
 * The SPA's DPoP key pair in IndexedDB. A CryptoKey survives the structured clone into IndexedDB
 * with its `extractable: false` intact: script (including injected script) can sign with the
 * private key but never read it out, and the same key is back after a reload or a redirect.
 */
const database = 'openid-rp-spa'
const store = 'keys'
const entry = 'dpop'

function open(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(database, 1)
    request.onupgradeneeded = () => request.result.createObjectStore(store)
    request.onsuccess = () => resolve(request.result)
    request.onerror = () => reject(request.error)
  })
}

async function run<T>(mode: IDBTransactionMode, operation: (keys: IDBObjectStore) => IDBRequest) {
  const db = await open()
  try {
    return await new Promise<T>((resolve, reject) => {
      const transaction = db.transaction(store, mode)
      const request = operation(transaction.objectStore(store))
      transaction.oncomplete = () => resolve(request.result as T)
      transaction.onerror = () => reject(transaction.error)
      transaction.onabort = () => reject(transaction.error)
    })
  } finally {
    db.close()
  }
}

export function saveKeyPair(keyPair: CryptoKeyPair): Promise<void> {
  return run('readwrite', (keys) => keys.put(keyPair, entry))
}

export function loadKeyPair(): Promise<CryptoKeyPair | undefined> {
  return run('readonly', (keys) => keys.get(entry))
}

export function deleteKeyPair(): Promise<void> {
  return run('readwrite', (keys) => keys.delete(entry))
}
