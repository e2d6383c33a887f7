/**
 * Back-Channel Logout end to end: the real oidc-provider (`backchannelLogout` feature) POSTs its
 * logout token to the passport app's `backchannelLogoutHandler()` on 127.0.0.1, which validates it
 * and records the logout; `logoutMiddleware()` then ends the passport session, and the next
 * request is unauthenticated. `sid` and `sub`-only variants. openid-rp only: the reference has no
 * back-channel logout.
 */
import assert from 'node:assert/strict'
import * as http from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, describe, it } from 'node:test'

import express from 'express'
import session from 'express-session'
import { Passport } from 'passport'
import * as client from 'openid-rp'
import { Strategy } from 'openid-rp/passport'

import { closeProvider, secret } from '../support/e2e.ts'
import { CookieJar, login } from '../support/login.ts'
import { createProvider, loopbackFetch, type TestProvider } from '../support/provider.ts'
import * as example from '../../examples/passport-express.ts'

const variants = {
  sid: { clientId: 'bcl-sid', sessionRequired: true },
  sub: { clientId: 'bcl-sub', sessionRequired: false },
} as const
type Variant = keyof typeof variants

let op: TestProvider
let rp: http.Server
let rpOrigin: string
let app: express.Express | undefined
let exampleServer: http.Server
let exampleOrigin: string
let exampleApp: express.Express | undefined
const exampleClient = 'bcl-example'
const delivered: Array<{ clientId: string; ok: boolean; error?: string }> = []
const refused: client.ClientError[] = []
/** The Configuration of the dynamically registered client, and the logouts its route accepted. */
let registered: client.Configuration | undefined
const registeredLogouts: client.LogoutTokenClaims[] = []

before(async () => {
  rp = http.createServer((req, res) => {
    if (app) app(req, res)
    else res.writeHead(503).end()
  })
  await new Promise<void>((resolve) => rp.listen(0, '127.0.0.1', resolve))
  rpOrigin = `http://127.0.0.1:${(rp.address() as AddressInfo).port}`
  exampleServer = http.createServer((req, res) => {
    if (exampleApp) exampleApp(req, res)
    else res.writeHead(503).end()
  })
  await new Promise<void>((resolve) => exampleServer.listen(0, '127.0.0.1', resolve))
  exampleOrigin = `http://127.0.0.1:${(exampleServer.address() as AddressInfo).port}`
  op = await createProvider({
    features: { backchannelLogout: true, registration: true },
    configuration: { fetch: loopbackFetch },
    clients: [
      ...Object.entries(variants).map(([name, { clientId, sessionRequired }]) => ({
        client_id: clientId,
        client_secret: secret(clientId),
        redirect_uris: [`${rpOrigin}/cb/${name}`],
        post_logout_redirect_uris: [`${rpOrigin}/logged-out`],
        grant_types: ['authorization_code'],
        response_types: ['code' as const],
        backchannel_logout_uri: `${rpOrigin}/backchannel-logout/${name}`,
        backchannel_logout_session_required: sessionRequired,
      })),
      {
        client_id: exampleClient,
        client_secret: secret(exampleClient),
        redirect_uris: [`${exampleOrigin}/callback`],
        post_logout_redirect_uris: [`${exampleOrigin}/`],
        grant_types: ['authorization_code'],
        response_types: ['code' as const],
        backchannel_logout_uri: `${exampleOrigin}/backchannel-logout`,
        backchannel_logout_session_required: true,
      },
    ],
  })
  op.provider.on('backchannel.success', (_ctx: unknown, c: { clientId: string }) =>
    delivered.push({ clientId: c.clientId, ok: true }),
  )
  op.provider.on('backchannel.error', (_ctx: unknown, err: Error, c: { clientId: string }) =>
    delivered.push({ clientId: c.clientId, ok: false, error: err.message }),
  )

  const auth = new Passport()
  app = express()
  app.use(session({ secret: 'bcl-session-secret', resave: false, saveUninitialized: false }))
  app.use(auth.session())
  auth.serializeUser((user, done) => done(null, user))
  auth.deserializeUser((user: Express.User, done) => done(null, user))
  app.post('/backchannel-logout/registered', async (req, res) => {
    const request = new Request(`${rpOrigin}${req.url}`, {
      method: 'POST',
      headers: { 'content-type': req.get('content-type') ?? '' },
      body: await new Promise<string>((resolve) => {
        let body = ''
        req.setEncoding('utf8').on('data', (chunk: string) => (body += chunk))
        req.on('end', () => resolve(body))
      }),
    })
    let answer: Response
    try {
      registeredLogouts.push(await client.validateLogoutToken(registered!, request))
      answer = client.backchannelLogoutResponse()
    } catch (error) {
      answer = client.backchannelLogoutResponse(error)
    }
    res
      .status(answer.status)
      .set(Object.fromEntries(answer.headers))
      .end(await answer.text())
  })
  for (const [name, { clientId }] of Object.entries(variants)) {
    const config = await client.discovery(op.issuer, clientId, secret(clientId), undefined, {
      execute: [client.allowInsecureRequests],
    })
    const strategy = new Strategy(
      { config, scope: 'openid', callbackURL: `${rpOrigin}/cb/${name}` },
      (tokens, verified) => verified(null, tokens.claims()),
    )
    auth.use(name, strategy)
    app.post(
      `/backchannel-logout/${name}`,
      // oidc-provider types its logout tokens logout+jwt, so strict typing holds
      strategy.backchannelLogoutHandler({
        requireLogoutJwtType: true,
        onError: (err) => refused.push(err),
      }),
    )
    app.use(`/${name}`, strategy.logoutMiddleware())
    app.get(`/login/${name}`, auth.authenticate(name))
    app.get(`/cb/${name}`, auth.authenticate(name, { successRedirect: `/${name}/me` }))
    app.get(`/${name}/me`, (req, res) => {
      if (req.user) res.json(req.user)
      else res.status(401).json({ error: 'not logged in' })
    })
    app.get(`/${name}/end-session-url`, (_req, res) => {
      res.send(
        client.buildEndSessionUrl(config, { post_logout_redirect_uri: `${rpOrigin}/logged-out` })
          .href,
      )
    })
  }
})

after(async () => {
  app = undefined
  exampleApp = undefined
  await new Promise<void>((resolve) => rp.close(() => resolve()))
  await new Promise<void>((resolve) => exampleServer.close(() => resolve()))
  await closeProvider(op)
})

/** A browser with its own cookies at the RP and at the provider. */
class Browser {
  readonly rpJar = new CookieJar()
  readonly opJar = new CookieJar()

  async get(path: string): Promise<Response> {
    const target = new URL(path, rpOrigin)
    const cookie = this.rpJar.header(target)
    const response = await fetch(target, { redirect: 'manual', headers: cookie ? { cookie } : {} })
    this.rpJar.store(target, response.headers.getSetCookie())
    return response
  }

  /** Logs in through the RP's passport routes; returns the session's ID Token claims. */
  async logIn(variant: Variant): Promise<client.IDToken> {
    const start = await this.get(`/login/${variant}`)
    assert.equal(start.status, 302)
    const callback = await login(new URL(start.headers.get('location')!), {
      redirectUri: `${rpOrigin}/cb/${variant}`,
      jar: this.opJar,
    })
    assert.ok(callback instanceof URL)
    const landed = await this.get(callback.pathname + callback.search)
    assert.equal(landed.status, 302, 'the callback logs in')
    return this.me(variant) as Promise<client.IDToken>
  }

  /** The user of the RP session, or undefined when unauthenticated. */
  async me(variant: Variant): Promise<client.IDToken | undefined> {
    const response = await this.get(`/${variant}/me`)
    if (response.status === 401) return undefined
    assert.equal(response.status, 200)
    return (await response.json()) as client.IDToken
  }

  /** RP-initiated logout at the provider, which then POSTs logout tokens to the RP. */
  async logOutAtProvider(variant: Variant): Promise<void> {
    const url = await (await this.get(`/${variant}/end-session-url`)).text()
    const back = await login(new URL(url), { jar: this.opJar })
    assert.ok(back instanceof URL)
    assert.equal(back.pathname, '/logged-out')
  }
}

describe('openid-rp: back-channel logout from the real oidc-provider to passport', () => {
  it('a sid logout token ends that passport session only; the next request is unauthenticated', async () => {
    delivered.length = 0
    refused.length = 0
    const alice = new Browser()
    const other = new Browser()
    const claims = await alice.logIn('sid')
    assert.equal(typeof claims.sid, 'string', 'the ID Token carries sid')
    assert.ok(await other.logIn('sid'))

    await alice.logOutAtProvider('sid')

    assert.deepEqual(delivered, [{ clientId: 'bcl-sid', ok: true }])
    assert.deepEqual(refused, [])
    assert.equal(await alice.me('sid'), undefined, 'the ended session is unauthenticated')
    assert.equal(await alice.me('sid'), undefined, 'and stays so')
    assert.ok(await other.me('sid'), 'another session of the same user survives a sid logout')
  })

  it('a sub-only logout token ends every passport session of that user', async () => {
    delivered.length = 0
    refused.length = 0
    const first = new Browser()
    const second = new Browser()
    const claims = await first.logIn('sub')
    assert.equal(claims.sid, undefined, 'no sid without backchannel_logout_session_required')
    await second.logIn('sub')

    await first.logOutAtProvider('sub')

    assert.deepEqual(delivered, [{ clientId: 'bcl-sub', ok: true }])
    assert.deepEqual(refused, [])
    assert.equal(await first.me('sub'), undefined)
    assert.equal(await second.me('sub'), undefined, 'a sub-only logout ends every session')
  })

  it('a new login after a logout is not ended by the old logout', async () => {
    const browser = new Browser()
    await browser.logIn('sub')
    await browser.logOutAtProvider('sub')
    assert.equal(await browser.me('sub'), undefined)
    await new Promise((resolve) => setTimeout(resolve, 1100))
    assert.ok(await browser.logIn('sub'), 'a fresh login works')
    assert.ok(await browser.me('sub'), 'and is still authenticated on the next request')
  })

  it('backchannelLogoutHandler() answers 400 no-store to a forged token; the route takes POST only', async () => {
    refused.length = 0
    const forged = await fetch(`${rpOrigin}/backchannel-logout/sid`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ logout_token: 'eyJhbGciOiJub25lIn0.e30.' }),
    })
    assert.equal(forged.status, 400)
    assert.equal(forged.headers.get('cache-control'), 'no-store')
    assert.deepEqual(await forged.json(), { error: 'invalid_request' })
    assert.equal(refused.length, 1)
    assert.equal(refused[0]!.code, 'OAUTH_INVALID_RESPONSE')

    const get = await fetch(`${rpOrigin}/backchannel-logout/sid`)
    assert.equal(get.status, 404, 'the route is POST only')
    await get.body?.cancel()
  })
})

describe('openid-rp: a dynamically registered back-channel logout client', () => {
  it('dynamicClientRegistration() registers backchannel_logout_uri; the provider sends that client a logout token with sid', async () => {
    registered = await client.dynamicClientRegistration(
      op.issuer,
      {
        redirect_uris: [`${rpOrigin}/cb/registered`],
        post_logout_redirect_uris: [`${rpOrigin}/logged-out`],
        response_types: ['code'],
        grant_types: ['authorization_code'],
        backchannel_logout_uri: `${rpOrigin}/backchannel-logout/registered`,
        backchannel_logout_session_required: true,
      },
      undefined,
      { execute: [client.allowInsecureRequests] },
    )
    const metadata = registered.clientMetadata()
    assert.equal(metadata.backchannel_logout_uri, `${rpOrigin}/backchannel-logout/registered`)
    assert.equal(metadata.backchannel_logout_session_required, true)

    const opJar = new CookieJar()
    const pkceCodeVerifier = client.randomPKCECodeVerifier()
    const url = client.buildAuthorizationUrl(registered, {
      redirect_uri: `${rpOrigin}/cb/registered`,
      scope: 'openid',
      code_challenge: await client.calculatePKCECodeChallenge(pkceCodeVerifier),
      code_challenge_method: 'S256',
    })
    const callback = await login(url, { jar: opJar })
    assert.ok(callback instanceof URL)
    const tokens = await client.authorizationCodeGrant(registered, callback, { pkceCodeVerifier })
    const session = tokens.claims()!

    const end = client.buildEndSessionUrl(registered, {
      id_token_hint: tokens.id_token!,
      post_logout_redirect_uri: `${rpOrigin}/logged-out`,
    })
    assert.ok((await login(end, { jar: opJar })) instanceof URL)
    assert.equal(registeredLogouts.length, 1, 'the registered client received one logout token')
    assert.equal(registeredLogouts[0]!.sid, session.sid)
    assert.equal(registeredLogouts[0]!.sub, session.sub)
  })
})

describe('examples/passport-express.ts: back-channel logout', () => {
  it("the provider's logout token ends the example's passport session; /me is then 401", async () => {
    delivered.length = 0
    exampleApp = await example.createApp(op.issuer, {
      clientId: exampleClient,
      clientSecret: secret(exampleClient),
      callbackURL: `${exampleOrigin}/callback`,
      sessionSecret: 'example-session-secret',
      allowHttp: true,
    })
    const rpJar = new CookieJar()
    const opJar = new CookieJar()
    const get = async (path: string) => {
      const url = new URL(path, exampleOrigin)
      const cookie = rpJar.header(url)
      const response = await fetch(url, { redirect: 'manual', headers: cookie ? { cookie } : {} })
      rpJar.store(url, response.headers.getSetCookie())
      return response
    }
    const start = await get('/login')
    const callback = await login(start.headers.get('location')!, {
      redirectUri: `${exampleOrigin}/callback`,
      jar: opJar,
    })
    assert.ok(callback instanceof URL)
    assert.equal((await get(callback.pathname + callback.search)).status, 302)
    const me = (await (await get('/me')).json()) as { sub: string; sid?: string }
    assert.equal(me.sub, op.account.sub)
    assert.equal(typeof me.sid, 'string')

    const end = new URL('session/end', op.issuer)
    end.searchParams.set('client_id', exampleClient)
    end.searchParams.set('post_logout_redirect_uri', `${exampleOrigin}/`)
    assert.ok((await login(end, { jar: opJar })) instanceof URL)

    assert.deepEqual(delivered, [{ clientId: exampleClient, ok: true }])
    const after = await get('/me')
    assert.equal(after.status, 401)
    exampleApp = undefined
  })
})
