// Recognises web-platform objects by their brand (Symbol.toStringTag) rather than `instanceof`,
// so objects from another realm or fetch implementation (undici, node-fetch, a vm) are accepted.

/** @internal Whether `value` is an object whose `Object.prototype.toString` brand is `brand`. */
export function hasBrand(value: unknown, brand: string): value is object {
  return (
    typeof value === 'object' &&
    value !== null &&
    Object.prototype.toString.call(value) === `[object ${brand}]`
  )
}

/** @internal Whether a value is a fetch `Response`, from any realm or implementation. */
export function isResponse(value: unknown): value is Response {
  return (
    value instanceof Response ||
    (hasBrand(value, 'Response') &&
      typeof (value as Response).status === 'number' &&
      typeof (value as Response).headers?.get === 'function')
  )
}

/** @internal Whether a value is a `URL`, from any realm or implementation. */
export function isURL(value: unknown): value is URL {
  return value instanceof URL || (hasBrand(value, 'URL') && typeof (value as URL).href === 'string')
}

/**
 * @internal This realm's `URL` for a URL from any realm: the same object when it is one, else
 * its `href` parsed again, so every later check sees a URL this runtime parsed itself.
 */
export function ownURL(value: URL): URL {
  return value instanceof URL ? value : new URL((value as { href: string }).href)
}

/** @internal Whether a value is a `URLSearchParams` or `Headers` (iterable name/value pairs). */
export function isEntries(value: unknown): value is URLSearchParams | Headers {
  return (
    value instanceof URLSearchParams ||
    value instanceof Headers ||
    ((hasBrand(value, 'URLSearchParams') || hasBrand(value, 'Headers')) &&
      typeof (value as Headers).entries === 'function')
  )
}

/** @internal Whether a value is a `ReadableStream`, from any realm or implementation. */
export function isReadableStream(value: unknown): value is ReadableStream {
  return value instanceof ReadableStream || hasBrand(value, 'ReadableStream')
}
