// The command against a second, independent provider: Glewlwyd 2.7 (C, Debian package
// `glewlwyd`), where failures look different (a refused client gets 403 with an empty body).
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { glewlwydMissing, startGlewlwyd, type Glewlwyd } from '../interop/support/glewlwyd.ts'
import { assertFailure, assertNoSecret, freePort, openidRp, type Result } from './run.ts'

const missing = glewlwydMissing()
const secret = 'GlewlwydCliSecret0123456789abcdef'
const dir = mkdtempSync(join(tmpdir(), 'openid-rp-cli-glewlwyd-'))

describe('openid-rp against Glewlwyd 2.7', { skip: missing }, () => {
  let op: Glewlwyd
  let redirectUri: string
  let issuer: string
  const client = () => ['--issuer', issuer, '--client-id', 'cli-post', '--client-auth', 'post']

  before(async () => {
    op = await startGlewlwyd()
    issuer = op.issuer().href
    redirectUri = `http://127.0.0.1:${await freePort()}/glewlwyd/cb`
    await op.addClient({
      client_id: 'cli-post',
      client_secret: secret,
      redirect_uri: [redirectUri],
      token_endpoint_auth_method: ['client_secret_post'],
    })
  })

  after(() => op?.close())

  /** `openid-rp login` with Glewlwyd's REST login playing the browser. */
  async function signIn(): Promise<Result> {
    let browsing: Promise<unknown> | undefined
    const result = await openidRp(
      [
        'login',
        ...client(),
        '--redirect-uri',
        redirectUri,
        '--scope',
        'openid email',
        '--json',
        '--no-browser',
      ],
      {
        env: { OPENID_RP_CLIENT_SECRET: secret },
        onStderr(text) {
          const url = /^Open this URL to sign in:\n(\S+)$/m.exec(text)?.[1]
          if (url && !browsing) {
            browsing = op.authorize(new URL(url)).then((callback) => fetch(callback))
          }
        },
      },
    )
    await browsing
    return result
  }

  it('discover → login --redirect-uri → token refresh from the saved output → decode --issuer → userinfo', async () => {
    const discovered = await openidRp(['discover', issuer, '--json'])
    assert.equal(discovered.code, 0, discovered.stderr)
    assert.equal(JSON.parse(discovered.stdout).issuer, issuer)

    const signedIn = await signIn()
    assert.equal(signedIn.code, 0, signedIn.stderr)
    const saved = join(dir, 'login.json')
    writeFileSync(saved, signedIn.stdout)
    const tokens = JSON.parse(signedIn.stdout)
    assert.equal(tokens.openid_rp.id_token_claims.iss, issuer)

    const refreshed = await openidRp(
      ['token', 'refresh', ...client(), '--refresh-token-file', saved, '--json'],
      { env: { OPENID_RP_CLIENT_SECRET: secret } },
    )
    assert.equal(refreshed.code, 0, refreshed.stderr)
    const access = JSON.parse(refreshed.stdout).access_token as string
    assert.notEqual(access, tokens.access_token)

    const decoded = await openidRp(['decode', tokens.id_token, '--issuer', issuer])
    assert.equal(decoded.code, 0, decoded.stderr)
    assert.match(decoded.stderr, /^signature: verified with /m)

    const userinfo = await fetch(`${issuer}/userinfo`, {
      headers: { authorization: `Bearer ${access}` },
    })
    assert.equal(userinfo.status, 200)
    assert.equal(((await userinfo.json()) as { email: string }).email, 'alice@example.com')
    assertNoSecret(signedIn, secret)
  })

  it('a wrong secret: Glewlwyd answers 403 with an empty body, and the report says so', async () => {
    const wrong = 'WrongGlewlwydSecret0123456789'
    const result = await openidRp(['token', 'client-credentials', ...client(), '--scope', 'api'], {
      env: { OPENID_RP_CLIENT_SECRET: wrong },
    })
    assertFailure(result, {
      command: 'token',
      method: 'POST',
      url: `${issuer}/token`,
      status: 403,
      remedy: /client credentials/,
    })
    assert.match(result.stderr, /^ {2}body: +\(empty body\)$/m)
    assert.match(result.stderr, /HTTP 403/)
    assertNoSecret(result, wrong, secret)
  })

  it('a spent refresh token: 400 with an empty body, reported with the likely cause', async () => {
    const bad = 'spent-refresh-token-0123456789abcdef'
    const result = await openidRp(['token', 'refresh', ...client(), '--refresh-token', bad], {
      env: { OPENID_RP_CLIENT_SECRET: secret },
    })
    assertFailure(result, {
      command: 'token',
      method: 'POST',
      url: `${issuer}/token`,
      status: 400,
      remedy: /refresh token may be spent/,
    })
    assertNoSecret(result, bad, secret)
  })
})
