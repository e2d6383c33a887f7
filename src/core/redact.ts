// Keeping secrets out of errors: redact() copies an error cause with tokens, codes, client
// secrets and credential headers replaced by '[redacted]'.

import { isEntries } from './brand.ts'

const SECRET_KEYS = new Set([
  'access_token',
  'refresh_token',
  'id_token',
  'client_secret',
  'code',
  'device_code',
  'auth_req_id',
  'client_assertion',
  'assertion',
  'subject_token',
  'actor_token',
  'registration_access_token',
  'authorization',
  'dpop',
])

/** A credential member's value: strings (also in a list, as in repeated headers) replaced. */
function redactSecret(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return '[redacted]'
  if (Array.isArray(value) && depth <= 8) return value.map((item) => redactSecret(item, depth + 1))
  return redact(value, depth)
}

function redactEntries(
  entries: Iterable<[string, unknown]>,
  depth: number,
): Record<string, unknown> {
  const copy: Record<string, unknown> = {}
  for (const [key, item] of entries) {
    // Defined, not assigned: a member named `__proto__` in a hostile body stays a member.
    Object.defineProperty(copy, key, {
      value: SECRET_KEYS.has(key.toLowerCase())
        ? redactSecret(item, depth + 1)
        : redact(item, depth + 1),
      enumerable: true,
      writable: true,
      configurable: true,
    })
  }
  return copy
}

/**
 * @internal A copy of an error cause with credentials replaced, so no error carries a secret:
 * plain objects, arrays, `URLSearchParams` (callback parameters) and `Headers` are copied with
 * credential members redacted; anything nested deeper than the limit is dropped.
 */
export function redact(value: unknown, depth = 0): unknown {
  if (typeof value !== 'object' || value === null) return value
  if (depth > 8) return '[redacted]'
  if (Array.isArray(value)) return value.map((item) => redact(item, depth + 1))
  if (isEntries(value)) {
    return redactEntries(value.entries(), depth)
  }
  if (Object.getPrototypeOf(value) !== Object.prototype && Object.getPrototypeOf(value) !== null) {
    return value
  }
  return redactEntries(Object.entries(value), depth)
}
