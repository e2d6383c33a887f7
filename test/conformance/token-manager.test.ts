/**
 * createTokenManager() against the hostile server (openid-rp only): single flight, the warm
 * cache, keys per scope/resource, the invalid_grant loser path, session end, revocation, events,
 * background refresh, and ID Token continuity (OIDC Core 12.2) per claim, also through
 * refreshTokenGrant()'s `previousIdTokenClaims`.
 */
import assert from 'node:assert/strict'
import { after, before, beforeEach, describe, it } from 'node:test'

import * as rp from 'openid-rp'

import { CLIENT_ID, HostileServer, reply, rejects, ROUTES } from '../support/hostile.ts'
import type { Client } from '../support/implementations.ts'

const client = rp as unknown as Client
let as: HostileServer

before(async () => {
  as = await HostileServer.start()
})
after(() => as.close())
beforeEach(() => as.reset())

const expired = { access_token: 'at-0', token_type: 'bearer', expires_in: 0, refresh_token: 'rt-0' }

async function configure(): Promise<rp.Configuration> {
  return (await as.configure(client, {
    metadata: { revocation_endpoint: as.url('/revoke') },
  })) as unknown as rp.Configuration
}

/** A token route that rotates: refresh token n yields access token n+1 and refresh token n+1. */
function rotating(
  delay = 0,
  extra: (n: number) => Promise<Record<string, unknown>> | Record<string, unknown> = () => ({}),
) {
  let issued = 0
  as.on(ROUTES.token, async (request) => {
    const used = request.form.get('refresh_token') ?? ''
    if (used !== `rt-${issued}`) return reply.json({ error: 'invalid_grant' }, 400)
    issued++
    const n = issued
    if (delay) await new Promise((resolve) => setTimeout(resolve, delay))
    return reply.json(
      as.tokenResponse({ access_token: `at-${n}`, refresh_token: `rt-${n}`, ...(await extra(n)) }),
    )
  })
}

describe('createTokenManager() (openid-rp)', () => {
  it('100 concurrent accessToken() calls make exactly 1 token request', async () => {
    const config = await configure()
    rotating(20)
    const manager = rp.createTokenManager(config, { session: 's1', initialTokens: expired })
    const tokens = await Promise.all(Array.from({ length: 100 }, () => manager.accessToken()))
    assert.equal(as.count(ROUTES.token), 1)
    assert.deepEqual(new Set(tokens), new Set(['at-1']))
    assert.equal(await manager.accessToken(), 'at-1', 'the warm cache answers')
    assert.equal(as.count(ROUTES.token), 1)
    assert.equal((await manager.tokens())?.refresh_token, 'rt-1')
  })

  it('accessToken() keeps one token per scope and per resource, and sends them', async () => {
    const config = await configure()
    let n = 0
    as.on(ROUTES.token, () => reply.json(as.tokenResponse({ access_token: `at-${++n}` })))
    const manager = rp.createTokenManager(config, { session: 's2', initialTokens: expired })
    const [a, b, c] = await Promise.all([
      manager.accessToken({ resource: 'https://a.example' }),
      manager.accessToken({ resource: 'https://b.example' }),
      manager.accessToken({ scope: 'api:read' }),
    ])
    assert.equal(new Set([a, b, c]).size, 3)
    const sent = as.received(ROUTES.token).map((r) => [r.form.get('resource'), r.form.get('scope')])
    assert.deepEqual(sent, [
      ['https://a.example', null],
      ['https://b.example', null],
      [null, 'api:read'],
    ])
    assert.equal(await manager.accessToken({ resource: 'https://a.example' }), a)
    assert.equal(as.count(ROUTES.token), 3)
  })

  it('a DPoP-bound manager keys its tokens by the key thumbprint and sends proofs', async () => {
    const config = await configure()
    rotating()
    const DPoP = rp.getDPoPHandle(config, await rp.randomDPoPKeyPair())
    const store = rp.createMemoryStore()
    const manager = rp.createTokenManager(config, {
      session: 's3',
      store,
      DPoP,
      initialTokens: expired,
    })
    assert.equal(await manager.accessToken(), 'at-1')
    assert.ok(as.received(ROUTES.token)[0]!.headers.get('dpop'), 'a DPoP proof was sent')
    assert.equal((await manager.tokens())?.access_token, 'at-1')
    const other = rp.createTokenManager(config, {
      session: 's3',
      store,
      DPoP: rp.getDPoPHandle(config, await rp.randomDPoPKeyPair()),
    })
    assert.equal(
      await other.accessToken(),
      'at-2',
      'another key does not get the first key’s token',
    )
  })

  it('a loser that gets invalid_grant adopts the winner’s rotated tokens', async () => {
    const config = await configure()
    rotating(150)
    const store = rp.createMemoryStore()
    const options = { session: 's4', store, initialTokens: expired, lease: false as const }
    const winner = rp.createTokenManager(config, options)
    const loser = rp.createTokenManager(config, options)
    const expiries: unknown[] = []
    loser.on('expiry', (event) => expiries.push(event))
    const first = winner.accessToken()
    await new Promise((resolve) => setTimeout(resolve, 30))
    const second = loser.accessToken()
    assert.deepEqual(await Promise.all([first, second]), ['at-1', 'at-1'])
    assert.equal(as.count(ROUTES.token), 2, 'the loser sent the spent refresh token once')
    assert.equal(as.received(ROUTES.token)[1]!.form.get('refresh_token'), 'rt-0')
    assert.equal((await loser.tokens())?.refresh_token, 'rt-1')
    assert.deepEqual(expiries, [])
  })

  it('with a lease, two managers on one store make one refresh', async () => {
    const config = await configure()
    rotating(100)
    const store = rp.createMemoryStore()
    const options = { session: 's5', store, initialTokens: expired }
    const managers = [
      rp.createTokenManager(config, options),
      rp.createTokenManager(config, options),
    ]
    const tokens = await Promise.all(managers.flatMap((m) => [m.accessToken(), m.accessToken()]))
    assert.deepEqual(new Set(tokens), new Set(['at-1']))
    assert.equal(as.count(ROUTES.token), 1)
  })

  it('a refresh token refused while still stored ends the session (expiry event, then ClientError)', async () => {
    const config = await configure()
    as.on(ROUTES.token, () =>
      reply.json({ error: 'invalid_grant', error_description: 'gone' }, 400),
    )
    const manager = rp.createTokenManager(config, { session: 's6', initialTokens: expired })
    const events: string[] = []
    manager.on('expiry', (event) => events.push(`${event.type}:${event.session}`))
    await rejects(client, manager.accessToken(), 'ResponseBodyError', 'OAUTH_RESPONSE_BODY_ERROR')
    assert.deepEqual(events, ['expiry:s6'])
    assert.equal(await manager.tokens(), undefined)
    const err = await rejects(client, manager.accessToken(), 'ClientError', 'OAUTH_INVALID_REQUEST')
    assert.match(err.message, /sign the user in again/)
    assert.ok(
      !/rt-0|at-0/.test(`${err.message} ${JSON.stringify(err.cause)}`),
      'no token in the error',
    )
  })

  it('an access token without a refresh token is refused once expired', async () => {
    const config = await configure()
    const manager = rp.createTokenManager(config, {
      session: 's7',
      initialTokens: { access_token: 'at-0', token_type: 'bearer', expires_in: 0 },
    })
    await rejects(client, manager.accessToken(), 'ClientError', 'OAUTH_INVALID_REQUEST')
    assert.equal(as.count(ROUTES.token), 0)
  })

  it('revoke() removes the session and revokes its tokens (RFC 7009)', async () => {
    const config = await configure()
    rotating()
    as.on('/revoke', () => ({ status: 200, body: '' }))
    const manager = rp.createTokenManager(config, { session: 's8', initialTokens: expired })
    const events: string[] = []
    for (const type of ['refresh', 'rotation', 'revocation'] as const)
      manager.on(type, (e) => events.push(e.type))
    await manager.accessToken()
    await manager.revoke()
    assert.deepEqual(events, ['refresh', 'rotation', 'revocation'])
    const sent = as
      .received('/revoke')
      .map((r) => [r.form.get('token'), r.form.get('token_type_hint')])
    assert.deepEqual(sent, [
      ['rt-1', 'refresh_token'],
      ['at-1', 'access_token'],
    ])
    assert.equal(await manager.tokens(), undefined)
    await rejects(client, manager.accessToken(), 'ClientError', 'OAUTH_INVALID_REQUEST')
  })

  it('background refresh (opt-in) refreshes before expiry without a caller', async () => {
    const config = await configure()
    rotating(0, () => ({ expires_in: 1 }))
    const manager = rp.createTokenManager(config, {
      session: 's9',
      initialTokens: expired,
      skew: 0,
      backgroundRefresh: true,
    })
    const refreshed = new Promise((resolve) => manager.on('refresh', resolve))
    await manager.accessToken()
    assert.equal(as.count(ROUTES.token), 1)
    await refreshed
    await new Promise((resolve) => manager.on('refresh', resolve))
    manager.close()
    assert.ok(as.count(ROUTES.token) >= 2)
  })

  it('background refresh is off by default', async () => {
    const config = await configure()
    rotating(0, () => ({ expires_in: 1 }))
    const manager = rp.createTokenManager(config, {
      session: 's10',
      initialTokens: expired,
      skew: 0,
    })
    await manager.accessToken()
    await new Promise((resolve) => setTimeout(resolve, 1300))
    assert.equal(as.count(ROUTES.token), 1)
  })

  it('rejects bad arguments with TypeErrors', async () => {
    const config = await configure()
    assert.throws(() => rp.createTokenManager(config, {} as never), {
      code: 'ERR_INVALID_ARG_TYPE',
    })
    assert.throws(() => rp.createTokenManager({} as never, { session: 'x' }), {
      code: 'ERR_INVALID_ARG_TYPE',
    })
    assert.throws(() => rp.createTokenManager(config, { session: 'x', skew: -1 }), {
      code: 'ERR_INVALID_ARG_VALUE',
    })
    const manager = rp.createTokenManager(config, { session: 'x' })
    await assert.rejects(manager.accessToken({ scope: 1 as never }), {
      code: 'ERR_INVALID_ARG_TYPE',
    })
    await assert.rejects(manager.accessToken(null as never), { code: 'ERR_INVALID_ARG_TYPE' })
  })
})

describe('ID Token continuity on refresh (OIDC Core 12.2, openid-rp)', () => {
  const previous = (): Record<string, unknown> => ({
    iss: as.issuer,
    sub: 'user-1',
    aud: CLIENT_ID,
    auth_time: 1_700_000_000,
    iat: 1_700_000_000,
    exp: 1_700_000_300,
  })

  async function refreshWith(
    claims: Record<string, unknown>,
    before: Record<string, unknown> = previous(),
  ) {
    const config = await configure()
    const idToken = await as.idToken(claims)
    as.on(ROUTES.token, () => reply.json(as.tokenResponse({ id_token: idToken })))
    return rp.refreshTokenGrant(config, 'rt-0', undefined, {
      previousIdTokenClaims: before as never,
    })
  }

  it('accepts a refreshed ID Token with the same iss, sub, aud (in another order), azp, auth_time', async () => {
    const before = { ...previous(), aud: [CLIENT_ID, 'api'], azp: CLIENT_ID }
    const tokens = await refreshWith(
      { auth_time: 1_700_000_000, aud: ['api', CLIENT_ID], azp: CLIENT_ID },
      before,
    )
    assert.equal(tokens.claims()?.sub, 'user-1')
  })

  it('accepts a refresh response without an ID Token', async () => {
    const config = await configure()
    const tokens = await rp.refreshTokenGrant(config, 'rt-0', undefined, {
      previousIdTokenClaims: previous() as never,
    })
    assert.equal(tokens.access_token, 'access-token-1')
  })

  const cases: [string, Record<string, unknown>, (() => Record<string, unknown>)?][] = [
    ['sub', { sub: 'user-2' }],
    ['aud', { aud: [CLIENT_ID, 'api'], azp: CLIENT_ID }],
    ['azp', { azp: CLIENT_ID }],
    ['auth_time', { auth_time: 1_700_000_001 }],
    ['iss', {}, () => ({ ...previous(), iss: 'https://other.example' })],
  ]
  for (const [claim, claims, before] of cases) {
    it(`refreshTokenGrant() rejects a refreshed ID Token whose ${claim} differs`, async () => {
      const err = await rejects(
        client,
        refreshWith({ auth_time: 1_700_000_000, ...claims }, before?.()),
        'ClientError',
        'OAUTH_JWT_CLAIM_COMPARISON_FAILED',
      )
      assert.equal((err.cause as { claim: string }).claim, claim)
      assert.match(err.message, new RegExp(`"${claim}" differs`))
    })
  }

  it('the token manager rejects a refreshed ID Token of another subject and keeps the session', async () => {
    const config = await configure()
    const idToken = await as.idToken({ sub: 'user-2' })
    as.on(ROUTES.token, () => reply.json(as.tokenResponse({ id_token: idToken })))
    const initialTokens = { ...expired, claims: () => previous() as never }
    const manager = rp.createTokenManager(config, { session: 'c1', initialTokens })
    const err = await rejects(
      client,
      manager.accessToken(),
      'ClientError',
      'OAUTH_JWT_CLAIM_COMPARISON_FAILED',
    )
    assert.equal((err.cause as { claim: string }).claim, 'sub')
    assert.equal((await manager.tokens())?.refresh_token, 'rt-0')
  })

  it('refreshTokenGrant() refuses previousIdTokenClaims that are not an object', async () => {
    const config = await configure()
    await assert.rejects(
      rp.refreshTokenGrant(config, 'rt-0', undefined, { previousIdTokenClaims: 'x' as never }),
      { code: 'ERR_INVALID_ARG_TYPE' },
    )
  })
})
