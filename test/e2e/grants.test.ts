import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { implementations, type Client } from '../support/implementations.ts'
import { login } from '../support/login.ts'
import { createProvider, type TestProvider } from '../support/provider.ts'

type Configuration = InstanceType<Client['Configuration']>

const redirectUri = 'https://client.example/cb'
const webSecret = 'rp-web-secret-0123456789abcdefghijklmnopqrstuvwxyz'
const serviceSecret = 'rp-service-secret-0123456789abcdefghijklmnopqrstuv'

let op: TestProvider

before(async () => {
  op = await createProvider({
    features: { clientCredentials: true },
    clients: [
      {
        client_id: 'rp-web',
        client_secret: webSecret,
        redirect_uris: [redirectUri],
        grant_types: ['authorization_code', 'refresh_token'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
      {
        client_id: 'rp-service',
        client_secret: serviceSecret,
        redirect_uris: [],
        response_types: [],
        grant_types: ['client_credentials'],
        scope: 'api:read api:write',
        token_endpoint_auth_method: 'client_secret_post',
      },
    ],
  })
})

after(async () => {
  await op.close()
  assert.deepEqual(op.serverErrors, [], 'the provider saw no server errors')
})

async function rejection(
  promise: Promise<unknown>,
): Promise<Error & { code?: string; error?: string; error_description?: string; status?: number }> {
  try {
    await promise
  } catch (error) {
    assert.ok(error instanceof Error, 'rejected with an Error')
    return error as Error & { code?: string }
  }
  assert.fail('expected the promise to reject')
}

for (const impl of implementations) {
  describe(`${impl.name}: grants`, () => {
    let client: Client
    let web: Configuration
    let service: Configuration

    /** Logs in through the front channel and returns the code grant's tokens. */
    const signIn = async (scope = 'openid email profile') => {
      const pkceCodeVerifier = client.randomPKCECodeVerifier()
      const url = client.buildAuthorizationUrl(web, {
        redirect_uri: redirectUri,
        scope,
        code_challenge: await client.calculatePKCECodeChallenge(pkceCodeVerifier),
        code_challenge_method: 'S256',
      })
      const callback = await login(url)
      assert.ok(callback instanceof URL)
      return client.authorizationCodeGrant(web, callback, {
        pkceCodeVerifier,
        idTokenExpected: true,
      })
    }

    before(async () => {
      client = await impl.load()
      const options = { execute: [client.allowInsecureRequests] }
      web = await client.discovery(
        op.issuer,
        'rp-web',
        undefined,
        client.ClientSecretBasic(webSecret),
        options,
      )
      service = await client.discovery(op.issuer, 'rp-service', serviceSecret, undefined, options)
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
}
