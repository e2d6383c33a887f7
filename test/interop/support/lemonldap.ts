// LemonLDAP::NG 2.16 (Debian liblemonldap-ng-portal-perl) as an independent OpenID Provider for
// the interop suite: its portal PSGI app under plackup, a File configuration written per run.
import { spawn, type ChildProcess } from 'node:child_process'
import { generateKeyPairSync } from 'node:crypto'
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { systemPackage } from '../../support/system.ts'
import { CookieJar, freePort, inTemporaryDirectory, waitUntil } from './system.ts'

const PSGI = '/usr/share/lemonldap-ng/portal/htdocs/index.psgi'

/** Why the LemonLDAP::NG suite cannot run here, or undefined when it can (throws under CI=true). */
export const lemonldapMissing = () =>
  systemPackage('liblemonldap-ng-portal-perl', ['plackup'], [PSGI])

/** One relying party: `oidcRPMetaDataOptions*` keys without their prefix (e.g. `RequirePKCE`). */
export interface LemonldapClient {
  client_id: string
  client_secret?: string
  redirect_uris: string[]
  options?: Record<string, string | number>
}

export interface LemonldapUser {
  username: string
  password: string
}

export interface Lemonldap {
  readonly issuer: URL
  /** The Demo backend's `dwho` (password = login). */
  readonly user: LemonldapUser
  /**
   * Follows the authorization URL, signs `user` in through the portal's login form and returns
   * the URL the provider redirected to. Pass a `jar` to keep the portal session for later calls.
   */
  authorize(url: URL, user?: LemonldapUser, jar?: CookieJar): Promise<URL>
  /**
   * Loads a portal page (e.g. the end-session URL) with the session in `jar`, following redirects
   * inside the portal, and returns the `src` of each iframe it renders.
   */
  iframes(url: URL, jar: CookieJar): Promise<URL[]>
  close(): Promise<void>
}

/** Hidden inputs of the first form in `html`, by name. */
function hiddenInputs(html: string): Record<string, string> {
  const form = /<form[\s\S]*?<\/form>/i.exec(html)?.[0] ?? ''
  const fields: Record<string, string> = {}
  for (const input of form.matchAll(/<input\b[^>]*>/gi)) {
    const tag = input[0]
    if (!/type="hidden"/i.test(tag)) continue
    const name = /name="([^"]*)"/i.exec(tag)?.[1]
    if (name) fields[name] = /value="([^"]*)"/i.exec(tag)?.[1] ?? ''
  }
  return fields
}

export function startLemonldap(clients: LemonldapClient[]): Promise<Lemonldap> {
  return inTemporaryDirectory('openid-rp-lemonldap-', (dir, spawned) =>
    launch(dir, spawned, clients),
  )
}

async function launch(
  dir: string,
  spawned: (child: ChildProcess) => void,
  clients: LemonldapClient[],
): Promise<Lemonldap> {
  for (const sub of ['conf', 'sessions/lock', 'psessions/lock', 'cache', 'notifications']) {
    mkdirSync(join(dir, sub), { recursive: true })
  }
  const port = await freePort()
  const origin = `http://127.0.0.1:${port}`
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })

  const rp = (name: keyof LemonldapClient | string) => `oidcRPMetaDataOptions${name}`
  const configuration = {
    cfgNum: 1,
    cfgAuthor: 'openid-rp interop suite',
    cfgDate: String(Math.floor(Date.now() / 1000)),
    cfgVersion: '2.16.1',
    authentication: 'Demo',
    userDB: 'Same',
    passwordDB: 'Demo',
    demoExportedVars: { cn: 'cn', mail: 'mail', uid: 'uid' },
    portal: `${origin}/`,
    domain: '127.0.0.1',
    cookieName: 'lemonldap',
    securedCookie: 0,
    timeout: 72000,
    whatToTrace: 'uid',
    globalStorage: 'Apache::Session::File',
    globalStorageOptions: {
      Directory: join(dir, 'sessions'),
      LockDirectory: join(dir, 'sessions/lock'),
      generateModule: 'Lemonldap::NG::Common::Apache::Session::Generate::SHA256',
    },
    persistentStorage: 'Apache::Session::File',
    persistentStorageOptions: {
      Directory: join(dir, 'psessions'),
      LockDirectory: join(dir, 'psessions/lock'),
    },
    localSessionStorage: 'Cache::FileCache',
    localSessionStorageOptions: {
      cache_root: join(dir, 'cache'),
      cache_depth: 3,
      default_expires_in: 600,
      namespace: 'lemonldap-ng-sessions',
    },
    notification: 0,
    loginHistoryEnabled: 0,
    locationRules: { '127.0.0.1': { default: 'accept' } },
    exportedHeaders: {},
    issuerDBOpenIDConnectActivation: 1,
    oidcServiceMetaDataIssuer: origin,
    oidcServicePrivateKeySig: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    oidcServicePublicKeySig: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    oidcServiceKeyIdSig: 'llng-rs256',
    oidcServiceAllowAuthorizationCodeFlow: 1,
    oidcServiceAllowImplicitFlow: 1,
    oidcServiceAllowHybridFlow: 1,
    oidcServiceIgnoreScopeForClaims: 1,
    oidcRPMetaDataOptions: Object.fromEntries(
      clients.map((client) => [
        client.client_id,
        {
          [rp('ClientID')]: client.client_id,
          ...(client.client_secret === undefined
            ? { [rp('Public')]: 1 }
            : { [rp('ClientSecret')]: client.client_secret }),
          [rp('RedirectUris')]: client.redirect_uris.join(' '),
          [rp('BypassConsent')]: 1,
          [rp('IDTokenSignAlg')]: 'RS256',
          [rp('DisplayName')]: client.client_id,
          ...Object.fromEntries(
            Object.entries(client.options ?? {}).map(([name, value]) => [rp(name), value]),
          ),
        },
      ]),
    ),
    oidcRPMetaDataExportedVars: Object.fromEntries(
      clients.map((client) => [client.client_id, { email: 'mail', name: 'cn' }]),
    ),
  }
  writeFileSync(join(dir, 'conf', 'lmConf-1.json'), JSON.stringify(configuration, null, 2))
  writeFileSync(
    join(dir, 'lemonldap-ng.ini'),
    [
      '[all]',
      `logLevel = ${process.env.LEMONLDAP_LOG_LEVEL ?? 'error'}`,
      'checkTime = 1',
      '[configuration]',
      'type = File',
      `dirName = ${join(dir, 'conf')}`,
      'localStorage = Cache::FileCache',
      `localStorageOptions = { 'namespace' => 'lemonldap-ng-config', 'default_expires_in' => 600, 'cache_root' => '${join(dir, 'cache')}', 'cache_depth' => 3 }`,
      '[portal]',
      'staticPrefix = /static',
      'templateDir = /usr/share/lemonldap-ng/portal/templates',
      'languages = en',
      '[handler]',
      'status = 0',
      '',
    ].join('\n'),
  )

  const child: ChildProcess = spawn(
    'plackup',
    ['-s', 'HTTP::Server::PSGI', '--host', '127.0.0.1', '--port', String(port), PSGI],
    {
      cwd: dir,
      env: { ...process.env, LLNG_DEFAULTCONFFILE: join(dir, 'lemonldap-ng.ini') },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  )
  spawned(child)
  let stderr = ''
  child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)))
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const discoveryUrl = `${origin}/.well-known/openid-configuration`
  await waitUntil(
    async () => (await fetch(discoveryUrl).catch(() => undefined))?.status === 200,
    20_000,
    () => `LemonLDAP::NG did not answer on ${origin}: ${stderr}`,
  )

  const user: LemonldapUser = { username: 'dwho', password: 'dwho' }
  return {
    issuer: new URL(origin),
    user,
    async authorize(url, who = user, jar = new CookieJar()) {
      let response = await jar.fetch(url.href)
      if (response.status === 200) {
        const html = await response.text()
        const form = new URLSearchParams({
          ...hiddenInputs(html),
          user: who.username,
          password: who.password,
        })
        response = await jar.fetch(`${origin}/`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: form,
        })
      }
      for (let hops = 0; hops < 5; hops++) {
        const location = response.headers.get('location')
        if (response.status < 300 || response.status >= 400 || !location) break
        const next = new URL(location, origin)
        if (next.origin !== origin) return next
        response = await jar.fetch(next.href)
      }
      throw new Error(
        `LemonLDAP::NG did not redirect to the client: ${response.status} ${(await response.text()).slice(0, 300)}`,
      )
    },
    async iframes(url, jar) {
      let response = await jar.fetch(url.href)
      for (let hops = 0; hops < 5; hops++) {
        const location = response.headers.get('location')
        if (response.status < 300 || response.status >= 400 || !location) break
        const next = new URL(location, origin)
        if (next.origin !== origin) break
        response = await jar.fetch(next.href)
      }
      const html = await response.text()
      return [...html.matchAll(/<iframe\b[^>]*\bsrc="([^"]*)"/gi)].map(
        ([, src]) => new URL(src!.replaceAll('&amp;', '&'), origin),
      )
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
