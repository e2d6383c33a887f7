// Options for providers that deviate (docs/providers.md): the Basic encoding variant, the
// assertion audience, request objects signed with the client secret and the OIDC §6.1 query.
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { inspect } from 'node:util'
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
  const bytes = Uint8Array.from(atob(header!.slice(6)), (c) => c.charCodeAt(0))
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

  it('"endpoint" with mTLS endpoint aliases names the alias each request is sent to', async () => {
    const aliased: client.ServerMetadata = {
      ...server,
      mtls_endpoint_aliases: {
        token_endpoint: 'https://mtls.op.example.com/token',
        pushed_authorization_request_endpoint: 'https://mtls.op.example.com/par',
      },
    }
    const sent: Sent[] = []
    const config = new client.Configuration(
      aliased,
      'rp',
      { use_mtls_endpoint_aliases: true },
      client.PrivateKeyJwt((await key).privateKey, { assertionAudience: 'endpoint' }),
    )
    config[client.customFetch] = async (url, options) => {
      sent.push({
        url,
        headers: new Headers(options.headers as HeadersInit),
        body: new URLSearchParams(String(options.body)),
      })
      return url.endsWith('/par')
        ? json({ request_uri: 'urn:example:1', expires_in: 60 }, 201)
        : url.endsWith('/introspect')
          ? json({ active: false })
          : tokens()
    }
    await client.clientCredentialsGrant(config)
    await client.tokenIntrospection(config, 'at')
    await client.buildAuthorizationUrlWithPAR(config, { redirect_uri: 'https://rp.example/cb' })
    assert.deepEqual(
      sent.map(({ url }) => url),
      [
        'https://mtls.op.example.com/token',
        `${issuer}/introspect`,
        'https://mtls.op.example.com/par',
      ],
    )
    for (const { url, body } of sent) assert.equal(assertionPayload(body).aud, url)
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

  it('"endpoint" refuses to sign when called without the endpoint URL (never a guessed aud)', async () => {
    const auth = client.ClientSecretJwt('secret-0123456789abcdef0123456789abcdef', {
      assertionAudience: 'endpoint',
    })
    const body = new URLSearchParams()
    const err = await caught(() => auth(server, { client_id: 'rp' }, body, new Headers()))
    assert.ok(err instanceof client.ClientError, String(err))
    assert.equal(err.code, 'OAUTH_UNSUPPORTED_OPERATION')
    assert.match(err.message, /endpoint URL/)
    assert.equal(body.get('client_assertion'), null)
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

describe('request objects signed with the client secret, and OIDC Core §6.1 query parameters', () => {
  // 64 octets: long enough for HS512 (RFC 7518 §3.2 asks for a key at least the hash size).
  const clientSecret = 'client-secret-0123456789abcdef0123456789abcdef0123456789abcdefghi'
  const configured = () => new client.Configuration(server, 'rp', clientSecret)
  const parts = (url: URL) => {
    const [header, payload] = url.searchParams.get('request')!.split('.').slice(0, 2)
    const decode = (part: string) => JSON.parse(atob(part.replace(/-/g, '+').replace(/_/g, '/')))
    return { header: decode(header!), payload: decode(payload!) }
  }
  const verifies = async (url: URL, hash: string) => {
    const [header, payload, signature] = url.searchParams.get('request')!.split('.')
    const key = await crypto.subtle.importKey(
      'raw',
      new TextEncoder().encode(clientSecret),
      { name: 'HMAC', hash },
      false,
      ['verify'],
    )
    const bytes = Uint8Array.from(atob(signature!.replace(/-/g, '+').replace(/_/g, '/')), (c) =>
      c.charCodeAt(0),
    )
    return crypto.subtle.verify(
      'HMAC',
      key,
      bytes,
      new TextEncoder().encode(`${header}.${payload}`),
    )
  }

  for (const [alg, hash] of [
    ['HS256', 'SHA-256'],
    ['HS384', 'SHA-384'],
    ['HS512', 'SHA-512'],
  ] as const) {
    it(`clientSecretSigningKey(config, "${alg}") signs a request object that verifies with the secret`, async () => {
      const config = configured()
      const url = await client.buildAuthorizationUrlWithJAR(
        config,
        { redirect_uri: 'https://rp.example/cb', scope: 'openid', nonce: 'n-1' },
        await client.clientSecretSigningKey(config, alg),
      )
      const { header, payload } = parts(url)
      assert.equal(header.alg, alg)
      assert.equal(header.typ, 'oauth-authz-req+jwt')
      assert.equal(header.kid, undefined)
      assert.equal(payload.iss, 'rp')
      assert.equal(payload.aud, issuer)
      assert.equal(payload.nonce, 'n-1')
      assert.equal(await verifies(url, hash), true)
    })
  }

  it('a request object signed with another secret does not verify (the key is the secret)', async () => {
    const other = new client.Configuration(server, 'rp', 'another-secret-0123456789abcdef0123')
    const url = await client.buildAuthorizationUrlWithJAR(
      other,
      { redirect_uri: 'https://rp.example/cb', scope: 'openid' },
      await client.clientSecretSigningKey(other),
    )
    assert.equal(await verifies(url, 'SHA-256'), false)
  })

  it('{ key, kid } with an HMAC key sets the kid header; [modifyAssertion] still applies', async () => {
    const config = configured()
    const url = await client.buildAuthorizationUrlWithJAR(
      config,
      { redirect_uri: 'https://rp.example/cb', scope: 'openid' },
      { key: await client.clientSecretSigningKey(config), kid: 'secret-1' } as client.PrivateKey,
      {
        [client.modifyAssertion]: (_header, payload) => {
          payload.extra = 'kept'
        },
      },
    )
    const { header, payload } = parts(url)
    assert.equal(header.kid, 'secret-1')
    assert.equal(payload.extra, 'kept')
    assert.equal(await verifies(url, 'SHA-256'), true)
  })

  it('repeats response_type and scope in the query for an OpenID request, not otherwise', async () => {
    const config = configured()
    const key = await client.clientSecretSigningKey(config)
    const openid = await client.buildAuthorizationUrlWithJAR(
      config,
      { redirect_uri: 'https://rp.example/cb', scope: 'openid email', state: 's' },
      key,
    )
    assert.deepEqual([...openid.searchParams.keys()].sort(), [
      'client_id',
      'request',
      'response_type',
      'scope',
    ])
    assert.equal(openid.searchParams.get('response_type'), 'code')
    assert.equal(openid.searchParams.get('scope'), 'openid email')
    assert.equal(openid.searchParams.get('state'), null)
    const oauthOnly = await client.buildAuthorizationUrlWithJAR(
      config,
      { redirect_uri: 'https://rp.example/cb', scope: 'api' },
      key,
    )
    assert.deepEqual([...oauthOnly.searchParams.keys()].sort(), ['client_id', 'request'])
  })

  it('clientSecretSigningKey() refuses an unknown alg and a client without client_secret metadata', async () => {
    assertArgumentError(
      await caught(() => client.clientSecretSigningKey(configured(), 'HS1' as 'HS256')),
    )
    const noSecret = new client.Configuration(server, 'rp', undefined, client.None())
    assertArgumentError(
      await caught(() => client.clientSecretSigningKey(noSecret)),
      'ERR_INVALID_ARG_VALUE',
    )
  })

  it('buildAuthorizationUrlWithJAR() refuses an HMAC key that cannot sign or uses SHA-1', async () => {
    const config = configured()
    for (const [hash, usages] of [
      ['SHA-256', ['verify']],
      ['SHA-1', ['sign']],
    ] as const) {
      const key = await crypto.subtle.importKey(
        'raw',
        new TextEncoder().encode(clientSecret),
        { name: 'HMAC', hash },
        false,
        [...usages],
      )
      assertArgumentError(
        await caught(() =>
          client.buildAuthorizationUrlWithJAR(
            config,
            { redirect_uri: 'https://rp.example/cb', scope: 'openid' },
            key,
          ),
        ),
        'ERR_INVALID_ARG_VALUE',
      )
    }
  })

  for (const [alg, octets] of [
    ['HS256', 32],
    ['HS384', 48],
    ['HS512', 64],
  ] as const) {
    it(`clientSecretSigningKey(config, "${alg}") accepts a secret of ${octets} octets and refuses ${octets - 1}`, async () => {
      const exact = new client.Configuration(server, 'rp', 'k'.repeat(octets))
      const key = await client.clientSecretSigningKey(exact, alg)
      assert.equal((key.algorithm as HmacKeyAlgorithm).length, octets * 8)
      const short = 's3cr3t-'.padEnd(octets - 1, 'x')
      const err = await caught(() =>
        client.clientSecretSigningKey(new client.Configuration(server, 'rp', short), alg),
      )
      assertArgumentError(err, 'ERR_INVALID_ARG_VALUE')
      assert.match(err.message, new RegExp(`${alg}.*RFC 7518.*at least ${octets} octets`))
      assert.ok(!err.message.includes(short) && !err.message.includes('s3cr3t'), err.message)
      assert.ok(!inspect(err.cause).includes('s3cr3t'), inspect(err.cause))
    })
  }

  it('clientSecretSigningKey() counts the octets of the UTF-8 secret, not its characters', async () => {
    // 16 characters, 32 octets
    const config = new client.Configuration(server, 'rp', 'é'.repeat(16))
    const url = await client.buildAuthorizationUrlWithJAR(
      config,
      { redirect_uri: 'https://rp.example/cb', scope: 'openid' },
      await client.clientSecretSigningKey(config),
    )
    assert.ok(url.searchParams.get('request'))
    assertArgumentError(
      await caught(() =>
        client.clientSecretSigningKey(new client.Configuration(server, 'rp', 'é'.repeat(15))),
      ),
      'ERR_INVALID_ARG_VALUE',
    )
  })

  it('buildAuthorizationUrlWithJAR() refuses an HMAC key shorter than its hash, signing nothing', async () => {
    const config = configured()
    for (const [hash, octets] of [
      ['SHA-256', 16],
      ['SHA-384', 47],
      ['SHA-512', 63],
    ] as const) {
      const weak = await crypto.subtle.importKey(
        'raw',
        new Uint8Array(octets).fill(7),
        { name: 'HMAC', hash },
        false,
        ['sign'],
      )
      for (const signingKey of [weak, { key: weak, kid: 'weak' } as client.PrivateKey]) {
        const err = await caught(() =>
          client.buildAuthorizationUrlWithJAR(
            config,
            { redirect_uri: 'https://rp.example/cb', scope: 'openid' },
            signingKey,
          ),
        )
        assertArgumentError(err, 'ERR_INVALID_ARG_VALUE')
        assert.match(err.message, /RFC 7518/)
      }
    }
    const strong = await crypto.subtle.importKey(
      'raw',
      new Uint8Array(32).fill(7),
      { name: 'HMAC', hash: 'SHA-256' },
      false,
      ['sign'],
    )
    const url = await client.buildAuthorizationUrlWithJAR(
      config,
      { redirect_uri: 'https://rp.example/cb', scope: 'openid' },
      strong,
    )
    assert.equal(parts(url).header.alg, 'HS256')
  })

  describe('the §6.1 query repeats exactly what the request object says', () => {
    const signingKeys = async (config: client.Configuration) => [
      await client.clientSecretSigningKey(config),
      (
        await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, [
          'sign',
          'verify',
        ])
      ).privateKey,
    ]
    /** The query's response_type and scope equal the signed ones, present only for OpenID. */
    const agrees = (url: URL) => {
      const { payload } = parts(url)
      const openid =
        typeof payload.scope === 'string' && payload.scope.split(' ').includes('openid')
      assert.deepEqual(url.searchParams.getAll('scope'), openid ? [payload.scope] : [])
      assert.deepEqual(
        url.searchParams.getAll('response_type'),
        openid ? [payload.response_type] : [],
      )
      return payload
    }

    it('buildAuthorizationUrlWithJAR() with a repeated scope parameter repeats the signed one', async () => {
      const config = configured()
      for (const key of await signingKeys(config)) {
        const hidden = await client.buildAuthorizationUrlWithJAR(
          config,
          new URLSearchParams([
            ['redirect_uri', 'https://rp.example/cb'],
            ['scope', 'openid'],
            ['scope', 'admin'],
          ]),
          key,
        )
        assert.equal(agrees(hidden).scope, 'admin')
        const late = await client.buildAuthorizationUrlWithJAR(
          config,
          new URLSearchParams([
            ['redirect_uri', 'https://rp.example/cb'],
            ['scope', 'email'],
            ['scope', 'openid profile'],
          ]),
          key,
        )
        assert.equal(agrees(late).scope, 'openid profile')
      }
    })

    it('buildAuthorizationUrlWithJAR() repeats response_type and scope as [modifyAssertion] left them', async () => {
      const config = configured()
      for (const key of await signingKeys(config)) {
        const url = await client.buildAuthorizationUrlWithJAR(
          config,
          { redirect_uri: 'https://rp.example/cb', scope: 'openid' },
          key,
          {
            [client.modifyAssertion]: (_header, payload) => {
              payload.scope = 'openid email'
              payload.response_type = 'code id_token'
            },
          },
        )
        const payload = agrees(url)
        assert.equal(payload.scope, 'openid email')
        assert.equal(url.searchParams.get('response_type'), 'code id_token')
      }
    })

    it('buildAuthorizationUrlWithJAR() never repeats a response_type the request object lacks', async () => {
      const config = configured()
      for (const key of await signingKeys(config)) {
        const url = await client.buildAuthorizationUrlWithJAR(
          config,
          { request_uri: 'urn:example:ref', scope: 'openid' },
          key,
        )
        assert.equal(parts(url).payload.response_type, undefined)
        assert.equal(url.searchParams.get('response_type'), null)
        assert.deepEqual(url.searchParams.getAll('scope'), ['openid'])
      }
    })

    it('buildAuthorizationUrlWithPAR() pushes the JAR query, which agrees with its request object', async () => {
      const pushed: URLSearchParams[] = []
      const config = configured()
      config[client.customFetch] = async (_url, options) => {
        pushed.push(new URLSearchParams(String(options.body)))
        return json({ request_uri: 'urn:example:1', expires_in: 60 }, 201)
      }
      for (const key of await signingKeys(config)) {
        const jar = await client.buildAuthorizationUrlWithJAR(
          config,
          new URLSearchParams([
            ['redirect_uri', 'https://rp.example/cb'],
            ['scope', 'api'],
            ['scope', 'openid email'],
          ]),
          key,
        )
        await client.buildAuthorizationUrlWithPAR(config, jar.searchParams)
        const body = pushed.at(-1)!
        const { payload } = parts(jar)
        assert.equal(body.get('request'), jar.searchParams.get('request'))
        assert.deepEqual(body.getAll('scope'), [payload.scope])
        assert.deepEqual(body.getAll('response_type'), [payload.response_type])
      }
    })
  })
})
