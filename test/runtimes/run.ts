/**
 * Runtime matrix: runs test/runtimes/scenarios.mjs on Node 20 (this process's node), the newest
 * Node from npm, Deno, Bun, Cloudflare workerd and headless Chromium against one local
 * oidc-provider, and fails unless every runtime printed a summary with all scenarios passed.
 *
 *   npm run test:runtimes [-- <runtime> ...]    (node20 node26 deno bun workerd chromium)
 *
 * This process (Node) hosts the provider, a DPoP-nonce-requiring resource server and a small
 * "driver" HTTP server on 127.0.0.1: GET /env (issuer, clients, keys for the scenarios), POST
 * /login (drives the provider's front channel with the cookie-jar browser from test/support and
 * returns the callback URL), and the Chromium page with its bundle under /browser/.
 */
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import * as http from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import * as esbuild from 'esbuild'
import * as jose from 'jose'
import { CookieJar, login } from '../support/login.ts'
import type { ClientMetadata } from 'oidc-provider'
import {
  createProvider,
  loopbackFetch,
  startResourceServer,
  withCors,
} from '../support/provider.ts'
import { enabledJWA, redirectUri, secret } from '../support/e2e.ts'
import { parseSummary, scenarioNames } from './scenarios.mjs'
import { newestNode } from '../support/newest-node.ts'

const root = fileURLToPath(new URL('../..', import.meta.url))
const here = fileURLToPath(new URL('.', import.meta.url))
const bin = (name: string) => join(root, 'node_modules', '.bin', name)
const runtimeTimeoutMs = 180_000

interface Runtime {
  name: string
  /** Runs the scenarios; resolves with everything the runtime printed. */
  run(driver: URL, work: string): Promise<string>
}

const runtimes: Runtime[] = [
  {
    name: 'node20',
    run: (driver) => exec(process.execPath, [join(here, 'entry.mjs'), 'node20', driver.href]),
  },
  {
    name: 'node26',
    run: async (driver) =>
      exec(await newestNode(), [join(here, 'entry.mjs'), 'node26', driver.href]),
  },
  {
    name: 'deno',
    run: (driver) =>
      exec(bin('deno'), [
        'run',
        '--allow-net=127.0.0.1',
        '--no-lock',
        '--no-prompt',
        join(here, 'entry.mjs'),
        'deno',
        driver.href,
      ]),
  },
  {
    name: 'bun',
    run: (driver) => exec(bin('bun'), ['run', join(here, 'entry.mjs'), 'bun', driver.href]),
  },
  { name: 'workerd', run: runWorkerd },
  { name: 'chromium', run: runChromium },
]

async function main(): Promise<number> {
  const selected = process.argv.slice(2)
  const unknown = selected.filter((name) => !runtimes.some((r) => r.name === name))
  if (unknown.length) {
    console.error(
      `unknown runtime(s): ${unknown.join(', ')}; known: ${runtimes.map((r) => r.name)}`,
    )
    return 2
  }
  if (!existsSync(join(root, 'build', 'index.js'))) {
    console.error('build/index.js is missing: run `npm run build` first')
    return 2
  }
  const work = await mkdtemp(join(tmpdir(), 'openid-rp-runtimes-'))
  const env = await startEnvironment(work)
  const rows: Array<{
    name: string
    passed: number
    failed: number
    seconds: string
    note: string
  }> = []
  try {
    for (const runtime of runtimes) {
      if (selected.length && !selected.includes(runtime.name)) continue
      console.log(`\n── ${runtime.name} ──`)
      const started = performance.now()
      let output: string
      try {
        output = await runtime.run(env.driver, work)
      } catch (error) {
        output = error instanceof Error ? error.message : String(error)
      }
      const seconds = ((performance.now() - started) / 1000).toFixed(1)
      const summary = parseSummary(output, runtime.name)
      rows.push({
        name: runtime.name,
        passed: summary?.passed ?? 0,
        failed: summary?.failed ?? scenarioNames.length,
        seconds,
        note: summary ? '' : 'no summary line: the runtime did not finish',
      })
      if (!summary) console.log(output)
    }
  } finally {
    await env.close()
    await rm(work, { recursive: true, force: true })
  }

  console.log('\nruntime   | passed | failed | seconds')
  for (const row of rows) {
    console.log(
      `${row.name.padEnd(9)} | ${String(row.passed).padStart(6)} | ${String(row.failed).padStart(6)} | ${row.seconds.padStart(7)} ${row.note}`,
    )
  }
  const problems = rows.filter((row) => row.failed > 0 || row.passed === 0)
  if (env.serverErrors.length) {
    console.error('the provider saw server errors:', env.serverErrors)
    return 1
  }
  if (problems.length) {
    console.error(`runtime matrix failed on: ${problems.map((row) => row.name).join(', ')}`)
    return 1
  }
  console.log(`runtime matrix passed on ${rows.length} runtime(s)`)
  return 0
}

/** Provider, resource server and driver, plus the bundles the driver serves. */
async function startEnvironment(work: string) {
  const { privateKey, publicKey } = await jose.generateKeyPair('ECDH-ES+A256KW', {
    extractable: true,
  })
  const encryption = { alg: 'ECDH-ES+A256KW', kid: 'runtime-enc-1' } as const
  const baseClient: Omit<ClientMetadata, 'client_id'> = {
    redirect_uris: [redirectUri],
    response_types: ['code'],
    grant_types: ['authorization_code', 'refresh_token', 'client_credentials'],
    token_endpoint_auth_method: 'client_secret_basic',
  }
  // Receives the provider's back-channel logout POSTs; the scenario validates them in the runtime.
  const logoutTokens: string[] = []
  const receiver = http.createServer(async (req, res) => {
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    const token = new URLSearchParams(Buffer.concat(chunks).toString('utf8')).get('logout_token')
    if (req.method === 'POST' && token) logoutTokens.push(token)
    res.writeHead(200, { 'cache-control': 'no-store' }).end()
  })
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve))
  const receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/backchannel-logout`
  const postLogoutRedirectUri = `${redirectUri}/logged-out`
  /** Provider cookies of the logins a scenario will log out again, by the name it gave. */
  const jars = new Map<string, CookieJar>()
  const op = await createProvider({
    features: {
      backchannelLogout: true,
      clientCredentials: true,
      dPoP: true,
      encryption: true,
      jwtResponseModes: true,
      jwtUserinfo: true,
      pushedAuthorizationRequests: true,
    },
    configuration: {
      enabledJWA,
      // the browser page calls the token, PAR and userinfo endpoints from its own origin
      clientBasedCORS: () => true,
      // back-channel logout deliveries go to the receiver on 127.0.0.1
      fetch: loopbackFetch,
    },
    clients: [
      { ...baseClient, client_id: 'rt-confidential', client_secret: secret('rt-confidential') },
      {
        ...baseClient,
        client_id: 'rt-jarm',
        client_secret: secret('rt-jarm'),
        authorization_signed_response_alg: 'ES256',
      },
      {
        ...baseClient,
        client_id: 'rt-encrypted',
        client_secret: secret('rt-encrypted'),
        jwks: { keys: [{ ...(await jose.exportJWK(publicKey)), ...encryption, use: 'enc' }] },
        id_token_encrypted_response_alg: encryption.alg,
        id_token_encrypted_response_enc: 'A256GCM',
        userinfo_signed_response_alg: 'ES256',
        userinfo_encrypted_response_alg: encryption.alg,
        userinfo_encrypted_response_enc: 'A256GCM',
      },
      {
        ...baseClient,
        client_id: 'rt-backchannel',
        client_secret: secret('rt-backchannel'),
        post_logout_redirect_uris: [postLogoutRedirectUri],
        backchannel_logout_uri: receiverUrl,
        backchannel_logout_session_required: true,
      },
    ],
    log: (message, error) => console.error(message, error),
  })
  const rs = await startResourceServer(op, { requireDpopNonce: true, cors: true })

  const environment = {
    issuer: op.issuer.href,
    resource: rs.url.href,
    redirectUri,
    postLogoutRedirectUri,
    account: { sub: op.account.sub, email: op.account.email, name: op.account.name },
    clients: {
      confidential: { id: 'rt-confidential', secret: secret('rt-confidential') },
      jarm: { id: 'rt-jarm', secret: secret('rt-jarm') },
      backchannel: { id: 'rt-backchannel', secret: secret('rt-backchannel') },
      encrypted: {
        id: 'rt-encrypted',
        secret: secret('rt-encrypted'),
        key: { ...(await jose.exportJWK(privateKey)), ...encryption },
      },
    },
  }

  const browserBundle = join(work, 'browser.js')
  await bundle(join(here, 'browser.mjs'), browserBundle, ['browser'])
  const page = `<!DOCTYPE html><html><head><title>openid-rp runtime matrix</title>
<script type="module" src="/browser/bundle.js"></script></head><body></body></html>`

  const driverServer = http.createServer(
    withCors(async (req, res) => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1')
      const send = (status: number, type: string, body: string) => {
        res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' })
        res.end(body)
      }
      try {
        if (req.method === 'GET' && url.pathname === '/env') {
          send(200, 'application/json', JSON.stringify({ ...environment, driver: driver.href }))
        } else if (req.method === 'POST' && url.pathname === '/login') {
          const chunks: Buffer[] = []
          for await (const chunk of req) chunks.push(chunk as Buffer)
          const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
            url: string
            redirectUri?: string
            session?: string
          }
          let jar: CookieJar | undefined
          if (body.session !== undefined) jars.set(body.session, (jar = new CookieJar()))
          const callback = await login(body.url, { redirectUri: body.redirectUri, jar })
          if (!(callback instanceof URL)) throw new Error('expected a redirect, got a form_post')
          send(200, 'application/json', JSON.stringify({ callback: callback.href }))
        } else if (req.method === 'POST' && url.pathname === '/logout') {
          // RP-initiated logout in the browser of a named login; the provider POSTs the logout
          // token to the receiver before it redirects, so the token is there when this answers
          const chunks: Buffer[] = []
          for await (const chunk of req) chunks.push(chunk as Buffer)
          const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
            url: string
            session: string
          }
          const jar = jars.get(body.session)
          if (!jar) throw new Error(`no login named ${body.session}`)
          jars.delete(body.session)
          logoutTokens.length = 0
          await login(body.url, { jar })
          const [logoutToken] = logoutTokens
          if (!logoutToken) throw new Error('the provider sent no logout token')
          send(200, 'application/json', JSON.stringify({ logoutToken }))
        } else if (req.method === 'GET' && url.pathname === '/browser/') {
          send(200, 'text/html', page)
        } else if (req.method === 'GET' && url.pathname === '/browser/bundle.js') {
          send(200, 'text/javascript', await readFile(browserBundle, 'utf8'))
        } else {
          send(404, 'text/plain', 'not found')
        }
      } catch (error) {
        send(500, 'application/json', JSON.stringify({ error: String(error) }))
      }
    }),
  )
  await new Promise<void>((resolve) => driverServer.listen(0, '127.0.0.1', resolve))
  const driver = new URL(`http://127.0.0.1:${(driverServer.address() as AddressInfo).port}/`)

  return {
    driver,
    serverErrors: op.serverErrors,
    async close() {
      driverServer.closeAllConnections()
      await new Promise<void>((resolve) => driverServer.close(() => resolve()))
      receiver.closeAllConnections()
      await new Promise<void>((resolve) => receiver.close(() => resolve()))
      await rs.close()
      await op.close()
    },
  }
}

/** Bundles an entry with the library (as `openid-rp`, from build/) for a non-Node runtime. */
async function bundle(entry: string, outfile: string, conditions: string[]) {
  await esbuild.build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    mainFields: ['module', 'main'],
    conditions,
    target: 'es2022',
    alias: { 'openid-rp': join(root, 'build', 'index.js') },
    logLevel: 'warning',
  })
}

async function runWorkerd(driver: URL, work: string): Promise<string> {
  await bundle(join(here, 'worker.mjs'), join(work, 'worker.js'), ['workerd', 'worker', 'browser'])
  const port = await freePort()
  // globalOutbound: the default "internet" network refuses loopback addresses
  await writeFile(
    join(work, 'config.capnp'),
    `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [
    (name = "main", worker = .matrixWorker),
    (name = "loopback", network = (allow = ["public", "private", "local"])),
  ],
  sockets = [(name = "http", address = "127.0.0.1:${port}", http = (), service = "main")],
);
const matrixWorker :Workerd.Worker = (
  modules = [(name = "worker", esModule = embed "worker.js")],
  compatibilityDate = "2025-09-01",
  globalOutbound = "loopback",
);
`,
  )
  const child = spawn(bin('workerd'), ['serve', join(work, 'config.capnp')], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout.on('data', (chunk) => (output += chunk))
  child.stderr.on('data', (chunk) => (output += chunk))
  try {
    const url = `http://127.0.0.1:${port}/`
    for (let attempt = 0; ; attempt++) {
      try {
        const response = await fetch(url, {
          method: 'POST',
          body: driver.href,
          signal: AbortSignal.timeout(runtimeTimeoutMs),
        })
        const text = await response.text()
        console.log(text)
        return `${text}\n${output}`
      } catch (error) {
        const refused = (error as { cause?: { code?: string } }).cause?.code === 'ECONNREFUSED'
        if (!refused || attempt > 100 || child.exitCode !== null) {
          throw new Error(`workerd: ${String(error)}\n${output}`)
        }
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
    }
  } finally {
    child.kill()
  }
}

async function runChromium(driver: URL): Promise<string> {
  const { chromium } = await import('playwright-core')
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  })
  let output = ''
  try {
    const page = await browser.newPage()
    page.on('console', (message) => {
      output += `${message.text()}\n`
      console.log(message.text())
    })
    page.on('pageerror', (error) => {
      output += `page error: ${error.message}\n`
      console.log(`page error: ${error.message}`)
    })
    await page.goto(new URL('/browser/', driver).href)
    await page.waitForFunction(() => 'runtimeMatrix' in globalThis)
    await page.evaluate(
      (href) =>
        (globalThis as unknown as { runtimeMatrix(d: string): Promise<unknown> }).runtimeMatrix(
          href,
        ),
      driver.href,
    )
    return output
  } finally {
    await browser.close()
  }
}

/**
 * The newest Node from the registry, installed outside the project's node_modules: as a
 * devDependency its `node` binary would shadow the machine's Node 20 in every npm script.
 */
function exec(command: string, args: string[]): Promise<string> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    const timer = setTimeout(() => {
      output += `\ntimed out after ${runtimeTimeoutMs / 1000} s`
      child.kill()
    }, runtimeTimeoutMs)
    const take = (chunk: Buffer) => {
      output += chunk
      process.stdout.write(chunk)
    }
    child.stdout.on('data', take)
    child.stderr.on('data', take)
    child.on('error', (error) => {
      output += `\n${String(error)}`
    })
    child.on('close', (code) => {
      clearTimeout(timer)
      if (code) output += `\nexited with ${code}`
      resolve(output)
    })
  })
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = http.createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo
      server.close(() => resolve(port))
    })
  })
}

process.exitCode = await main()
