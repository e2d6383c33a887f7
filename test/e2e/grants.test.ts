import { after, before, it } from 'node:test'
import assert from 'node:assert/strict'
import { type Client, describeEachImplementation } from '../support/implementations.ts'
import { createProvider, type TestProvider } from '../support/provider.ts'
import {
  closeProvider,
  discoverWebAndService,
  rejection,
  signInWithPKCE,
  webAndServiceClients,
} from '../support/e2e.ts'

type Configuration = InstanceType<Client['Configuration']>

let op: TestProvider

before(async () => {
  op = await createProvider({
    features: { clientCredentials: true },
    clients: webAndServiceClients({ scope: 'api:read api:write' }),
  })
})

after(() => closeProvider(op))

describeEachImplementation('grants', (_impl, client) => {
  let web: Configuration
  let service: Configuration

  /** Logs in through the front channel and returns the code grant's tokens. */
  const signIn = (scope?: string) => signInWithPKCE(client, web, scope, { idTokenExpected: true })

  before(async () => {
    ;({ web, service } = await discoverWebAndService(client, op))
  })

  it('refreshTokenGrant() exchanges a refresh token for a new access token and ID Token', async () => {
    const first = await signIn()
    assert.equal(typeof first.refresh_token, 'string', 'the provider issued a refresh token')

    const refreshed = await client.refreshTokenGrant(web, first.refresh_token!)
    assert.equal(typeof refreshed.access_token, 'string')
    assert.notEqual(refreshed.access_token, first.access_token)
    assert.equal(refreshed.scope, 'openid email profile')
    assert.equal(refreshed.claims()?.sub, op.account.sub)
    assert.equal(refreshed.claims()?.aud, 'rp-web')
    assert.ok(refreshed.expiresIn()! > 0)
  })

  it('refreshTokenGrant() with a narrower scope parameter gets a token for that scope only', async () => {
    const first = await signIn()
    const refreshed = await client.refreshTokenGrant(web, first.refresh_token!, {
      scope: 'openid email',
    })
    assert.equal(refreshed.scope, 'openid email')
  })

  it('refreshTokenGrant() with an unknown refresh token rejects with invalid_grant', async () => {
    const error = await rejection(
      client.refreshTokenGrant(web, 'not-a-refresh-token-issued-by-this-provider'),
    )
    assert.ok(error instanceof client.ResponseBodyError, `got ${error.name}: ${error.message}`)
    assert.equal(error.error, 'invalid_grant')
    assert.equal(error.status, 400)
  })

  it('clientCredentialsGrant() returns an access token with the requested scope and expiresIn()', async () => {
    const tokens = await client.clientCredentialsGrant(service, { scope: 'api:read api:write' })
    assert.equal(typeof tokens.access_token, 'string')
    assert.equal(tokens.token_type.toLowerCase(), 'bearer')
    assert.equal(tokens.scope, 'api:read api:write')
    assert.equal(tokens.id_token, undefined)
    const expiresIn = tokens.expiresIn()
    assert.ok(expiresIn! > 0 && expiresIn! <= tokens.expires_in!, `expiresIn() ${expiresIn}`)
  })

  it('clientCredentialsGrant() with a scope outside the client registration rejects with invalid_scope', async () => {
    const error = await rejection(
      client.clientCredentialsGrant(service, { scope: 'api:read offline_access' }),
    )
    assert.ok(error instanceof client.ResponseBodyError, `got ${error.name}: ${error.message}`)
    assert.equal(error.error, 'invalid_scope')
    assert.equal(error.status, 400)
  })

  it('clientCredentialsGrant() for a client not registered for the grant rejects with ResponseBodyError', async () => {
    const error = await rejection(client.clientCredentialsGrant(web))
    assert.ok(error instanceof client.ResponseBodyError, `got ${error.name}: ${error.message}`)
    assert.equal(error.error, 'invalid_request')
    assert.equal(error.error_description, 'requested grant type is not allowed for this client')
  })

  it('genericGrantRequest() performs a refresh_token grant and adds the token helpers', async () => {
    const first = await signIn()
    const tokens = await client.genericGrantRequest(web, 'refresh_token', {
      refresh_token: first.refresh_token!,
    })
    assert.equal(typeof tokens.access_token, 'string')
    assert.notEqual(tokens.access_token, first.access_token)
    assert.equal(tokens.claims()?.sub, op.account.sub)
    assert.ok(tokens.expiresIn()! > 0)
  })

  it('genericGrantRequest() performs a client_credentials grant with URLSearchParams', async () => {
    const tokens = await client.genericGrantRequest(
      service,
      'client_credentials',
      new URLSearchParams({ scope: 'api:read' }),
    )
    assert.equal(tokens.scope, 'api:read')
    assert.equal(tokens.claims(), undefined)
  })

  it('genericGrantRequest() with a grant type the provider does not support rejects with unsupported_grant_type', async () => {
    const error = await rejection(
      client.genericGrantRequest(service, 'urn:example:grant-type:unknown', { foo: 'bar' }),
    )
    assert.ok(error instanceof client.ResponseBodyError, `got ${error.name}: ${error.message}`)
    assert.equal(error.error, 'unsupported_grant_type')
  })
})
