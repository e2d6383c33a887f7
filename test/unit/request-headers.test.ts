/**
 * The headers each request carries: values a caller or ClientAuth sets, and the accept,
 * authorization and body of resource endpoint requests, as a custom fetch sees them.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'

import type { ClientAuth, CustomFetch } from 'openid-client'

import { describeEachImplementation } from '../support/implementations.ts'
import { assertArgumentError, caught, json } from '../support/transport.ts'
import {
  issuer,
  metadata,
  CLIENT_ID,
  SECRET,
  FORM,
  deviceAuthorization,
  bearerTokens,
  fakeFetch,
  jwtPart,
  configurer,
} from '../support/requests.ts'

describeEachImplementation('', (_impl, client) => {
  const configure = configurer(client)

  describe('header values', () => {
    it('fetchUserInfo() with an access token holding CR LF rejects with a TypeError, sending nothing', async () => {
      const { fetch, calls } = fakeFetch(() => json({ sub: 'subject' }))
      const err = await caught(() =>
        client.fetchUserInfo(configure(fetch), 'token\r\nx-injected: 1', 'subject'),
      )
      assertArgumentError(err)
      assert.equal(calls.length, 0)
    })

    it('a ClientAuth setting a header value with CR LF fails the request with a TypeError, sending nothing', async () => {
      const { fetch, calls } = fakeFetch(() => json(bearerTokens))
      const auth: ClientAuth = (_as, c, body, headers) => {
        body.set('client_id', c.client_id)
        headers.set('x-client', 'one\r\nx-injected: 1')
      }
      const err = await caught(() =>
        client.clientCredentialsGrant(configure(fetch, metadata, {}, auth)),
      )
      assertArgumentError(err)
      assert.equal(calls.length, 0)
    })

    /**
     * A transport that records the header values exactly as handed to it, without a `Headers`
     * object (which would refuse CR, LF and NUL itself): a custom fetch may write them raw.
     */
    function rawFetch(respond: () => Response) {
      const sent: string[] = []
      const fetch: CustomFetch = async (_url, options) => {
        const headers = options.headers as Headers | Record<string, string>
        const entries = headers instanceof Headers ? [...headers] : Object.entries(headers)
        for (const [name, value] of entries) sent.push(`${name}: ${value}`)
        return respond()
      }
      return { fetch, sent }
    }

    for (const [title, character] of [
      ['a lone LF', '\n'],
      ['a lone CR', '\r'],
      ['a NUL', '\0'],
    ] as const) {
      it(`fetchUserInfo() with an access token holding ${title} rejects with a TypeError, sending nothing`, async () => {
        const { fetch, sent } = rawFetch(() => json({ sub: 'subject' }))
        const err = await caught(() =>
          client.fetchUserInfo(configure(fetch), `tok${character}en`, 'subject'),
        )
        assertArgumentError(err)
        assert.deepEqual(sent, [])
      })

      it(`a ClientAuth setting a header value with ${title} fails the request with a TypeError, sending nothing`, async () => {
        const { fetch, sent } = rawFetch(() => json(bearerTokens))
        const auth: ClientAuth = (_as, c, body, headers) => {
          body.set('client_id', c.client_id)
          headers.set('x-client', `one${character}two`)
        }
        const err = await caught(() =>
          client.clientCredentialsGrant(configure(fetch, metadata, {}, auth)),
        )
        assertArgumentError(err)
        assert.deepEqual(sent, [])
      })
    }

    it('a ClientAuth setting a header value with a tab and spaces sends it', async () => {
      const { fetch, calls } = fakeFetch(() => json(bearerTokens))
      const auth: ClientAuth = (_as, c, body, headers) => {
        body.set('client_id', c.client_id)
        headers.set('x-client', 'one\t two')
      }
      await client.clientCredentialsGrant(configure(fetch, metadata, {}, auth))
      assert.equal(calls.length, 1)
      assert.equal(calls[0]!.headers.get('x-client'), 'one\t two')
    })

    it('a ClientAuth setting an invalid header name fails the request with a TypeError, sending nothing', async () => {
      const { fetch, calls } = fakeFetch(() => json(bearerTokens))
      const auth: ClientAuth = (_as, c, body, headers) => {
        body.set('client_id', c.client_id)
        headers.set('x client', 'value')
      }
      const err = await caught(() =>
        client.clientCredentialsGrant(configure(fetch, metadata, {}, auth)),
      )
      assertArgumentError(err)
      assert.equal(calls.length, 0)
    })
  })

  describe('resource endpoint requests', () => {
    it('fetchUserInfo() GETs with accept JSON or JWT and a Bearer authorization', async () => {
      const { fetch, calls } = fakeFetch(() => json({ sub: 'subject' }))
      await client.fetchUserInfo(configure(fetch), 'access-token-value', 'subject')
      const [call] = calls
      assert.equal(call!.url, metadata.userinfo_endpoint)
      assert.equal(call!.options.method, 'GET')
      assert.equal(call!.options.body ?? undefined, undefined)
      assert.equal(call!.headers.get('accept'), 'application/json, application/jwt')
      assert.equal(call!.headers.get('authorization'), 'Bearer access-token-value')
      assert.equal(call!.headers.has('content-type'), false)
    })

    it('fetchUserInfo() for a client with userinfo_signed_response_alg asks for a JWT only', async () => {
      const { fetch, calls } = fakeFetch(() => json({ sub: 'subject' }))
      const config = configure(fetch, metadata, {
        client_secret: SECRET,
        userinfo_signed_response_alg: 'ES256',
      })
      await client.fetchUserInfo(config, 'access-token-value', 'subject').catch(() => undefined)
      assert.equal(calls[0]!.headers.get('accept'), 'application/jwt')
    })

    it('fetchUserInfo() with a DPoP handle sends a DPoP authorization and a proof bound to the token', async () => {
      const { fetch, calls } = fakeFetch(() => json({ sub: 'subject' }))
      const config = configure(fetch)
      const DPoP = client.getDPoPHandle(config, await client.randomDPoPKeyPair())
      await client.fetchUserInfo(config, 'access-token-value', 'subject', { DPoP })
      const { headers } = calls[0]!
      assert.equal(headers.get('authorization'), 'DPoP access-token-value')
      const payload = jwtPart(headers.get('dpop')!, 1)
      assert.equal(payload.htm, 'GET')
      assert.equal(payload.htu, metadata.userinfo_endpoint)
      assert.equal(typeof payload.ath, 'string')
    })

    it('tokenIntrospection() POSTs the token with accept JSON, or the JWT type when a signed response is asked for', async () => {
      const { fetch, calls } = fakeFetch(() => json({ active: false }))
      await client.tokenIntrospection(configure(fetch), 'token-value', { token_type_hint: 'x' })
      await client
        .tokenIntrospection(
          configure(fetch, metadata, {
            client_secret: SECRET,
            introspection_signed_response_alg: 'ES256',
          }),
          'token-value',
        )
        .catch(() => undefined)
      assert.equal(calls[0]!.url, metadata.introspection_endpoint)
      assert.equal(calls[0]!.headers.get('accept'), 'application/json')
      assert.equal(calls[0]!.headers.get('content-type'), FORM)
      assert.deepEqual(Object.fromEntries(calls[0]!.body), {
        token_type_hint: 'x',
        token: 'token-value',
        client_id: CLIENT_ID,
        client_secret: SECRET,
      })
      assert.equal(calls[1]!.headers.get('accept'), 'application/token-introspection+jwt')
    })

    it('tokenRevocation() POSTs the token without an accept header', async () => {
      const { fetch, calls } = fakeFetch(() => new Response(null, { status: 200 }))
      await client.tokenRevocation(configure(fetch), 'token-value')
      const [call] = calls
      assert.equal(call!.url, metadata.revocation_endpoint)
      assert.equal(call!.headers.has('accept'), false)
      assert.equal(call!.headers.get('content-type'), FORM)
      assert.equal(call!.body.get('token'), 'token-value')
    })

    it('initiateDeviceAuthorization() and initiateBackchannelAuthentication() POST the parameters with client_id', async () => {
      const { fetch, calls } = fakeFetch((call) =>
        call.url.endsWith('/device')
          ? json(deviceAuthorization)
          : json({ auth_req_id: 'req-1', expires_in: 60 }),
      )
      const config = configure(fetch)
      await client.initiateDeviceAuthorization(config, { scope: 'openid' })
      await client.initiateBackchannelAuthentication(config, { login_hint: 'u' })
      assert.deepEqual(
        calls.map((call) => [call.url, call.headers.get('accept'), call.body.get('client_id')]),
        [
          [metadata.device_authorization_endpoint, 'application/json', CLIENT_ID],
          [metadata.backchannel_authentication_endpoint, 'application/json', CLIENT_ID],
        ],
      )
      assert.equal(calls[0]!.body.get('scope'), 'openid')
      assert.equal(calls[1]!.body.get('login_hint'), 'u')
    })

    it('fetchProtectedResource() leaves the response body readable after it returns', async () => {
      const { fetch, calls } = fakeFetch(({ options: { signal } }) => {
        const body = new ReadableStream<Uint8Array>({
          start(controller) {
            signal?.addEventListener('abort', () => controller.error(signal.reason))
            setTimeout(() => {
              controller.enqueue(new TextEncoder().encode('late body'))
              controller.close()
            }, 20)
          },
        })
        return new Response(body, { status: 200 })
      })
      const response = await client.fetchProtectedResource(
        configure(fetch),
        'access-token-value',
        new URL(`${issuer}/resource`),
        'GET',
      )
      assert.equal(calls[0]!.options.signal?.aborted, false)
      assert.equal(await response.text(), 'late body')
    })
  })
})
