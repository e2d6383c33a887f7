/**
 * Resource-first OAuth end to end: the real oidc-provider (resource indicators, DPoP with nonces)
 * as authorization server behind a local resource server that answers 401 with
 * `resource_metadata` and 403 `insufficient_scope`; `openid-rp/mcp` goes from the bare resource
 * URL to a successful call, and every request on the way is counted.
 */
import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import * as http from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, beforeEach, describe, it } from 'node:test'

import * as jose from 'jose'
import * as client from 'openid-rp'
import { createMcpFetch, type McpFetch, memoryTokenStore } from 'openid-rp/mcp'

import * as resourceFirst from '../../examples/resource-first.ts'
import { redirectUri } from '../support/e2e.ts'
import { login } from '../support/login.ts'
import { createProvider, type TestProvider } from '../support/provider.ts'

const PRM_PATH = '/.well-known/oauth-protected-resource/mcp'

let op: TestProvider
let rs: http.Server
let base: string
/** Every request either server received, as `AS|RS METHOD path`, and front-channel logins. */
const log: string[] = []
/** The nonce-bearing DPoP proofs the resource server accepted, and the token requests' proofs. */
const proofs: { rs: string[]; as: string[] } = { rs: [], as: [] }
const rsNonces = new Set<string>()
/** Scope the resource server's /mcp/loop path keeps asking for, whatever the token holds. */
const LOOP_SCOPE = 'api:read'

function payloadOf(jwt: string): Record<string, unknown> {
  return jose.decodeJwt(jwt) as Record<string, unknown>
}

async function resourceServer(req: http.IncomingMessage, res: http.ServerResponse) {
  for await (const _ of req);
  const url = new URL(req.url ?? '/', base)
  log.push(`RS ${req.method} ${url.pathname}`)
  const metadata = `${base}${PRM_PATH}`
  const refuse = (status: number, params: string, headers: Record<string, string> = {}) => {
    res.writeHead(status, {
      'www-authenticate': `DPoP algs="ES256"${params}, resource_metadata="${metadata}"`,
      ...headers,
    })
    res.end()
  }
  if (url.pathname === PRM_PATH) {
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(
      JSON.stringify({
        resource: `${base}/mcp`,
        authorization_servers: [op.issuer.href],
        scopes_supported: ['api:read'],
        dpop_bound_access_tokens_required: true,
      }),
    )
    return
  }
  const [scheme, token] = (req.headers.authorization ?? '').split(' ', 2)
  if (!token) return refuse(401, '')
  if (scheme !== 'DPoP') return refuse(401, ', error="invalid_token"')
  let claims: jose.JWTPayload
  try {
    ;({ payload: claims } = await jose.jwtVerify(token, jose.createLocalJWKSet(op.jwks), {
      issuer: op.issuer.href,
      audience: `${base}/mcp`,
      typ: 'at+jwt',
    }))
  } catch {
    return refuse(401, ', error="invalid_token"')
  }
  const proof = String(req.headers.dpop ?? '')
  try {
    const { payload, protectedHeader } = await jose.jwtVerify(proof, jose.EmbeddedJWK, {
      typ: 'dpop+jwt',
    })
    const ath = createHash('sha256').update(token).digest('base64url')
    const jkt = await jose.calculateJwkThumbprint(protectedHeader.jwk!)
    const cnf = claims.cnf as { jkt?: string } | undefined
    if (payload.htm !== req.method || payload.htu !== `${base}${url.pathname}`) throw new Error()
    if (payload.ath !== ath || jkt !== cnf?.jkt) throw new Error()
    if (!rsNonces.has(String(payload.nonce))) {
      const nonce = randomBytes(12).toString('base64url')
      rsNonces.add(nonce)
      return refuse(401, ', error="use_dpop_nonce"', { 'dpop-nonce': nonce })
    }
    proofs.rs.push(String(payload.nonce))
  } catch {
    return refuse(401, ', error="invalid_dpop_proof"')
  }
  const granted = String(claims.scope ?? '').split(' ')
  const required = url.pathname === '/mcp/write' ? 'api:write' : 'api:read'
  if (!granted.includes(required) || url.pathname === '/mcp/loop') {
    const scope = url.pathname === '/mcp/loop' ? LOOP_SCOPE : required
    return refuse(403, `, error="insufficient_scope", scope="${scope}"`)
  }
  res.writeHead(200, { 'content-type': 'application/json' })
  res.end(JSON.stringify({ ok: true, sub: claims.sub, scope: claims.scope }))
}

before(async () => {
  rs = http.createServer((req, res) => void resourceServer(req, res))
  await new Promise<void>((resolve) => rs.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(rs.address() as AddressInfo).port}`
  op = await createProvider({
    features: {
      dPoP: { nonceSecret: randomBytes(32), requireNonce: () => true },
      resourceIndicators: {
        defaultResource: () => undefined as unknown as string,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, resource) => ({
          scope: 'api:read api:write',
          audience: resource,
          accessTokenFormat: 'jwt' as const,
        }),
      },
    },
    configuration: { enabledJWA: { dPoPSigningAlgValues: ['ES256'] } },
    clients: [
      {
        client_id: 'mcp-client',
        token_endpoint_auth_method: 'none',
        redirect_uris: [redirectUri],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
      },
    ],
  })
})

after(async () => {
  await op.close()
  rs.closeAllConnections()
  await new Promise((resolve) => rs.close(resolve))
})

beforeEach(() => {
  log.length = 0
  proofs.as.length = 0
  proofs.rs.length = 0
})

/** A fetch that logs what reaches the authorization server (the resource server logs itself). */
const recording: McpFetch = async (url, init) => {
  const target = new URL(url)
  if (target.origin === op.issuer.origin) {
    log.push(`AS ${init?.method ?? 'GET'} ${target.pathname}`)
    const proof = new Headers(init?.headers).get('dpop')
    if (proof !== null) proofs.as.push(String(payloadOf(proof).nonce))
  }
  return fetch(url, init)
}

async function adapter(store = memoryTokenStore()) {
  const authorizations: URL[] = []
  const mcpFetch = createMcpFetch({
    clientId: 'mcp-client',
    redirectUri,
    authorize: async (url) => {
      log.push('front-channel')
      authorizations.push(url)
      return (await login(url)) as URL
    },
    DPoP: await client.randomDPoPKeyPair('ES256'),
    allowInsecureRequests: true,
    fetch: recording,
    store,
  })
  return { mcpFetch, authorizations, store }
}

const call = (mcpFetch: McpFetch, path = '/mcp') =>
  mcpFetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{"jsonrpc":"2.0","id":1,"method":"ping"}',
  })

describe('resource-first OAuth with the real oidc-provider (openid-rp/mcp)', () => {
  it('goes from a bare resource URL to a successful DPoP call with the protocol minimum of requests', async () => {
    const { mcpFetch, authorizations } = await adapter()
    const response = await call(mcpFetch)
    assert.equal(response.status, 200)
    assert.equal((await response.json()).scope, 'api:read')
    assert.deepEqual(log, [
      'RS POST /mcp', // 401 with resource_metadata
      `RS GET ${PRM_PATH}`,
      'AS GET /.well-known/oauth-authorization-server',
      'front-channel',
      'AS POST /token', // 400 use_dpop_nonce
      'AS POST /token',
      'RS POST /mcp', // 401 use_dpop_nonce (the resource server's own nonce)
      'RS POST /mcp',
    ])
    const [authorization] = authorizations
    assert.equal(authorization!.searchParams.get('resource'), `${base}/mcp`)
    // The resource's scopes_supported, and offline_access: the provider offers refresh tokens.
    assert.equal(authorization!.searchParams.get('scope'), 'api:read offline_access')
    assert.equal(authorization!.searchParams.get('code_challenge_method'), 'S256')
    assert.ok(authorization!.searchParams.get('state'))

    // Nonces stay apart: the token request's retry carries the provider's nonce, the resource
    // call the resource server's, and neither server ever saw the other's.
    assert.deepEqual(proofs.as.length, 2)
    assert.equal(proofs.as[0], 'undefined')
    assert.ok(!rsNonces.has(proofs.as[1]!))
    assert.equal(proofs.rs.length, 1)
    assert.ok(rsNonces.has(proofs.rs[0]!))

    log.length = 0
    assert.equal((await call(mcpFetch)).status, 200)
    assert.deepEqual(log, ['RS POST /mcp'], 'the second call reuses the token and the nonce')
  })

  it('answers 403 insufficient_scope with one step-up for the union of scopes', async () => {
    const { mcpFetch, authorizations } = await adapter()
    assert.equal((await call(mcpFetch)).status, 200)
    log.length = 0
    const response = await call(mcpFetch, '/mcp/write')
    assert.equal(response.status, 200)
    assert.equal((await response.json()).scope, 'api:read api:write')
    assert.deepEqual(log, [
      'RS POST /mcp/write', // 403 insufficient_scope
      'front-channel',
      'AS POST /token',
      'RS POST /mcp/write',
    ])
    assert.equal(authorizations[1]!.searchParams.get('scope'), 'api:read offline_access api:write')
    assert.equal(authorizations[1]!.searchParams.get('resource'), `${base}/mcp`)
  })

  it('stops a step-up loop with OAUTH_WWW_AUTHENTICATE_CHALLENGE after one useless step-up', async () => {
    const { mcpFetch } = await adapter()
    assert.equal((await call(mcpFetch)).status, 200)
    log.length = 0
    await assert.rejects(call(mcpFetch, '/mcp/loop'), (err: client.ClientError) => {
      assert.equal(err.code, 'OAUTH_WWW_AUTHENTICATE_CHALLENGE')
      assert.match(err.message, /would loop/)
      return true
    })
    assert.equal(log.filter((entry) => entry === 'front-channel').length, 1)
    assert.equal(log.filter((entry) => entry === 'RS POST /mcp/loop').length, 2)
  })

  it('refreshes an expired token once for parallel callers (DPoP-bound refresh)', async () => {
    const { mcpFetch, store } = await adapter()
    assert.equal((await call(mcpFetch)).status, 200)
    const key = `${base}/mcp`
    const tokens = (await store.get(key))!
    assert.ok(tokens.refresh_token, 'the provider issued a refresh token')
    await store.set(key, { ...tokens, expires_at: Math.floor(Date.now() / 1000) - 1 })
    log.length = 0
    const responses = await Promise.all([call(mcpFetch), call(mcpFetch), call(mcpFetch)])
    assert.deepEqual(
      responses.map((r) => r.status),
      [200, 200, 200],
    )
    assert.equal(log.filter((entry) => entry === 'AS POST /token').length, 1)
    assert.notEqual((await store.get(key))!.access_token, tokens.access_token)
  })
})

describe('examples/resource-first.ts: the core API from a bare resource URL', () => {
  it('discovers, signs in with DPoP, steps up once and calls the resource, nonces kept per server', async () => {
    const result = (await resourceFirst.main(new URL(`${base}/mcp`), {
      clientId: 'mcp-client',
      redirectUri,
      browser: async (url) => {
        log.push('front-channel')
        return login(url)
      },
      call: new URL(`${base}/mcp/write`),
      allowHttp: true,
    })) as { scope: string }
    assert.equal(result.scope, 'api:read api:write')
    assert.deepEqual(log, [
      `RS GET ${PRM_PATH}`,
      'front-channel',
      'RS GET /mcp/write', // 401 use_dpop_nonce
      'RS GET /mcp/write', // 403 insufficient_scope
      'front-channel',
      'RS GET /mcp/write',
    ])
  })
})
