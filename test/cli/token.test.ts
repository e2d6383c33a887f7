import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import * as jose from 'jose'
import { createProvider, type TestProvider } from '../support/provider.ts'

const bin = fileURLToPath(new URL('../../bin/openid-rp.js', import.meta.url))
const secret = 'cli-token-secret-0123456789abcdefghijklmnopqrstuvwxyz'
const dir = mkdtempSync(join(tmpdir(), 'openid-rp-token-'))

interface Result {
  code: number | null
  stdout: string
  stderr: string
}

/** Runs the command; `onStderr` sees stderr as it arrives (the device user code, CIBA waiting). */
function openidRp(
  args: string[],
  { env = {}, onStderr }: { env?: Record<string, string>; onStderr?: (text: string) => void } = {},
): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], {
      env: { ...process.env, ...env },
      timeout: 30_000,
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk))
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk
      onStderr?.(stderr)
    })
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}

let op: TestProvider
let common: string[]
let keyFile: string

before(async () => {
  const { privateKey, publicKey } = await jose.generateKeyPair('ES256', { extractable: true })
  keyFile = join(dir, 'key.json')
  writeFileSync(
    keyFile,
    JSON.stringify({ ...(await jose.exportJWK(privateKey)), alg: 'ES256', kid: 'cli-key' }),
  )
  const publicJwk = { ...(await jose.exportJWK(publicKey)), alg: 'ES256', kid: 'cli-key' }
  op = await createProvider({
    features: { clientCredentials: true, deviceFlow: true, ciba: true, dPoP: true },
    clients: [
      {
        client_id: 'cli-service',
        client_secret: secret,
        grant_types: ['client_credentials'],
        response_types: [],
        redirect_uris: [],
      },
      {
        client_id: 'cli-jwt',
        token_endpoint_auth_method: 'private_key_jwt',
        jwks: { keys: [publicJwk as never] },
        grant_types: ['client_credentials'],
        response_types: [],
        redirect_uris: [],
      },
      {
        client_id: 'cli-device',
        token_endpoint_auth_method: 'none',
        grant_types: ['urn:ietf:params:oauth:grant-type:device_code', 'refresh_token'],
        response_types: [],
        redirect_uris: [],
      },
      {
        client_id: 'cli-ciba',
        client_secret: secret,
        grant_types: ['urn:openid:params:grant-type:ciba'],
        response_types: [],
        redirect_uris: [],
        backchannel_token_delivery_mode: 'poll',
      },
    ],
  })
  common = ['--issuer', op.issuer.href, '--json', '--poll-interval', '0.1']
})

after(async () => {
  await op.close()
  assert.deepEqual(op.serverErrors, [], 'the provider saw no server errors')
})

const json = (result: Result) => {
  assert.equal(result.code, 0, result.stderr)
  return JSON.parse(result.stdout) as Record<string, any>
}

describe('openid-rp token', () => {
  it('token client-credentials --dpop with a secret from the environment gets a DPoP-bound token', async () => {
    const result = json(
      await openidRp(
        ['token', 'client-credentials', ...common, '--client-id', 'cli-service', '--dpop'],
        {
          env: { OPENID_RP_CLIENT_SECRET: secret },
        },
      ),
    )
    assert.equal(result.token_type, 'dpop')
    assert.equal(result.client_auth, 'client_secret_basic')
    assert.match(result.access_token, /^.{6}…$/, 'the access token is shortened')
  })

  it('token client-credentials reads the secret from --client-secret-file and sends it with --client-auth post', async () => {
    const file = join(dir, 'secret.txt')
    writeFileSync(file, `${secret}\n`)
    const result = json(
      await openidRp([
        'token',
        'client-credentials',
        ...common,
        '--client-id',
        'cli-service',
        '--client-secret-file',
        file,
        '--client-auth',
        'post',
      ]),
    )
    assert.equal(result.token_type, 'bearer')
    assert.equal(result.client_auth, 'client_secret_post')
  })

  it('token client-credentials --private-key authenticates with private_key_jwt', async () => {
    const result = json(
      await openidRp([
        'token',
        'client-credentials',
        ...common,
        '--client-id',
        'cli-jwt',
        '--private-key',
        keyFile,
      ]),
    )
    assert.equal(result.client_auth, 'private_key_jwt')
  })

  it('token client-credentials with a wrong secret exits 1 with a one-line error and no secret', async () => {
    const result = await openidRp(
      ['token', 'client-credentials', ...common, '--client-id', 'cli-service'],
      { env: { OPENID_RP_CLIENT_SECRET: 'wrong-secret-0123456789' } },
    )
    assert.equal(result.code, 1)
    assert.match(result.stderr, /^openid-rp token: [^\n]+\n$/)
    assert.doesNotMatch(result.stderr, /wrong-secret/)
  })

  it('token device prints the user code, polls until approved, and token refresh uses the refresh token', async () => {
    let approving: Promise<void> | undefined
    const result = json(
      await openidRp(
        ['token', 'device', ...common, '--client-id', 'cli-device', '--scope', 'openid email'],
        {
          onStderr: (text) => {
            const code = /enter the code (\S+)/.exec(text)?.[1]
            if (code && !approving) approving = op.approveDevice(code)
          },
        },
      ),
    )
    await approving
    assert.ok(approving, 'the user code was printed')
    assert.equal(result.id_token.claims.sub, op.account.sub)

    // the shortened refresh token in the output cannot be reused: fetch a real one the same way
    const refreshToken = await new Promise<string>((resolve, reject) => {
      let approved: Promise<void> | undefined
      const child = spawn(process.execPath, [
        '--input-type=module',
        '-e',
        `import * as c from 'openid-rp'
const config = await c.discovery(new URL(${JSON.stringify(op.issuer.href)}), 'cli-device', undefined, c.None(), { execute: [c.allowInsecureRequests] })
const r = await c.initiateDeviceAuthorization(config, { scope: 'openid' })
console.error('code ' + r.user_code)
const t = await c.pollDeviceAuthorizationGrant(config, { ...r, interval: 0.1 })
console.log(t.refresh_token)`,
      ])
      let out = ''
      child.stdout.on('data', (chunk: Buffer) => (out += chunk))
      child.stderr.on('data', (chunk: Buffer) => {
        const code = /code (\S+)/.exec(String(chunk))?.[1]
        if (code && !approved) approved = op.approveDevice(code)
      })
      child.on('close', (status) =>
        status === 0 ? resolve(out.trim()) : reject(new Error(`helper exited ${status}`)),
      )
    })
    const refreshed = json(
      await openidRp(['token', 'refresh', ...common, '--client-id', 'cli-device'], {
        env: { OPENID_RP_REFRESH_TOKEN: refreshToken },
      }),
    )
    assert.equal(refreshed.grant, 'refresh')
    assert.equal(typeof refreshed.access_token, 'string')
  })

  it('token ciba waits for the user to approve on the authentication device', async () => {
    const before = op.cibaRequests.length
    let approving: Promise<void> | undefined
    const result = json(
      await openidRp(
        [
          'token',
          'ciba',
          ...common,
          '--client-id',
          'cli-ciba',
          '--scope',
          'openid',
          '--login-hint',
          String(op.account.email),
          '--binding-message',
          'cli 7',
        ],
        {
          env: { OPENID_RP_CLIENT_SECRET: secret },
          onStderr: (text) => {
            if (text.includes('waiting for') && !approving) {
              approving = op.approveCiba()
            }
          },
        },
      ),
    )
    await approving
    assert.equal(op.cibaRequests.length, before + 1)
    assert.equal(op.cibaRequests.at(-1)?.bindingMessage, 'cli 7')
    assert.equal(result.id_token.claims.sub, op.account.sub)
  })

  for (const args of [
    ['token'],
    ['token', 'implicit', '--issuer', 'http://127.0.0.1:1/', '--client-id', 'x'],
    ['token', 'client-credentials', '--client-id', 'x'],
    ['token', 'client-credentials', '--issuer', 'http://127.0.0.1:1/'],
    [
      'token',
      'refresh',
      '--issuer',
      'http://127.0.0.1:1/',
      '--client-id',
      'x',
      '--poll-interval',
      '0',
    ],
    [
      'token',
      'client-credentials',
      '--issuer',
      'http://127.0.0.1:1/',
      '--client-id',
      'x',
      '--dpop=yes',
    ],
  ]) {
    it(`openid-rp ${args.join(' ')} exits 2 with a one-line error`, async () => {
      const result = await openidRp(args)
      assert.equal(result.code, 2)
      assert.match(result.stderr, /^openid-rp: [^\n]+\n$/)
    })
  }
})
