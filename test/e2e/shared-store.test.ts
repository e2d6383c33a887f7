/**
 * The SharedStore contract, run on the in-memory store and on openid-rp/redis against a real
 * Redis server: versions and compare-and-set under contention, leases (exclusive, released,
 * expiring), plain values with a time to live, back-channel logout markers and jti replay. The
 * Cloudflare KV store runs the non-atomic part on a stand-in namespace with KV's interface (no
 * KV service runs here), and its documented limit (concurrent writers may both win) is shown.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'

import {
  createCloudflareKvStore,
  createMemoryStore,
  type KvNamespace,
  type SharedStore,
} from 'openid-rp'
import { createRedisStore } from 'openid-rp/redis'

import { redisSuite, useRedis } from '../support/redis.ts'

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
let unique = 0
const key = (name: string) => `test:${name}:${++unique}`

function contract(open: () => SharedStore, atomic = true) {
  /** Registered only for atomic stores (KV's limit is shown in its own suite). */
  const atomicIt = atomic ? it : () => {}

  it('read() of a key never written is version 0 without a value', async () => {
    assert.deepEqual(await open().read(key('absent')), { version: 0, value: undefined })
  })

  it('compareAndSet() writes only at the expected version, and deletes with undefined', async () => {
    const store = open()
    const k = key('cas')
    assert.equal(await store.compareAndSet(k, 0, 'a'), true)
    assert.deepEqual(await store.read(k), { version: 1, value: 'a' })
    assert.equal(await store.compareAndSet(k, 0, 'b'), false, 'a stale version loses')
    assert.equal(await store.compareAndSet(k, 1, undefined), true)
    assert.deepEqual(await store.read(k), { version: 2, value: undefined })
    assert.equal(await store.compareAndSet(k, 1, 'c'), false, 'a delete also moves the version')
  })

  atomicIt('of 50 concurrent compareAndSet() at one version exactly one wins', async () => {
    const store = open()
    const k = key('race')
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => store.compareAndSet(k, 0, String(i))),
    )
    assert.equal(results.filter(Boolean).length, 1)
    assert.equal((await store.read(k)).version, 1)
  })

  atomicIt('lease() is exclusive until released, and ends by itself after its ttl', async () => {
    const store = open()
    const k = key('lease')
    const first = await store.lease!(k, 300)
    assert.ok(first)
    assert.equal(await store.lease!(k, 300), undefined, 'held by another')
    await first.release()
    const second = await store.lease!(k, 100)
    assert.ok(second, 'free after release')
    await sleep(200)
    const third = await store.lease!(k, 100)
    assert.ok(third, 'free after the ttl')
    await second.release()
    assert.equal(await store.lease!(k, 100), undefined, 'a stale holder cannot release the new one')
  })

  it('get()/set()/delete() keep plain values, forgotten after their ttl', async () => {
    const store = open()
    const k = key('plain')
    await store.set(k, 'metadata')
    assert.equal(await store.get(k), 'metadata')
    await store.delete(k)
    assert.equal(await store.get(k), undefined)
    await store.set(k, 'nonce', 0.15)
    assert.equal(await store.get(k), 'nonce')
    await sleep(250)
    assert.equal(await store.get(k), undefined)
  })

  it('isLoggedOut() matches iss+sid, or iss+sub for a sub-only marker, recorded after the session began', async () => {
    const store = open()
    const iss = `https://op.example/${++unique}`
    const now = Math.floor(Date.now() / 1000)
    await store.markLoggedOut({ iss, sid: 'sid-1', sub: 'alice' }, 60)
    assert.equal(await store.isLoggedOut({ iss, sid: 'sid-1', iat: now - 10 }), true)
    assert.equal(
      await store.isLoggedOut({ iss, sid: 'sid-2', sub: 'alice' }),
      false,
      'sid marker, other sid',
    )
    assert.equal(await store.isLoggedOut({ iss: `${iss}x`, sid: 'sid-1' }), false, 'other issuer')
    assert.equal(
      await store.isLoggedOut({ iss, sid: 'sid-1', iat: now - 100, auth_time: now + 100 }),
      false,
      'a session begun after the marker (auth_time) is not ended by it',
    )
    await store.markLoggedOut({ iss, sub: 'bob' }, 60)
    assert.equal(await store.isLoggedOut({ iss, sid: 'any', sub: 'bob', iat: now }), true)
    await store.clear({ iss, sub: 'bob' })
    assert.equal(await store.isLoggedOut({ iss, sub: 'bob' }), false)
    await store.clear({ iss, sid: 'sid-1' })
    assert.equal(await store.isLoggedOut({ iss, sid: 'sid-1' }), false)
    await assert.rejects(async () => store.markLoggedOut({ iss }, 60), {
      code: 'ERR_INVALID_ARG_VALUE',
    })
  })

  it('logout markers expire after their ttl', async () => {
    const store = open()
    const iss = `https://op.example/${++unique}`
    await store.markLoggedOut({ iss, sid: 's' }, 0.15)
    assert.equal(await store.isLoggedOut({ iss, sid: 's' }), true)
    await sleep(250)
    assert.equal(await store.isLoggedOut({ iss, sid: 's' }), false)
  })

  atomicIt(
    'remember() is true once and false on replay, atomically under 20 concurrent calls',
    async () => {
      const store = open()
      const k = key('jti')
      const exp = Math.floor(Date.now() / 1000) + 60
      const results = await Promise.all(Array.from({ length: 20 }, () => store.remember(k, exp)))
      assert.equal(results.filter(Boolean).length, 1)
      assert.equal(await store.remember(k, exp), false)
    },
  )
}

/** A namespace with Workers KV's interface over a Map; each call yields as a network call would. */
function kvStandIn(): KvNamespace & { ttls: number[] } {
  const values = new Map<string, string>()
  const ttls: number[] = []
  const tick = () => new Promise((resolve) => setImmediate(resolve))
  return {
    ttls,
    async get(key) {
      await tick()
      return values.get(key) ?? null
    },
    async put(key, value, options) {
      await tick()
      if (options?.expirationTtl !== undefined) ttls.push(options.expirationTtl)
      values.set(key, value)
    },
    async delete(key) {
      await tick()
      values.delete(key)
    },
  }
}

describe('createCloudflareKvStore() (stand-in namespace)', () => {
  contract(() => createCloudflareKvStore(kvStandIn()), false)

  it('says it is not atomic, has no lease, and concurrent compareAndSet() may both win', async () => {
    const store = createCloudflareKvStore(kvStandIn())
    assert.equal(store.atomic, false)
    assert.equal(store.lease, undefined)
    const results = await Promise.all([
      store.compareAndSet('k', 0, 'a'),
      store.compareAndSet('k', 0, 'b'),
    ])
    assert.deepEqual(results, [true, true], 'the documented limit: last writer wins')
  })

  it('never asks KV for an expirationTtl under its 60 s minimum, and expires on read', async () => {
    const kv = kvStandIn()
    const store = createCloudflareKvStore(kv)
    await store.set('short', 'v', 0.1)
    assert.deepEqual(kv.ttls, [60])
    await sleep(150)
    assert.equal(await store.get('short'), undefined)
  })
})

describe('createMemoryStore()', () => {
  contract(() => createMemoryStore())
})

describe('openid-rp/redis createRedisStore() on a real Redis', redisSuite, () => {
  const redis = useRedis()

  contract(() => createRedisStore(redis.connection))

  it('keeps its keys under the prefix', async () => {
    const store = createRedisStore(redis.connection, { prefix: 'app1:' })
    await store.set('k', 'v')
    assert.equal(await redis.connection.get('app1:k'), 'v')
    assert.equal(await createRedisStore(redis.connection).get('k'), undefined)
  })

  it('refuses something that is not a Redis client', () => {
    assert.throws(() => createRedisStore({} as never), { code: 'ERR_INVALID_ARG_TYPE' })
  })
})
