import { after, before, it } from 'node:test'
import assert from 'node:assert/strict'
import * as jose from 'jose'
import { describeEachImplementation } from '../support/implementations.ts'
import { login } from '../support/login.ts'
import { createProvider, type TestProvider } from '../support/provider.ts'
import {
  assertClientError,
  closeProvider,
  jwtHeader,
  jwtPayload,
  pkceRequest,
  redirectUri,
  rejection,
  secret,
} from '../support/e2e.ts'

let op: TestProvider
let signingKey: { key: CryptoKey; kid: string }

before(async () => {
  const { privateKey, publicKey } = await jose.generateKeyPair('ES256', { extractable: true })
  signingKey = { key: privateKey, kid: 'rp-jar-key' }
  op = await createProvider({
    features: {
      dPoP: true,
      introspection: true,
      jwtResponseModes: true,
      pushedAuthorizationRequests: true,
      requestObjects: true,
    },
    clients: [
      {
        client_id: 'fapi-rp',
        client_secret: secret('fapi-rp'),
        redirect_uris: [redirectUri],
        response_types: ['code'],
        grant_types: ['authorization_code', 'refresh_token'],
        authorization_signed_response_alg: 'ES256',
        request_object_signing_alg: 'ES256',
        require_pushed_authorization_requests: true,
        jwks: {
          keys: [
            { ...(await jose.exportJWK(publicKey)), kid: signingKey.kid, alg: 'ES256', use: 'sig' },
          ],
        },
      },
    ],
  })
})

after(() => closeProvider(op))

describeEachImplementation('FAPI combination PAR + JAR + DPoP + JARM', (_impl, client) => {
  const configure = () =>
    client.discovery(op.issuer, 'fapi-rp', undefined, client.ClientSecretBasic(secret('fapi-rp')), {
      execute: [client.allowInsecureRequests, client.useJwtResponseMode],
    })

  it('a signed request object pushed with DPoP, answered with JARM, redeemed for a DPoP-bound token', async () => {
    const config = await configure()
    const keyPair = await client.randomDPoPKeyPair('ES256')
    const DPoP = client.getDPoPHandle(config, keyPair)
    const { parameters, checks } = await pkceRequest(client)

    const jar = await client.buildAuthorizationUrlWithJAR(config, parameters, signingKey)
    const requestObject = jar.searchParams.get('request')!
    assert.equal(jwtHeader(requestObject).kid, signingKey.kid)
    assert.equal(jwtHeader(requestObject).typ, 'oauth-authz-req+jwt')
    assert.equal(
      jwtPayload(requestObject).response_mode,
      'jwt',
      'JARM is asked for inside the request object',
    )

    const url = await client.buildAuthorizationUrlWithPAR(config, jar.searchParams, { DPoP })
    assert.ok(url.searchParams.get('request_uri')?.startsWith('urn:ietf:params:oauth:request_uri:'))
    assert.equal(url.searchParams.has('request'), false)
    assert.equal(
      url.searchParams.has('code_challenge'),
      false,
      'nothing but client_id and request_uri in the front channel',
    )

    const callback = await login(url, { redirectUri })
    assert.ok(callback instanceof URL)
    assert.ok(callback.searchParams.get('response'), 'a JARM response')

    const tokens = await client.authorizationCodeGrant(config, callback, checks, undefined, {
      DPoP,
    })
    assert.equal(tokens.token_type, 'dpop')
    assert.equal(tokens.claims()?.nonce, checks.expectedNonce)
    const introspection = await client.tokenIntrospection(config, tokens.access_token)
    assert.equal(
      introspection.cnf?.jkt,
      await jose.calculateJwkThumbprint(await jose.exportJWK(keyPair.publicKey)),
    )

    const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token!, undefined, {
      DPoP,
    })
    assert.equal(refreshed.token_type, 'dpop')
  })

  it('the provider refuses a pushed request object signed with a key the client did not register', async () => {
    const config = await configure()
    const { privateKey } = await jose.generateKeyPair('ES256')
    const { parameters } = await pkceRequest(client)
    const jar = await client.buildAuthorizationUrlWithJAR(config, parameters, {
      key: privateKey,
      kid: signingKey.kid,
    })
    const error = await rejection(client.buildAuthorizationUrlWithPAR(config, jar.searchParams))
    assert.ok(error instanceof client.ResponseBodyError, `got ${error.name}: ${error.message}`)
    assert.equal(error.error, 'invalid_request_object')
  })

  it('a plain authorization request from a client that requires PAR ends in a JARM error response', async () => {
    const config = await configure()
    const { parameters, checks } = await pkceRequest(client)
    const callback = await login(client.buildAuthorizationUrl(config, parameters))
    assert.ok(callback instanceof URL)
    assert.ok(callback.searchParams.get('response'))
    const error = await rejection(client.authorizationCodeGrant(config, callback, checks))
    assert.ok(
      error instanceof client.AuthorizationResponseError,
      `got ${error.name}: ${error.message}`,
    )
    assert.equal(error.error, 'invalid_request')
    assert.match(error.error_description ?? '', /pushed authorization request/i)
  })

  it('the DPoP-bound code cannot be redeemed without the PAR key', async () => {
    const config = await configure()
    const DPoP = client.getDPoPHandle(config, await client.randomDPoPKeyPair())
    const { parameters, checks } = await pkceRequest(client)
    const jar = await client.buildAuthorizationUrlWithJAR(config, parameters, signingKey)
    const callback = await login(
      await client.buildAuthorizationUrlWithPAR(config, jar.searchParams, { DPoP }),
      { redirectUri },
    )
    const error = await rejection(client.authorizationCodeGrant(config, callback, checks))
    assert.ok(error instanceof client.ResponseBodyError, `got ${error.name}: ${error.message}`)
    assert.equal(error.error, 'invalid_grant')
  })
})

describeEachImplementation('allowInsecureRequests', (impl, client) => {
  it('discovery() refuses a plain-http issuer without allowInsecureRequests', async () => {
    const error = await rejection(
      client.discovery(
        op.issuer,
        'fapi-rp',
        undefined,
        client.ClientSecretBasic(secret('fapi-rp')),
      ),
    )
    assertClientError(client, error, 'OAUTH_HTTP_REQUEST_FORBIDDEN')
  })

  it('a Configuration over http refuses requests until allowInsecureRequests(config) is called', async () => {
    const metadata = await (
      await fetch(new URL('.well-known/openid-configuration', op.issuer))
    ).json()
    const config = new client.Configuration(metadata, 'fapi-rp', secret('fapi-rp'))
    const { parameters } = await pkceRequest(client)
    const error = await rejection(client.buildAuthorizationUrlWithPAR(config, parameters))
    // the reference lets oauth4webapi's OperationProcessingError through from PAR; openid-rp
    // throws its ClientError, as discovery() does in both
    assert.equal(error.name, impl.name === 'openid-rp' ? 'ClientError' : 'OperationProcessingError')
    assert.equal(error.code, 'OAUTH_HTTP_REQUEST_FORBIDDEN')

    client.allowInsecureRequests(config)
    const url = await client.buildAuthorizationUrlWithPAR(config, parameters)
    assert.ok(url.searchParams.get('request_uri'))
  })
})
