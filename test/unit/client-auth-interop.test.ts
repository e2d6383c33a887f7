// The client authentication options for providers that deviate (docs/providers.md): the Basic
// encoding variant and the assertion audience, each checked on what is actually sent.
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import * as client from 'openid-rp'
import { assertArgumentError, caught, json } from '../support/transport.ts'

const issuer = 'https://op.example.com'
const server: client.ServerMetadata = {
  issuer,
  token_endpoint: `${issuer}/token`,
  introspection_endpoint: `${issuer}/introspect`,
  pushed_authorization_request_endpoint: `${issuer}/par`,
  authorization_endpoint: `${issuer}/authorize`,
}

interface Sent {
  url: string
  headers: Headers
  body: URLSearchParams
}

/** A Configuration whose requests are recorded and answered by `answer`. */
function recorded(clientId: string, auth: client.ClientAuth, answer: (url: string) => Response) {
  const sent: Sent[] = []
  const config = new client.Configuration(server, clientId, undefined, auth)
  config[client.customFetch] = async (url, options) => {
    sent.push({
      url,
      headers: new Headers(options.headers as HeadersInit),
      body: new URLSearchParams(String(options.body)),
    })
    return answer(url)
  }
  return { config, sent }
}

const tokens = () => json({ access_token: 'at', token_type: 'Bearer', expires_in: 60 })
const decodeBasic = (header: string | null) => {
  assert.ok(header?.startsWith('Basic '), `authorization header ${header}`)
  const bytes = Uint8Array.from(atob(header.slice(6)), (c) => c.charCodeAt(0))
  return new TextDecoder().decode(bytes)
}
const assertionPayload = (body: URLSearchParams) =>
  JSON.parse(
    atob(body.get('client_assertion')!.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/')),
  )

describe('ClientSecretBasic() encoding option', () => {
  it('form-urlencodes id and secret by default, as RFC 6749 §2.3.1 asks', async () => {
    const { config, sent } = recorded('rp-1', client.ClientSecretBasic('s-e.c:r et'), tokens)
    await client.clientCredentialsGrant(config)
    assert.equal(decodeBasic(sent[0]!.headers.get('authorization')), 'rp%2D1:s%2De%2Ec%3Ar+et')
  })

  it('with encoding "none" sends id and secret as they are, UTF-8', async () => {
    const { config, sent } = recorded(
      'rp-1',
      client.ClientSecretBasic('s-e.c:r étoile', { encoding: 'none' }),
      tokens,
    )
    await client.clientCredentialsGrant(config)
    assert.equal(decodeBasic(sent[0]!.headers.get('authorization')), 'rp-1:s-e.c:r étoile')
    assert.equal(sent[0]!.body.get('client_secret'), null)
  })

  it('with encoding "none" refuses a client_id containing ":" before sending anything', async () => {
    const { config, sent } = recorded(
      'rp:1',
      client.ClientSecretBasic('secret', { encoding: 'none' }),
      tokens,
    )
    assertArgumentError(
      await caught(() => client.clientCredentialsGrant(config)),
      'ERR_INVALID_ARG_VALUE',
    )
    assert.equal(sent.length, 0)
  })

  it('refuses an unknown encoding', async () => {
    assertArgumentError(
      await caught(() =>
        client.ClientSecretBasic('secret', { encoding: 'base64' as unknown as 'none' }),
      ),
    )
  })
})

describe('client assertion audience option', () => {
  const key = crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, [
    'sign',
    'verify',
  ])

  it('names the issuer by default (ClientSecretJwt and PrivateKeyJwt)', async () => {
    for (const auth of [
      client.ClientSecretJwt('secret-0123456789abcdef0123456789abcdef'),
      client.PrivateKeyJwt((await key).privateKey),
    ]) {
      const { config, sent } = recorded('rp', auth, tokens)
      await client.clientCredentialsGrant(config)
      assert.equal(assertionPayload(sent[0]!.body).aud, issuer)
    }
  })

  it('"endpoint" names the URL of each endpoint the request goes to: token, introspection, PAR', async () => {
    const auth = client.PrivateKeyJwt((await key).privateKey, { assertionAudience: 'endpoint' })
    const { config, sent } = recorded('rp', auth, (url) =>
      url.endsWith('/par')
        ? json({ request_uri: 'urn:example:1', expires_in: 60 }, 201)
        : url.endsWith('/introspect')
          ? json({ active: false })
          : tokens(),
    )
    await client.clientCredentialsGrant(config)
    await client.tokenIntrospection(config, 'at')
    await client.buildAuthorizationUrlWithPAR(config, { redirect_uri: 'https://rp.example/cb' })
    assert.deepEqual(
      sent.map(({ body }) => assertionPayload(body).aud),
      [`${issuer}/token`, `${issuer}/introspect`, `${issuer}/par`],
    )
  })

  it('"both" names the issuer and the endpoint, and [modifyAssertion] still runs last', async () => {
    const auth = client.ClientSecretJwt('secret-0123456789abcdef0123456789abcdef', {
      assertionAudience: 'both',
      [client.modifyAssertion]: (_header, payload) => {
        payload.extra = 'kept'
      },
    })
    const { config, sent } = recorded('rp', auth, tokens)
    await client.clientCredentialsGrant(config)
    const payload = assertionPayload(sent[0]!.body)
    assert.deepEqual(payload.aud, [issuer, `${issuer}/token`])
    assert.equal(payload.extra, 'kept')
  })

  it('refuses an unknown audience choice', async () => {
    assertArgumentError(
      await caught(() =>
        client.ClientSecretJwt('secret', { assertionAudience: 'token' as unknown as 'endpoint' }),
      ),
    )
    assertArgumentError(
      await caught(async () =>
        client.PrivateKeyJwt((await key).privateKey, {
          assertionAudience: 'everyone' as unknown as 'both',
        }),
      ),
    )
  })
})
