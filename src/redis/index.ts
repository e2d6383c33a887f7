// openid-rp/redis: the SharedStore on a Redis server, for instances that share sessions;
// compare-and-set in a Lua script, leases with SET NX PX. The client is the caller's.

import { argumentError } from '../core/errors.ts'
import { endsSession, type Lease, logoutKeys, markerKey, type SharedStore } from '../store/types.ts'

export type { LogoutMarker, LogoutStore, ReplayStore } from '../logout/store.ts'
export type { Lease, SharedStore, VersionedValue } from '../store/types.ts'

/**
 * The one method of a Redis client the store uses: send a command, get its reply. A connected
 * client of the `redis` package (node-redis 5) has it as it is.
 *
 * @example
 * ```ts
 * import { createClient } from 'redis'
 * import type { RedisCommandClient } from 'openid-rp/redis'
 * const redis: RedisCommandClient = await createClient({ url: env.REDIS_URL }).connect()
 * ```
 */
export interface RedisCommandClient {
  /** Sends one command (its name and arguments) and resolves with the server's reply. */
  sendCommand(args: string[]): Promise<unknown>
}

/**
 * Options of {@link createRedisStore}.
 *
 * @example
 * ```ts
 * import { createClient } from 'redis'
 * import { createRedisStore } from 'openid-rp/redis'
 * const redis = await createClient({ url: env.REDIS_URL }).connect()
 * const store = createRedisStore(redis, { prefix: 'my-app:' })
 * ```
 */
export interface RedisStoreOptions {
  /** Put before every key (default none), to share a database between applications. */
  prefix?: string
}

const COMPARE_AND_SET = `
local version = tonumber(redis.call('HGET', KEYS[1], 'v') or '0')
if version ~= tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], 'v', version + 1)
if ARGV[2] == '1' then
  redis.call('HSET', KEYS[1], 'value', ARGV[3])
else
  redis.call('HDEL', KEYS[1], 'value')
end
return 1`

const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`

const text = (reply: unknown): string | undefined =>
  reply === null || reply === undefined ? undefined : String(reply)

/**
 * A {@link SharedStore} on a Redis server: atomic compare-and-set (a Lua script on a hash holding
 * the version and the value), leases (`SET NX PX`, released by a compare-and-delete script),
 * expiring logout markers and replay entries (`SET NX PXAT`). Pass a connected client of the
 * `redis` package (an optional peer dependency) or anything with its `sendCommand`.
 *
 * @example
 * ```ts
 * import { createClient } from 'redis'
 * import { createRedisStore } from 'openid-rp/redis'
 *
 * const store = createRedisStore(await createClient({ url: env.REDIS_URL }).connect())
 * const manager = client.createTokenManager(config, { store, session: sessionId })
 * ```
 * @see [Redis EVAL](https://redis.io/docs/latest/commands/eval/)
 */
export function createRedisStore(
  redis: RedisCommandClient,
  options: RedisStoreOptions = {},
): SharedStore {
  if (typeof redis?.sendCommand !== 'function') {
    throw argumentError(
      '"redis" must be a connected client of the redis package (with sendCommand)',
    )
  }
  const prefix = options.prefix ?? ''
  if (typeof prefix !== 'string') throw argumentError('"options.prefix" must be a string')
  const send = (...args: string[]) => redis.sendCommand(args)
  const k = (key: string) => `${prefix}${key}`
  return {
    atomic: true,
    async get(key) {
      return text(await send('GET', k(key)))
    },
    async set(key, value, ttl) {
      if (ttl === undefined) await send('SET', k(key), value)
      else await send('SET', k(key), value, 'PX', String(Math.max(1, Math.ceil(ttl * 1000))))
    },
    async delete(key) {
      await send('DEL', k(key))
    },
    async read(key) {
      const [version, value] = (await send('HMGET', k(key), 'v', 'value')) as unknown[]
      return { version: Number(version ?? 0), value: text(value) }
    },
    async compareAndSet(key, expectedVersion, value) {
      const written = await send(
        'EVAL',
        COMPARE_AND_SET,
        '1',
        k(key),
        String(expectedVersion),
        value === undefined ? '0' : '1',
        value ?? '',
      )
      return Number(written) === 1
    },
    async lease(key, ttl) {
      const holder = crypto.randomUUID()
      const taken = await send(
        'SET',
        k(key),
        holder,
        'NX',
        'PX',
        String(Math.max(1, Math.ceil(ttl))),
      )
      if (taken === null || taken === undefined) return undefined
      const lease: Lease = {
        async release() {
          await send('EVAL', RELEASE, '1', k(key), holder)
        },
      }
      return lease
    },
    async markLoggedOut(marker, ttl) {
      const now = String(Math.floor(Date.now() / 1000))
      await send('SET', k(markerKey(marker)), now, 'PX', String(Math.max(1, Math.ceil(ttl * 1000))))
    },
    async isLoggedOut(claims) {
      const keys = logoutKeys(claims)
      if (keys.length === 0) return false
      const recorded = (await send('MGET', ...keys.map(k))) as unknown[]
      const began = claims.auth_time ?? claims.iat
      return recorded.some(
        (value) => text(value) !== undefined && endsSession(Number(value), began),
      )
    },
    async clear(claims) {
      const keys = logoutKeys(claims)
      if (keys.length !== 0) await send('DEL', ...keys.map(k))
    },
    async remember(key, expiresAt) {
      const at = Math.max(Math.floor(expiresAt * 1000), Date.now() + 1000)
      const added = await send('SET', k(`openid-rp:replay:${key}`), '1', 'NX', 'PXAT', String(at))
      return added !== null && added !== undefined
    },
  }
}
