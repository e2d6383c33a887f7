import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import * as jose from 'jose'
import { login } from '../support/login.ts'
import { createProvider, type TestProvider } from '../support/provider.ts'

const bin = fileURLToPath(new URL('../../bin/openid-rp.js', import.meta.url))
const secret = 'cli-login-secret-0123456789abcdefghijklmnopqrstuvwxyz'

let op: TestProvider
let port: number
let keyFile: string

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
}

/**
 * Runs `openid-rp login` and plays the browser: reads the URL it prints, drives login and consent
 * over HTTP, then delivers the redirect to the command's loopback listener.
 */
function loginAsBrowser(args: string[], env: Record<string, string> = {}) {
  const redirectUri = `http://127.0.0.1:${port}/callback`
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, [bin, 'login', ...args], {
      env: { ...process.env, ...env },
      timeout: 30_000,
    })
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
            const response = await fetch(callback)
            assert.equal(response.status, 200)
          })
          .catch((error: unknown) => {
            child.kill()
            reject(error)
          })
      }
    })
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}

before(async () => {
  port = await freePort()
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
    redirect_uris: [`http://127.0.0.1:${port}/callback`],
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

describe('openid-rp login', () => {
  it('login with a client secret from the environment runs the code flow through the loopback redirect', async () => {
    const result = await loginAsBrowser(
      [
        '--issuer',
        op.issuer.href,
        '--client-id',
        'cli-web',
        '--redirect-port',
        String(port),
        '--json',
        '--scope',
        'openid email',
      ],
      { OPENID_RP_CLIENT_SECRET: secret },
    )
    assert.equal(result.code, 0, result.stderr)
    const output = JSON.parse(result.stdout)
    assert.equal(output.token_type, 'bearer')
    assert.equal(output.id_token.claims.sub, op.account.sub)
    assert.equal(output.redirect_uri, `http://127.0.0.1:${port}/callback`)
    assert.match(output.callback, /code=.{6}…/, 'the code is shortened')
    assert.doesNotMatch(result.stdout + result.stderr, new RegExp(secret))
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
    assert.equal(result.code, 0, result.stderr)
    const output = JSON.parse(result.stdout)
    assert.equal(output.token_type, 'dpop')
    assert.equal(output.client_auth, 'private_key_jwt')
    assert.match(result.stderr, /request_uri=urn/, 'the printed URL carries the PAR request_uri')
    assert.match(output.callback, /response=/, 'the callback was a JARM response')
  })

  for (const args of [
    ['--client-id', 'x'],
    ['--issuer', 'http://127.0.0.1:1/'],
    ['--issuer', 'http://127.0.0.1:1/', '--client-id', 'x', '--redirect-port', 'abc'],
    ['--issuer', 'http://127.0.0.1:1/', '--client-id', 'x', '--jar'],
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
