/**
 * A stateless handler's token lifecycle: the session's tokens live in Redis, every instance asks
 * the token manager for an access token, and one refresh happens for all of them.
 */
import * as client from 'openid-rp'
import { createRedisStore } from 'openid-rp/redis'
import { createClient } from 'redis'

export interface TokenManagerExampleOptions {
  clientId: string
  clientSecret: string
  redisUrl: string
  /** The user's session ID (e.g. from a cookie). */
  session: string
  /** The authorization code grant's tokens, right after login. */
  initialTokens?: client.InitialTokens
  /** The `sub` of the signed-in user. */
  expectedSubject: string
  allowHttp?: boolean
}

/** One request of a handler: a valid access token for the session, then the user's claims. */
export async function main(issuer: URL, options: TokenManagerExampleOptions) {
  const redis = createClient({ url: options.redisUrl })
  await redis.connect()
  try {
    const config = await client.discovery(
      issuer,
      options.clientId,
      options.clientSecret,
      undefined,
      { execute: options.allowHttp ? [client.allowInsecureRequests] : [] },
    )
    const manager = client.createTokenManager(config, {
      session: options.session,
      store: createRedisStore(redis, { prefix: 'example:' }),
      initialTokens: options.initialTokens,
    })
    const accessToken = await manager.accessToken()
    return await client.fetchUserInfo(config, accessToken, options.expectedSubject)
  } finally {
    await redis.quit()
  }
}
