import { after, before, it } from 'node:test'
import assert from 'node:assert/strict'
import { describeEachImplementation } from '../support/implementations.ts'
import { login } from '../support/login.ts'
import { createProvider, type TestProvider } from '../support/provider.ts'
import { assertClientError, closeProvider, redirectUri, rejection } from '../support/e2e.ts'

let op: TestProvider

before(async () => {
  op = await createProvider({
    clients: [
      {
        client_id: 'spa',
        token_endpoint_auth_method: 'none',
        redirect_uris: [redirectUri],
        response_types: ['id_token'],
        grant_types: ['implicit'],
      },
    ],
  })
})

after(() => closeProvider(op))

describeEachImplementation('implicit flow (response_type=id_token)', (_impl, client) => {
  const configure = () =>
    client.discovery(op.issuer, 'spa', undefined, client.None(), {
      execute: [client.allowInsecureRequests, client.useIdTokenResponseType],
    })
  const request = (extra: Record<string, string> = {}) => {
    const nonce = client.randomNonce()
    const state = client.randomState()
    return {
      nonce,
      state,
      parameters: { redirect_uri: redirectUri, scope: 'openid email', nonce, state, ...extra },
    }
  }

  it('implicitAuthentication() validates the fragment response and returns the ID Token claims', async () => {
    const config = await configure()
    const { nonce, state, parameters } = request({ max_age: '300' })
    const url = client.buildAuthorizationUrl(config, parameters)
    assert.equal(url.searchParams.get('response_type'), 'id_token')
    const callback = await login(url)
    assert.ok(callback instanceof URL)
    assert.ok(new URLSearchParams(callback.hash.slice(1)).get('id_token'))

    const claims = await client.implicitAuthentication(config, callback, nonce, {
      expectedState: state,
      maxAge: 300,
    })
    assert.equal(claims.sub, op.account.sub)
    assert.equal(claims.nonce, nonce)
    assert.equal(claims.aud, 'spa')
    assert.equal(claims.email, op.account.email, 'claims go into the ID Token with no access token')
    assert.equal(typeof claims.auth_time, 'number')
  })

  it('implicitAuthentication() accepts a response_mode=form_post Request', async () => {
    const config = await configure()
    const { nonce, state, parameters } = request({ response_mode: 'form_post' })
    const callback = await login(client.buildAuthorizationUrl(config, parameters))
    assert.ok(callback instanceof Request)
    const claims = await client.implicitAuthentication(config, callback, nonce, {
      expectedState: state,
    })
    assert.equal(claims.sub, op.account.sub)
  })

  it('implicitAuthentication() rejects an ID Token whose nonce differs', async () => {
    const config = await configure()
    const { state, parameters } = request()
    const callback = await login(client.buildAuthorizationUrl(config, parameters))
    const error = await rejection(
      client.implicitAuthentication(config, callback, client.randomNonce(), {
        expectedState: state,
      }),
    )
    assertClientError(client, error, 'OAUTH_JWT_CLAIM_COMPARISON_FAILED')
  })

  it('implicitAuthentication() rejects a response whose state differs', async () => {
    const config = await configure()
    const { nonce, parameters } = request()
    const callback = await login(client.buildAuthorizationUrl(config, parameters))
    const error = await rejection(
      client.implicitAuthentication(config, callback, nonce, {
        expectedState: client.randomState(),
      }),
    )
    assertClientError(client, error, 'OAUTH_INVALID_RESPONSE')
  })

  it('implicitAuthentication() throws AuthorizationResponseError when the user denies', async () => {
    const config = await configure()
    const { nonce, state, parameters } = request()
    const callback = await login(client.buildAuthorizationUrl(config, parameters), { deny: true })
    const error = await rejection(
      client.implicitAuthentication(config, callback, nonce, { expectedState: state }),
    )
    assert.ok(
      error instanceof client.AuthorizationResponseError,
      `got ${error.name}: ${error.message}`,
    )
    assert.equal(error.error, 'access_denied')
  })
})
