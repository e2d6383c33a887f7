/**
 * One instance of a stateless deployment, as a child process: a token manager on a Redis-backed
 * session. It prints `ready`, waits for a line on stdin, makes CALLS concurrent accessToken()
 * calls, and prints what it got as one JSON line. With HANG=1 its token requests never answer
 * (it is killed mid-refresh, holding the lease); it prints `refreshing` when one starts.
 */
import * as client from 'openid-rp'
import { createRedisStore } from 'openid-rp/redis'
import { createClient } from 'redis'

const env = (name: string) => {
  const value = process.env[name]
  if (value === undefined) throw new Error(`${name} is not set`)
  return value
}

const redis = createClient({ url: env('REDIS_URL') })
await redis.connect()
const config = await client.discovery(
  new URL(env('ISSUER')),
  env('CLIENT_ID'),
  undefined,
  client.ClientSecretBasic(env('CLIENT_SECRET')),
  { execute: [client.allowInsecureRequests] },
)
if (process.env.HANG === '1') {
  config[client.customFetch] = (url, options) => {
    if (new URL(url).pathname.endsWith('/token')) {
      process.stdout.write('refreshing\n')
      return new Promise<Response>(() => {})
    }
    return fetch(url, options as RequestInit)
  }
}
const manager = client.createTokenManager(config, {
  session: env('SESSION'),
  store: createRedisStore(redis),
  lease: Number(process.env.LEASE ?? 10_000),
})
process.stdout.write('ready\n')
await new Promise((resolve) => process.stdin.once('data', resolve))
const settled = await Promise.allSettled(
  Array.from({ length: Number(process.env.CALLS ?? 50) }, () => manager.accessToken()),
)
const errors = settled
  .filter((result) => result.status === 'rejected')
  .map((result) => {
    const err = result.reason as Error & { code?: string; error?: string }
    return `${err.name} ${err.code} ${err.error ?? ''}: ${err.message}`
  })
const tokens = [
  ...new Set(settled.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []))),
]
const final = await manager.tokens()
process.stdout.write(`${JSON.stringify({ tokens, errors, final })}\n`)
await redis.quit()
process.stdin.destroy()
