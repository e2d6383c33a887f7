/**
 * Resource-first discovery (RFC 9728), Client ID Metadata Documents and step-up against the
 * hostile server: the valid paths, then each forgery refused (openid-rp only: no reference API).
 */
import assert from 'node:assert/strict'
import { after, before, beforeEach, describe, it } from 'node:test'

import * as client from 'openid-rp'

import { HostileServer, rejects as rejectsWith, reply, ROUTES } from '../support/hostile.ts'
import type { Client } from '../support/implementations.ts'

const PRM = '/.well-known/oauth-protected-resource'
const RFC8414 = '/.well-known/oauth-authorization-server'
const CIMD = new URL('https://app.example.com/client.json')

let as: HostileServer
before(async () => {
  as = await HostileServer.start()
})
after(() => as.close())
beforeEach(() => as.reset())

const insecure = { execute: [client.allowInsecureRequests] }

function prm(resource: string, extra: Record<string, unknown> = {}) {
  return () => reply.json({ resource, authorization_servers: [as.issuer], ...extra })
}

/** A fetch that sends requests for https://resource.test to the hostile server. */
const tls: client.CustomFetch = (url, options) =>
  fetch(url.replace('https://resource.test', as.issuer), options as RequestInit)

/** `rejects` of the hostile suite, for openid-rp only. */
const rejects = (promise: Promise<unknown>, name: 'ClientError' | 'TypeError', code: string) =>
  rejectsWith(client as unknown as Client, promise, name, code)

async function challenge(header: string): Promise<client.WWWAuthenticateChallengeError> {
  as.on(ROUTES.resource, () => reply.text('', 'text/plain', 401, { 'www-authenticate': header }))
  const config = await as.configure(client as never)
  const err = await client
    .fetchProtectedResource(config as never, 'token-1', new URL(as.url(ROUTES.resource)), 'GET')
    .catch((e: unknown) => e)
  assert.ok(err instanceof client.WWWAuthenticateChallengeError)
  as.requests.length = 0
  return err
}

describe('discoverProtectedResource()', () => {
  it('from a URL reads the path-specific metadata, then the authorization server, and sends the resource by default', async () => {
    const resource = as.url('/api')
    as.on(`${PRM}/api`, prm(resource, { scopes_supported: ['files:read'] }))
    const config = await client.discoverProtectedResource(new URL(resource), {
      clientId: 'rp-1',
      metadata: 'rp-secret-0123456789',
      ...insecure,
    })
    assert.deepEqual(
      as.requests.map((r) => r.path),
      [`${PRM}/api`, RFC8414, ROUTES.discovery],
    )
    assert.equal(config.serverMetadata().issuer, as.issuer)
    assert.deepEqual(client.getProtectedResourceMetadata(config)?.scopes_supported, ['files:read'])
    const url = client.buildAuthorizationUrl(config, { redirect_uri: 'https://rp.example.com/cb' })
    assert.equal(url.searchParams.get('resource'), resource)
    const own = client.buildAuthorizationUrl(config, { resource: 'https://other.example/' })
    assert.deepEqual(own.searchParams.getAll('resource'), ['https://other.example/'])

    await client.clientCredentialsGrant(config)
    await client.refreshTokenGrant(config, 'refresh-1')
    await client.buildAuthorizationUrlWithPAR(config, { redirect_uri: 'https://rp.example.com/cb' })
    const sent = [...as.received(ROUTES.token), ...as.received(ROUTES.par)]
    assert.equal(sent.length, 3)
    for (const request of sent) assert.deepEqual(request.form.getAll('resource'), [resource])
  })

  it('falls back to the root metadata, whose resource is the origin', async () => {
    as.on(PRM, prm(`${as.issuer}/`))
    const config = await client.discoverProtectedResource(new URL(as.url('/api/v1')), {
      clientId: 'rp-1',
      ...insecure,
    })
    assert.deepEqual(as.requests.map((r) => r.path).slice(0, 2), [`${PRM}/api/v1`, PRM])
    assert.equal(client.getProtectedResourceMetadata(config)?.resource, `${as.issuer}/`)
  })

  it('from a WWWAuthenticateChallengeError fetches its same-origin resource_metadata', async () => {
    const err = await challenge(`Bearer resource_metadata="${as.url('/meta.json')}"`)
    as.on('/meta.json', prm(as.url(ROUTES.resource)))
    const config = await client.discoverProtectedResource(err, { clientId: 'rp-1', ...insecure })
    assert.equal(as.requests[0]!.path, '/meta.json')
    assert.equal(client.getProtectedResourceMetadata(config)?.resource, as.url(ROUTES.resource))
  })

  it('rejects metadata whose resource differs from the URL used', async () => {
    as.on(`${PRM}/api`, prm('https://evil.example.com/api'))
    await rejects(
      client.discoverProtectedResource(new URL(as.url('/api')), { clientId: 'rp-1', ...insecure }),
      'ClientError',
      'OAUTH_JSON_ATTRIBUTE_COMPARISON_FAILED',
    )
    assert.equal(as.count(ROUTES.discovery), 0)
  })

  it('rejects root metadata claiming the full resource URL (it must name the origin)', async () => {
    as.on(PRM, prm(as.url('/api')))
    await rejects(
      client.discoverProtectedResource(new URL(as.url('/api')), { clientId: 'rp-1', ...insecure }),
      'ClientError',
      'OAUTH_JSON_ATTRIBUTE_COMPARISON_FAILED',
    )
  })

  it('rejects a challenge metadata document naming another resource', async () => {
    const err = await challenge(`Bearer resource_metadata="${as.url('/meta.json')}"`)
    as.on('/meta.json', prm(as.url('/elsewhere')))
    await rejects(
      client.discoverProtectedResource(err, { clientId: 'rp-1', ...insecure }),
      'ClientError',
      'OAUTH_JSON_ATTRIBUTE_COMPARISON_FAILED',
    )
  })

  it('refuses a resource_metadata URL on another origin and fetches nothing', async () => {
    const err = await challenge('Bearer resource_metadata="http://127.0.0.2:9/meta.json"')
    const refused = await rejects(
      client.discoverProtectedResource(err, { clientId: 'rp-1', ...insecure }),
      'ClientError',
      'OAUTH_WWW_AUTHENTICATE_CHALLENGE',
    )
    assert.match(refused.message, /not on the resource's origin/)
    assert.equal(as.requests.length, 0)
  })

  it('refuses an http authorization server named by an https resource', async () => {
    as.on(`${PRM}/api`, () =>
      reply.json({ resource: 'https://resource.test/api', authorization_servers: [as.issuer] }),
    )
    await rejects(
      client.discoverProtectedResource(new URL('https://resource.test/api'), {
        clientId: 'rp-1',
        [client.customFetch]: tls,
      }),
      'ClientError',
      'OAUTH_HTTP_REQUEST_FORBIDDEN',
    )
    assert.equal(as.count(ROUTES.discovery) + as.count(RFC8414), 0)
  })

  it('refuses an http resource unless allowInsecureRequests', async () => {
    await rejects(
      client.discoverProtectedResource(new URL(as.url('/api')), { clientId: 'rp-1' }),
      'ClientError',
      'OAUTH_HTTP_REQUEST_FORBIDDEN',
    )
    assert.equal(as.requests.length, 0)
  })

  it('rejects metadata without authorization_servers', async () => {
    as.on(`${PRM}/api`, () => reply.json({ resource: as.url('/api') }))
    await rejects(
      client.discoverProtectedResource(new URL(as.url('/api')), { clientId: 'rp-1', ...insecure }),
      'ClientError',
      'OAUTH_MISSING_SERVER_METADATA',
    )
  })

  it('rejects an authorization server whose issuer differs from the one named', async () => {
    as.on(`${PRM}/api`, prm(as.url('/api')))
    as.on(ROUTES.discovery, (_, server) =>
      reply.json(server.metadata({ issuer: 'https://op.evil' })),
    )
    await rejects(
      client.discoverProtectedResource(new URL(as.url('/api')), { clientId: 'rp-1', ...insecure }),
      'ClientError',
      'OAUTH_JSON_ATTRIBUTE_COMPARISON_FAILED',
    )
  })

  it('rejects a bad first argument with a TypeError', async () => {
    await rejects(
      client.discoverProtectedResource('https://api.example' as never),
      'TypeError',
      'ERR_INVALID_ARG_TYPE',
    )
  })
})

describe('Client ID Metadata Documents', () => {
  it('uses the document URL as client_id when the server advertises support', async () => {
    as.on(`${PRM}/api`, prm(as.url('/api')))
    as.on(ROUTES.discovery, (_, server) =>
      reply.json(server.metadata({ client_id_metadata_document_supported: true })),
    )
    const config = await client.discoverProtectedResource(new URL(as.url('/api')), {
      clientMetadataDocument: CIMD,
      clientId: 'registered',
      ...insecure,
    })
    assert.equal(config.clientMetadata().client_id, CIMD.href)
    assert.equal(config.clientMetadata().token_endpoint_auth_method, 'none')
    await client.clientCredentialsGrant(config)
    const form = as.received(ROUTES.token)[0]!.form
    assert.equal(form.get('client_id'), CIMD.href)
    assert.equal(form.get('client_secret'), null)
  })

  it('falls back to the registered clientId when the server does not advertise support', async () => {
    as.on(`${PRM}/api`, prm(as.url('/api')))
    const config = await client.discoverProtectedResource(new URL(as.url('/api')), {
      clientMetadataDocument: CIMD,
      clientId: 'registered',
      ...insecure,
    })
    assert.equal(config.clientMetadata().client_id, 'registered')
  })

  it('refuses the document URL when the server does not advertise support and there is no clientId', async () => {
    as.on(`${PRM}/api`, prm(as.url('/api')))
    await rejects(
      client.discoverProtectedResource(new URL(as.url('/api')), {
        clientMetadataDocument: CIMD,
        ...insecure,
      }),
      'ClientError',
      'OAUTH_UNSUPPORTED_OPERATION',
    )
  })

  it('refuses a client secret with a document URL', async () => {
    as.on(`${PRM}/api`, prm(as.url('/api')))
    as.on(ROUTES.discovery, (_, server) =>
      reply.json(server.metadata({ client_id_metadata_document_supported: true })),
    )
    await rejects(
      client.discoverProtectedResource(new URL(as.url('/api')), {
        clientMetadataDocument: CIMD,
        metadata: 'a-client-secret-0123456789',
        ...insecure,
      }),
      'TypeError',
      'ERR_INVALID_ARG_VALUE',
    )
  })

  it('registers dynamically when neither a supported document nor a clientId is given', async () => {
    as.on(`${PRM}/api`, prm(as.url('/api')))
    as.on(ROUTES.discovery, (_, server) =>
      reply.json(server.metadata({ registration_endpoint: server.url('/register') })),
    )
    as.on('/register', (request) =>
      reply.json({ ...JSON.parse(request.body), client_id: 'dynamic-1' }, 201),
    )
    const config = await client.discoverProtectedResource(new URL(as.url('/api')), {
      clientMetadataDocument: CIMD,
      registration: { redirect_uris: ['http://127.0.0.1/cb'], token_endpoint_auth_method: 'none' },
      ...insecure,
    })
    assert.equal(config.clientMetadata().client_id, 'dynamic-1')
    assert.equal(as.count(ROUTES.discovery), 1)
    assert.equal(
      client.buildAuthorizationUrl(config, {}).searchParams.get('resource'),
      as.url('/api'),
    )
  })

  it('clientIdMetadataDocument() produces the document to host', () => {
    const document = client.clientIdMetadataDocument(CIMD, {
      client_name: 'Example',
      redirect_uris: ['http://127.0.0.1:33418/cb'],
    })
    assert.deepEqual(document, {
      client_name: 'Example',
      redirect_uris: ['http://127.0.0.1:33418/cb'],
      client_id: CIMD.href,
      token_endpoint_auth_method: 'none',
    })
  })

  it('clientIdMetadataDocument() refuses secrets, http URLs and private_key_jwt without keys', () => {
    const refuse = (fn: () => unknown) =>
      assert.throws(
        fn,
        (err: TypeError & { code?: string }) => err.code === 'ERR_INVALID_ARG_VALUE',
      )
    refuse(() => client.clientIdMetadataDocument(CIMD, { client_secret: 'x' }))
    refuse(() => client.clientIdMetadataDocument(new URL('http://app.example.com/c.json'), {}))
    refuse(() => client.clientIdMetadataDocument(new URL('https://app.example.com/'), {}))
    refuse(() =>
      client.clientIdMetadataDocument(CIMD, { token_endpoint_auth_method: 'private_key_jwt' }),
    )
    refuse(() =>
      client.clientIdMetadataDocument(CIMD, { token_endpoint_auth_method: 'client_secret_post' }),
    )
  })
})

describe('stepUpAuthorization()', () => {
  it('asks for the union of the held scope and the challenge scope', async () => {
    const err = await challenge('Bearer error="insufficient_scope", scope="files:write files:read"')
    const stepUp = client.stepUpAuthorization(err, undefined, { scope: 'openid files:read' })
    assert.equal(stepUp.parameters.scope, 'openid files:read files:write')
    assert.equal(stepUp.attempts, 1)
  })

  it('refuses a challenge that asks for nothing new (a loop)', async () => {
    const err = await challenge('Bearer error="insufficient_scope", scope="files:read"')
    const first = client.stepUpAuthorization(err, undefined, { scope: 'openid' })
    await rejects(
      Promise.resolve().then(() => client.stepUpAuthorization(err, first)),
      'ClientError',
      'OAUTH_WWW_AUTHENTICATE_CHALLENGE',
    )
  })

  it('gives up after maxAttempts step-ups in a row', async () => {
    let stepUp: client.StepUp | undefined
    for (const scope of ['a', 'b']) {
      const err = await challenge(`Bearer error="insufficient_scope", scope="${scope}"`)
      stepUp = client.stepUpAuthorization(err, stepUp, { maxAttempts: 2 })
    }
    const err = await challenge('Bearer error="insufficient_scope", scope="c"')
    const refused = await rejects(
      Promise.resolve().then(() => client.stepUpAuthorization(err, stepUp, { maxAttempts: 2 })),
      'ClientError',
      'OAUTH_WWW_AUTHENTICATE_CHALLENGE',
    )
    assert.match(refused.message, /after 2 step-up/)
  })

  it('turns insufficient_user_authentication into acr_values and max_age', async () => {
    const err = await challenge(
      'Bearer error="insufficient_user_authentication", acr_values="urn:mfa", max_age="60"',
    )
    const stepUp = client.stepUpAuthorization(err, undefined, { scope: 'openid' })
    assert.deepEqual(stepUp.parameters, { acr_values: 'urn:mfa', max_age: '60', scope: 'openid' })
    const now = Math.floor(Date.now() / 1000)
    const tokens = (claims: Record<string, unknown>) => ({ claims: () => claims as never })
    client.verifyStepUp(tokens({ acr: 'urn:mfa', auth_time: now - 5 }), stepUp)
    await rejects(
      Promise.resolve().then(() =>
        client.verifyStepUp(tokens({ acr: 'urn:pwd', auth_time: now }), stepUp),
      ),
      'ClientError',
      'OAUTH_JWT_CLAIM_COMPARISON_FAILED',
    )
    await rejects(
      Promise.resolve().then(() =>
        client.verifyStepUp(tokens({ acr: 'urn:mfa', auth_time: now - 3600 }), stepUp),
      ),
      'ClientError',
      'OAUTH_JWT_CLAIM_COMPARISON_FAILED',
    )
  })

  it('rejects a challenge that is not a step-up challenge', async () => {
    const err = await challenge('Bearer error="invalid_token"')
    await rejects(
      Promise.resolve().then(() => client.stepUpAuthorization(err)),
      'ClientError',
      'OAUTH_WWW_AUTHENTICATE_CHALLENGE',
    )
  })
})
