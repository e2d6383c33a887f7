/**
 * `openid-rp login --resource <url>` without `--issuer`: the issuer is discovered from the
 * resource's RFC 9728 metadata and the resource is sent as RFC 8707 `resource`.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import * as http from 'node:http'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import { login } from '../support/login.ts'
import { createProvider, type TestProvider } from '../support/provider.ts'

const bin = fileURLToPath(new URL('../../bin/openid-rp.js', import.meta.url))
const secret = 'cli-resource-secret-0123456789abcdefghijklmnopqrstuvwxyz'

let op: TestProvider
let metadata: http.Server
let resource: string
let port: number

before(async () => {
  metadata = http.createServer((req, res) => {
    const found = req.url === '/.well-known/oauth-protected-resource/api'
    res.writeHead(found ? 200 : 404, { 'content-type': 'application/json' })
    res.end(
      found
        ? JSON.stringify({
            resource,
            authorization_servers: [op.issuer.href],
            scopes_supported: ['api:read'],
          })
        : '{}',
    )
  })
  await new Promise<void>((resolve) => metadata.listen(0, '127.0.0.1', resolve))
  resource = `http://127.0.0.1:${(metadata.address() as AddressInfo).port}/api`
  const probe = http.createServer()
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
  port = (probe.address() as AddressInfo).port
  await new Promise((resolve) => probe.close(resolve))
  op = await createProvider({
    features: {
      resourceIndicators: {
        defaultResource: () => undefined as unknown as string,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, indicator) => ({
          scope: 'api:read',
          audience: indicator,
          accessTokenFormat: 'jwt' as const,
        }),
      },
    },
    clients: [
      {
        client_id: 'cli-web',
        client_secret: secret,
        redirect_uris: [`http://127.0.0.1:${port}/callback`],
        grant_types: ['authorization_code'],
        response_types: ['code'],
      },
    ],
  })
})

after(async () => {
  await op.close()
  metadata.closeAllConnections()
  await new Promise((resolve) => metadata.close(resolve))
})

function run(args: string[]) {
  return new Promise<{ code: number | null; stdout: string; stderr: string; url?: URL }>(
    (resolve, reject) => {
      const child = spawn(process.execPath, [bin, 'login', ...args], {
        env: { ...process.env, OPENID_RP_CLIENT_SECRET: secret },
        timeout: 30_000,
      })
      let stdout = ''
      let stderr = ''
      let url: URL | undefined
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk))
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk
        const printed = /^(http:\/\/127\.0\.0\.1:\d+\/\S+)$/m.exec(stderr)?.[1]
        if (printed && url === undefined) {
          url = new URL(printed)
          login(url)
            .then((callback) => fetch(callback as URL))
            .catch((error: unknown) => {
              child.kill()
              reject(error)
            })
        }
      })
      child.on('error', reject)
      child.on('close', (code) => resolve({ code, stdout, stderr, url }))
    },
  )
}

describe('openid-rp login --resource', () => {
  it('finds the issuer from the resource, asks for its scopes and gets a token for it', async () => {
    const result = await run([
      '--resource',
      resource,
      '--client-id',
      'cli-web',
      '--redirect-port',
      String(port),
      '--no-browser',
      '--json',
    ])
    assert.equal(result.code, 0, result.stderr)
    assert.equal(result.url?.origin, op.issuer.origin)
    assert.equal(result.url?.searchParams.get('resource'), resource)
    assert.equal(result.url?.searchParams.get('scope'), 'openid api:read')
    const output = JSON.parse(result.stdout)
    assert.equal(output.openid_rp.issuer, op.issuer.href)
    assert.equal(output.openid_rp.resource, resource)
    assert.equal(output.scope, 'api:read')
    assert.equal(output.openid_rp.id_token_claims.sub, op.account.sub)
  })

  it('refuses a --resource that is not a URL (exit 2)', async () => {
    const result = await run(['--resource', 'not a url', '--client-id', 'cli-web'])
    assert.equal(result.code, 2)
    assert.match(result.stderr, /--resource must be a URL/)
  })
})
