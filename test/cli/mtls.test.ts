// `openid-rp token --cert/--key --ca` against the embedded provider over TLS: tls_client_auth and
// a certificate-bound access token (RFC 8705); a missing client certificate is a clear failure.
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { certificateThumbprint, issuePki } from '../../src/cli/tls.ts'
import { createProvider, type TestProvider } from '../support/provider.ts'
import { assertFailure, openidRp } from './run.ts'

const dir = mkdtempSync(join(tmpdir(), 'openid-rp-mtls-'))
let op: TestProvider
let files: { ca: string; cert: string; key: string }
let thumbprint: string

before(async () => {
  const pki = issuePki({
    caSubject: '/CN=openid-rp cli mtls CA',
    serverAltName: 'IP:127.0.0.1',
    clients: { rp: '/CN=cli-rp' },
  })
  files = { ca: join(dir, 'ca.pem'), cert: join(dir, 'rp.crt'), key: join(dir, 'rp.key') }
  writeFileSync(files.ca, pki.ca)
  writeFileSync(files.cert, pki.rp.cert)
  writeFileSync(files.key, pki.rp.key)
  thumbprint = certificateThumbprint(pki.rp.cert)
  op = await createProvider({
    tls: { ...pki.server, ca: pki.ca, requestCert: true, rejectUnauthorized: false },
    features: {
      mTLS: { tlsClientAuth: true, certificateBoundAccessTokens: true },
      clientCredentials: true,
    },
    clients: [
      {
        client_id: 'cli-mtls',
        token_endpoint_auth_method: 'tls_client_auth',
        tls_client_auth_subject_dn: 'CN=cli-rp',
        tls_client_certificate_bound_access_tokens: true,
        grant_types: ['client_credentials'],
        response_types: [],
        redirect_uris: [],
      },
    ],
  })
})

after(() => op.close())

describe('openid-rp token over mutual TLS', () => {
  const args = () => [
    'token',
    'client-credentials',
    '--issuer',
    op.issuer.href,
    '--client-id',
    'cli-mtls',
    '--ca',
    files.ca,
  ]

  it('--cert/--key authenticate with tls_client_auth and get a certificate-bound token', async () => {
    const result = await openidRp([...args(), '--cert', files.cert, '--key', files.key, '--json'])
    assert.equal(result.code, 0, result.stderr)
    const tokens = JSON.parse(result.stdout)
    assert.equal(tokens.openid_rp.client_auth, 'tls_client_auth')
    const stored = (await op.provider.ClientCredentials.find(tokens.access_token)) as unknown as {
      'x5t#S256'?: string
    }
    assert.equal(stored['x5t#S256'], thumbprint, 'bound to the client certificate')
  })

  it('without a client certificate the failure names the token request and invalid_client', async () => {
    const result = await openidRp([...args(), '--client-auth', 'tls'])
    assertFailure(result, {
      command: 'token',
      method: 'POST',
      url: `${op.issuer.href}token`,
      status: 401,
      remedy: /client/,
    })
    assert.match(result.stderr, /^ {2}error: +invalid_client/m)
  })

  it('--cert without --key is bad usage', async () => {
    const result = await openidRp([...args(), '--cert', files.cert])
    assert.equal(result.code, 2)
    assert.match(result.stderr, /^openid-rp: --cert and --key go together/)
  })
})
