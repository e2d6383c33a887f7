// Recognising WebCrypto keys: isCryptoKey() checks a value's shape instead of `instanceof`, so
// keys from another realm (a worker, a vm context, another copy of the runtime) are accepted.

/** @internal A CryptoKey of the given type, recognised across realms (no `instanceof`). */
export function isCryptoKey(
  value: unknown,
  type: 'private' | 'public' | 'secret',
): value is CryptoKey {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as CryptoKey).type === type &&
    typeof (value as CryptoKey).algorithm?.name === 'string' &&
    typeof (value as CryptoKey).extractable === 'boolean'
  )
}
