/**
 * examples/hono against the local provider (openid-rp), on Node with @hono/node-server and on
 * workerd (the worker bundled by esbuild as test/runtimes does, its JWKS_KV binding a real
 * workerd KV namespace served by this process from a Map). On each: a login over HTTP through
 * the app completes with the UserInfo, and a second, cold instance sharing the KV store validates
 * the ID Token with the stored JWKS, never requesting the provider's jwks_uri.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { spawn, type ChildProcess } from 'node:child_process'
import * as diagnostics from 'node:diagnostics_channel'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import * as http from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import * as esbuild from 'esbuild'
import { CookieJar, login } from '../support/login.ts'
import { createProvider, loopbackFetch, type TestProvider } from '../support/provider.ts'
import { secret } from '../support/e2e.ts'
import { jwksKey } from '../../examples/hono/app.ts'
import { memoryKv, startNode } from '../../examples/hono/node.ts'

const root = fileURLToPath(new URL('../..', import.meta.url))
const clientId = 'ex-hono'
const cookieSecret = 'hono-example-cookie-secret-0123456789abcdef'

let op: TestProvider
let work: string
let ports: { node: [number, number]; workerd: [number, number]; logout: [number, number] }
/** The clients of the back-channel logout tests, on Node and on workerd. */
const logoutClients = ['ex-hono-bcl-node', 'ex-hono-bcl-workerd'] as const
/** Requests the provider answered at its jwks_uri. */
let jwksRequests = 0

/** Counts requests to the provider's jwks_uri, seen by Node's HTTP server as they start. */
function countJwksRequests(message: unknown) {
  const { request } = message as { request: http.IncomingMessage }
  const url = new URL(request.url ?? '/', 'http://127.0.0.1')
  if (request.socket.localPort === Number(op.issuer.port) && url.pathname === '/jwks') {
    jwksRequests++
  }
}

const callbackFor = (port: number) => `http://127.0.0.1:${port}/callback`

before(async () => {
  ports = {
    node: [await freePort(), await freePort()],
    workerd: [await freePort(), await freePort()],
    logout: [await freePort(), await freePort()],
  }
  op = await createProvider({
    features: { backchannelLogout: true },
    configuration: { fetch: loopbackFetch },
    clients: [
      ...logoutClients.map((id, index) => {
        const origin = `http://127.0.0.1:${ports.logout[index]}`
        return {
          client_id: id,
          client_secret: secret(id),
          redirect_uris: [`${origin}/callback`],
          post_logout_redirect_uris: [`${origin}/logged-out`],
          response_types: ['code' as const],
          grant_types: ['authorization_code'],
          backchannel_logout_uri: `${origin}/backchannel-logout`,
          backchannel_logout_session_required: true,
        }
      }),
      {
        client_id: clientId,
        client_secret: secret(clientId),
        redirect_uris: [...ports.node, ...ports.workerd].map(callbackFor),
        response_types: ['code'],
        grant_types: ['authorization_code'],
      },
    ],
  })
  diagnostics.subscribe('http.server.request.start', countJwksRequests)
  work = await mkdtemp(join(tmpdir(), 'openid-rp-hono-'))
})

after(async () => {
  diagnostics.unsubscribe('http.server.request.start', countJwksRequests)
  await op.close()
  await rm(work, { recursive: true, force: true })
  assert.deepEqual(op.serverErrors, [], 'the provider saw no server errors')
})

/** Logs in through the app over HTTP: /login, the provider's front channel, /callback. */
async function loginThrough(app: URL) {
  const start = await fetch(new URL('/login', app), { redirect: 'manual' })
  assert.equal(start.status, 302, `/login redirects (got ${start.status}: ${await start.text()})`)
  const cookie = start.headers
    .getSetCookie()
    .map((line) => line.split(';')[0])
    .join('; ')
  assert.match(cookie, /^oidc_tx=/, 'the transaction cookie is set')
  const authorizationUrl = new URL(start.headers.get('location')!)
  assert.equal(authorizationUrl.origin, op.issuer.origin)
  assert.equal(authorizationUrl.searchParams.get('code_challenge_method'), 'S256')
  const callback = await login(authorizationUrl)
  assert.ok(callback instanceof URL, 'the provider redirected back')
  const response = await fetch(callback, { headers: { cookie } })
  const body = (await response.json()) as {
    sub?: string
    userinfo?: Record<string, unknown>
    error?: string
    message?: string
  }
  assert.equal(
    response.status,
    200,
    `/callback answered ${response.status}: ${JSON.stringify(body)}`,
  )
  return body
}

function assertUser(body: Awaited<ReturnType<typeof loginThrough>>) {
  assert.equal(body.sub, op.account.sub)
  assert.equal(body.userinfo?.sub, op.account.sub)
  assert.equal(body.userinfo?.email, op.account.email)
  assert.equal(body.userinfo?.name, op.account.name)
}

describe('examples/hono: code flow with PKCE, JWKS cached in a KV store (openid-rp)', () => {
  it('on Node (@hono/node-server): logs in, then a cold instance reuses the stored JWKS', async () => {
    const entries = new Map<string, string>()
    const options = (port: number) => ({
      issuer: op.issuer,
      clientId,
      clientSecret: secret(clientId),
      redirectUri: callbackFor(port),
      cookieSecret,
      kv: memoryKv(entries),
      allowHttp: true,
    })

    const before = jwksRequests
    const first = await startNode(options(ports.node[0]), ports.node[0])
    try {
      assertUser(await loginThrough(first.url))
    } finally {
      await first.close()
    }
    assert.equal(jwksRequests - before, 1, 'the first instance fetched the JWKS once')
    const stored = entries.get(jwksKey(op.issuer))
    assert.ok(stored, 'the JWKS was written to the KV store')
    assert.ok(Array.isArray(JSON.parse(stored).jwks.keys))

    const cold = await startNode(options(ports.node[1]), ports.node[1])
    try {
      assertUser(await loginThrough(cold.url))
    } finally {
      await cold.close()
    }
    assert.equal(jwksRequests - before, 1, 'the cold instance did not request jwks_uri')
  })

  it('on workerd (esbuild bundle, KV binding): logs in, then a cold isolate reuses the stored JWKS', async () => {
    const entries = new Map<string, string>()
    const kv = await startKvService(entries)
    try {
      await bundleWorker()

      const before = jwksRequests
      await withWorkerd(ports.workerd[0], kv.port, async (url) =>
        assertUser(await loginThrough(url)),
      )
      assert.equal(jwksRequests - before, 1, 'the first isolate fetched the JWKS once')
      const stored = entries.get(jwksKey(op.issuer))
      assert.ok(stored, 'the JWKS was written to the KV namespace')
      assert.ok(Array.isArray(JSON.parse(stored).jwks.keys))

      await withWorkerd(ports.workerd[1], kv.port, async (url) =>
        assertUser(await loginThrough(url)),
      )
      assert.equal(jwksRequests - before, 1, 'the cold isolate did not request jwks_uri')
    } finally {
      await kv.close()
    }
  })
})

/**
 * Logs in through the app keeping the provider's cookies, checks `/me`, logs out at the provider
 * (which POSTs a logout token to the app's `/backchannel-logout`), and checks that `/me` then
 * answers 401.
 */
async function loginThenLogoutAtProvider(app: URL, id: string) {
  const opJar = new CookieJar()
  const cookieOf = (response: Response) =>
    response.headers
      .getSetCookie()
      .map((line) => line.split(';')[0])
      .join('; ')
  const start = await fetch(new URL('/login', app), { redirect: 'manual' })
  assert.equal(start.status, 302)
  const callback = await login(new URL(start.headers.get('location')!), { jar: opJar })
  assert.ok(callback instanceof URL)
  const landed = await fetch(callback, { headers: { cookie: cookieOf(start) } })
  assert.equal(landed.status, 200, await landed.clone().text())
  const session = cookieOf(landed)
    .split('; ')
    .filter((pair) => pair.startsWith('oidc_session='))
    .join('; ')
  assert.ok(session, 'the session cookie is set')
  const me = async () => fetch(new URL('/me', app), { headers: { cookie: session } })
  const before = await me()
  assert.equal(before.status, 200)
  const claims = (await before.json()) as { sid?: string; sub?: string }
  assert.equal(claims.sub, op.account.sub)
  assert.equal(typeof claims.sid, 'string')

  const metadata = (await (
    await fetch(new URL('.well-known/openid-configuration', op.issuer))
  ).json()) as { end_session_endpoint: string }
  const endSession = new URL(metadata.end_session_endpoint)
  endSession.searchParams.set('client_id', id)
  endSession.searchParams.set('post_logout_redirect_uri', new URL('/logged-out', app).href)
  const back = await login(endSession, { jar: opJar })
  assert.ok(back instanceof URL && back.pathname === '/logged-out', 'the provider logged out')

  const after = await me()
  assert.equal(after.status, 401, 'the provider ended the session over the back channel')
  assert.deepEqual(await after.json(), { error: 'logged out by the provider' })
  return session
}

describe('examples/hono: back-channel logout with the logout store in KV (openid-rp)', () => {
  it('on Node: the logout token ends the session; another instance sharing the KV store sees it', async () => {
    const entries = new Map<string, string>()
    const [id] = logoutClients
    const options = {
      issuer: op.issuer,
      clientId: id,
      clientSecret: secret(id),
      redirectUri: `http://127.0.0.1:${ports.logout[0]}/callback`,
      cookieSecret,
      kv: memoryKv(entries),
      allowHttp: true,
    }
    const app = await startNode(options, ports.logout[0])
    let session: string
    try {
      session = await loginThenLogoutAtProvider(app.url, id)
    } finally {
      await app.close()
    }
    const second = await startNode(options)
    try {
      const me = await fetch(new URL('/me', second.url), { headers: { cookie: session } })
      assert.equal(me.status, 401, 'another instance sharing the KV store sees the logout')
      await me.body?.cancel()
    } finally {
      await second.close()
    }
    assert.equal(
      [...entries.keys()].filter((key) => key.startsWith('logout:')).length,
      1,
      'one logout marker in the KV store',
    )
  })

  it('on workerd: the logout token ends the session, the marker in the KV namespace', async () => {
    const entries = new Map<string, string>()
    const kv = await startKvService(entries)
    const id = logoutClients[1]
    try {
      await bundleWorker()
      await withWorkerd(
        ports.logout[1],
        kv.port,
        async (url) => void (await loginThenLogoutAtProvider(url, id)),
        id,
        `http://127.0.0.1:${ports.logout[1]}/callback`,
      )
    } finally {
      await kv.close()
    }
    assert.equal([...entries.keys()].filter((key) => key.startsWith('logout:')).length, 1)
  })
})

/**
 * The HTTP side of a workerd `kvNamespace` binding: workerd turns `get(key)` into
 * `GET /<encoded key>` (404 for a missing key) and `put(key, value)` into `PUT /<encoded key>`.
 */
async function startKvService(entries: Map<string, string>) {
  const server = http.createServer(async (req, res) => {
    const key = decodeURIComponent(new URL(req.url ?? '/', 'http://kv').pathname.slice(1))
    if (req.method === 'GET') {
      const value = entries.get(key)
      res.writeHead(value === undefined ? 404 : 200, { 'content-type': 'text/plain' })
      res.end(value ?? '')
    } else if (req.method === 'DELETE') {
      entries.delete(key)
      res.writeHead(200).end()
    } else if (req.method === 'PUT') {
      const chunks: Buffer[] = []
      for await (const chunk of req) chunks.push(chunk as Buffer)
      entries.set(key, Buffer.concat(chunks).toString('utf8'))
      res.writeHead(200).end()
    } else {
      res.writeHead(405).end()
    }
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

/** Runs the bundled worker in its own workerd process (a cold isolate) while `use` runs. */
async function withWorkerd(
  port: number,
  kvPort: number,
  use: (url: URL) => Promise<void>,
  client = clientId,
  redirectUri = callbackFor(port),
) {
  const text = (name: string, value: string) =>
    `(name = "${name}", text = ${JSON.stringify(value)})`
  const config = join(work, `config-${port}.capnp`)
  await writeFile(
    config,
    `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [
    (name = "main", worker = .honoWorker),
    (name = "kv", external = (address = "127.0.0.1:${kvPort}", http = ())),
    (name = "loopback", network = (allow = ["public", "private", "local"])),
  ],
  sockets = [(name = "http", address = "127.0.0.1:${port}", http = (), service = "main")],
);
const honoWorker :Workerd.Worker = (
  modules = [(name = "worker", esModule = embed "worker.js")],
  compatibilityDate = "2025-09-01",
  globalOutbound = "loopback",
  bindings = [
    (name = "JWKS_KV", kvNamespace = "kv"),
    ${text('ISSUER', op.issuer.href)},
    ${text('CLIENT_ID', client)},
    ${text('CLIENT_SECRET', secret(client))},
    ${text('REDIRECT_URI', redirectUri)},
    ${text('COOKIE_SECRET', cookieSecret)},
    ${text('ALLOW_HTTP', 'true')},
  ],
);
`,
  )
  const child = spawn(join(root, 'node_modules', '.bin', 'workerd'), ['serve', config], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout!.on('data', (chunk) => (output += chunk))
  child.stderr!.on('data', (chunk) => (output += chunk))
  const url = new URL(`http://127.0.0.1:${port}/`)
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        await (await fetch(new URL('/ready', url))).arrayBuffer()
        break
      } catch (error) {
        if (attempt > 100 || child.exitCode !== null) {
          throw new Error(`workerd did not start: ${String(error)}\n${output}`)
        }
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
    }
    await use(url)
  } catch (error) {
    if (error instanceof Error && output) error.message += `\nworkerd output:\n${output}`
    throw error
  } finally {
    await stop(child)
  }
}

/** Bundles examples/hono/worker.ts for workerd once (esbuild, as test/runtimes does). */
let bundled: Promise<unknown> | undefined
function bundleWorker() {
  bundled ??= esbuild.build({
    entryPoints: [join(root, 'examples', 'hono', 'worker.ts')],
    outfile: join(work, 'worker.js'),
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    mainFields: ['module', 'main'],
    conditions: ['workerd', 'worker', 'browser'],
    target: 'es2022',
    alias: { 'openid-rp': join(root, 'build', 'index.js') },
    logLevel: 'warning',
  })
  return bundled
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => {
    child.once('exit', () => resolve())
    child.kill()
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
