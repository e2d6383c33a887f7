/**
 * The in-memory logout and replay stores: the LogoutStore contract (sid and sub-only markers,
 * an old logout never ends a newer session, clear, ttl), the ReplayStore contract (atomic under
 * parallel callers, expiry) and their bound on entries.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'

import * as client from 'openid-rp'

const iss = 'https://op.example.com'
const now = () => Math.floor(Date.now() / 1000)

describe('MemoryLogoutStore', () => {
  it('isLoggedOut() is true for the same iss and sid, false for another sid or issuer', async () => {
    const store = new client.MemoryLogoutStore()
    await store.markLoggedOut({ iss, sid: 's-1', sub: 'u-1' }, 60)
    assert.equal(await store.isLoggedOut({ iss, sid: 's-1', sub: 'u-1', iat: now() - 10 }), true)
    assert.equal(await store.isLoggedOut({ iss, sid: 's-2', sub: 'u-1', iat: now() - 10 }), false)
    assert.equal(
      await store.isLoggedOut({ iss: 'https://other.example', sid: 's-1', iat: now() - 10 }),
      false,
    )
  })

  it('a sub-only marker ends every session of that user at that issuer', async () => {
    const store = new client.MemoryLogoutStore()
    await store.markLoggedOut({ iss, sub: 'u-1' }, 60)
    assert.equal(await store.isLoggedOut({ iss, sid: 'a', sub: 'u-1', iat: now() - 5 }), true)
    assert.equal(await store.isLoggedOut({ iss, sid: 'b', sub: 'u-1', iat: now() - 5 }), true)
    assert.equal(await store.isLoggedOut({ iss, sid: 'c', sub: 'u-2', iat: now() - 5 }), false)
  })

  it('an old logout never ends a session that began after it (iat or auth_time)', async () => {
    const store = new client.MemoryLogoutStore()
    await store.markLoggedOut({ iss, sub: 'u-1' }, 60)
    assert.equal(await store.isLoggedOut({ iss, sub: 'u-1', iat: now() + 2 }), false)
    assert.equal(
      await store.isLoggedOut({ iss, sub: 'u-1', iat: now() - 30, auth_time: now() + 2 }),
      false,
    )
  })

  it('clear() forgets the markers of the claims; markers expire after ttl', async (t) => {
    const store = new client.MemoryLogoutStore()
    await store.markLoggedOut({ iss, sid: 's-1' }, 60)
    await store.clear({ iss, sid: 's-1' })
    assert.equal(await store.isLoggedOut({ iss, sid: 's-1', iat: now() - 5 }), false)
    t.mock.timers.enable({ apis: ['Date'], now: Date.now() })
    await store.markLoggedOut({ iss, sid: 's-2' }, 60)
    assert.equal(await store.isLoggedOut({ iss, sid: 's-2', iat: 0 }), true)
    t.mock.timers.tick(61_000)
    assert.equal(await store.isLoggedOut({ iss, sid: 's-2', iat: 0 }), false)
  })

  it('keeps at most maxEntries markers, evicting the oldest', async () => {
    const store = new client.MemoryLogoutStore({ maxEntries: 3 })
    for (const sid of ['a', 'b', 'c', 'd']) await store.markLoggedOut({ iss, sid }, 60)
    assert.equal(store.size, 3)
    assert.equal(await store.isLoggedOut({ iss, sid: 'a', iat: 0 }), false)
    assert.equal(await store.isLoggedOut({ iss, sid: 'd', iat: 0 }), true)
  })

  it('rejects bad markers with TypeError', async () => {
    const store = new client.MemoryLogoutStore()
    await assert.rejects(store.markLoggedOut({ iss } as never, 60), {
      name: 'TypeError',
      code: 'ERR_INVALID_ARG_VALUE',
    })
    await assert.rejects(store.markLoggedOut({ iss, sid: 'x' }, -1), {
      code: 'ERR_INVALID_ARG_VALUE',
    })
    await assert.rejects(store.isLoggedOut({} as never), { code: 'ERR_INVALID_ARG_TYPE' })
    assert.throws(() => new client.MemoryLogoutStore({ maxEntries: 0 }), {
      code: 'ERR_INVALID_ARG_VALUE',
    })
  })
})

describe('MemoryReplayStore', () => {
  it('remember() is true once, false for a replay, true again after expiry', async (t) => {
    t.mock.timers.enable({ apis: ['Date'], now: Date.now() })
    const store = new client.MemoryReplayStore()
    assert.equal(await store.remember('k', now() + 10), true)
    assert.equal(await store.remember('k', now() + 10), false)
    t.mock.timers.tick(11_000)
    assert.equal(await store.remember('k', now() + 10), true)
  })

  it('remember() records a key once among parallel callers', async () => {
    const store = new client.MemoryReplayStore()
    const results = await Promise.all(
      Array.from({ length: 50 }, () => store.remember('same', now() + 60)),
    )
    assert.equal(results.filter(Boolean).length, 1)
  })

  it('keeps at most maxEntries keys, dropping expired ones first', async () => {
    const store = new client.MemoryReplayStore({ maxEntries: 2 })
    await store.remember('expired', now() - 1)
    await store.remember('a', now() + 60)
    await store.remember('b', now() + 60)
    assert.equal(store.size, 2)
    assert.equal(await store.remember('a', now() + 60), false)
    assert.equal(await store.remember('b', now() + 60), false)
  })
})
