/**
 * examples/spa in headless Chromium (playwright-core, Debian's /usr/bin/chromium) against the
 * local provider (openid-rp): the page, served from 127.0.0.1, logs in as a public client with
 * PKCE by navigating to the provider (whose interaction handler logs in and consents), redeems
 * the code with a DPoP proof, calls a resource server that demands its own DPoP nonce, and after
 * a reload finds the same non-extractable key in IndexedDB and can still use the token.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import type { Browser, Page } from 'playwright-core'
import {
  createProvider,
  startResourceServer,
  type ResourceRequest,
  type ResourceServer,
  type TestProvider,
} from '../support/provider.ts'
import type { SpaConfig } from '../../examples/spa/build.ts'
import { type SpaSite, startSpaSite } from '../support/spa.ts'
import { chromiumMissing, chromiumPath, passOverChromium } from '../support/system.ts'
import type { SpaApi } from '../../examples/spa/app.ts'

const clientId = 'ex-spa'

let op: TestProvider
let rs: ResourceServer
let site: SpaSite
let origin: string
let browser: Browser
let config: SpaConfig

/** Outside CI, a machine without Chromium passes over this suite after saying so in one line. */
const passOver = passOverChromium()

before(async () => {
  if (passOver || !existsSync(chromiumPath)) return // in CI the test then fails with chromiumMissing
  // the page's server first: its origin is the client's redirect URI
  site = await startSpaSite(() => config)
  origin = site.origin

  op = await createProvider({
    features: { dPoP: true },
    // the page calls discovery, the token endpoint and the JWKS from its own origin
    configuration: { clientBasedCORS: (_ctx, requestOrigin) => requestOrigin === origin },
    clients: [
      {
        client_id: clientId,
        token_endpoint_auth_method: 'none',
        redirect_uris: [`${origin}/callback`],
        response_types: ['code'],
        grant_types: ['authorization_code'],
      },
    ],
  })
  rs = await startResourceServer(op, { requireDpopNonce: true, cors: true })
  config = {
    issuer: op.issuer.href,
    clientId,
    redirectUri: `${origin}/callback`,
    resource: new URL('/api/me', rs.url).href,
    allowHttp: true,
  }

  const { chromium } = await import('playwright-core')
  browser = await chromium.launch({
    executablePath: chromiumPath,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  })
})

after(async () => {
  await browser?.close()
  await site?.close()
  await rs?.close()
  await op?.close()
  if (op) assert.deepEqual(op.serverErrors, [], 'the provider saw no server errors')
})

type Spa = { spa: SpaApi }
const ready = (page: Page) => page.evaluate(() => (window as unknown as Spa).spa.ready)
const keyInfo = (page: Page) => page.evaluate(() => (window as unknown as Spa).spa.keyInfo())
const callResource = async (page: Page) => {
  const { status, body } = await page.evaluate(() => (window as unknown as Spa).spa.callResource())
  return { status, body: body as ResourceRequest }
}

describe('examples/spa: public client, PKCE + DPoP, key in IndexedDB (openid-rp, Chromium)', () => {
  it('logs in, calls a DPoP resource, and reuses the non-extractable key after a reload', async () => {
    if (passOver) return
    assert.ok(existsSync(chromiumPath), chromiumMissing)
    const page = await browser.newPage()
    const problems: string[] = []
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`))
    page.on('console', (message) => {
      // the resource server's 401 nonce challenges are expected; any other error is not
      const text = message.text()
      if (message.type() === 'error' && !text.startsWith('Failed to load resource')) {
        problems.push(`console: ${text}`)
      }
    })
    try {
      await page.goto(`${origin}/`)
      assert.deepEqual(await ready(page), { phase: 'logged-out' })

      // the page navigates to the provider, which logs in, consents and redirects back
      await page.click('#login')
      await page.waitForURL((url) => url.origin === origin && url.pathname === '/callback')
      const state = await ready(page)
      assert.equal(state.phase, 'logged-in', `logged in: ${JSON.stringify(state)} ${problems}`)
      assert.ok(state.phase === 'logged-in')
      assert.equal(state.sub, op.account.sub)
      assert.equal(state.tokenType, 'dpop', 'a DPoP-bound access token')
      assert.equal(new URL(page.url()).search, '', 'the code is gone from the address bar')

      const key = await keyInfo(page)
      assert.ok(key, 'the key pair is in IndexedDB')
      assert.equal(key.algorithm, 'ECDSA')
      assert.equal(key.extractable, false, 'the private key is not extractable')
      assert.equal(key.jkt, state.jkt)

      const refusalsBefore = rs.refusals.length
      const first = await callResource(page)
      assert.equal(first.status, 200, JSON.stringify(first.body))
      assert.equal(first.body.scheme, 'DPoP')
      assert.equal(first.body.token.jkt, key.jkt, 'the token is bound to the stored key')
      assert.equal(first.body.token.sub, op.account.sub)
      assert.equal(first.body.token.client_id, clientId)
      assert.deepEqual(
        rs.refusals.slice(refusalsBefore).map((refusal) => refusal.error),
        ['use_dpop_nonce'],
        'the resource server demanded its nonce once and the library retried with it',
      )

      await page.reload()
      const reloaded = await ready(page)
      assert.equal(reloaded.phase, 'logged-in', JSON.stringify(reloaded))
      const sameKey = await keyInfo(page)
      assert.deepEqual(sameKey, key, 'the same key pair (same jkt) is read back from IndexedDB')
      assert.equal(sameKey?.extractable, false)

      const second = await callResource(page)
      assert.equal(second.status, 200, JSON.stringify(second.body))
      assert.equal(second.body.scheme, 'DPoP')
      assert.equal(second.body.token.jkt, key.jkt)
      assert.deepEqual(problems, [])
    } finally {
      await page.close()
    }
  })
})
