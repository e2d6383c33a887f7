import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as jose from 'jose'
import { issuePki } from '../../src/cli/tls.ts'
import { createProvider, type TestProvider } from '../support/provider.ts'
import { assertFailure, json, openidRp as run, startServer, type TestServer } from './run.ts'

const secret = 'cli-client-secret-0123456789abcdefghijklmnopqrstuvwxyz'
const openidRp = (...args: string[]) => run(args)
const dir = mkdtempSync(join(tmpdir(), 'openid-rp-inspect-'))
const ESC = '\x1b'

let op: TestProvider
/** An HTTPS issuer (throw-away CA in caFile) whose jwks_uri and JWKS a test chooses. */
let httpsIssuer: TestServer
/** A plain HTTP server serving the same JWKS, on loopback. */
let httpJwks: TestServer
let caFile: string
let signingKey: CryptoKey
let jwks: jose.JSONWebKeySet
let jwksUri: () => string

before(async () => {
  op = await createProvider({
    features: {
      clientCredentials: true,
      dPoP: true,
      backchannelLogout: true,
      resourceIndicators: {
        defaultResource: () => 'https://api.example',
        getResourceServerInfo: () => ({
          scope: 'api:read',
          audience: 'https://api.example',
          accessTokenFormat: 'jwt' as const,
        }),
      },
    },
    clients: [
      {
        client_id: 'cli-client',
        client_secret: secret,
        grant_types: ['client_credentials'],
        response_types: [],
        redirect_uris: [],
      },
    ],
  })
  const pki = issuePki({
    caSubject: '/CN=openid-rp cli test CA',
    serverAltName: 'IP:127.0.0.1',
    clients: {},
  })
  caFile = join(dir, 'ca.pem')
  writeFileSync(caFile, pki.ca)
  const { privateKey, publicKey } = await jose.generateKeyPair('ES256')
  signingKey = privateKey
  jwks = { keys: [{ ...(await jose.exportJWK(publicKey)), kid: 'k1', alg: 'ES256' }] }
  httpJwks = await startServer(() => json(jwks))
  jwksUri = () => `${httpsIssuer.url}/jwks`
  httpsIssuer = await startServer((path, self) => {
    if (path === '/.well-known/openid-configuration') {
      return json({ issuer: self.url, jwks_uri: jwksUri(), token_endpoint: `${self.url}/token` })
    }
    if (path === '/jwks') return json(jwks)
    if (path === '/hang') return 'hang'
    if (path === '/slow/.well-known/openid-configuration') return 'hang'
    if (path === '/moved') return { status: 302, headers: { location: `${httpJwks.url}/jwks` } }
    return { status: 404 }
  }, pki.server)
})

after(async () => {
  await op.close()
  await httpsIssuer.close()
  await httpJwks.close()
})

/** A JWT access token the provider signed, fetched without the library. */
async function providerSignedJwt(): Promise<string> {
  const response = await fetch(new URL('token', op.issuer), {
    method: 'POST',
    headers: {
      authorization: `Basic ${btoa(`cli-client:${secret}`)}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'api:read' }),
  })
  assert.equal(response.status, 200)
  const { access_token } = (await response.json()) as { access_token: string }
  return access_token
}

function signed(claims: jose.JWTPayload): Promise<string> {
  return new jose.SignJWT(claims)
    .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
    .setIssuedAt()
    .sign(signingKey)
}

describe('openid-rp discover and decode', () => {
  it('discover <issuer> --json summarises the metadata and carries it whole', async () => {
    const { code, stdout } = await openidRp('discover', op.issuer.href, '--json')
    assert.equal(code, 0)
    const summary = JSON.parse(stdout)
    assert.equal(summary.issuer, op.issuer.href)
    assert.match(summary.supports.dpop, /ES256/)
    assert.match(summary.supports.grant_types, /client_credentials/)
    assert.equal(summary.supports.backchannel_logout, true)
    assert.equal(summary.supports.backchannel_logout_session, true)
    assert.equal(summary.metadata.token_endpoint, `${op.issuer.href}token`)
  })

  it('discover <issuer> prints a readable summary on stderr, nothing on stdout', async () => {
    const { code, stdout, stderr } = await openidRp('discover', op.issuer.href)
    assert.equal(code, 0)
    assert.equal(stdout, '')
    assert.match(stderr, /^issuer: http:\/\/127\.0\.0\.1:\d+\/$/m)
    assert.match(stderr, /^ {2}dpop: /m)
  })

  it('discover of a closed port names the URL, the refused connection (cause) and what to check', async () => {
    const result = await openidRp('discover', 'http://127.0.0.1:1/')
    assertFailure(result, {
      command: 'discover',
      url: 'http://127.0.0.1:1/.well-known/openid-configuration',
      remedy: /nothing accepts connections at http:\/\/127\.0\.0\.1:1.*URL and port/,
    })
    assert.match(result.stderr, /^ {2}response: none$/m)
    assert.match(result.stderr, /ECONNREFUSED/, 'the cause chain reaches the refused connection')
    assert.doesNotMatch(result.stderr, /fetch failed\s*$/)
  })

  it('discover --json of a failure prints the report as JSON on stdout', async () => {
    const result = await openidRp('discover', `${httpJwks.url}/nowhere`, '--json')
    assert.equal(result.code, 1)
    const report = JSON.parse(result.stdout)
    assert.equal(report.status, 'error')
    assert.deepEqual(report.request, {
      method: 'GET',
      url: `${httpJwks.url}/nowhere/.well-known/openid-configuration`,
    })
    assert.equal(report.response.status, 200)
    assert.match(report.remedy, /\S/)
  })

  it('discover of an HTTPS issuer with an unknown CA shows the TLS cause and suggests --ca', async () => {
    const result = await openidRp('discover', httpsIssuer.url)
    assertFailure(result, {
      command: 'discover',
      url: `${httpsIssuer.url}/.well-known/openid-configuration`,
      remedy: /--ca <pem>/,
    })
    assert.match(result.stderr, /certificate/i)
  })

  it('discover --ca trusts the throw-away CA; a 404 names the status and the discovery URL', async () => {
    const ok = await openidRp('discover', httpsIssuer.url, '--ca', caFile, '--json')
    assert.equal(ok.code, 0, ok.stderr)
    assert.equal(JSON.parse(ok.stdout).issuer, httpsIssuer.url)
    const missing = await openidRp('discover', `${httpsIssuer.url}/tenant`, '--ca', caFile)
    assertFailure(missing, {
      command: 'discover',
      url: `${httpsIssuer.url}/tenant/.well-known/openid-configuration`,
      status: 404,
      remedy: /issuer URL/,
    })
  })

  it('discover --insecure-skip-verify accepts the unknown certificate (test servers only)', async () => {
    const result = await openidRp('discover', httpsIssuer.url, '--insecure-skip-verify', '--json')
    assert.equal(result.code, 0, result.stderr)
    assert.equal(JSON.parse(result.stdout).issuer, httpsIssuer.url)
  })

  it('discover of a plain-http issuer that is not loopback by name needs --allow-http', async () => {
    const plain = await startServer((path, self) => {
      const issuer = self.url.replace('127.0.0.1', '[::ffff:7f00:1]')
      return path === '/.well-known/openid-configuration'
        ? json({ issuer, token_endpoint: `${issuer}/token` })
        : { status: 404 }
    })
    try {
      const issuer = plain.url.replace('127.0.0.1', '[::ffff:7f00:1]')
      const refused = await openidRp('discover', issuer)
      assert.equal(refused.code, 1)
      assert.match(refused.stderr, /OAUTH_HTTP_REQUEST_FORBIDDEN|https:/)
      assert.match(refused.stderr, /^ {2}try: +.*--allow-http/m)
      assert.equal(plain.seen.length, 0, 'nothing was sent over plain HTTP')
      const allowed = await openidRp('discover', issuer, '--allow-http', '--json')
      assert.equal(allowed.code, 0, allowed.stderr)
      assert.equal(JSON.parse(allowed.stdout).issuer, issuer)
    } finally {
      await plain.close()
    }
  })

  it('discover shows control characters in metadata escaped; --json keeps them exact', async () => {
    const hostile = await startServer((path, self) =>
      path === '/.well-known/openid-configuration'
        ? json({
            issuer: self.url,
            token_endpoint: `${self.url}/token`,
            scopes_supported: [`openid${ESC}[2K${ESC}]0;pwned\u0007`, 'email\u202e'],
          })
        : { status: 404 },
    )
    try {
      const human = await openidRp('discover', hostile.url)
      assert.equal(human.code, 0, human.stderr)
      assert.ok(!human.stderr.includes(ESC) && !human.stderr.includes('\u0007'))
      assert.ok(!human.stderr.includes('\u202e'))
      assert.ok(human.stderr.includes('openid\\x1b[2K\\x1b]0;pwned\\x07 email\\u202e'))
      const machine = await openidRp('discover', hostile.url, '--json')
      assert.deepEqual(JSON.parse(machine.stdout).metadata.scopes_supported, [
        `openid${ESC}[2K${ESC}]0;pwned\u0007`,
        'email\u202e',
      ])
    } finally {
      await hostile.close()
    }
  })

  it('decode <jwt> shows header and claims in full, timestamps as dates, without verifying', async () => {
    const jwt = await signed({ sub: 'someone', access_token: 'abcdefghijklmnopqrstuvwxyz' })
    const { code, stdout } = await openidRp('decode', jwt, '--json')
    assert.equal(code, 0)
    const decoded = JSON.parse(stdout)
    assert.deepEqual(decoded.header, { alg: 'ES256', kid: 'k1' })
    assert.equal(decoded.claims.sub, 'someone')
    assert.equal(decoded.claims.access_token, 'abcdefghijklmnopqrstuvwxyz', 'never shortened')
    assert.match(decoded.signature, /not verified/)
    const human = await openidRp('decode', jwt)
    assert.match(human.stderr, /^ {2}iat: \d+ \(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\)$/m)
  })

  it('decode neutralises a claim that would forge a "signature: verified" line; --json is exact', async () => {
    const forgery = `x${ESC}[1A${ESC}[2K\rsignature: verified with https://op.example/jwks\n`
    const jwt = await signed({ sub: 'someone', name: forgery })
    const human = await openidRp('decode', jwt)
    assert.equal(human.code, 0)
    assert.ok(!human.stderr.includes(ESC) && !human.stderr.includes('\r'))
    assert.doesNotMatch(human.stderr, /^signature: verified/m)
    assert.match(human.stderr, /^signature: not verified/m)
    assert.ok(
      human.stderr.includes(
        'x\\x1b[1A\\x1b[2K\\rsignature: verified with https://op.example/jwks\\n',
      ),
    )
    const machine = await openidRp('decode', jwt, '--json')
    assert.equal(JSON.parse(machine.stdout).claims.name, forgery)
  })

  it('decode <jwt> --issuer verifies the signature with the issuer JWKS', async () => {
    const jwt = await providerSignedJwt()
    const { code, stderr } = await openidRp('decode', jwt, '--issuer', op.issuer.href)
    assert.equal(code, 0, stderr)
    assert.match(stderr, /^signature: verified with http:\/\/127\.0\.0\.1:\d+\/jwks$/m)
  })

  it('decode --issuer of an https issuer verifies with its https jwks_uri', async () => {
    jwksUri = () => `${httpsIssuer.url}/jwks`
    const jwt = await signed({ iss: httpsIssuer.url, sub: 'someone' })
    const result = await openidRp('decode', jwt, '--issuer', httpsIssuer.url, '--ca', caFile)
    assert.equal(result.code, 0, result.stderr)
    assert.match(result.stderr, /^signature: verified with https:/m)
  })

  it('decode --issuer refuses the http: jwks_uri of an https issuer and fetches nothing from it', async () => {
    jwksUri = () => `${httpJwks.url}/jwks`
    const before = httpJwks.seen.length
    const jwt = await signed({ iss: httpsIssuer.url, sub: 'someone' })
    const result = await openidRp('decode', jwt, '--issuer', httpsIssuer.url, '--ca', caFile)
    assertFailure(result, {
      command: 'decode',
      url: `${httpsIssuer.url}/.well-known/openid-configuration`,
      status: 200,
      remedy: /https: URLs.*--allow-http/,
    })
    assert.ok(result.stderr.includes(`${httpJwks.url}/jwks`), 'the refused URL is named')
    assert.doesNotMatch(result.stderr + result.stdout, /signature: verified/)
    assert.equal(httpJwks.seen.length, before, 'the http JWKS was never requested')
  })

  it('decode --issuer does not follow a redirect of the jwks_uri', async () => {
    jwksUri = () => `${httpsIssuer.url}/moved`
    const jwt = await signed({ iss: httpsIssuer.url, sub: 'someone' })
    const result = await openidRp('decode', jwt, '--issuer', httpsIssuer.url, '--ca', caFile)
    assertFailure(result, {
      command: 'decode',
      url: `${httpsIssuer.url}/moved`,
      status: 302,
      remedy: /\S/,
    })
    assert.match(result.stderr, /redirects are not followed/)
    assert.doesNotMatch(result.stderr, /signature: verified/)
  })

  it('decode --issuer gives up on a JWKS that never answers after --request-timeout', async () => {
    jwksUri = () => `${httpsIssuer.url}/hang`
    const jwt = await signed({ iss: httpsIssuer.url, sub: 'someone' })
    const result = await openidRp(
      'decode',
      jwt,
      '--issuer',
      httpsIssuer.url,
      '--ca',
      caFile,
      '--request-timeout',
      '1',
    )
    assertFailure(result, {
      command: 'decode',
      url: `${httpsIssuer.url}/hang`,
      remedy: /did not answer in time/,
    })
    assert.match(result.stderr, /did not answer within 1 s/)
    assert.match(result.stderr, /^ {2}response: none$/m)
  })

  it('discover of an issuer that never answers times out with the URL and the remedy', async () => {
    const result = await openidRp(
      'discover',
      `${httpsIssuer.url}/slow`,
      '--ca',
      caFile,
      '--request-timeout',
      '1',
    )
    assertFailure(result, {
      command: 'discover',
      url: `${httpsIssuer.url}/slow/.well-known/openid-configuration`,
      remedy: /did not answer in time/,
    })
  })

  it('decode --issuer rejects a JWT the issuer did not sign', async () => {
    const { privateKey } = await jose.generateKeyPair('ES256')
    const forged = await new jose.SignJWT({ iss: op.issuer.href })
      .setProtectedHeader({ alg: 'ES256' })
      .sign(privateKey)
    const result = await openidRp('decode', forged, '--issuer', op.issuer.href)
    assertFailure(result, {
      command: 'decode',
      url: `${op.issuer.href}jwks`,
      status: 200,
      remedy: /\S/,
    })
    assert.match(result.stderr, /does not verify/)
  })

  for (const args of [['discover'], ['decode'], ['discover', 'not a url'], ['decode', 'x', 'y']]) {
    it(`openid-rp ${args.join(' ')} exits 2 with a one-line error`, async () => {
      const { code, stderr } = await openidRp(...args)
      assert.equal(code, 2)
      assert.match(stderr, /^openid-rp: [^\n]+\n$/)
    })
  }

  it('--help on every subcommand and --version answer with exit 0', async () => {
    for (const command of ['discover', 'decode', 'login', 'token', 'demo']) {
      const result = await openidRp(command, '--help')
      assert.equal(result.code, 0)
      assert.match(result.stdout, new RegExp(`^Usage: openid-rp ${command}`))
    }
    const version = await openidRp('--version')
    assert.match(version.stdout, /^openid-rp \d+\.\d+\.\d+/)
  })
})
