// openid-rp only: a ClientError for an unexpected status or a non-JSON body names the status, the
// content type and the URL (without query), never the client secret (issue 12).
import assert from 'node:assert/strict'
import * as http from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, describe, it } from 'node:test'
import * as client from 'openid-rp'

const secret = 'facts-client-secret-0123456789abcdefghijklmnop'
let server: http.Server
let base: string
let answer: { status: number; type: string; body: string }

before(async () => {
  server = http.createServer((req, res) => {
    req.resume()
    req.on('end', () => {
      res.statusCode = answer.status
      res.setHeader('content-type', answer.type)
      res.end(answer.body)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

after(() => new Promise<void>((resolve) => server.close(() => resolve())))

function configuration(): client.Configuration {
  const config = new client.Configuration(
    { issuer: base, token_endpoint: `${base}/token?tenant=a` },
    'facts-client',
    secret,
  )
  client.allowInsecureRequests(config)
  return config
}

async function failure(): Promise<client.ClientError> {
  try {
    await client.clientCredentialsGrant(configuration())
  } catch (error) {
    assert.ok(error instanceof client.ClientError, String(error))
    return error
  }
  assert.fail('the grant succeeded')
}

describe('ClientError for an unusable token endpoint response', () => {
  it('a 200 HTML page (not JSON) names the status, the content type and the endpoint URL', async () => {
    answer = { status: 200, type: 'text/html; charset=utf-8', body: '<html>login</html>' }
    const error = await failure()
    assert.equal(error.code, 'OAUTH_RESPONSE_IS_NOT_JSON')
    assert.ok(error.message.includes(`(HTTP 200 text/html from ${base}/token)`), error.message)
    assert.ok(!error.message.includes('tenant=a'), 'the query is left out')
    assert.ok(!error.message.includes(secret))
  })

  it('a 500 with a text body names the status and the endpoint URL', async () => {
    answer = { status: 500, type: 'text/plain', body: 'internal error' }
    const error = await failure()
    assert.match(error.code ?? '', /^OAUTH_RESPONSE_IS_NOT_(JSON|CONFORM)$/)
    assert.ok(error.message.includes(`HTTP 500 text/plain from ${base}/token`), error.message)
    assert.ok(!error.message.includes(secret))
    assert.ok(!JSON.stringify(error.cause ?? null).includes(secret))
  })

  it('a valid token response still succeeds', async () => {
    answer = {
      status: 200,
      type: 'application/json',
      body: JSON.stringify({ access_token: 'at-123456789', token_type: 'bearer' }),
    }
    const tokens = await client.clientCredentialsGrant(configuration())
    assert.equal(tokens.access_token, 'at-123456789')
  })
})
