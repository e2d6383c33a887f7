// The storage contracts of logout: which sessions the provider ended (LogoutStore) and which
// logout tokens were already used (ReplayStore), with bounded in-memory implementations.

import { argumentError } from '../core/errors.ts'

/**
 * The session(s) a logout token ended: `sid` names one session, a `sub`-only marker every
 * session of that user at the issuer.
 *
 * @example
 * ```ts
 * const marker: client.LogoutMarker = { iss: claims.iss, sid: claims.sid, sub: claims.sub }
 * await store.markLoggedOut(marker, 3600)
 * ```
 * @see [OpenID Connect Back-Channel Logout 1.0 §2.4](https://openid.net/specs/openid-connect-backchannel-1_0.html#LogoutToken)
 */
export interface LogoutMarker {
  /** The issuer of the logout token. */
  iss: string
  /** The session that ended. */
  sid?: string
  /** The user; without `sid`, every session of this user ended. */
  sub?: string
}

/**
 * The ID Token claims of a relying-party session that a logout is matched against.
 *
 * @example
 * ```ts
 * const { iss, sid, sub, iat, auth_time } = tokens.claims()!
 * const session: client.LogoutSessionClaims = { iss, sid: sid as string, sub, iat, auth_time }
 * ```
 * @see [OpenID Connect Back-Channel Logout 1.0 §2.7](https://openid.net/specs/openid-connect-backchannel-1_0.html#BCActions)
 */
export interface LogoutSessionClaims {
  /** The issuer of the session's ID Token. */
  iss: string
  /** The provider's session ID (the ID Token's `sid`). */
  sid?: string
  /** The user. */
  sub?: string
  /** When the ID Token was issued (epoch seconds). */
  iat?: number
  /** When the user authenticated (epoch seconds). */
  auth_time?: number
}

/**
 * Where a relying party records the sessions the provider ended, to end them at their next
 * request. Shared by every process of the application (the in-memory {@link MemoryLogoutStore}
 * serves one process; a Redis or KV implementation serves many).
 *
 * @example
 * ```ts
 * const store: client.LogoutStore = new client.MemoryLogoutStore()
 * if (await store.isLoggedOut(session.claims)) session.destroy()
 * ```
 * @see [OpenID Connect Back-Channel Logout 1.0 §2.7](https://openid.net/specs/openid-connect-backchannel-1_0.html#BCActions)
 */
export interface LogoutStore {
  /** Records that the session(s) named by `marker` ended at the provider; kept `ttl` seconds. */
  markLoggedOut(marker: LogoutMarker, ttl: number): Promise<void>
  /**
   * True when a marker matches these ID Token claims (same iss and sid, or same iss and sub for
   * a sub-only marker) and was recorded after the session began (the claims' `iat`/`auth_time`),
   * so an old logout never ends a new session.
   */
  isLoggedOut(claims: LogoutSessionClaims): Promise<boolean>
  /** Forgets markers for these claims (on a fresh login). */
  clear(claims: { iss: string; sid?: string; sub?: string }): Promise<void>
}

/**
 * Where {@link validateLogoutToken} records the `jti` of each accepted logout token, to refuse
 * it a second time. Shared by every process that receives logout tokens.
 *
 * @example
 * ```ts
 * const replayStore: client.ReplayStore = new client.MemoryReplayStore()
 * await client.validateLogoutToken(config, request, { replayStore })
 * ```
 * @see [OpenID Connect Back-Channel Logout 1.0 §2.6](https://openid.net/specs/openid-connect-backchannel-1_0.html#Validation)
 */
export interface ReplayStore {
  /**
   * Records `key` until `expiresAt` (epoch seconds). Resolves true when newly recorded, false
   * when it was already there and unexpired (a replay). Must be atomic.
   */
  remember(key: string, expiresAt: number): Promise<boolean>
}

/**
 * Options of the in-memory stores.
 *
 * @example
 * ```ts
 * const store = new client.MemoryLogoutStore({ maxEntries: 50_000 })
 * ```
 */
export interface MemoryStoreOptions {
  /**
   * The most entries kept (default 10 000); when full, expired entries go first, then the
   * oldest.
   */
  maxEntries?: number
}

const DEFAULT_MAX_ENTRIES = 10_000

function maxEntriesOf(options: MemoryStoreOptions | undefined): number {
  const max = options?.maxEntries ?? DEFAULT_MAX_ENTRIES
  if (!Number.isSafeInteger(max) || max < 1) {
    throw argumentError('"maxEntries" must be a positive integer', 'ERR_INVALID_ARG_VALUE')
  }
  return max
}

/** A Map with expiring entries and a bound on their number, the oldest evicted first. */
class BoundedMap<T extends { expiresAt: number }> {
  readonly #entries = new Map<string, T>()
  readonly #max: number

  constructor(max: number) {
    this.#max = max
  }

  get size(): number {
    return this.#entries.size
  }

  get(key: string, now: number): T | undefined {
    const entry = this.#entries.get(key)
    if (entry !== undefined && entry.expiresAt <= now) {
      this.#entries.delete(key)
      return undefined
    }
    return entry
  }

  set(key: string, value: T, now: number): void {
    this.#entries.delete(key)
    if (this.#entries.size >= this.#max) this.#evict(now)
    this.#entries.set(key, value)
  }

  delete(key: string): void {
    this.#entries.delete(key)
  }

  #evict(now: number): void {
    for (const [key, entry] of this.#entries) {
      if (entry.expiresAt <= now) this.#entries.delete(key)
    }
    while (this.#entries.size >= this.#max) {
      this.#entries.delete(this.#entries.keys().next().value!)
    }
  }
}

function checkString(value: unknown, name: string): void {
  if (typeof value !== 'string' || value === '') {
    throw argumentError(`"${name}" must be a non-empty string`)
  }
}

function optionalString(value: unknown, name: string): void {
  if (value !== undefined) checkString(value, name)
}

const markerKey = (iss: string, kind: 'sid' | 'sub', value: string) =>
  JSON.stringify([iss, kind, value])

interface Marker {
  /** When the marker was recorded, in milliseconds. */
  recordedAt: number
  /** When it is forgotten, in milliseconds. */
  expiresAt: number
}

/**
 * A {@link LogoutStore} in this process's memory, for one-process applications and tests;
 * bounded in size (see {@link MemoryStoreOptions}).
 *
 * @example
 * ```ts
 * const store = new client.MemoryLogoutStore()
 * const claims = await client.validateLogoutToken(config, request)
 * await store.markLoggedOut(claims, 3600)
 * ```
 * @see [OpenID Connect Back-Channel Logout 1.0 §2.7](https://openid.net/specs/openid-connect-backchannel-1_0.html#BCActions)
 */
export class MemoryLogoutStore implements LogoutStore {
  readonly #markers: BoundedMap<Marker>

  constructor(options?: MemoryStoreOptions) {
    this.#markers = new BoundedMap(maxEntriesOf(options))
  }

  /** The number of markers held, expired ones not yet evicted included. */
  get size(): number {
    return this.#markers.size
  }

  async markLoggedOut(marker: LogoutMarker, ttl: number): Promise<void> {
    checkString(marker?.iss, 'marker.iss')
    optionalString(marker.sid, 'marker.sid')
    optionalString(marker.sub, 'marker.sub')
    if (marker.sid === undefined && marker.sub === undefined) {
      throw argumentError('a logout marker needs "sid" or "sub"', 'ERR_INVALID_ARG_VALUE')
    }
    if (typeof ttl !== 'number' || !(ttl > 0) || !Number.isFinite(ttl)) {
      throw argumentError('"ttl" must be a positive number of seconds', 'ERR_INVALID_ARG_VALUE')
    }
    const now = Date.now()
    const key =
      marker.sid !== undefined
        ? markerKey(marker.iss, 'sid', marker.sid)
        : markerKey(marker.iss, 'sub', marker.sub!)
    this.#markers.set(key, { recordedAt: now, expiresAt: now + ttl * 1000 }, now)
  }

  async isLoggedOut(claims: LogoutSessionClaims): Promise<boolean> {
    checkString(claims?.iss, 'claims.iss')
    const now = Date.now()
    const began = sessionStart(claims)
    const markers = [
      typeof claims.sid === 'string'
        ? this.#markers.get(markerKey(claims.iss, 'sid', claims.sid), now)
        : undefined,
      typeof claims.sub === 'string'
        ? this.#markers.get(markerKey(claims.iss, 'sub', claims.sub), now)
        : undefined,
    ]
    return markers.some((marker) => marker !== undefined && marker.recordedAt >= began)
  }

  async clear(claims: { iss: string; sid?: string; sub?: string }): Promise<void> {
    checkString(claims?.iss, 'claims.iss')
    if (typeof claims.sid === 'string')
      this.#markers.delete(markerKey(claims.iss, 'sid', claims.sid))
    if (typeof claims.sub === 'string')
      this.#markers.delete(markerKey(claims.iss, 'sub', claims.sub))
  }
}

/**
 * When the session of these ID Token claims began, in milliseconds: the later of `iat` and
 * `auth_time`; 0 (any marker matches) when the claims have neither.
 */
function sessionStart(claims: { iat?: unknown; auth_time?: unknown }): number {
  const times = [claims.iat, claims.auth_time].filter(
    (value): value is number => typeof value === 'number' && Number.isFinite(value),
  )
  return times.length === 0 ? 0 : Math.max(...times) * 1000
}

/**
 * A {@link ReplayStore} in this process's memory: the default of {@link validateLogoutToken}
 * (one per Configuration). Bounded in size (see {@link MemoryStoreOptions}); an application with
 * several processes needs a shared store instead.
 *
 * @example
 * ```ts
 * const replayStore = new client.MemoryReplayStore({ maxEntries: 1000 })
 * await client.validateLogoutToken(config, request, { replayStore })
 * ```
 * @see [OpenID Connect Back-Channel Logout 1.0 §2.6](https://openid.net/specs/openid-connect-backchannel-1_0.html#Validation)
 */
export class MemoryReplayStore implements ReplayStore {
  readonly #seen: BoundedMap<{ expiresAt: number }>

  constructor(options?: MemoryStoreOptions) {
    this.#seen = new BoundedMap(maxEntriesOf(options))
  }

  /** The number of keys held, expired ones not yet evicted included. */
  get size(): number {
    return this.#seen.size
  }

  async remember(key: string, expiresAt: number): Promise<boolean> {
    checkString(key, 'key')
    if (typeof expiresAt !== 'number' || !Number.isFinite(expiresAt)) {
      throw argumentError('"expiresAt" must be a number (epoch seconds)', 'ERR_INVALID_ARG_VALUE')
    }
    const now = Date.now()
    if (this.#seen.get(key, now) !== undefined) return false
    this.#seen.set(key, { expiresAt: expiresAt * 1000 }, now)
    return true
  }
}
