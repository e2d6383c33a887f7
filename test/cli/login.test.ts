import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import * as https from 'node:https'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as jose from 'jose'
import { login } from '../support/login.ts'
import { createProvider, type TestProvider } from '../support/provider.ts'
import { assertFailure, assertNoSecret, bin, freePort, openidRp, type Result } from './run.ts'

const secret = 'cli-login-secret-0123456789abcdefghijklmnopqrstuvwxyz'

let op: TestProvider
let port: number
let customUri: string
let httpsUri: string
let keyFile: string

interface BrowserOptions {
  env?: Record<string, string>
  /** The redirect URI the browser stops at (the command's listener). */
  redirectUri?: string
  deny?: boolean
  /** Other requests to the listener before the real redirect; each with the status expected. */
  strays?: { path: string; status: number }[]
}

/** GETs `url` as a browser that accepted the throw-away certificate; status and body. */
function get(url: string): Promise<{ status: number; body: string }> {
  if (url.startsWith('http:')) {
    return fetch(url).then(async (response) => ({
      status: response.status,
      body: await response.text(),
    }))
  }
  return new Promise((resolve, reject) => {
    https
      .get(url, { rejectUnauthorized: false }, (response) => {
        let body = ''
        response.on('data', (chunk: Buffer) => (body += chunk))
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body }))
      })
      .on('error', reject)
  })
}

/**
 * Runs `openid-rp login` and plays the browser: reads the URL it prints, drives login and consent
 * over HTTP, then delivers the redirect to the command's loopback listener.
 */
function loginAsBrowser(args: string[], options: BrowserOptions = {}) {
  const redirectUri = options.redirectUri ?? `http://127.0.0.1:${port}/callback`
  const pages: { status: number; body: string }[] = []
  let browsing: Promise<void> | undefined
  let failed: unknown
  return openidRp(['login', '--no-browser', ...args], {
    env: options.env,
    onStderr(text) {
      const url = /^Open this URL to sign in:\n(\S+)$/m.exec(text)?.[1]
      if (!url || browsing) return
      browsing = (async () => {
        const callback = await login(url, { redirectUri, deny: options.deny })
        assert.ok(callback instanceof URL)
        for (const stray of options.strays ?? []) {
          const answer = await get(new URL(stray.path, redirectUri).href)
          assert.equal(answer.status, stray.status, `${stray.path} answered ${answer.status}`)
        }
        pages.push(await get(callback.href))
      })().catch((error: unknown) => {
        failed = error
      })
    },
  }).then(async (result) => {
    await browsing
    if (failed) throw failed
    return { ...result, pages }
  })
}

before(async () => {
  port = await freePort()
  customUri = `http://127.0.0.1:${await freePort()}/oauth/return/here`
  httpsUri = `https://127.0.0.1:${await freePort()}/secure/cb`
  const { privateKey, publicKey } = await jose.generateKeyPair('ES256', { extractable: true })
  keyFile = join(mkdtempSync(join(tmpdir(), 'openid-rp-login-')), 'key.json')
  writeFileSync(
    keyFile,
    JSON.stringify({ ...(await jose.exportJWK(privateKey)), alg: 'ES256', kid: 'cli-key' }),
  )
  const publicJwk = {
    ...(await jose.exportJWK(publicKey)),
    alg: 'ES256',
    kid: 'cli-key',
    use: 'sig',
  }
  const redirect = {
    redirect_uris: [`http://127.0.0.1:${port}/callback`, customUri, httpsUri],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
  } as const
  op = await createProvider({
    features: { requestObjects: true, jwtResponseModes: true, dPoP: true },
    clients: [
      { ...redirect, client_id: 'cli-web', client_secret: secret },
      {
        ...redirect,
        client_id: 'cli-fapi',
        token_endpoint_auth_method: 'private_key_jwt',
        jwks: { keys: [publicJwk as never] },
        request_object_signing_alg: 'ES256',
        dpop_bound_access_tokens: true,
      },
    ],
  })
})

after(async () => {
  await op.close()
  assert.deepEqual(op.serverErrors, [], 'the provider saw no server errors')
})

const web = () => ['--issuer', op.issuer.href, '--client-id', 'cli-web']
const env = { OPENID_RP_CLIENT_SECRET: secret }

function output(result: Result) {
  assert.equal(result.code, 0, result.stderr)
  return JSON.parse(result.stdout) as Record<string, any>
}

describe('openid-rp login', () => {
  it('login prints the redirect URI to register, then the URL, and --json the whole token response', async () => {
    const result = await loginAsBrowser(
      [...web(), '--redirect-port', String(port), '--json', '--scope', 'openid email'],
      { env },
    )
    const tokens = output(result)
    assert.equal(tokens.token_type, 'bearer')
    assert.ok(tokens.access_token.length > 20 && !tokens.access_token.includes('…'))
    assert.equal(tokens.id_token.split('.').length, 3, 'the ID Token is whole')
    assert.equal(tokens.openid_rp.id_token_claims.sub, op.account.sub)
    assert.equal(tokens.openid_rp.redirect_uri, `http://127.0.0.1:${port}/callback`)
    assert.match(tokens.openid_rp.callback, /code=.{6}…/, 'the spent code is shortened')
    const register = result.stderr.indexOf(
      `register exactly this for client cli-web):\n  http://127.0.0.1:${port}/callback\n`,
    )
    assert.ok(register >= 0, result.stderr)
    assert.ok(register < result.stderr.indexOf('Open this URL'), 'printed before the URL to open')
    assert.match(result.pages[0]!.body, /Signed in/)
    assertNoSecret(result, secret)
  })

  it('login --redirect-uri with another port and path listens there', async () => {
    const result = await loginAsBrowser([...web(), '--redirect-uri', customUri, '--json'], {
      env,
      redirectUri: customUri,
    })
    assert.equal(output(result).openid_rp.redirect_uri, customUri)
  })

  it('login --redirect-uri https://127.0.0.1 serves the redirect with a throw-away certificate', async () => {
    const result = await loginAsBrowser([...web(), '--redirect-uri', httpsUri, '--json'], {
      env,
      redirectUri: httpsUri,
    })
    assert.equal(output(result).openid_rp.redirect_uri, httpsUri)
    assert.match(result.stderr, /throw-away certificate/)
  })

  it('the listener answers 400 to a bare or foreign request and keeps waiting for the real redirect', async () => {
    const result = await loginAsBrowser([...web(), '--redirect-port', String(port), '--json'], {
      env,
      strays: [
        { path: '/callback', status: 400 },
        { path: '/callback?code=forged&state=forged', status: 400 },
        { path: '/callback?error=access_denied', status: 400 },
        { path: '/elsewhere', status: 404 },
      ],
    })
    assert.equal(output(result).openid_rp.id_token_claims.sub, op.account.sub)
  })

  it('a denied login is a failure: error=access_denied, never "Signed in"', async () => {
    const result = await loginAsBrowser([...web(), '--redirect-port', String(port)], {
      env,
      deny: true,
    })
    assert.equal(result.code, 1, result.stderr)
    assert.match(result.stderr, /^openid-rp login: .*access_denied/m)
    assert.match(result.stderr, /^ {2}error: +access_denied/m)
    assert.match(result.stderr, /^ {2}try: +.*refused/m)
    assert.doesNotMatch(result.pages[0]!.body, /Signed in/)
    assert.match(result.pages[0]!.body, /Sign-in failed/)
    assertNoSecret(result, secret)
  })

  it('an unregistered redirect URI: the provider error page is reported with the URL, status and what to check', async () => {
    const unregistered = `http://127.0.0.1:${await freePort()}/not-registered`
    const result = await openidRp(
      ['login', ...web(), '--redirect-uri', unregistered, '--no-browser'],
      { env },
    )
    assertFailure(result, {
      command: 'login',
      url: `${op.issuer.href}auth?`,
      status: 400,
      remedy: /error page .*register the printed redirect URI .*--redirect-uri/,
    })
    assert.match(result.stderr, /error page \(HTTP 400\)/)
    assertNoSecret(result, secret)
  })

  it('login sends --prompt, --max-age, --acr-values, --claims, --login-hint and --authorization-details', async () => {
    const claims = '{"id_token":{"email":{"essential":true}}}'
    const details = '[{"type":"account_information"}]'
    const result = await openidRp(
      [
        'login',
        ...web(),
        '--redirect-port',
        String(port),
        '--no-browser',
        '--timeout',
        '1',
        '--prompt',
        'login consent',
        '--max-age',
        '60',
        '--acr-values',
        'urn:mace:incommon:iap:silver',
        '--claims',
        claims,
        '--login-hint',
        'jane@example.com',
        '--authorization-details',
        details,
        '--ui-locales',
        'en-GB',
      ],
      { env },
    )
    const url = new URL(/^Open this URL to sign in:\n(\S+)$/m.exec(result.stderr)![1]!)
    assert.equal(url.searchParams.get('prompt'), 'login consent')
    assert.equal(url.searchParams.get('max_age'), '60')
    assert.equal(url.searchParams.get('acr_values'), 'urn:mace:incommon:iap:silver')
    assert.equal(url.searchParams.get('claims'), claims)
    assert.equal(url.searchParams.get('login_hint'), 'jane@example.com')
    assert.equal(url.searchParams.get('authorization_details'), details)
    assert.equal(url.searchParams.get('ui_locales'), 'en-GB')
  })

  it('no redirect within --timeout: a failure that says what to check', async () => {
    const result = await openidRp(
      ['login', ...web(), '--redirect-port', String(port), '--no-browser', '--timeout', '1'],
      { env },
    )
    assert.equal(result.code, 1)
    assert.match(result.stderr, /no redirect with this sign-in's state reached .* within 1 s/)
    assert.match(result.stderr, /^ {2}try: +open the printed URL/m)
  })

  it('login --par --jar --jarm --dpop with --private-key gets a DPoP-bound token', async () => {
    const result = await loginAsBrowser([
      '--issuer',
      op.issuer.href,
      '--client-id',
      'cli-fapi',
      '--private-key',
      keyFile,
      '--par',
      '--jar',
      '--jarm',
      '--dpop',
      '--redirect-port',
      String(port),
      '--json',
    ])
    const tokens = output(result)
    assert.equal(tokens.token_type, 'dpop')
    assert.equal(tokens.openid_rp.client_auth, 'private_key_jwt')
    assert.match(result.stderr, /request_uri=urn/, 'the printed URL carries the PAR request_uri')
    assert.match(tokens.openid_rp.callback, /response=/, 'the callback was a JARM response')
  })

  for (const args of [
    ['--client-id', 'x'],
    ['--issuer', 'http://127.0.0.1:1/'],
    ['--issuer', 'http://127.0.0.1:1/', '--client-id', 'x', '--redirect-port', 'abc'],
    ['--issuer', 'http://127.0.0.1:1/', '--client-id', 'x', '--jar'],
    [
      '--issuer',
      'http://127.0.0.1:1/',
      '--client-id',
      'x',
      '--redirect-uri',
      'https://rp.example/cb',
    ],
    ['--issuer', 'http://127.0.0.1:1/', '--client-id', 'x', '--claims', '{not json'],
  ]) {
    it(`openid-rp login ${args.join(' ')} exits 2 with a one-line error`, async () => {
      const child = spawn(process.execPath, [bin, 'login', ...args])
      let stderr = ''
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk))
      const code = await new Promise((resolve) => child.on('close', resolve))
      assert.equal(code, 2)
      assert.match(stderr, /^openid-rp: [^\n]+\n$/)
    })
  }
})

describe('openid-rp login: the loopback listener and state', () => {
  /**
   * Runs `openid-rp login`, logs in at the provider, then delivers the provider's real callback
   * (a valid code) with its `state` replaced or removed. Whatever the listener answers, it must
   * never lead to a successful login: the command ends without tokens once `--timeout` passes.
   */
  function loginWithTamperedState(tamper: (callback: URL) => void) {
    const redirectUri = `http://127.0.0.1:${port}/callback`
    return new Promise<{ code: number | null; stdout: string; stderr: string }>(
      (resolve, reject) => {
        const child = spawn(
          process.execPath,
          [
            bin,
            'login',
            '--issuer',
            op.issuer.href,
            '--client-id',
            'cli-web',
            '--redirect-port',
            String(port),
            '--timeout',
            '5',
            '--json',
          ],
          { env: { ...process.env, OPENID_RP_CLIENT_SECRET: secret }, timeout: 60_000 },
        )
        let stdout = ''
        let stderr = ''
        let browsing = false
        child.stdout.on('data', (chunk: Buffer) => (stdout += chunk))
        child.stderr.on('data', (chunk: Buffer) => {
          stderr += chunk
          const url = /^(http:\/\/127\.0\.0\.1:\d+\/\S+)$/m.exec(stderr)?.[1]
          if (url && !browsing) {
            browsing = true
            login(url, { redirectUri })
              .then(async (callback) => {
                assert.ok(callback instanceof URL)
                assert.ok(callback.searchParams.get('code'), 'the provider issued a code')
                tamper(callback)
                await (await fetch(callback)).body?.cancel()
              })
              .catch((error: unknown) => {
                child.kill()
                reject(error)
              })
          }
        })
        child.on('error', reject)
        child.on('close', (code) => resolve({ code, stdout, stderr }))
      },
    )
  }

  for (const [title, tamper] of [
    ['another state', (callback: URL) => callback.searchParams.set('state', 'forged-state')],
    ['no state', (callback: URL) => callback.searchParams.delete('state')],
  ] as const) {
    it(`login given a callback with ${title} (and a valid code) never logs in`, async () => {
      const result = await loginWithTamperedState(tamper)
      assert.notEqual(result.code, 0, `the login succeeded: ${result.stdout}`)
      assert.doesNotMatch(result.stdout, /access_token|id_token/)
      assert.doesNotMatch(result.stdout + result.stderr, new RegExp(secret))
    })
  }
})
