/**
 * A Hono app doing the authorization code flow with PKCE, runtime-neutral (web-platform APIs
 * only): the same code runs on Node with `@hono/node-server` (./node.ts) and on Cloudflare
 * Workers / workerd (./worker.ts).
 *
 * Routes: `/login` redirects to the provider; `/callback` redeems the code and answers with the
 * UserInfo. The issuer's JWKS, needed because `enableNonRepudiationChecks` validates the ID
 * Token signature, is cached in a KV-like store (a Workers KV namespace fits as is), so a cold
 * instance (a fresh isolate, a new serverless invocation) does not fetch `jwks_uri` again.
 *
 * Back-channel logout: `/callback` also keeps the session's ID Token claims in a signed cookie;
 * `POST /backchannel-logout` (the client's `backchannel_logout_uri`) validates the provider's
 * logout token and records the logout in the same KV store (./logout-store.ts), so `/me`, on any
 * instance, answers 401 for a session the provider ended. Replays of a logout token are refused
 * per isolate (the library's default replay store) and bounded everywhere by its 120 s `maxAge`;
 * pass a `replayStore` on a Durable Object for a strict check across isolates.
 */
import { Hono } from 'hono'
import { deleteCookie, getSignedCookie, setSignedCookie } from 'hono/cookie'
import * as client from 'openid-rp'

import { KvLogoutStore } from './logout-store.ts'

/** The part of a Workers KV namespace this app uses. */
export interface KvStore {
  get(key: string): Promise<string | null>
  put(key: string, value: string, options?: { expirationTtl?: number }): Promise<void>
  delete?(key: string): Promise<void>
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
const sessionCookie = 'oidc_session'
/** Seconds a logout is remembered: at least the session cookie's lifetime. */
const sessionSeconds = 8 * 3600

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
  const logouts = new KvLogoutStore(options.kv)

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
      const claims = tokens.claims()!
      const sub = claims.sub
      const userinfo = await client.fetchUserInfo(state.config, tokens.access_token, sub)
      const { iss, sid, iat, auth_time } = claims as client.IDToken & { sid?: string }
      if (sid !== undefined) await logouts.clear({ iss, sid })
      const session = JSON.stringify({ iss, sub, sid, iat, auth_time })
      await setSignedCookie(c, sessionCookie, session, options.cookieSecret, {
        httpOnly: true,
        secure,
        sameSite: 'Lax',
        path: '/',
        maxAge: sessionSeconds,
      })
      return c.json({ sub, userinfo })
    } catch (error) {
      const { name, message } = error as Error
      return c.json({ error: name, message }, 400)
    } finally {
      await saveJwks(state)
    }
  })

  app.get('/me', async (c) => {
    const cookie = await getSignedCookie(c, options.cookieSecret, sessionCookie)
    if (!cookie) return c.json({ error: 'not logged in' }, 401)
    const session = JSON.parse(cookie) as client.LogoutSessionClaims
    if (await logouts.isLoggedOut(session)) {
      deleteCookie(c, sessionCookie, { path: '/', secure })
      return c.json({ error: 'logged out by the provider' }, 401)
    }
    return c.json(session)
  })

  app.post('/backchannel-logout', async (c) => {
    const state = await getConfig()
    try {
      const claims = await client.validateLogoutToken(state.config, c.req.raw)
      await logouts.markLoggedOut(
        { iss: claims.iss, sid: claims.sid, sub: claims.sub },
        sessionSeconds,
      )
      return client.backchannelLogoutResponse()
    } catch (error) {
      console.warn('back-channel logout refused:', (error as Error).message)
      return client.backchannelLogoutResponse(error)
    } finally {
      await saveJwks(state)
    }
  })

  return app
}
