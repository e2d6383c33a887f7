/**
 * examples/spa in headless Chromium: two pages (tabs) of the app share one session through the
 * browser store (IndexedDB + Web Locks) and, when the access token is due, refresh it once
 * between them, against the real oidc-provider with refresh-token rotation and reuse detection.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import type { Browser, Page } from 'playwright-core'
import {
  createProvider,
  startResourceServer,
  type ResourceServer,
  type TestProvider,
} from '../support/provider.ts'
import type { SpaConfig } from '../../examples/spa/build.ts'
import { type SpaSite, startSpaSite } from '../support/spa.ts'
import { chromiumMissing, chromiumPath, passOverChromium } from '../support/system.ts'
import type { SpaApi } from '../../examples/spa/app.ts'

const clientId = 'ex-spa-refresh'
/** Outside CI, a machine without Chromium passes over this suite after saying so in one line. */
const suite = { skip: passOverChromium() && chromiumMissing }

let op: TestProvider
let rs: ResourceServer
let site: SpaSite
let origin: string
let browser: Browser
let config: SpaConfig
const refreshes: string[] = []
const grantErrors: string[] = []

type Spa = { spa: SpaApi }
const ready = (page: Page) => page.evaluate(() => (window as unknown as Spa).spa.ready)
const accessToken = (page: Page) =>
  page.evaluate(() => (window as unknown as Spa).spa.accessToken())

describe('examples/spa: two tabs refresh once (openid-rp, Chromium)', suite, () => {
  before(async () => {
    assert.ok(existsSync(chromiumPath), chromiumMissing)
    site = await startSpaSite(() => config)
    origin = site.origin
    op = await createProvider({
      features: { dPoP: true, revocation: true },
      configuration: {
        clientBasedCORS: (_ctx, requestOrigin) => requestOrigin === origin,
        rotateRefreshToken: true,
      },
      clients: [
        {
          client_id: clientId,
          token_endpoint_auth_method: 'none',
          redirect_uris: [`${origin}/callback`],
          response_types: ['code'],
          grant_types: ['authorization_code', 'refresh_token'],
        },
      ],
    })
    op.provider.on('grant.success', (ctx) => {
      if (ctx.oidc.params?.grant_type === 'refresh_token') refreshes.push('refresh_token')
    })
    op.provider.on('grant.error', (_ctx, error) => grantErrors.push(String(error)))
    rs = await startResourceServer(op, { requireDpopNonce: true, cors: true })
    config = {
      issuer: op.issuer.href,
      clientId,
      redirectUri: `${origin}/callback`,
      resource: new URL('/api/me', rs.url).href,
      allowHttp: true,
      // the provider's access tokens live 600 s: due for refresh 2 s after they are issued
      tokenSkew: 598,
    }
    const { chromium } = await import('playwright-core')
    browser = await chromium.launch({
      executablePath: chromiumPath,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    })
  })

  after(async () => {
    await browser?.close()
    await site?.close()
    await rs?.close()
    await op?.close()
    if (op) assert.deepEqual(op.serverErrors, [], 'the provider saw no server errors')
  })

  it('two pages share the session and refresh its access token once', async () => {
    const context = await browser.newContext()
    const first = await context.newPage()
    const problems: string[] = []
    first.on('pageerror', (error) => problems.push(error.message))
    await first.goto(`${origin}/`)
    assert.deepEqual(await ready(first), { phase: 'logged-out' })
    await first.click('#login')
    await first.waitForURL((url) => url.origin === origin && url.pathname === '/callback')
    const state = await ready(first)
    assert.equal(state.phase, 'logged-in', `${JSON.stringify(state)} ${problems}`)

    const second = await context.newPage()
    second.on('pageerror', (error) => problems.push(error.message))
    await second.goto(`${origin}/`)
    assert.deepEqual(await ready(second), state, 'the second tab finds the session in IndexedDB')

    const start = refreshes.length
    await new Promise((resolve) => setTimeout(resolve, 2500))
    const tokens = await Promise.all(
      [first, second].flatMap((page) => Array.from({ length: 5 }, () => accessToken(page))),
    )
    assert.equal(new Set(tokens).size, 1, 'both tabs got the same access token')
    assert.equal(refreshes.length - start, 1, 'exactly one refresh for the two tabs')
    assert.deepEqual(grantErrors, [], 'no refresh token was reused')
    assert.deepEqual(problems, [])
    await context.close()
  })
})
