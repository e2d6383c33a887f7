import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import * as jose from 'jose'
import { createProvider, type TestProvider } from '../support/provider.ts'

const bin = fileURLToPath(new URL('../../bin/openid-rp.js', import.meta.url))
const secret = 'cli-client-secret-0123456789abcdefghijklmnopqrstuvwxyz'

function openidRp(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { timeout: 30_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0
      resolve({ code, stdout, stderr })
    })
  })
}

let op: TestProvider

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
})

after(async () => {
  await op.close()
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

describe('openid-rp discover and decode', () => {
  it('discover <issuer> --json summarises the metadata, DPoP algorithms included', async () => {
    const { code, stdout } = await openidRp('discover', op.issuer.href, '--json')
    assert.equal(code, 0)
    const summary = JSON.parse(stdout)
    assert.equal(summary.issuer, op.issuer.href)
    assert.match(summary.supports.dpop, /ES256/)
    assert.match(summary.supports.grant_types, /client_credentials/)
    assert.equal(summary.supports.backchannel_logout, true)
    assert.equal(summary.supports.backchannel_logout_session, true)
  })

  it('discover <issuer> prints a readable summary', async () => {
    const { code, stdout } = await openidRp('discover', op.issuer.href)
    assert.equal(code, 0)
    assert.match(stdout, /^issuer: http:\/\/127\.0\.0\.1:\d+\/$/m)
    assert.match(stdout, /^ {2}dpop: /m)
  })

  it('discover exits 1 with a one-line error when the issuer does not answer', async () => {
    const { code, stderr } = await openidRp('discover', 'http://127.0.0.1:1/')
    assert.equal(code, 1)
    assert.match(stderr, /^openid-rp discover: [^\n]+\n$/)
  })

  it('decode <jwt> shows header and claims without verifying', async () => {
    const { privateKey } = await jose.generateKeyPair('ES256')
    const jwt = await new jose.SignJWT({
      sub: 'someone',
      access_token: 'abcdefghijklmnopqrstuvwxyz',
    })
      .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
      .sign(privateKey)
    const { code, stdout } = await openidRp('decode', jwt, '--json')
    assert.equal(code, 0)
    const decoded = JSON.parse(stdout)
    assert.deepEqual(decoded.header, { alg: 'ES256', kid: 'k1' })
    assert.equal(decoded.claims.sub, 'someone')
    assert.equal(decoded.claims.access_token, 'abcdef…', 'secret-valued claims are shortened')
    assert.match(decoded.signature, /not verified/)
  })

  it('decode <jwt> --issuer verifies the signature with the issuer JWKS', async () => {
    const jwt = await providerSignedJwt()
    const { code, stdout, stderr } = await openidRp('decode', jwt, '--issuer', op.issuer.href)
    assert.equal(code, 0, stderr)
    assert.match(stdout, /^signature: verified with http:\/\/127\.0\.0\.1:\d+\/jwks$/m)
  })

  it('decode --issuer rejects a JWT the issuer did not sign', async () => {
    const { privateKey } = await jose.generateKeyPair('ES256')
    const forged = await new jose.SignJWT({ iss: op.issuer.href })
      .setProtectedHeader({ alg: 'ES256' })
      .sign(privateKey)
    const { code, stderr } = await openidRp('decode', forged, '--issuer', op.issuer.href)
    assert.equal(code, 1)
    assert.match(stderr, /^openid-rp decode: [^\n]+\n$/)
  })

  for (const args of [['discover'], ['decode'], ['discover', 'not a url'], ['decode', 'x', 'y']]) {
    it(`openid-rp ${args.join(' ')} exits 2 with a one-line error`, async () => {
      const { code, stderr } = await openidRp(...args)
      assert.equal(code, 2)
      assert.match(stderr, /^openid-rp: [^\n]+\n$/)
    })
  }
})
