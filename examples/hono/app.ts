/**
 * A Hono app doing the authorization code flow with PKCE, runtime-neutral (web-platform APIs
 * only): the same code runs on Node with `@hono/node-server` (./node.ts) and on Cloudflare
 * Workers / workerd (./worker.ts).
 *
 * Routes: `/login` redirects to the provider; `/callback` redeems the code and answers with the
 * UserInfo. The issuer's JWKS, needed because `enableNonRepudiationChecks` validates the ID
 * Token signature, is cached in a KV-like store (a Workers KV namespace fits as is), so a cold
 * instance (a fresh isolate, a new serverless invocation) does not fetch `jwks_uri` again.
 */
import { Hono } from 'hono'
import { deleteCookie, getSignedCookie, setSignedCookie } from 'hono/cookie'
import * as client from 'openid-rp'

/** The part of a Workers KV namespace this app uses. */
export interface KvStore {
  get(key: string): Promise<string | null>
  put(key: string, value: string): Promise<void>
}

export interface HonoExampleOptions {
  issuer: URL
  clientId: string
  clientSecret: string
  /** The `/callback` route's absolute URL, registered as the client's redirect URI. */
  redirectUri: string
  /** Signs the cookie that carries the PKCE verifier, state and nonce between the two routes. */
  cookieSecret: string
  kv: KvStore
  allowHttp?: boolean
}

/** KV key of the cached JWKS, per issuer. */
export const jwksKey = (issuer: URL) => `jwks:${issuer.href}`

const transactionCookie = 'oidc_tx'

interface Transaction {
  pkceCodeVerifier: string
  expectedState: string
  expectedNonce: string
}

export function createApp(options: HonoExampleOptions) {
  const key = jwksKey(options.issuer)
  // One Configuration per instance (isolate / process), made on the first request: Workers
  // forbid I/O outside a request. The stored JWKS is restored into it before first use.
  let configuration: Promise<{ config: client.Configuration; stored: string | null }> | undefined
  const setup = async () => {
    const config = await client.discovery(
      options.issuer,
      options.clientId,
      options.clientSecret,
      undefined,
      {
        execute: [
          ...(options.allowHttp ? [client.allowInsecureRequests] : []),
          client.enableNonRepudiationChecks,
        ],
      },
    )
    const stored = await options.kv.get(key)
    if (stored) client.setJwksCache(config, JSON.parse(stored) as client.ExportedJWKSCache)
    return { config, stored }
  }
  const getConfig = async () => {
    configuration ??= setup().catch((error: unknown) => {
      configuration = undefined // retry on the next request
      throw error
    })
    return configuration
  }
  /** Writes the JWKS back when the library fetched (or refreshed) it. */
  const saveJwks = async (state: { config: client.Configuration; stored: string | null }) => {
    const cache = client.getJwksCache(state.config)
    if (!cache) return
    const serialized = JSON.stringify(cache)
    if (serialized === state.stored) return
    await options.kv.put(key, serialized)
    state.stored = serialized
  }

  const app = new Hono()
  const secure = new URL(options.redirectUri).protocol === 'https:'

  app.get('/login', async (c) => {
    const { config } = await getConfig()
    const transaction: Transaction = {
      pkceCodeVerifier: client.randomPKCECodeVerifier(),
      expectedState: client.randomState(),
      expectedNonce: client.randomNonce(),
    }
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: options.redirectUri,
      scope: 'openid email profile',
      code_challenge: await client.calculatePKCECodeChallenge(transaction.pkceCodeVerifier),
      code_challenge_method: 'S256',
      state: transaction.expectedState,
      nonce: transaction.expectedNonce,
    })
    await setSignedCookie(c, transactionCookie, JSON.stringify(transaction), options.cookieSecret, {
      httpOnly: true,
      secure,
      sameSite: 'Lax',
      path: '/',
      maxAge: 600,
    })
    return c.redirect(url.href, 302)
  })

  app.get(new URL(options.redirectUri).pathname, async (c) => {
    const cookie = await getSignedCookie(c, options.cookieSecret, transactionCookie)
    if (!cookie) return c.json({ error: 'no login in progress' }, 400)
    deleteCookie(c, transactionCookie, { path: '/', secure })
    const transaction = JSON.parse(cookie) as Transaction
    const state = await getConfig()
    try {
      // the ID Token's signature is checked against the (cached) JWKS here
      const tokens = await client.authorizationCodeGrant(
        state.config,
        new URL(c.req.url),
        transaction,
      )
      const sub = tokens.claims()!.sub
      const userinfo = await client.fetchUserInfo(state.config, tokens.access_token, sub)
      return c.json({ sub, userinfo })
    } catch (error) {
      const { name, message } = error as Error
      return c.json({ error: name, message }, 400)
    } finally {
      await saveJwks(state)
    }
  })

  return app
}
