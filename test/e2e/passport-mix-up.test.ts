/**
 * The passport mix-up: two issuers on one host share the default `sessionKey` (the host), so a
 * login started at issuer A and returned to issuer B's callback would send A's code and PKCE
 * verifier to B's token endpoint. openid-rp records the issuer in the pending login and refuses.
 */
import assert from 'node:assert/strict'
import * as http from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, it } from 'node:test'

import express from 'express'
import session from 'express-session'
import type * as ReferencePassport from 'openid-client/passport'
import { Passport } from 'passport'

import { closeProvider } from '../support/e2e.ts'
import { describeEachImplementation, divergence } from '../support/implementations.ts'
import { CookieJar, login } from '../support/login.ts'
import { createProvider, type TestProvider } from '../support/provider.ts'

const clientId = 'mix-up-rp'
const clientSecret = 'mix-up-rp-secret-0123456789abcdefghijklmnopqrstuvwxyz'

let op: TestProvider
let rp: http.Server
let rpOrigin: string
let app: express.Express | undefined

before(async () => {
  rp = http.createServer((req, res) => (app ? app(req, res) : res.writeHead(503).end()))
  await new Promise<void>((resolve) => rp.listen(0, '127.0.0.1', resolve))
  rpOrigin = `http://127.0.0.1:${(rp.address() as AddressInfo).port}`
  op = await createProvider({
    path: '/tenant-a',
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: [`${rpOrigin}/cb/a`, `${rpOrigin}/cb/b`],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
  })
})

after(async () => {
  await new Promise<void>((resolve) => rp.close(() => resolve()))
  await closeProvider(op)
})

describeEachImplementation('passport Strategy, two issuers on one host', (impl, client) => {
  /** Requests issuer B's token endpoint received. */
  const tenantBRequests: string[] = []

  before(async () => {
    const { Strategy } = (
      impl.name === 'openid-rp'
        ? await import('openid-rp/passport')
        : await import('openid-client/passport')
    ) as typeof ReferencePassport
    const configA = await client.discovery(op.issuer, clientId, clientSecret, undefined, {
      execute: [client.allowInsecureRequests],
    })
    const tenantB = `${op.issuer.origin}/tenant-b`
    const configB = new client.Configuration(
      {
        issuer: tenantB,
        authorization_endpoint: `${tenantB}/auth`,
        token_endpoint: `${tenantB}/token`,
      },
      clientId,
      clientSecret,
    )
    client.allowInsecureRequests(configB)
    configB[client.customFetch] = async (url, options) => {
      tenantBRequests.push(`${options.method} ${url} ${String(options.body)}`)
      return Response.json({ error: 'invalid_grant' }, { status: 400 })
    }

    const auth = new Passport()
    const verify: ReferencePassport.VerifyFunction = (tokens, verified) =>
      verified(null, { sub: tokens.claims()!.sub })
    const strategyA = new Strategy(
      { config: configA, scope: 'openid', callbackURL: `${rpOrigin}/cb/a` },
      verify,
    )
    const strategyB = new Strategy(
      { config: configB, scope: 'openid', callbackURL: `${rpOrigin}/cb/b` },
      verify,
    )
    assert.equal(strategyA.name, strategyB.name, 'both default to the host')
    auth.use('a', strategyA)
    auth.use('b', strategyB)

    const server = express()
    server.use(
      session({ secret: 'mix-up-session-secret', resave: false, saveUninitialized: false }),
    )
    server.get('/login/a', auth.authenticate('a'))
    server.get('/cb/:tenant', (req, res, next) => {
      auth.authenticate(req.params.tenant!, (error: unknown, user: unknown) => {
        res.json({
          error: error ? String((error as Error).message) : undefined,
          code: (error as { code?: string } | undefined)?.code,
          user,
        })
      })(req, res, next)
    })
    app = server
  })

  after(() => {
    app = undefined
  })

  /** Starts a login at issuer A and returns the callback query and the browser's RP cookie. */
  async function loginAtA(): Promise<{ query: string; cookie: string }> {
    const rpJar = new CookieJar()
    const start = await fetch(`${rpOrigin}/login/a`, { redirect: 'manual' })
    rpJar.store(new URL(rpOrigin), start.headers.getSetCookie())
    const callback = await login(new URL(start.headers.get('location')!), {
      redirectUri: `${rpOrigin}/cb/a`,
      jar: new CookieJar(),
    })
    assert.ok(callback instanceof URL)
    return { query: callback.search, cookie: rpJar.header(new URL(rpOrigin))! }
  }

  async function callbackTo(tenant: 'a' | 'b', started: { query: string; cookie: string }) {
    const response = await fetch(`${rpOrigin}/cb/${tenant}${started.query}`, {
      headers: { cookie: started.cookie },
    })
    assert.equal(response.status, 200)
    return (await response.json()) as { error?: string; code?: string; user?: { sub: string } }
  }

  it('authenticate() completes a login started and returned at the same issuer (control)', async () => {
    const outcome = await callbackTo('a', await loginAtA())
    assert.equal(outcome.user?.sub, op.account.sub)
  })

  it('authenticate() treats a login started at issuer A and returned to issuer B by implementation', async () => {
    tenantBRequests.length = 0
    const started = await loginAtA()
    const query = new URLSearchParams(started.query)
    assert.ok(query.has('iss'), 'the provider sends RFC 9207 iss')
    // Issuer B does not advertise RFC 9207, so a response without `iss` is all it can expect.
    query.delete('iss')
    const outcome = await callbackTo('b', { ...started, query: `?${query}` })
    if (divergence(impl, 33)) {
      assert.equal(outcome.code, 'OAUTH_JSON_ATTRIBUTE_COMPARISON_FAILED')
      assert.match(
        outcome.error ?? '',
        /started at issuer .*tenant-a.* strategy of issuer .*tenant-b/,
      )
      assert.deepEqual(tenantBRequests, [], 'nothing was sent to issuer B')
    } else {
      assert.equal(tenantBRequests.length, 1, 'the reference sends the code to issuer B')
      assert.match(tenantBRequests[0]!, /code_verifier=/)
    }
  })
})
