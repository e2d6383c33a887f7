// Glewlwyd 2.7 (Debian package `glewlwyd`) as an independent OpenID Provider for the interop
// suite: a private SQLite database, an OIDC plugin instance, users and clients set up through its REST API.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process'
import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import { generateKeyPairSync } from 'node:crypto'
import { systemPackage } from '../../support/system.ts'
import { CookieJar, freePort, inTemporaryDirectory, waitUntil } from './system.ts'

const SCHEMA = '/usr/share/doc/glewlwyd/database/init.sqlite3.sql.gz'
const ADMIN_WEBAPP = '/usr/share/glewlwyd/webapp/admin.js'

/** Why the Glewlwyd suite cannot run here, or undefined when it can (throws under CI=true). */
export const glewlwydMissing = () =>
  systemPackage('glewlwyd', ['glewlwyd', 'sqlite3'], [SCHEMA, ADMIN_WEBAPP])

export interface GlewlwydClient {
  client_id: string
  client_secret?: string
  redirect_uri?: string[]
  authorization_type?: string[]
  token_endpoint_auth_method?: string[]
  scope?: string[]
  [property: string]: unknown
}

export interface GlewlwydUser {
  username: string
  password: string
  scope: string[]
}

export interface Glewlwyd {
  /** `http://127.0.0.1:<port>` */
  readonly origin: string
  /** Issuer of the OIDC plugin instance `name` (`<origin>/api/<name>`). */
  issuer(name?: string): URL
  /** The first user, who holds every scope of the suite. */
  readonly user: GlewlwydUser
  /** Calls the admin REST API (as `admin`). */
  admin(method: string, path: string, body?: unknown): Promise<Response>
  /** Adds an OIDC plugin instance with the admin UI's defaults overridden by `parameters`. */
  addPlugin(name: string, parameters?: Record<string, unknown>): Promise<void>
  addClient(client: GlewlwydClient): Promise<void>
  /** Signs `user` in and approves the device authorization with `userCode`. */
  approveDevice(
    userCode: string,
    clientId: string,
    scope: string,
    user?: GlewlwydUser,
  ): Promise<void>
  /**
   * Follows an end-session URL in the browser session of the last {@link authorize} and confirms
   * it as Glewlwyd's login page does (`DELETE /api/<plugin>/session/<sid>/`), which sends
   * back-channel logout tokens.
   */
  endSession(url: URL): Promise<void>
  /** Signs `user` in and approves the pending CIBA request of `clientId`. */
  approveBackchannel(clientId: string, scope: string, user?: GlewlwydUser): Promise<void>
  /**
   * Follows the end-session URL in the last browser session and returns the front-channel logout
   * iframe URLs its login page would render, built as that page builds them (`?iss=`, `&sid=`
   * when the client requires the session), without ending the session.
   */
  frontchannelIframes(url: URL): Promise<URL[]>
  /**
   * Signs `user` in, grants the requested scopes to the client and follows the authorization
   * URL to the redirect; returns the URL the provider redirected to.
   */
  authorize(url: URL, user?: GlewlwydUser): Promise<URL>
  close(): Promise<void>
}

/** Default parameters of an OIDC plugin instance, as Glewlwyd's own admin UI fills them in. */
function pluginDefaults(): Record<string, unknown> {
  const source = readFileSync(ADMIN_WEBAPP, 'utf8')
  const start = source.indexOf('{"oauth-as-iss-id":')
  const end = source.indexOf('iss:"/"}', start)
  if (start < 0 || end < 0) throw new Error(`no OIDC plugin defaults found in ${ADMIN_WEBAPP}`)
  const json = source
    .slice(start, end + 'iss:"/"}'.length)
    .replace(/!0\b/g, 'true')
    .replace(/!1\b/g, 'false')
    .replace(/([{,])([A-Za-z_][\w]*):/g, '$1"$2":')
  return JSON.parse(json) as Record<string, unknown>
}

const SCOPES = ['openid', 'profile', 'email', 'offline_access', 'api']

export function startGlewlwyd(): Promise<Glewlwyd> {
  return inTemporaryDirectory('openid-rp-glewlwyd-', (dir, spawned) => launch(dir, spawned))
}

async function launch(dir: string, spawned: (child: ChildProcess) => void): Promise<Glewlwyd> {
  const port = await freePort()
  const origin = `http://127.0.0.1:${port}`
  const database = join(dir, 'glewlwyd.db')
  execFileSync('sqlite3', [database], { input: gunzipSync(readFileSync(SCHEMA)) })
  writeFileSync(
    join(dir, 'glewlwyd.conf'),
    [
      `port=${port}`,
      `external_url="${origin}"`,
      'login_url="login.html"',
      'api_prefix="api"',
      'static_files_path="/usr/share/glewlwyd/webapp/"',
      'allow_origin="*"',
      'log_mode="console"',
      `log_level="${process.env.GLEWLWYD_LOG_LEVEL ?? 'ERROR'}"`,
      'cookie_domain="127.0.0.1"',
      'cookie_secure=0',
      'session_expiration=3600',
      'session_key="GLEWLWYD2_SESSION_ID"',
      'admin_session_authentication="cookie"',
      'profile_session_authentication="cookie"',
      'allow_multiple_user_per_session=true',
      'login_api_enabled=true',
      'admin_scope="g_admin"',
      'profile_scope="g_profile"',
      'user_module_path="/usr/lib/glewlwyd/user"',
      'user_middleware_module_path="/usr/lib/glewlwyd/user_middleware"',
      'client_module_path="/usr/lib/glewlwyd/client"',
      'user_auth_scheme_module_path="/usr/lib/glewlwyd/scheme"',
      'plugin_module_path="/usr/lib/glewlwyd/plugin"',
      'hash_algorithm="SHA512"',
      `database = { type = "sqlite3" path = "${database}" };`,
      '',
    ].join('\n'),
  )
  const child: ChildProcess = spawn('glewlwyd', [`--config-file=${join(dir, 'glewlwyd.conf')}`], {
    cwd: dir,
    stdio: ['ignore', process.env.GLEWLWYD_LOG_LEVEL ? 'inherit' : 'ignore', 'pipe'],
  })
  spawned(child)
  let stderr = ''
  child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)))
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))

  const adminJar = new CookieJar()
  const login = (jar: CookieJar, username: string, password: string) =>
    jar.fetch(`${origin}/api/auth/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password }),
    })
  await waitUntil(
    async () => (await login(adminJar, 'admin', 'password').catch(() => undefined))?.status === 200,
    15_000,
    () => `Glewlwyd did not answer on ${origin}: ${stderr}`,
  )

  const admin = async (method: string, path: string, body?: unknown) => {
    const response = await adminJar.fetch(`${origin}/api${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    if (response.status >= 300) {
      throw new Error(
        `Glewlwyd admin ${method} ${path}: ${response.status} ${await response.text()}`,
      )
    }
    return response
  }

  const defaults = pluginDefaults()
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const signingKey = {
    ...privateKey.export({ format: 'jwk' }),
    kid: 'rs256',
    alg: 'RS256',
    use: 'sig',
  }

  const addPlugin = async (name: string, parameters: Record<string, unknown> = {}) => {
    await admin('POST', '/mod/plugin/', {
      module: 'oidc',
      name,
      display_name: name,
      parameters: {
        ...defaults,
        'jwt-type': 'rsa',
        'jwks-private': JSON.stringify({ keys: [signingKey] }),
        'default-kid': 'rs256',
        iss: `${origin}/api/${name}`,
        'allowed-scope': SCOPES,
        'pkce-allowed': true,
        'introspection-revocation-allowed': true,
        'introspection-revocation-allow-target-client': true,
        'auth-type-device-enabled': true,
        'device-authorization-interval': 1,
        'oauth-par-allowed': true,
        'oauth-dpop-allowed': true,
        'oauth-ciba-allowed': true,
        'oauth-ciba-mode-ping-allowed': false,
        'oauth-ciba-mode-push-allowed': false,
        'auth-type-client-enabled': true,
        'name-claim': 'on-demand',
        'email-claim': 'mandatory',
        ...parameters,
      },
    })
  }

  await admin('PUT', '/scope/openid', {
    name: 'openid',
    display_name: 'openid',
    description: 'OpenID Connect',
    password_required: true,
    password_max_age: 3600,
    scheme: {},
  })
  for (const scope of SCOPES.filter((scope) => scope !== 'openid')) {
    await admin('POST', '/scope/', {
      name: scope,
      display_name: scope,
      description: scope,
      password_required: scope !== 'api',
      password_max_age: 3600,
      scheme: {},
    })
  }
  const user: GlewlwydUser = {
    username: 'alice',
    password: 'alice-password-0123456789',
    scope: ['g_profile', ...SCOPES],
  }
  await admin('POST', '/user/', {
    username: user.username,
    name: 'Alice Liddell',
    email: 'alice@example.com',
    password: user.password,
    scope: user.scope,
    enabled: true,
  })
  await addPlugin('oidc')

  let lastJar: CookieJar | undefined

  /** A cookie jar signed in as `who`, with `scope` granted to `clientId` when both are known. */
  async function signedIn(who: GlewlwydUser, clientId: string | null, scope: string | null) {
    const jar = new CookieJar()
    const response = await login(jar, who.username, who.password)
    if (response.status !== 200)
      throw new Error(`Glewlwyd refused ${who.username}: ${response.status}`)
    if (clientId && scope) {
      const granted = await jar.fetch(`${origin}/api/auth/grant/${encodeURIComponent(clientId)}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ scope }),
      })
      if (granted.status !== 200)
        throw new Error(`Glewlwyd grant for ${clientId}: ${granted.status}`)
    }
    return jar
  }

  return {
    origin,
    user,
    issuer: (name = 'oidc') => new URL(`${origin}/api/${name}`),
    admin,
    addPlugin,
    async addClient(client) {
      await admin('POST', '/client/', {
        name: client.client_id,
        enabled: true,
        confidential: client.client_secret !== undefined,
        password: client.client_secret,
        scope: SCOPES,
        authorization_type: ['code', 'refresh_token', 'client_credentials'],
        ...client,
      })
    },
    async approveDevice(userCode, clientId, scope, who = user) {
      const jar = await signedIn(who, clientId, scope)
      const url = new URL(`${origin}/api/oidc/device`)
      url.searchParams.set('code', userCode)
      url.searchParams.set('g_continue', '')
      const response = await jar.fetch(url.href)
      const location = response.headers.get('location') ?? ''
      if (!/[?&]prompt=deviceComplete/.test(location)) {
        throw new Error(`Glewlwyd device verification: ${response.status} ${location}`)
      }
    },
    async endSession(url) {
      if (lastJar === undefined) throw new Error('Glewlwyd: no browser session to end')
      const response = await lastJar.fetch(url.href)
      const location = new URL(response.headers.get('location') ?? '', origin)
      const sid = location.searchParams.get('sid')
      const plugin = location.searchParams.get('plugin')
      if (response.status !== 302 || !sid || !plugin) {
        throw new Error(`Glewlwyd end_session: ${response.status} ${location.href}`)
      }
      const confirmed = await lastJar.fetch(
        `${origin}/api/${encodeURIComponent(plugin)}/session/${encodeURIComponent(sid)}/`,
        { method: 'DELETE' },
      )
      if (confirmed.status !== 200) throw new Error(`Glewlwyd session delete: ${confirmed.status}`)
    },
    async frontchannelIframes(url) {
      if (lastJar === undefined) throw new Error('Glewlwyd: no browser session to end')
      const response = await lastJar.fetch(url.href)
      const location = new URL(response.headers.get('location') ?? '', origin)
      const [sid, plugin, clientId] = ['sid', 'plugin', 'client_id'].map((name) =>
        location.searchParams.get(name),
      )
      if (response.status !== 302 || !sid || !plugin || !clientId) {
        throw new Error(`Glewlwyd end_session: ${response.status} ${location.href}`)
      }
      const listed = await lastJar.fetch(
        `${origin}/api/${encodeURIComponent(plugin)}/session/${encodeURIComponent(sid)}/${encodeURIComponent(clientId)}`,
      )
      if (listed.status !== 200) throw new Error(`Glewlwyd session list: ${listed.status}`)
      const list = (await listed.json()) as {
        iss: string
        sid: string
        client: Array<{
          frontchannel_logout_uri?: string
          frontchannel_logout_session_required?: unknown
        }>
      }
      return list.client
        .filter((entry) => entry.frontchannel_logout_uri)
        .map(
          (entry) =>
            new URL(
              `${entry.frontchannel_logout_uri}?iss=${list.iss}` +
                (entry.frontchannel_logout_session_required ? `&sid=${list.sid}` : ''),
            ),
        )
    },
    async approveBackchannel(clientId, scope, who = user) {
      const jar = await signedIn(who, clientId, scope)
      const list = await jar.fetch(`${origin}/api/oidc/ciba_user_list`)
      const pending = (await list.json()) as Array<{ client_id: string; user_req_id: string }>
      const request = (Array.isArray(pending) ? pending : [pending]).find(
        (entry) => entry.client_id === clientId,
      )
      if (!request) throw new Error(`Glewlwyd lists no CIBA request of ${clientId}`)
      const url = new URL(`${origin}/api/oidc/ciba_user_check`)
      url.searchParams.set('user_req_id', request.user_req_id)
      url.searchParams.set('g_continue', '')
      const response = await jar.fetch(url.href)
      const location = response.headers.get('location') ?? ''
      if (!/[?&]ciba_message=complete\b/.test(location)) {
        throw new Error(`Glewlwyd CIBA approval: ${response.status} ${location}`)
      }
    },
    async authorize(url, who = user) {
      // A pushed or signed request carries its scope inside: grant every scope of the suite.
      const scope = url.searchParams.get('scope') ?? SCOPES.join(' ')
      const jar = await signedIn(who, url.searchParams.get('client_id'), scope)
      lastJar = jar
      const follow = new URL(url)
      follow.searchParams.set('g_continue', '')
      const response = await jar.fetch(follow.href, { redirect: 'manual' })
      const location = response.headers.get('location')
      if (response.status !== 302 || !location) {
        throw new Error(`Glewlwyd authorization: ${response.status} ${await response.text()}`)
      }
      const redirect = new URL(location, origin)
      if (redirect.origin === origin && redirect.pathname.endsWith('/login.html')) {
        throw new Error(`Glewlwyd asked for a login instead of redirecting: ${redirect.href}`)
      }
      return redirect
    },
    async close() {
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000)
      await exited
      clearTimeout(timer)
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
