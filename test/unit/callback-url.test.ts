// A callback URL from another realm is read once: the redirect_uri sent with the code and the
// parameters checked come from the same `href`, whatever its getter returns later.
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import * as client from 'openid-rp'
import { json } from '../support/transport.ts'

const issuer = 'https://op.example.com'
const server: client.ServerMetadata = {
  issuer,
  token_endpoint: `${issuer}/token`,
  authorization_endpoint: `${issuer}/authorize`,
}

/** A URL-branded object (as from a `vm` realm) whose `href` names `hrefs[n]` on its n-th read. */
function shiftingUrl(...hrefs: string[]) {
  let reads = 0
  const url = {
    get [Symbol.toStringTag]() {
      return 'URL'
    },
    get href() {
      return hrefs[Math.min(reads++, hrefs.length - 1)]!
    },
  }
  return { url: url as unknown as URL, reads: () => reads }
}

describe('authorizationCodeGrant() with a URL from another realm', () => {
  it('sends the redirect_uri and code of the same read of href, and reads it once', async () => {
    const sent: URLSearchParams[] = []
    const config = new client.Configuration(server, 'rp', 'secret-0123456789abcdef0123456789')
    config[client.customFetch] = async (_url, options) => {
      sent.push(new URLSearchParams(String(options.body)))
      return json({ access_token: 'at', token_type: 'Bearer', expires_in: 60 })
    }
    const { url, reads } = shiftingUrl(
      'https://rp.example/cb?code=first&state=s-1',
      'https://elsewhere.example/cb?code=second&state=s-1',
    )
    await client.authorizationCodeGrant(config, url, { expectedState: 's-1' })
    assert.equal(reads(), 1)
    assert.equal(sent[0]!.get('redirect_uri'), 'https://rp.example/cb')
    assert.equal(sent[0]!.get('code'), 'first')
  })

  it('still refuses the state of a later read when the first read has another', async () => {
    const config = new client.Configuration(server, 'rp', 'secret-0123456789abcdef0123456789')
    config[client.customFetch] = async () => assert.fail('nothing may be sent')
    const { url } = shiftingUrl(
      'https://rp.example/cb?code=first&state=forged',
      'https://rp.example/cb?code=first&state=s-1',
    )
    await assert.rejects(client.authorizationCodeGrant(config, url, { expectedState: 's-1' }), {
      name: 'ClientError',
      code: 'OAUTH_INVALID_RESPONSE',
    })
  })
})

describe('implicitAuthentication() with a URL from another realm', () => {
  it('checks the fragment of the single read of href', async () => {
    const config = new client.Configuration(server, 'rp', 'secret-0123456789abcdef0123456789')
    client.useIdTokenResponseType(config)
    const { url, reads } = shiftingUrl(
      'https://rp.example/cb#state=forged&id_token=x',
      'https://rp.example/cb#state=s-1&id_token=x',
    )
    await assert.rejects(
      client.implicitAuthentication(config, url, 'n-1', { expectedState: 's-1' }),
      { name: 'ClientError', code: 'OAUTH_INVALID_RESPONSE' },
    )
    assert.equal(reads(), 1)
  })
})
