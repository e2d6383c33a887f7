/**
 * createTokenManager() on the real oidc-provider with refresh-token rotation and reuse detection
 * (`rotateRefreshToken`): ID Token continuity accepted on a real refresh, revocation on logout,
 * and, on a session shared through a real Redis server, two child processes × 50 calls making
 * exactly one rotation, and a process killed mid-refresh (holding the lease) losing nothing.
 */
import assert from 'node:assert/strict'
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { createInterface } from 'node:readline'
import { after, before, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'

import * as rp from 'openid-rp'
import { createRedisStore } from 'openid-rp/redis'

import {
  closeProvider,
  discoverWebAndService,
  signInWithPKCE,
  webAndServiceClients,
  webSecret,
} from '../support/e2e.ts'
import type { Client } from '../support/implementations.ts'
import * as example from '../../examples/token-manager-redis.ts'
import { createProvider, type TestProvider } from '../support/provider.ts'
import { redisSuite, useRedis } from '../support/redis.ts'

const client = rp as unknown as Client
const child = fileURLToPath(new URL('../support/token-child.ts', import.meta.url))

let op: TestProvider
let config: rp.Configuration
const refreshes: string[] = []
const grantErrors: string[] = []

before(async () => {
  op = await createProvider({
    clients: webAndServiceClients(),
    features: { revocation: true },
    configuration: { rotateRefreshToken: true },
  })
  op.provider.on('grant.success', (ctx) => {
    if (ctx.oidc.params?.grant_type === 'refresh_token') refreshes.push('refresh_token')
  })
  op.provider.on('grant.error', (_ctx, error) => grantErrors.push(String(error)))
  config = (await discoverWebAndService(client, op)).web as unknown as rp.Configuration
})
after(() => closeProvider(op))

/** Signs in and returns tokens whose access token counts as expired, so the first call refreshes. */
async function signIn() {
  const tokens = await signInWithPKCE(client, config as never, 'openid email')
  assert.ok(tokens.refresh_token, 'the provider issued a refresh token')
  const claims = tokens.claims()
  return { ...tokens, expires_in: 0, claims: () => claims }
}

describe('createTokenManager() on oidc-provider (openid-rp)', () => {
  it('refreshes with rotation, checking ID Token continuity, and keeps the session', async () => {
    const start = refreshes.length
    const initialTokens = await signIn()
    const manager = rp.createTokenManager(config, { session: 'one', initialTokens })
    const rotations: string[] = []
    manager.on('rotation', (event) => rotations.push(event.session))
    const tokens = await Promise.all(Array.from({ length: 100 }, () => manager.accessToken()))
    assert.equal(new Set(tokens).size, 1)
    assert.equal(refreshes.length - start, 1, '100 calls, one refresh')
    assert.deepEqual(rotations, ['one'])
    const current = await manager.tokens()
    assert.notEqual(current?.refresh_token, initialTokens.refresh_token, 'rotated')
    assert.equal(
      current?.claims?.sub,
      op.account.sub,
      'the refreshed ID Token continued the session',
    )
    const userinfo = await rp.fetchUserInfo(config, tokens[0]!, op.account.sub as string)
    assert.equal(userinfo.sub, op.account.sub)
  })

  it('refreshTokenGrant() with previousIdTokenClaims accepts the provider’s refreshed ID Token', async () => {
    const { refresh_token, claims } = await signIn()
    const tokens = await rp.refreshTokenGrant(config, refresh_token!, undefined, {
      previousIdTokenClaims: claims(),
    })
    assert.equal(tokens.claims()?.sub, claims()?.sub)
  })

  it('revoke() revokes the refresh token at the provider (RFC 7009)', async () => {
    const initialTokens = await signIn()
    const manager = rp.createTokenManager(config, { session: 'revoked', initialTokens })
    await manager.accessToken()
    const { refresh_token } = (await manager.tokens())!
    await manager.revoke()
    assert.equal(await manager.tokens(), undefined)
    await assert.rejects(rp.refreshTokenGrant(config, refresh_token!), { error: 'invalid_grant' })
  })
})

interface ChildResult {
  tokens: string[]
  errors: string[]
  final: rp.ManagedTokens | undefined
}

interface Instance {
  process: ChildProcessWithoutNullStreams
  lines: AsyncIterator<string>
  next(expected: string): Promise<void>
  result(): Promise<ChildResult>
}

function startInstance(
  redisUrl: string,
  session: string,
  extra: Record<string, string> = {},
): Instance {
  const proc = spawn(process.execPath, ['--import', 'tsx', child], {
    env: {
      ...process.env,
      REDIS_URL: redisUrl,
      ISSUER: op.issuer.href,
      CLIENT_ID: 'rp-web',
      CLIENT_SECRET: webSecret,
      SESSION: session,
      ...extra,
    },
  })
  let stderr = ''
  proc.stderr.on('data', (chunk) => (stderr += chunk))
  const lines = createInterface({ input: proc.stdout })[Symbol.asyncIterator]()
  const read = async () => {
    const line = await lines.next()
    assert.ok(!line.done, `the child ended early: ${stderr}`)
    return line.value as string
  }
  return {
    process: proc,
    lines,
    async next(expected) {
      assert.equal(await read(), expected)
    },
    async result() {
      return JSON.parse(await read()) as ChildResult
    },
  }
}

describe(
  'createTokenManager() on a Redis-backed session, several processes (openid-rp)',
  redisSuite,
  () => {
    const redis = useRedis()

    async function seed(session: string) {
      const store = createRedisStore(redis.connection)
      const manager = rp.createTokenManager(config, {
        session,
        store,
        initialTokens: await signIn(),
      })
      return (await manager.tokens())!
    }

    it('two processes × 50 calls: exactly one rotation, no invalid_grant, the same valid tokens', async () => {
      const seeded = await seed('shared')
      const start = refreshes.length
      const errorsBefore = grantErrors.length
      const instances = [
        startInstance(redis.server.url, 'shared'),
        startInstance(redis.server.url, 'shared'),
      ]
      await Promise.all(instances.map((instance) => instance.next('ready')))
      for (const instance of instances) instance.process.stdin.write('go\n')
      const [a, b] = await Promise.all(instances.map((instance) => instance.result()))
      assert.deepEqual(a!.errors, [])
      assert.deepEqual(b!.errors, [])
      assert.equal(refreshes.length - start, 1, 'exactly one rotation at the provider')
      assert.deepEqual(grantErrors.slice(errorsBefore), [], 'no refresh token was reused')
      assert.equal(a!.tokens.length, 1)
      assert.deepEqual(a!.tokens, b!.tokens)
      assert.deepEqual(a!.final, b!.final)
      assert.notEqual(a!.final?.refresh_token, seeded.refresh_token)

      const userinfo = await rp.fetchUserInfo(config, a!.tokens[0]!, op.account.sub as string)
      assert.equal(userinfo.sub, op.account.sub, 'the shared access token is valid')
      const store = createRedisStore(redis.connection)
      const check = rp.createTokenManager(config, { session: 'shared', store, skew: 1e6 })
      await check.accessToken()
      assert.deepEqual(grantErrors.slice(errorsBefore), [], 'the shared refresh token is valid')
    })

    it('examples/token-manager-redis.ts: a handler refreshes through Redis, a second reuses it', async () => {
      const start = refreshes.length
      const options = {
        clientId: 'rp-web',
        clientSecret: webSecret,
        redisUrl: redis.server.url,
        session: 'example',
        expectedSubject: op.account.sub as string,
        allowHttp: true,
      }
      const first = await example.main(op.issuer, { ...options, initialTokens: await signIn() })
      assert.equal(first.sub, op.account.sub)
      const second = await example.main(op.issuer, options)
      assert.equal(second.sub, op.account.sub)
      assert.equal(refreshes.length - start, 1, 'the second handler used the stored token')
    })

    it('a process killed mid-refresh (holding the lease) loses nothing: the next caller recovers', async () => {
      const seeded = await seed('killed')
      const start = refreshes.length
      const errorsBefore = grantErrors.length
      const doomed = startInstance(redis.server.url, 'killed', {
        HANG: '1',
        LEASE: '1500',
        CALLS: '5',
      })
      await doomed.next('ready')
      doomed.process.stdin.write('go\n')
      await doomed.next('refreshing')
      const exited = new Promise((resolve) => doomed.process.once('exit', resolve))
      doomed.process.kill('SIGKILL')
      await exited

      const survivor = startInstance(redis.server.url, 'killed', { LEASE: '1500' })
      await survivor.next('ready')
      survivor.process.stdin.write('go\n')
      const result = await survivor.result()
      assert.deepEqual(result.errors, [])
      assert.equal(result.tokens.length, 1)
      assert.equal(refreshes.length - start, 1)
      assert.deepEqual(grantErrors.slice(errorsBefore), [])
      assert.notEqual(result.final?.refresh_token, seeded.refresh_token)
    })
  },
)
