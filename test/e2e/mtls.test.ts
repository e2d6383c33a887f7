import { after, before, it } from 'node:test'
import assert from 'node:assert/strict'
import { Agent, fetch as undiciFetch } from 'undici'
import type { CustomFetch } from 'openid-client'
import { certificateThumbprint, issuePki } from '../../src/cli/tls.ts'
import { describeEachImplementation } from '../support/implementations.ts'
import { login } from '../support/login.ts'
import { createProvider, type TestProvider } from '../support/provider.ts'
import {
  pkceRequest,
  recordingFetch,
  redirectUri,
  rejection,
  type Exchange,
  type Transport,
} from '../support/e2e.ts'

type Pki = ReturnType<typeof issueCertificates>

/** A CA, a server certificate for 127.0.0.1 and localhost, and two client certificates, by openssl. */
const issueCertificates = () =>
  issuePki({
    caSubject: '/CN=openid-rp test CA',
    serverAltName: 'IP:127.0.0.1,DNS:localhost',
    clients: { client: '/CN=mtls-rp', other: '/CN=mtls-rp' },
  })

let pki: Pki
let op: TestProvider
const agents: Agent[] = []

/** A fetch over undici with the test CA and, optionally, a client certificate. */
function tlsTransport(identity?: { key: string; cert: string }): Transport {
  const agent = new Agent({ connect: { ca: pki.ca, ...identity } })
  agents.push(agent)
  return async (url, options) => {
    const response = await undiciFetch(url, { ...(options as object), dispatcher: agent } as never)
    // oauth4webapi checks `instanceof Response` against the global class
    return new Response(response.status === 204 ? null : await response.arrayBuffer(), {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers as unknown as Headers,
    })
  }
}

const x5t = certificateThumbprint

before(async () => {
  pki = issueCertificates()
  op = await createProvider({
    tls: {
      key: pki.server.key,
      cert: pki.server.cert,
      ca: pki.ca,
      requestCert: true,
      rejectUnauthorized: false,
    },
    features: {
      mTLS: { tlsClientAuth: true, certificateBoundAccessTokens: true },
      pushedAuthorizationRequests: true,
      introspection: true,
      clientCredentials: true,
      revocation: true,
      deviceFlow: true,
    },
    clients: [
      {
        client_id: 'mtls-rp',
        token_endpoint_auth_method: 'tls_client_auth',
        tls_client_auth_subject_dn: 'CN=mtls-rp',
        tls_client_certificate_bound_access_tokens: true,
        redirect_uris: [redirectUri],
        response_types: ['code'],
        grant_types: [
          'authorization_code',
          'client_credentials',
          'urn:ietf:params:oauth:grant-type:device_code',
        ],
      },
    ],
  })
})

after(async () => {
  await op.close()
  await Promise.all(agents.map((agent) => agent.close()))
  assert.deepEqual(op.serverErrors, [], 'the provider saw no server errors')
})

describeEachImplementation('mTLS (RFC 8705)', (_impl, client) => {
  const configure = async (
    exchanges: Exchange[],
    identity: { key: string; cert: string } | null = pki.client,
    aliases = false,
  ) => {
    const discoveryFetch = tlsTransport()
    const metadata = (await (
      await discoveryFetch(new URL('.well-known/openid-configuration', op.issuer).href, {})
    ).json()) as Record<string, unknown>
    assert.equal(metadata.tls_client_certificate_bound_access_tokens, true)
    if (aliases) {
      // the same server under another name, so requests to the aliases are told apart
      const alias = (name: string) => String(metadata[name]).replace('//127.0.0.1:', '//localhost:')
      metadata.mtls_endpoint_aliases = Object.fromEntries(
        [
          'token_endpoint',
          'introspection_endpoint',
          'userinfo_endpoint',
          'pushed_authorization_request_endpoint',
          'revocation_endpoint',
          'device_authorization_endpoint',
        ].map((name) => [name, alias(name)]),
      )
    }
    const config = new client.Configuration(
      metadata as never,
      'mtls-rp',
      { use_mtls_endpoint_aliases: aliases },
      client.TlsClientAuth(),
    )
    config[client.customFetch] = recordingFetch(
      exchanges,
      tlsTransport(identity ?? undefined),
    ) as CustomFetch
    return config
  }

  const browser = () => {
    const transport = tlsTransport()
    return ((url: URL | string, init?: RequestInit) =>
      transport(String(url), init ?? {})) as typeof fetch
  }

  it('clientCredentialsGrant() with TlsClientAuth gets an access token bound to the certificate (cnf x5t#S256)', async () => {
    const exchanges: Exchange[] = []
    const config = await configure(exchanges)
    const tokens = await client.clientCredentialsGrant(config, { scope: 'api:read' })
    assert.equal(tokens.token_type, 'bearer')
    const introspection = await client.tokenIntrospection(config, tokens.access_token)
    assert.equal(introspection.active, true)
    assert.equal(introspection.client_id, 'mtls-rp')
    assert.equal((introspection.cnf as Record<string, string>)['x5t#S256'], x5t(pki.client.cert))
    const token = exchanges.find((e) => e.url === config.serverMetadata().token_endpoint)
    assert.equal(
      token?.requestHeaders.get('authorization'),
      null,
      'no client secret: the certificate authenticates',
    )
  })

  it('PAR + code flow with TlsClientAuth: the pushed request and the token request authenticate with the certificate', async () => {
    const exchanges: Exchange[] = []
    const config = await configure(exchanges)
    const { parameters, checks } = await pkceRequest(client)
    const url = await client.buildAuthorizationUrlWithPAR(config, parameters)
    assert.ok(url.searchParams.get('request_uri'))
    const callback = await login(url, { redirectUri, fetch: browser() })
    assert.ok(callback instanceof URL)
    const tokens = await client.authorizationCodeGrant(config, callback, checks)
    assert.equal(tokens.claims()?.sub, op.account.sub)
    const userinfo = await client.fetchUserInfo(config, tokens.access_token, op.account.sub)
    assert.equal(userinfo.sub, op.account.sub)
    const introspection = await client.tokenIntrospection(config, tokens.access_token)
    assert.equal((introspection.cnf as Record<string, string>)['x5t#S256'], x5t(pki.client.cert))
  })

  it('use_mtls_endpoint_aliases sends token, PAR, introspection and UserInfo requests to the mtls_endpoint_aliases', async () => {
    const exchanges: Exchange[] = []
    const config = await configure(exchanges, pki.client, true)
    const { parameters, checks } = await pkceRequest(client)
    const url = await client.buildAuthorizationUrlWithPAR(config, parameters)
    assert.equal(url.hostname, '127.0.0.1', 'the authorization endpoint has no alias')
    const callback = await login(url, { redirectUri, fetch: browser() })
    const tokens = await client.authorizationCodeGrant(config, callback, checks)
    await client.fetchUserInfo(config, tokens.access_token, op.account.sub)
    await client.tokenIntrospection(config, tokens.access_token)
    const hosts = exchanges.map(
      (e) => `${e.method} ${new URL(e.url).host}${new URL(e.url).pathname}`,
    )
    for (const path of ['/request', '/token', '/me', '/token/introspection']) {
      assert.ok(
        hosts.some((h) => h.endsWith(`localhost:${op.issuer.port}${path}`)),
        `${path} went to the alias: ${hosts.join(', ')}`,
      )
    }
    assert.equal(
      hosts.filter((h) => h.includes('127.0.0.1')).length,
      0,
      `nothing to the plain endpoints: ${hosts.join(', ')}`,
    )
  })

  it('use_mtls_endpoint_aliases also covers revocation and device authorization', async () => {
    const exchanges: Exchange[] = []
    const config = await configure(exchanges, pki.client, true)
    const tokens = await client.clientCredentialsGrant(config, { scope: 'api:read' })
    await client.tokenRevocation(config, tokens.access_token)
    const device = await client.initiateDeviceAuthorization(config, { scope: 'openid' })
    assert.equal(typeof device.device_code, 'string')
    const targets = exchanges.map((e) => new URL(e.url))
    assert.ok(targets.some((u) => u.pathname === '/token/revocation' && u.hostname === 'localhost'))
    assert.ok(targets.some((u) => u.pathname === '/device/auth' && u.hostname === 'localhost'))
    assert.equal(targets.filter((u) => u.hostname !== 'localhost').length, 0)
    const introspection = await client.tokenIntrospection(config, tokens.access_token)
    assert.equal(introspection.active, false, 'the revocation took effect')
  })

  it('without use_mtls_endpoint_aliases the plain endpoints are used', async () => {
    const exchanges: Exchange[] = []
    const config = await configure(exchanges, pki.client, false)
    config.serverMetadata()
    await client.clientCredentialsGrant(config, { scope: 'api:read' })
    assert.equal(new URL(exchanges[0]!.url).hostname, '127.0.0.1')
  })

  it('the token endpoint refuses a TLS connection without a client certificate (invalid_client)', async () => {
    const config = await configure([], null)
    const error = await rejection(client.clientCredentialsGrant(config, { scope: 'api:read' }))
    assert.ok(
      error instanceof client.ResponseBodyError ||
        error instanceof client.WWWAuthenticateChallengeError,
      `got ${error.name}: ${error.message}`,
    )
    assert.equal(error.status, 401)
  })

  it('a certificate-bound access token is refused at UserInfo over a connection with another certificate', async () => {
    const config = await configure([])
    const tokens = await client.clientCredentialsGrant(config, { scope: 'openid' })
    const thief = await configure([], pki.other)
    const error = await rejection(
      client.fetchUserInfo(thief, tokens.access_token, client.skipSubjectCheck),
    )
    assert.ok(
      error instanceof client.WWWAuthenticateChallengeError,
      `got ${error.name}: ${error.message}`,
    )
    assert.equal(error.status, 401)
  })
})
