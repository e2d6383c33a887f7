/**
 * `openid-rp/mcp` against the hostile server (resource and authorization server on one origin):
 * the MCP-profile rules, the `state` check the SDK's own flow lacks, and refused inputs.
 */
import assert from 'node:assert/strict'
import { after, before, beforeEach, describe, it } from 'node:test'

import { createMcpFetch, type McpAuthOptions } from 'openid-rp/mcp'

import * as client from 'openid-rp'

import {
  callback,
  HANG,
  HostileServer,
  REDIRECT_URI,
  rejects as rejectsWith,
  reply,
  ROUTES,
} from '../support/hostile.ts'
import type { Client } from '../support/implementations.ts'

const PRM = `/.well-known/oauth-protected-resource${ROUTES.resource}`
const CIMD = new URL('https://app.example.com/client.json')

let as: HostileServer
before(async () => {
  as = await HostileServer.start()
})
after(() => as.close())

let authorizations: URL[]
beforeEach(() => {
  as.reset()
  authorizations = []
  as.on(ROUTES.resource, (request) =>
    request.headers.get('authorization') === 'Bearer at-1'
      ? reply.json({ ok: true })
      : reply.text('', 'text/plain', 401, {
          'www-authenticate': `Bearer resource_metadata="${as.url(PRM)}"`,
        }),
  )
  as.on(PRM, () =>
    reply.json({ resource: as.url(ROUTES.resource), authorization_servers: [as.issuer] }),
  )
  as.on(ROUTES.token, () =>
    reply.json({ access_token: 'at-1', token_type: 'bearer', expires_in: 60 }),
  )
})

function mcpFetch(options: Partial<McpAuthOptions> = {}) {
  return createMcpFetch({
    clientId: 'mcp-client',
    redirectUri: REDIRECT_URI,
    authorize: async (url) => {
      authorizations.push(url)
      return callback({ code: 'code-1', state: url.searchParams.get('state') ?? undefined })
    },
    allowInsecureRequests: true,
    ...options,
  })
}

/** `rejects` of the hostile suite, for openid-rp only. */
const rejects = (promise: Promise<unknown>, name: 'ClientError' | 'TypeError', code: string) =>
  rejectsWith(client as unknown as Client, promise, name, code)

describe('createMcpFetch()', () => {
  it('authorizes with PKCE S256, state and resource, then repeats the request', async () => {
    const response = await mcpFetch()(as.url(ROUTES.resource))
    assert.equal(response.status, 200)
    const [url] = authorizations
    assert.equal(url!.searchParams.get('code_challenge_method'), 'S256')
    assert.equal(url!.searchParams.get('resource'), as.url(ROUTES.resource))
    assert.ok(url!.searchParams.get('state'))
    const form = as.received(ROUTES.token)[0]!.form
    assert.equal(form.get('resource'), as.url(ROUTES.resource))
    assert.ok(form.get('code_verifier'))
  })

  it('refuses a callback whose state differs (the SDK flow does not check it)', async () => {
    const fetchWithAuth = mcpFetch({
      authorize: async () => callback({ code: 'code-1', state: 'forged-state' }),
    })
    await rejects(fetchWithAuth(as.url(ROUTES.resource)), 'ClientError', 'OAUTH_INVALID_RESPONSE')
    assert.equal(as.count(ROUTES.token), 0)
  })

  it('refuses an authorization server without code_challenge_methods_supported (MCP profile)', async () => {
    as.on(ROUTES.discovery, (_, server) =>
      reply.json(server.metadata({ code_challenge_methods_supported: undefined })),
    )
    await rejects(
      mcpFetch()(as.url(ROUTES.resource)),
      'ClientError',
      'OAUTH_MISSING_SERVER_METADATA',
    )
    assert.equal(authorizations.length, 0)
  })

  it('refuses an authorization server that offers only plain PKCE', async () => {
    as.on(ROUTES.discovery, (_, server) =>
      reply.json(server.metadata({ code_challenge_methods_supported: ['plain'] })),
    )
    await rejects(mcpFetch()(as.url(ROUTES.resource)), 'ClientError', 'OAUTH_UNSUPPORTED_OPERATION')
    assert.equal(authorizations.length, 0)
  })

  it('client credentials need no PKCE advertisement', async () => {
    as.on(ROUTES.discovery, (_, server) =>
      reply.json(server.metadata({ code_challenge_methods_supported: undefined })),
    )
    const fetchWithAuth = createMcpFetch({
      grantType: 'client_credentials',
      clientId: 'mcp-client',
      clientSecret: 'mcp-client-secret-0123456789',
      allowInsecureRequests: true,
    })
    assert.equal((await fetchWithAuth(as.url(ROUTES.resource))).status, 200)
    const token = as.received(ROUTES.token)[0]!
    assert.equal(token.form.get('grant_type'), 'client_credentials')
    assert.equal(token.form.get('resource'), as.url(ROUTES.resource))
    assert.match(token.headers.get('authorization') ?? '', /^Basic /)
  })

  it('refuses a resource_metadata URL on another origin without fetching it', async () => {
    as.on(ROUTES.resource, () =>
      reply.text('', 'text/plain', 401, {
        'www-authenticate': 'Bearer resource_metadata="http://127.0.0.2:9/prm"',
      }),
    )
    await rejects(
      mcpFetch()(as.url(ROUTES.resource)),
      'ClientError',
      'OAUTH_WWW_AUTHENTICATE_CHALLENGE',
    )
    assert.deepEqual(
      as.requests.map((r) => r.path),
      [ROUTES.resource],
    )
  })

  it('refuses a Client ID Metadata Document client when the server does not support it', async () => {
    await rejects(
      mcpFetch({ clientId: undefined, clientMetadataDocument: CIMD, registration: false })(
        as.url(ROUTES.resource),
      ),
      'ClientError',
      'OAUTH_UNSUPPORTED_OPERATION',
    )
    assert.equal(authorizations.length, 0)
  })

  it('uses the Client ID Metadata Document URL as client_id where supported', async () => {
    as.on(ROUTES.discovery, (_, server) =>
      reply.json(server.metadata({ client_id_metadata_document_supported: true })),
    )
    const fetchWithAuth = mcpFetch({ clientId: undefined, clientMetadataDocument: CIMD })
    assert.equal((await fetchWithAuth(as.url(ROUTES.resource))).status, 200)
    assert.equal(authorizations[0]!.searchParams.get('client_id'), CIMD.href)
    assert.equal(as.received(ROUTES.token)[0]!.form.get('client_id'), CIMD.href)
  })

  for (const [acr, outcome] of [
    ['urn:mfa', 'accepts'],
    ['urn:pwd', 'refuses'],
  ] as const) {
    it(`answers 401 insufficient_user_authentication with acr_values and max_age, and ${outcome} an ID Token with acr ${acr}`, async () => {
      let issued = 0
      as.on(ROUTES.token, async (_, server) => {
        issued += 1
        if (issued === 1) return reply.json({ access_token: 'at-1', token_type: 'bearer' })
        const idToken = await server.idToken({
          aud: 'mcp-client',
          acr,
          auth_time: Math.floor(Date.now() / 1000),
        })
        return reply.json({ access_token: 'at-2', token_type: 'bearer', id_token: idToken })
      })
      as.on(ROUTES.resource, (request) => {
        const authorization = request.headers.get('authorization')
        if (authorization === 'Bearer at-2') return reply.json({ ok: true })
        const error =
          authorization === 'Bearer at-1'
            ? 'error="insufficient_user_authentication", acr_values="urn:mfa", max_age="60", '
            : ''
        return reply.text('', 'text/plain', 401, {
          'www-authenticate': `Bearer ${error}resource_metadata="${as.url(PRM)}"`,
        })
      })
      const call = mcpFetch()(as.url(ROUTES.resource))
      if (outcome === 'accepts') {
        assert.equal((await call).status, 200)
      } else {
        const err = await rejects(call, 'ClientError', 'OAUTH_JWT_CLAIM_COMPARISON_FAILED')
        assert.match(err.message, /"acr"/)
      }
      const stepUp = authorizations[1]!.searchParams
      assert.equal(stepUp.get('acr_values'), 'urn:mfa')
      assert.equal(stepUp.get('max_age'), '60')
      assert.deepEqual(stepUp.get('scope')?.split(' '), ['openid'])
      assert.equal(as.count(ROUTES.token), 2)
    })
  }

  it("passes the caller's signal to resource requests (an aborted one rejects with OAUTH_ABORT)", async () => {
    const fetchWithAuth = mcpFetch()
    assert.equal((await fetchWithAuth(as.url(ROUTES.resource))).status, 200)
    as.on(ROUTES.resource, () => HANG)
    const controller = new AbortController()
    const pending = fetchWithAuth(as.url(ROUTES.resource), { signal: controller.signal })
    while (as.count(ROUTES.resource) < 3) await new Promise((resolve) => setTimeout(resolve, 10))
    controller.abort()
    await rejects(pending, 'ClientError', 'OAUTH_ABORT')
  })

  it('rejects options without authorize for the code grant with a TypeError', () => {
    assert.throws(
      () => createMcpFetch({ clientId: 'x' }),
      (err: TypeError & { code?: string }) =>
        err instanceof TypeError && err.code === 'ERR_INVALID_ARG_VALUE',
    )
  })
})
