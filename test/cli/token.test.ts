import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as jose from 'jose'
import { createProvider, type TestProvider } from '../support/provider.ts'
import {
  assertFailure,
  assertNoSecret,
  json as jsonAnswer,
  openidRp,
  type Result,
  startServer,
} from './run.ts'

const secret = 'cli-token-secret-0123456789abcdefghijklmnopqrstuvwxyz'
const dir = mkdtempSync(join(tmpdir(), 'openid-rp-token-'))

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
    assert.equal(result.openid_rp.client_auth, 'client_secret_basic')
    assert.equal(result.openid_rp.grant, 'client-credentials')
    assert.match(result.openid_rp.expires_at, /^\d{4}-\d\d-\d\dT/)
    assert.ok(result.access_token.length > 20, 'the access token is whole')
    assert.doesNotMatch(result.access_token, /…/)
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
    assert.equal(result.openid_rp.client_auth, 'client_secret_post')
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
    assert.equal(result.openid_rp.client_auth, 'private_key_jwt')
  })

  it('token client-credentials with a wrong secret names the request, invalid_client and the remedy, no secret', async () => {
    const wrong = 'wrong-secret-0123456789abcdef'
    const result = await openidRp(
      ['token', 'client-credentials', ...common, '--client-id', 'cli-service'],
      { env: { OPENID_RP_CLIENT_SECRET: wrong } },
    )
    assertFailure(result, {
      command: 'token',
      method: 'POST',
      url: `${op.issuer.href}token`,
      status: 401,
      remedy: /--client-id, the secret .*--client-auth/,
    })
    assert.match(result.stderr, /^ {2}error: +invalid_client/m)
    const report = JSON.parse(result.stdout)
    assert.equal(report.status, 'error')
    assert.equal(report.error, 'invalid_client')
    assert.equal(report.response.status, 401)
    assertNoSecret(result, wrong, secret)
  })

  it('token client-credentials without a secret for a confidential client says invalid_client', async () => {
    const result = await openidRp([
      'token',
      'client-credentials',
      ...common,
      '--client-id',
      'cli-service',
    ])
    assertFailure(result, {
      command: 'token',
      method: 'POST',
      url: `${op.issuer.href}token`,
      status: 401,
      remedy: /client-secret/,
    })
  })

  it('token client-credentials --raw prints the access token alone; the default summary goes to stderr', async () => {
    const env = { OPENID_RP_CLIENT_SECRET: secret }
    const args = [
      'token',
      'client-credentials',
      '--issuer',
      op.issuer.href,
      '--client-id',
      'cli-service',
    ]
    const raw = await openidRp([...args, '--raw'], { env })
    assert.equal(raw.code, 0, raw.stderr)
    assert.match(raw.stdout, /^[\w.~+/=-]{20,}\n$/)
    const quiet = await openidRp([...args, '-q'], { env })
    assert.match(quiet.stdout, /^[\w.~+/=-]{20,}\n$/)
    const human = await openidRp(args, { env })
    assert.equal(human.code, 0, human.stderr)
    assert.equal(human.stdout, '')
    assert.match(human.stderr, /^access_token: .{6}…$/m)
    assert.match(human.stderr, /--json prints the whole response/)
    assertNoSecret(human, secret)
  })

  it('token refresh with a bad refresh token names invalid_grant and says to sign in again', async () => {
    const bad = 'not-a-refresh-token-0123456789abcdef'
    const result = await openidRp(['token', 'refresh', ...common, '--client-id', 'cli-device'], {
      env: { OPENID_RP_REFRESH_TOKEN: bad },
    })
    assertFailure(result, {
      command: 'token',
      method: 'POST',
      url: `${op.issuer.href}token`,
      status: 400,
      remedy: /sign in again/,
    })
    assert.match(result.stderr, /^ {2}error: +invalid_grant/m)
    assertNoSecret(result, bad)
  })

  it('a token endpoint answering an HTML page names status, content type, a body excerpt and the remedy', async () => {
    const page = await startServer(() => ({
      status: 200,
      headers: { 'content-type': 'text/html' },
      body: `<html><script>x()</script><body><h1>Sign in</h1><p>Session expired for ${secret}</p></body></html>`,
    }))
    try {
      const result = await openidRp([
        'token',
        'client-credentials',
        '--issuer',
        page.url,
        '--token-endpoint',
        `${page.url}/api/oidc/token`,
        '--client-id',
        'cli-service',
        '--client-secret',
        'the-secret-abcdefghijk',
      ])
      assertFailure(result, {
        command: 'token',
        method: 'POST',
        url: `${page.url}/api/oidc/token`,
        status: 200,
        remedy: /endpoint URL and the client credentials/,
      })
      assert.match(result.stderr, /^ {2}response: HTTP 200 text\/html$/m)
      assert.match(result.stderr, /^ {2}body: +Sign in Session expired/m)
      assert.match(result.stderr, /OAUTH_RESPONSE_IS_NOT_JSON|HTTP 200 text\/html from/)
      assertNoSecret(result, 'the-secret-abcdefghijk')
    } finally {
      await page.close()
    }
  })

  it('an OAuth error_description with control characters is shown escaped', async () => {
    const hostile = await startServer(() =>
      jsonAnswer({ error: 'invalid_client', error_description: 'bad\x1b[2K\rok: Signed in' }, 401),
    )
    try {
      const result = await openidRp([
        'token',
        'client-credentials',
        '--issuer',
        hostile.url,
        '--token-endpoint',
        `${hostile.url}/token`,
        '--client-id',
        'x',
        '--client-secret',
        'y-0123456789',
      ])
      assert.equal(result.code, 1)
      assert.ok(!result.stderr.includes('\x1b') && !result.stderr.includes('\r'))
      assert.ok(result.stderr.includes('bad\\x1b[2K\\rok: Signed in'))
    } finally {
      await hostile.close()
    }
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
    assert.equal(result.openid_rp.id_token_claims.sub, op.account.sub)
    assert.equal(typeof result.refresh_token, 'string')

    const saved = join(dir, 'device.json')
    writeFileSync(saved, JSON.stringify(result))
    const refreshed = json(
      await openidRp([
        'token',
        'refresh',
        ...common,
        '--client-id',
        'cli-device',
        '--refresh-token-file',
        saved,
      ]),
    )
    assert.equal(refreshed.openid_rp.grant, 'refresh')
    assert.notEqual(refreshed.access_token, result.access_token)
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
    assert.equal(result.openid_rp.id_token_claims.sub, op.account.sub)
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
