/**
 * The token endpoint requests each grant sends: form bodies, client authentication and the
 * code grant's parameters, as a custom fetch sees them.
 */
import assert from 'node:assert/strict'
import { inspect } from 'node:util'
import { describe, it } from 'node:test'

import type { ClientAuth, Configuration } from 'openid-client'

import { describeEachImplementation } from '../support/implementations.ts'
import { caught, json } from '../support/transport.ts'
import {
  metadata,
  CLIENT_ID,
  SECRET,
  BASIC,
  FORM,
  deviceResponse,
  bearerTokens,
  fakeFetch,
  assertClientError,
  jwtPart,
  configurer,
} from '../support/requests.ts'

describeEachImplementation('', (_impl, client) => {
  const configure = configurer(client)

  describe('token endpoint requests', () => {
    it('refreshTokenGrant() POSTs the form with accept, content-type, user-agent and client_secret_post', async () => {
      const { fetch, calls } = fakeFetch(() => json(bearerTokens))
      await client.refreshTokenGrant(configure(fetch), 'refresh-token-value', { scope: 'a b' })
      assert.equal(calls.length, 1)
      const [call] = calls
      assert.equal(call!.url, metadata.token_endpoint)
      assert.equal(call!.options.method, 'POST')
      assert.equal(call!.options.redirect, 'manual')
      assert.equal(call!.headers.get('accept'), 'application/json')
      assert.equal(call!.headers.get('content-type'), FORM)
      assert.match(call!.headers.get('user-agent') ?? '', /^openid-(rp|client)\//)
      assert.equal(call!.headers.has('authorization'), false)
      assert.equal(call!.headers.has('dpop'), false)
      assert.deepEqual(Object.fromEntries(call!.body), {
        scope: 'a b',
        refresh_token: 'refresh-token-value',
        grant_type: 'refresh_token',
        client_id: CLIENT_ID,
        client_secret: SECRET,
      })
    })

    it('clientCredentialsGrant() with ClientSecretBasic sends the secret in authorization only', async () => {
      const { fetch, calls } = fakeFetch(() => json(bearerTokens))
      const config = configure(fetch, metadata, {}, client.ClientSecretBasic(SECRET))
      await client.clientCredentialsGrant(config, { scope: 'api' })
      const [call] = calls
      assert.equal(call!.headers.get('authorization'), BASIC)
      assert.equal(call!.body.has('client_secret'), false)
      assert.equal(call!.body.get('grant_type'), 'client_credentials')
      assert.equal(call!.body.get('scope'), 'api')
    })

    it('genericGrantRequest() sends its grant type and parameters', async () => {
      const { fetch, calls } = fakeFetch(() => json(bearerTokens))
      await client.genericGrantRequest(configure(fetch), 'urn:example:grant', {
        assertion: 'x',
      })
      assert.equal(calls[0]!.body.get('grant_type'), 'urn:example:grant')
      assert.equal(calls[0]!.body.get('assertion'), 'x')
    })

    it('clientCredentialsGrant() with a DPoP handle sends a proof for POST to the token endpoint', async () => {
      const { fetch, calls } = fakeFetch(() => json({ ...bearerTokens, token_type: 'DPoP' }))
      const config = configure(fetch)
      const DPoP = client.getDPoPHandle(config, await client.randomDPoPKeyPair())
      const tokens = await client.clientCredentialsGrant(config, undefined, { DPoP })
      assert.equal(tokens.token_type, 'dpop')
      const proof = calls[0]!.headers.get('dpop')
      assert.ok(proof, 'no dpop header')
      assert.equal(jwtPart(proof, 0).typ, 'dpop+jwt')
      assert.equal(jwtPart(proof, 1).htm, 'POST')
      assert.equal(jwtPart(proof, 1).htu, metadata.token_endpoint)
      assert.equal(jwtPart(proof, 1).ath, undefined)
    })

    it('clientCredentialsGrant() retries once on use_dpop_nonce, with the nonce and a fresh body', async () => {
      const appendAuth: ClientAuth = (_as, c, body) => {
        body.append('client_id', c.client_id)
        body.append('client_assertion', 'assertion-value')
      }
      const { fetch, calls } = fakeFetch((_call, index) =>
        index === 0
          ? json({ error: 'use_dpop_nonce' }, 400, { 'dpop-nonce': 'nonce-1' })
          : json({ ...bearerTokens, token_type: 'DPoP' }),
      )
      const config = configure(fetch, metadata, {}, appendAuth)
      const DPoP = client.getDPoPHandle(config, await client.randomDPoPKeyPair())
      await client.clientCredentialsGrant(config, { scope: 'api' }, { DPoP })
      assert.equal(calls.length, 2)
      assert.equal(jwtPart(calls[0]!.headers.get('dpop')!, 1).nonce, undefined)
      assert.equal(jwtPart(calls[1]!.headers.get('dpop')!, 1).nonce, 'nonce-1')
      for (const call of calls) {
        assert.deepEqual(call.body.getAll('client_assertion'), ['assertion-value'])
        assert.deepEqual(call.body.getAll('client_id'), [CLIENT_ID])
        assert.deepEqual(call.body.getAll('grant_type'), ['client_credentials'])
      }
    })

    it('pollDeviceAuthorizationGrant() sends each poll with a fresh body', async () => {
      const appendAuth: ClientAuth = (_as, c, body) => {
        body.append('client_id', c.client_id)
        body.append('client_assertion', 'assertion-value')
      }
      const { fetch, calls } = fakeFetch((_call, index) =>
        index < 2 ? json({ error: 'authorization_pending' }, 400) : json(bearerTokens),
      )
      const config = configure(fetch, metadata, {}, appendAuth)
      await client.pollDeviceAuthorizationGrant(config, deviceResponse, { extra: 'x' })
      assert.equal(calls.length, 3)
      for (const call of calls) {
        assert.deepEqual(Object.fromEntries(call.body), {
          extra: 'x',
          device_code: deviceResponse.device_code,
          grant_type: 'urn:ietf:params:oauth:grant-type:device_code',
          client_id: CLIENT_ID,
          client_assertion: 'assertion-value',
        })
        assert.equal(call.body.getAll('client_assertion').length, 1)
      }
    })

    it('a custom ClientAuth sees the request headers through get/has/set/append/delete/keys, after the DPoP proof', async () => {
      const seen: Record<string, unknown> = {}
      const auth: ClientAuth = (_as, c, body, headers) => {
        seen.accept = headers.get('ACCEPT')
        seen.userAgent = headers.has('User-Agent')
        seen.dpop = headers.has('dpop')
        seen.hasConstructor = headers.has('constructor')
        seen.toStringValue = headers.get('toString')
        headers.set('X-Client', 'one')
        headers.append('x-client', 'two')
        seen.appended = headers.get('x-CLIENT')
        headers.set('x-removed', 'yes')
        headers.delete('X-Removed')
        seen.removed = headers.has('x-removed')
        headers.set('__proto__', 'plain-name')
        seen.proto = headers.get('__proto__')
        seen.keys = [...headers.keys()].sort()
        body.set('client_id', c.client_id)
      }
      const { fetch, calls } = fakeFetch(() => json({ ...bearerTokens, token_type: 'DPoP' }))
      const config = configure(fetch, metadata, {}, auth)
      const DPoP = client.getDPoPHandle(config, await client.randomDPoPKeyPair())
      await client.clientCredentialsGrant(config, undefined, { DPoP })
      assert.deepEqual(seen, {
        accept: 'application/json',
        userAgent: true,
        dpop: true,
        hasConstructor: false,
        toStringValue: null,
        appended: 'one, two',
        removed: false,
        proto: 'plain-name',
        keys: ['__proto__', 'accept', 'dpop', 'user-agent', 'x-client'],
      })
      const { headers } = calls[0]!
      assert.equal(headers.get('x-client'), 'one, two')
      assert.equal(headers.has('x-removed'), false)
      const sent = calls[0]!.options.headers as Record<string, string>
      assert.equal(Object.getOwnPropertyDescriptor(sent, '__proto__')?.value, 'plain-name')
      assert.equal(headers.get('content-type'), FORM)
      assert.equal(
        Object.getPrototypeOf(calls[0]!.options.headers),
        Object.prototype,
        'fetch gets an ordinary object',
      )
    })

    it('clientCredentialsGrant() rejected by the server keeps the client secret and authorization header out of the error', async () => {
      for (const respond of [
        () => json({ error: 'invalid_client' }, 401),
        () => new Response('upstream failure', { status: 500 }),
        () => Promise.reject(new TypeError('fetch failed')),
      ]) {
        const { fetch, calls } = fakeFetch(respond)
        const config = configure(fetch, metadata, {}, client.ClientSecretBasic(SECRET))
        const err = await caught(() => client.clientCredentialsGrant(config))
        assert.equal(calls[0]!.headers.get('authorization'), BASIC)
        const text = inspect(err, { depth: 12, showHidden: false }) + JSON.stringify(err)
        assert.doesNotMatch(text, new RegExp(`${SECRET}|${BASIC.slice(6)}`))
      }
    })
  })

  describe('authorization code', () => {
    const grant = (config: Configuration, callback: string) =>
      client.authorizationCodeGrant(config, new URL(callback), {
        pkceCodeVerifier: 'verifier-value',
      })

    it('authorizationCodeGrant() sends the code, the redirect_uri without its query, and the code_verifier', async () => {
      const { fetch, calls } = fakeFetch(() => json(bearerTokens))
      await grant(configure(fetch), 'https://rp.example/cb?code=code-value#ignored')
      assert.deepEqual(Object.fromEntries(calls[0]!.body), {
        redirect_uri: 'https://rp.example/cb',
        code: 'code-value',
        code_verifier: 'verifier-value',
        grant_type: 'authorization_code',
        client_id: CLIENT_ID,
        client_secret: SECRET,
      })
    })

    it('authorizationCodeGrant() given two code parameters rejects with OAUTH_INVALID_RESPONSE, sending nothing', async () => {
      const { fetch, calls } = fakeFetch(() => json(bearerTokens))
      const err = await caught(() =>
        grant(configure(fetch), 'https://rp.example/cb?code=one&code=two'),
      )
      assertClientError(client, err, 'OAUTH_INVALID_RESPONSE')
      assert.equal(calls.length, 0)
    })

    for (const [title, callback] of [
      ['no code parameter', 'https://rp.example/cb?session_state=x'],
      ['an empty code parameter', 'https://rp.example/cb?code='],
    ] as const) {
      it(`authorizationCodeGrant() given ${title} rejects with OAUTH_INVALID_RESPONSE, sending nothing`, async () => {
        const { fetch, calls } = fakeFetch(() => json(bearerTokens))
        const err = await caught(() => grant(configure(fetch), callback))
        assertClientError(client, err, 'OAUTH_INVALID_RESPONSE')
        assert.equal(calls.length, 0)
      })
    }
  })
})
