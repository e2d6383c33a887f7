// The README's worked session, run for real: `demo --serve` in its own process is the provider
// and API; discover → login --redirect-uri → token refresh from the saved login output →
// decode --issuer → the API called with the printed access token.
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { login } from '../support/login.ts'
import { bin, freePort, openidRp } from './run.ts'

const dir = mkdtempSync(join(tmpdir(), 'openid-rp-session-'))
let server: ChildProcess
let banner = ''
let issuer: string
let api: string
let appSecretFile: string
let serviceSecretFile: string
let redirectUri: string

before(async () => {
  redirectUri = `http://127.0.0.1:${await freePort()}/cb`
  server = spawn(process.execPath, [bin, 'demo', '--serve', '--redirect-uri', redirectUri], {
    env: { ...process.env, NO_COLOR: '1' },
  })
  await new Promise<void>((resolve, reject) => {
    server.stdout!.on('data', (chunk: Buffer) => {
      banner += chunk
      if (banner.includes('Ctrl-C stops')) resolve()
    })
    server.on('exit', (code) => reject(new Error(`demo --serve exited ${code}`)))
  })
  issuer = /^ {2}issuer +(\S+)/m.exec(banner)![1]!
  api = /^ {2}API +(\S+)/m.exec(banner)![1]!
  appSecretFile = /cli-app \(code flow, secret in (\S+),/.exec(banner)![1]!
  serviceSecretFile = /cli-service \(client credentials, secret in (\S+)\)/.exec(banner)![1]!
})

after(() => {
  if (server.exitCode === null) server.kill('SIGKILL')
})

describe('worked session against demo --serve in another process', () => {
  it('discover → login → refresh from the saved output → decode --issuer → API call', async () => {
    const discovered = await openidRp(['discover', issuer, '--json'])
    assert.equal(discovered.code, 0, discovered.stderr)
    assert.equal(JSON.parse(discovered.stdout).issuer, issuer)

    const common = [
      '--issuer',
      issuer,
      '--client-id',
      'cli-app',
      '--client-secret-file',
      appSecretFile,
    ]
    let browsing: Promise<unknown> | undefined
    const signedIn = await openidRp(
      ['login', ...common, '--redirect-uri', redirectUri, '--json', '--no-browser'],
      {
        onStderr(text) {
          const url = /^Open this URL to sign in:\n(\S+)$/m.exec(text)?.[1]
          if (url && !browsing) {
            browsing = login(url, { redirectUri }).then((callback) => fetch(String(callback)))
          }
        },
      },
    )
    await browsing
    assert.equal(signedIn.code, 0, signedIn.stderr)
    const loginFile = join(dir, 'login.json')
    writeFileSync(loginFile, signedIn.stdout)
    const saved = JSON.parse(signedIn.stdout)

    const refreshed = await openidRp([
      'token',
      'refresh',
      ...common,
      '--refresh-token-file',
      loginFile,
      '--json',
    ])
    assert.equal(refreshed.code, 0, refreshed.stderr)
    const tokens = JSON.parse(refreshed.stdout)
    assert.notEqual(tokens.access_token, saved.access_token)

    const decoded = await openidRp(['decode', saved.id_token, '--issuer', issuer])
    assert.equal(decoded.code, 0, decoded.stderr)
    assert.match(decoded.stderr, /^signature: verified with /m)
    assert.match(decoded.stderr, /^ {2}sub: jane-4c9b2e$/m)

    const response = await fetch(api, {
      headers: { authorization: `Bearer ${tokens.access_token}` },
    })
    assert.equal(response.status, 200)
    assert.equal(((await response.json()) as { token: { sub: string } }).token.sub, 'jane-4c9b2e')
  })

  it('token client-credentials --raw prints a token the API accepts', async () => {
    const raw = await openidRp([
      'token',
      'client-credentials',
      '--issuer',
      issuer,
      '--client-id',
      'cli-service',
      '--client-secret-file',
      serviceSecretFile,
      '--raw',
    ])
    assert.equal(raw.code, 0, raw.stderr)
    const response = await fetch(api, { headers: { authorization: `Bearer ${raw.stdout.trim()}` } })
    assert.equal(response.status, 200)
    assert.ok(!banner.includes(readFileSync(serviceSecretFile, 'utf8').trim()), 'no secret printed')
  })

  it('SIGTERM stops both servers, exits 0 and removes the secret files', async () => {
    const exited = new Promise<number | null>((resolve) => server.once('exit', resolve))
    server.kill('SIGTERM')
    assert.equal(await exited, 0)
    assert.equal(existsSync(dirname(appSecretFile)), false)
    await assert.rejects(fetch(api))
  })
})
