import { after, before, it } from 'node:test'
import assert from 'node:assert/strict'
import * as http from 'node:http'
import type { AddressInfo } from 'node:net'
import { type Client, describeEachImplementation } from '../support/implementations.ts'
import { createProvider, type TestProvider } from '../support/provider.ts'
import { assertClientError, rejection } from '../support/e2e.ts'

const clientId = 'discovery-client'
const clientSecret = 'discovery-secret-0123456789abcdefghijklmnopqrstuv'

let op: TestProvider
let hanging: http.Server
let hangingUrl: URL

before(async () => {
  op = await createProvider({
    path: '/oidc',
    metadataAliases: ['/tenant-b'],
    features: { clientCredentials: true },
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        grant_types: ['client_credentials'],
        response_types: [],
        redirect_uris: [],
        token_endpoint_auth_method: 'client_secret_post',
      },
    ],
  })
  hanging = http.createServer(() => {})
  await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', resolve))
  hangingUrl = new URL(`http://127.0.0.1:${(hanging.address() as AddressInfo).port}/slow-issuer`)
})

after(async () => {
  hanging.closeAllConnections()
  await new Promise((resolve) => hanging.close(resolve))
  await op.close()
})

/** A fetch that records the URLs the library asks for. */
function recordingFetch(client: Client, seen: URL[]) {
  return {
    [client.customFetch]: (url: string, options: { method: string }) => {
      seen.push(new URL(url))
      return fetch(url, options as RequestInit)
    },
  }
}

describeEachImplementation('discovery', (_impl, client) => {
  it('discovery() with the oidc algorithm reads openid-configuration under the issuer path', async () => {
    const seen: URL[] = []
    const config = await client.discovery(op.issuer, clientId, clientSecret, undefined, {
      algorithm: 'oidc',
      execute: [client.allowInsecureRequests],
      ...recordingFetch(client, seen),
    })
    assert.deepEqual(
      seen.map((url) => url.pathname),
      ['/oidc/.well-known/openid-configuration'],
    )
    const metadata = config.serverMetadata()
    assert.equal(metadata.issuer, op.issuer.href)
    assert.equal(metadata.token_endpoint, `${op.issuer.href}/token`)
    assert.ok(config instanceof client.Configuration)
  })

  it('discovery() with the oauth2 algorithm reads the RFC 8414 well-known location', async () => {
    const seen: URL[] = []
    const config = await client.discovery(op.issuer, clientId, clientSecret, undefined, {
      algorithm: 'oauth2',
      execute: [client.allowInsecureRequests],
      ...recordingFetch(client, seen),
    })
    assert.deepEqual(
      seen.map((url) => url.pathname),
      ['/.well-known/oauth-authorization-server/oidc'],
    )
    assert.equal(config.serverMetadata().issuer, op.issuer.href)
  })

  it('discovery() of a URL that already names /.well-known/ fetches exactly that URL', async () => {
    const seen: URL[] = []
    const wellKnown = new URL(`${op.issuer.href}/.well-known/openid-configuration`)
    const config = await client.discovery(wellKnown, clientId, clientSecret, undefined, {
      execute: [client.allowInsecureRequests],
      ...recordingFetch(client, seen),
    })
    assert.deepEqual(
      seen.map((url) => url.href),
      [wellKnown.href],
    )
    assert.equal(config.serverMetadata().issuer, op.issuer.href)
  })

  it('discovery() rejects metadata whose issuer differs from the URL asked', async () => {
    const elsewhere = new URL(`${op.issuer.origin}/tenant-b`)
    const error = await rejection(
      client.discovery(elsewhere, clientId, clientSecret, undefined, {
        execute: [client.allowInsecureRequests],
      }),
    )
    assertClientError(client, error, 'OAUTH_JSON_ATTRIBUTE_COMPARISON_FAILED')
  })

  it('discovery() rejects an http issuer unless allowInsecureRequests is executed', async () => {
    const error = await rejection(client.discovery(op.issuer, clientId, clientSecret))
    assertClientError(client, error, 'OAUTH_HTTP_REQUEST_FORBIDDEN')
  })

  it('discovery() with a timeout of 0.2 s gives up on a server that never answers', async () => {
    const started = performance.now()
    const error = await rejection(
      client.discovery(hangingUrl, clientId, clientSecret, undefined, {
        execute: [client.allowInsecureRequests],
        timeout: 0.2,
      }),
    )
    const elapsed = performance.now() - started
    assertClientError(client, error, 'OAUTH_TIMEOUT')
    assert.ok(elapsed >= 150 && elapsed < 2000, `gave up after ${Math.round(elapsed)} ms`)
  })

  it('discovery() keeps the timeout option on the Configuration it returns', async () => {
    const config = await client.discovery(op.issuer, clientId, clientSecret, undefined, {
      execute: [client.allowInsecureRequests],
      timeout: 7,
    })
    assert.equal(config.timeout, 7)
    config.timeout = 3
    assert.equal(config.timeout, 3)
  })

  it('serverMetadata().supportsPKCE() reports S256 as supported and plain as not', async () => {
    const config = await client.discovery(op.issuer, clientId, clientSecret, undefined, {
      execute: [client.allowInsecureRequests],
    })
    const metadata = config.serverMetadata()
    assert.deepEqual(metadata.code_challenge_methods_supported, ['S256'])
    assert.equal(metadata.supportsPKCE(), true)
    assert.equal(metadata.supportsPKCE('S256'), true)
    assert.equal(metadata.supportsPKCE('plain'), false)
  })

  it('clientMetadata() returns the client id and the metadata given to discovery()', async () => {
    const config = await client.discovery(
      op.issuer,
      clientId,
      {
        client_secret: clientSecret,
        token_endpoint_auth_method: 'client_secret_post',
        client_name: 'Discovery RP',
      },
      undefined,
      { execute: [client.allowInsecureRequests] },
    )
    const metadata = config.clientMetadata()
    assert.equal(metadata.client_id, clientId)
    assert.equal(metadata.client_secret, clientSecret)
    assert.equal(metadata.token_endpoint_auth_method, 'client_secret_post')
    assert.equal(metadata.client_name, 'Discovery RP')
    ;(metadata as { client_name?: string }).client_name = 'changed'
    assert.equal(
      config.clientMetadata().client_name,
      'Discovery RP',
      'a copy, not the internal state',
    )
  })

  it('new Configuration() from fetched server metadata performs a client_credentials grant', async () => {
    const response = await fetch(`${op.issuer.href}/.well-known/openid-configuration`)
    const serverMetadata = (await response.json()) as ConstructorParameters<
      Client['Configuration']
    >[0]
    const config = new client.Configuration(
      serverMetadata,
      clientId,
      clientSecret,
      client.ClientSecretPost(clientSecret),
    )
    client.allowInsecureRequests(config)
    assert.equal(config.serverMetadata().issuer, op.issuer.href)
    assert.equal(config.clientMetadata().client_id, clientId)
    const tokens = await client.clientCredentialsGrant(config, { scope: 'api:read' })
    assert.equal(typeof tokens.access_token, 'string')
    assert.equal(tokens.token_type.toLowerCase(), 'bearer')
    assert.equal(tokens.scope, 'api:read')
  })

  it('new Configuration() rejects a client_id that differs from metadata.client_id', async () => {
    const serverMetadata = { issuer: op.issuer.href }
    assert.throws(
      () => new client.Configuration(serverMetadata, clientId, { client_id: 'someone-else' }),
      (error: Error & { code?: string }) =>
        error instanceof TypeError && error.code === 'ERR_INVALID_ARG_VALUE',
    )
  })
})
