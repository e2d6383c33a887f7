import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
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
let pemFile: string
let jwksFile: string
let assertionKey: CryptoKey
const EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange'
const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer'
/** What the provider's token-exchange and jwt-bearer handlers received, last first. */
const received: Record<string, unknown>[] = []

before(async () => {
  const { privateKey, publicKey } = await jose.generateKeyPair('ES256', { extractable: true })
  keyFile = join(dir, 'key.json')
  writeFileSync(
    keyFile,
    JSON.stringify({ ...(await jose.exportJWK(privateKey)), alg: 'ES256', kid: 'cli-key' }),
  )
  const publicJwk = { ...(await jose.exportJWK(publicKey)), alg: 'ES256', kid: 'cli-key' }
  // the same key as PKCS#8 PEM (no alg: inferred) and inside a JWKS with a public decoy
  pemFile = join(dir, 'key.pem')
  writeFileSync(pemFile, await jose.exportPKCS8(privateKey))
  jwksFile = join(dir, 'keys.json')
  writeFileSync(
    jwksFile,
    JSON.stringify({
      keys: [publicJwk, { ...(await jose.exportJWK(privateKey)), alg: 'ES256', kid: 'cli-key' }],
    }),
  )
  const assertionPair = await jose.generateKeyPair('ES256')
  assertionKey = assertionPair.privateKey
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
        client_id: 'cli-exchange',
        client_secret: secret,
        grant_types: ['client_credentials', EXCHANGE, JWT_BEARER],
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
  const { errors } = await import('oidc-provider')
  const provider = op.provider
  /** Answers the grant with a new access token for the client, after `check` accepts it. */
  const issue = (check: (params: Record<string, unknown>) => Promise<void>) => async (ctx: any) => {
    const params = { ...ctx.oidc.params } as Record<string, unknown>
    received.unshift(params)
    await check(params)
    const token = new provider.ClientCredentials({ client: ctx.oidc.client, scope: 'api:read' })
    ctx.body = {
      access_token: await token.save(),
      issued_token_type: 'urn:ietf:params:oauth:token-type:access_token',
      token_type: 'Bearer',
      expires_in: 300,
    }
  }
  provider.registerGrantType(
    EXCHANGE,
    issue(async ({ subject_token }) => {
      const subject = await provider.ClientCredentials.find(String(subject_token))
      if (!subject) throw new errors.InvalidGrant('subject_token is not active')
    }),
    [
      'subject_token',
      'subject_token_type',
      'actor_token',
      'actor_token_type',
      'requested_token_type',
      'audience',
      'resource',
      'scope',
    ],
  )
  provider.registerGrantType(
    JWT_BEARER,
    issue(async ({ assertion }) => {
      try {
        await jose.jwtVerify(String(assertion), assertionPair.publicKey, {
          audience: op.issuer.href,
        })
      } catch {
        throw new errors.InvalidGrant('the assertion does not verify')
      }
    }),
    ['assertion', 'scope'],
  )
})

after(async () => {
  await op.close()
  assert.deepEqual(op.serverErrors, [], 'the provider saw no server errors')
})

/** `token client-credentials` against the provider as `clientId`, with `args`. */
const clientCredentials = (clientId: string, ...args: string[]) => [
  'token',
  'client-credentials',
  ...common,
  '--client-id',
  clientId,
  ...args,
]

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
      await openidRp(
        clientCredentials('cli-service', '--client-secret-file', file, '--client-auth', 'post'),
      ),
    )
    assert.equal(result.token_type, 'bearer')
    assert.equal(result.openid_rp.client_auth, 'client_secret_post')
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
    const result = await openidRp(clientCredentials('cli-service'))
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

  it('token client-credentials --private-key authenticates with private_key_jwt: a JWK, a PEM key (alg inferred) or a JWKS (--kid)', async () => {
    for (const args of [
      ['--private-key', keyFile],
      ['--private-key', pemFile],
      ['--private-key', jwksFile, '--kid', 'cli-key'],
    ]) {
      const result = json(await openidRp(clientCredentials('cli-jwt', ...args)))
      assert.equal(result.openid_rp.client_auth, 'private_key_jwt')
    }
  })

  it('token client-credentials --private-key <JWKS URL> fetches the key under the rules; --assertion-audience sets aud', async () => {
    const keys = await startServer(() => ({
      headers: { 'content-type': 'application/json' },
      body: readFileSync(jwksFile, 'utf8'),
    }))
    try {
      const fromUrl = json(
        await openidRp(
          clientCredentials(
            'cli-jwt',
            '--private-key',
            `${keys.url}/keys`,
            '--kid',
            'cli-key',
            '--assertion-audience',
            `${op.issuer.href}token`,
          ),
        ),
      )
      assert.equal(fromUrl.openid_rp.client_auth, 'private_key_jwt')
      const wrongAudience = await openidRp(
        clientCredentials(
          'cli-jwt',
          '--private-key',
          keyFile,
          '--assertion-audience',
          'https://elsewhere.example',
        ),
      )
      assertFailure(wrongAudience, {
        command: 'token',
        method: 'POST',
        url: `${op.issuer.href}token`,
        status: 401,
        remedy: /client/,
      })
    } finally {
      await keys.close()
    }
  })

  it('token client-credentials with --server-metadata needs no discovery', async () => {
    const metadata = join(dir, 'metadata.json')
    writeFileSync(
      metadata,
      JSON.stringify({ issuer: op.issuer.href, token_endpoint: `${op.issuer.href}token` }),
    )
    const result = json(
      await openidRp(
        [
          'token',
          'client-credentials',
          ...common,
          '--client-id',
          'cli-service',
          '--server-metadata',
          metadata,
        ],
        { env: { OPENID_RP_CLIENT_SECRET: secret } },
      ),
    )
    assert.equal(result.token_type, 'bearer')
  })

  it('token exchange (RFC 8693) sends the subject token read from saved --json output', async () => {
    const env = { OPENID_RP_CLIENT_SECRET: secret }
    const first = json(
      await openidRp(['token', 'client-credentials', ...common, '--client-id', 'cli-exchange'], {
        env,
      }),
    )
    const saved = join(dir, 'subject.json')
    writeFileSync(saved, JSON.stringify(first))
    const exchanged = json(
      await openidRp(
        [
          'token',
          'exchange',
          ...common,
          '--client-id',
          'cli-exchange',
          '--subject-token-file',
          saved,
          '--audience',
          'https://api.example',
        ],
        { env },
      ),
    )
    assert.equal(exchanged.openid_rp.grant, 'exchange')
    assert.equal(exchanged.issued_token_type, 'urn:ietf:params:oauth:token-type:access_token')
    assert.notEqual(exchanged.access_token, first.access_token)
    assert.equal(received[0]!.subject_token, first.access_token)
    assert.equal(received[0]!.subject_token_type, 'urn:ietf:params:oauth:token-type:access_token')
    assert.equal(received[0]!.audience, 'https://api.example')

    const refused = await openidRp(
      [
        'token',
        'exchange',
        ...common,
        '--client-id',
        'cli-exchange',
        '--subject-token',
        'not-a-token-0123456789',
      ],
      { env },
    )
    assertFailure(refused, {
      command: 'token',
      method: 'POST',
      url: `${op.issuer.href}token`,
      status: 400,
      remedy: /sign in again|invalid/,
    })
    assert.match(refused.stderr, /^ {2}error: +invalid_grant/m)
    assertNoSecret(refused, 'not-a-token-0123456789', secret)
  })

  it('token jwt-bearer (RFC 7523) sends the assertion from --assertion-file', async () => {
    const env = { OPENID_RP_CLIENT_SECRET: secret }
    const assertion = await new jose.SignJWT({ sub: 'jane' })
      .setProtectedHeader({ alg: 'ES256' })
      .setIssuer('cli-exchange')
      .setAudience(op.issuer.href)
      .setIssuedAt()
      .setExpirationTime('2m')
      .sign(assertionKey)
    const file = join(dir, 'assertion.jwt')
    writeFileSync(file, `${assertion}\n`)
    const result = json(
      await openidRp(
        ['token', 'jwt-bearer', ...common, '--client-id', 'cli-exchange', '--assertion-file', file],
        { env },
      ),
    )
    assert.equal(result.openid_rp.grant, 'jwt-bearer')
    assert.equal(received[0]!.assertion, assertion)
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
