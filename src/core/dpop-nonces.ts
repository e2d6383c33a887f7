// The DPoP nonces a handle has learned, per origin, readable for export: oauth4webapi keeps its
// own copy private, so getDPoPHandle records each nonce here too.

const learned = new WeakMap<object, Map<string, string>>()

/** @internal Records the nonce of `response` from `url` for `handle`, as the handle caches it. */
export function recordNonce(handle: object, response: Response, url: URL): void {
  let nonce: string | null = null
  try {
    nonce = response.headers.get('dpop-nonce')
  } catch {}
  if (nonce === null || nonce.length === 0) return
  let nonces = learned.get(handle)
  if (nonces === undefined) learned.set(handle, (nonces = new Map()))
  nonces.delete(url.origin)
  if (nonces.size === 100) nonces.delete(nonces.keys().next().value!)
  nonces.set(url.origin, nonce)
}

/** @internal The nonces `handle` has learned, by origin. */
export function learnedNonces(handle: object): Record<string, string> {
  return Object.fromEntries(learned.get(handle) ?? [])
}
