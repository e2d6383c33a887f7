// The one store interface for state shared by instances: versioned records with compare-and-set
// (tokens), plain values (metadata, JWKS, DPoP nonces), leases, logout markers, jti replay entries.

import { argumentError } from '../core/errors.ts'
import type { LogoutMarker, LogoutStore, ReplayStore } from '../logout/store.ts'

/**
 * A record read from a {@link SharedStore}: its value (undefined when absent or deleted) and its
 * version, which every write increases (0 for a key never written).
 *
 * @example
 * ```ts
 * const { version, value } = await sharedStore.read('openid-rp:session:alice')
 * ```
 */
export interface VersionedValue {
  /** Increased by every write; 0 for a key never written. */
  version: number
  /** The value, or undefined when absent or deleted. */
  value: string | undefined
}

/**
 * A lease taken with {@link SharedStore.lease}; it ends by itself after its time to live.
 *
 * @example
 * ```ts
 * const lease = await sharedStore.lease?.('openid-rp:lease:alice', 10_000)
 * try {
 *   // refresh
 * } finally {
 *   await lease?.release()
 * }
 * ```
 */
export interface Lease {
  /** Ends the lease now, if this holder still has it. */
  release(): Promise<void>
}

/**
 * The one store for everything instances share: tokens (compare-and-set on a version), discovery
 * metadata, the JWKS cache, DPoP nonces, logout markers and replay entries. Adapters:
 * {@link createMemoryStore} (the default), {@link createBrowserStore},
 * {@link createCloudflareKvStore}, and `createRedisStore` from `openid-rp/redis`.
 *
 * @example
 * ```ts
 * const store: client.SharedStore = client.createMemoryStore()
 * const manager = client.createTokenManager(config, { store, session: 'alice', initialTokens })
 * ```
 */
export interface SharedStore extends LogoutStore, ReplayStore {
  /**
   * Whether {@link SharedStore.compareAndSet} is atomic across instances (false for Cloudflare KV,
   * whose writes are last-writer-wins).
   */
  readonly atomic: boolean
  /** A plain value, or undefined. */
  get(key: string): Promise<string | undefined>
  /** Stores a plain value, forgotten after `ttl` seconds when given. */
  set(key: string, value: string, ttl?: number): Promise<void>
  /** Removes a plain value. */
  delete(key: string): Promise<void>
  /** A versioned record. */
  read(key: string): Promise<VersionedValue>
  /**
   * Writes `value` (undefined deletes it) when the record's version is still `expectedVersion`,
   * increasing the version; `false` when another writer came first.
   */
  compareAndSet(key: string, expectedVersion: number, value: string | undefined): Promise<boolean>
  /**
   * Takes the lease `key` for `ttl` milliseconds when nobody holds it; undefined when another
   * holder has it. Stores without leases leave this out.
   */
  lease?(key: string, ttl: number): Promise<Lease | undefined>
}

/** @internal The logout-marker keys a marker or a session's claims match. */
export function logoutKeys(claims: { iss: string; sid?: string; sub?: string }): string[] {
  const keys: string[] = []
  if (typeof claims.sid === 'string') keys.push(`openid-rp:logout:sid:${claims.iss} ${claims.sid}`)
  if (typeof claims.sub === 'string') keys.push(`openid-rp:logout:sub:${claims.iss} ${claims.sub}`)
  return keys
}

/** @internal The key a marker is recorded under: its `sid`, else its `sub`. */
export function markerKey(marker: LogoutMarker): string {
  const keys = logoutKeys(
    typeof marker.sid === 'string' ? { iss: marker.iss, sid: marker.sid } : marker,
  )
  if (keys.length === 0) {
    throw argumentError(
      '"marker" must have a "sid" or a "sub" besides "iss"',
      'ERR_INVALID_ARG_VALUE',
    )
  }
  return keys[0]!
}

/** @internal Whether a marker recorded at `recorded` (seconds) ends a session begun at `began`. */
export function endsSession(recorded: number, began: number | undefined): boolean {
  return began === undefined || recorded >= began
}
