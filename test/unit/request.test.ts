/**
 * The requests each operation sends, as a custom fetch sees them: headers, body, endpoint
 * resolution (mTLS aliases, plain HTTP), DPoP proofs, client authentication, timeouts and aborts.
 * The shared part runs against both implementations; the last part covers openid-rp's own
 * request layer (per-operation deadline released after the response is read).
 */
import assert from 'node:assert/strict'
import { getEventListeners } from 'node:events'
import { setTimeout as sleep } from 'node:timers/promises'
import { inspect } from 'node:util'
import { before, describe, it } from 'node:test'

import type {
  ClientAuth,
  Configuration,
  CustomFetch,
  CustomFetchOptions,
  DPoPHandle,
  ServerMetadata,
} from 'openid-client'

import { type Client, implementations } from '../support/implementations.ts'
import { assertArgumentError, caught, json, neverAnswered } from '../support/transport.ts'

const issuer = 'https://op.example'
const metadata: ServerMetadata = {
  issuer,
  authorization_endpoint: `${issuer}/auth`,
  token_endpoint: `${issuer}/token`,
  userinfo_endpoint: `${issuer}/me`,
  introspection_endpoint: `${issuer}/introspect`,
  revocation_endpoint: `${issuer}/revoke`,
  device_authorization_endpoint: `${issuer}/device`,
  backchannel_authentication_endpoint: `${issuer}/bc-authorize`,
}
const mtlsAliases = {
  token_endpoint: 'https://mtls.op.example/token',
  userinfo_endpoint: 'https://mtls.op.example/me',
  introspection_endpoint: 'https://mtls.op.example/introspect',
  revocation_endpoint: 'https://mtls.op.example/revoke',
}

const CLIENT_ID = 'client-id'
const SECRET = 'client-secret-value'
/** RFC 6749 §2.3.1: id and secret form-urlencoded (so `-` is `%2D`), then base64. */
const formEncode = (value: string) =>
  encodeURIComponent(value).replace(
    /[-_.!~*'()]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  )
const BASIC = `Basic ${btoa(`${formEncode(CLIENT_ID)}:${formEncode(SECRET)}`)}`
const FORM = 'application/x-www-form-urlencoded;charset=UTF-8'
const deviceResponse = {
  device_code: 'device-code-value',
  user_code: 'USER-CODE',
  verification_uri: `${issuer}/device/verify`,
  expires_in: 60,
  interval: 0,
}
const { interval: _, ...deviceAuthorization } = deviceResponse
const bearerTokens = { access_token: 'access-token-value', token_type: 'bearer' }

interface Call {
  url: string
  options: CustomFetchOptions
  headers: Headers
  body: URLSearchParams
}

function recorded(url: string, options: CustomFetchOptions): Call {
  return {
    url,
    options,
    headers: new Headers(options.headers as HeadersInit),
    body: new URLSearchParams(options.body === undefined ? '' : String(options.body)),
  }
}

/** A fake transport: records every request and answers with `respond`. */
function fakeFetch(respond: (call: Call, index: number) => Response | Promise<Response>) {
  const calls: Call[] = []
  const fetch: CustomFetch = async (url, options) => {
    const call = recorded(url, options)
    calls.push(call)
    return respond(call, calls.length - 1)
  }
  return { fetch, calls }
}

/**
 * A transport that never answers: it rejects with the signal's reason once the request is
 * aborted; a referenced fallback timer fails the request if no abort ever comes.
 */
function silentFetch() {
  return fakeFetch(({ options: { signal } }) => neverAnswered(signal))
}

function assertClientError(client: Client, err: unknown, code: string) {
  assert.ok(err instanceof client.ClientError, inspect(err))
  assert.equal((err as { code?: string }).code, code, inspect(err))
}

const jwtPart = (jwt: string, index: 0 | 1) =>
  JSON.parse(Buffer.from(jwt.split('.')[index]!, 'base64url').toString()) as Record<string, unknown>

for (const impl of implementations)
  describe(impl.name, () => {
    let client: Client

    before(async () => {
      client = await impl.load()
    })

    function configure(
      fetch: CustomFetch,
      server: ServerMetadata = metadata,
      clientMetadata: Record<string, unknown> | string = SECRET,
      auth?: ClientAuth,
    ): Configuration {
      const config = new client.Configuration(server, CLIENT_ID, clientMetadata as never, auth)
      config[client.customFetch] = fetch
      return config
    }

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

    describe('DPoP option', () => {
      for (const [title, DPoP] of [
        ['a plain object', {}],
        ['null', null],
        ['a string', 'handle'],
      ] as const) {
        it(`clientCredentialsGrant() given ${title} as DPoP rejects with ERR_INVALID_ARG_VALUE, sending nothing`, async () => {
          const { fetch, calls } = fakeFetch(() => json(bearerTokens))
          const err = await caught(() =>
            client.clientCredentialsGrant(configure(fetch), undefined, {
              DPoP: DPoP as unknown as DPoPHandle,
            }),
          )
          assertArgumentError(err, 'ERR_INVALID_ARG_VALUE')
          assert.equal(calls.length, 0)
        })
      }

      it('fetchUserInfo() given a look-alike DPoP handle (addProof, cacheNonce) rejects with a TypeError, sending nothing', async () => {
        const { fetch, calls } = fakeFetch(() => json({ sub: 'subject' }))
        const lookAlike = { addProof: async () => {}, cacheNonce: () => {} }
        const err = await caught(() =>
          client.fetchUserInfo(configure(fetch), 'access-token', 'subject', {
            DPoP: lookAlike as unknown as DPoPHandle,
          }),
        )
        assertArgumentError(err, 'ERR_INVALID_ARG_VALUE')
        assert.equal(calls.length, 0)
      })

      it('fetchUserInfo() given a plain object as DPoP rejects with ERR_INVALID_ARG_VALUE, sending nothing', async () => {
        const { fetch, calls } = fakeFetch(() => json({ sub: 'subject' }))
        const err = await caught(() =>
          client.fetchUserInfo(configure(fetch), 'access-token', 'subject', {
            DPoP: {} as DPoPHandle,
          }),
        )
        assertArgumentError(err, 'ERR_INVALID_ARG_VALUE')
        assert.equal(calls.length, 0)
      })
    })

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

    describe('server endpoints', () => {
      /** What openid-rp's message says to do, per code. */
      const hints: Record<string, RegExp> = {
        OAUTH_MISSING_SERVER_METADATA:
          /^the server metadata has no "\w+": the server does not support it or the metadata is incomplete$/,
        OAUTH_INVALID_SERVER_METADATA: /^the server metadata "\w+" is not a valid URL/,
        OAUTH_HTTP_REQUEST_FORBIDDEN:
          /: use an https: endpoint, or call allowInsecureRequests\(config\) for local development only$/,
      }

      const operations: Record<
        string,
        { endpoint: keyof typeof mtlsAliases; run: (config: Configuration) => Promise<unknown> }
      > = {
        'clientCredentialsGrant()': {
          endpoint: 'token_endpoint',
          run: (config) => client.clientCredentialsGrant(config),
        },
        'fetchUserInfo()': {
          endpoint: 'userinfo_endpoint',
          run: (config) => client.fetchUserInfo(config, 'access-token', 'subject'),
        },
        'tokenIntrospection()': {
          endpoint: 'introspection_endpoint',
          run: (config) => client.tokenIntrospection(config, 'token'),
        },
        'tokenRevocation()': {
          endpoint: 'revocation_endpoint',
          run: (config) => client.tokenRevocation(config, 'token'),
        },
      }
      const answer = (call: Call) => {
        if (call.url.endsWith('/me')) return json({ sub: 'subject' })
        if (call.url.endsWith('/introspect')) return json({ active: false })
        if (call.url.endsWith('/revoke')) return new Response(null, { status: 200 })
        return json(bearerTokens)
      }

      for (const [name, { endpoint, run }] of Object.entries(operations)) {
        for (const [title, value, code] of [
          ['no', undefined, 'OAUTH_MISSING_SERVER_METADATA'],
          ['an invalid', 'not a url', 'OAUTH_INVALID_SERVER_METADATA'],
          ['a non-string', 42, 'OAUTH_INVALID_SERVER_METADATA'],
          ['an http:', `http://op.example/${endpoint}`, 'OAUTH_HTTP_REQUEST_FORBIDDEN'],
        ] as const) {
          it(`${name} with ${title} ${endpoint} rejects with ${code}, sending nothing`, async () => {
            const { fetch, calls } = fakeFetch(answer)
            const server = { ...metadata, [endpoint]: value } as ServerMetadata
            const err = await caught(() => run(configure(fetch, server)))
            assertClientError(client, err, code)
            if (impl.name === 'openid-rp') assert.match((err as Error).message, hints[code])
            assert.equal(calls.length, 0)
          })
        }

        it(`${name} with an ftp: ${endpoint} after allowInsecureRequests rejects with OAUTH_REQUEST_PROTOCOL_FORBIDDEN`, async () => {
          const { fetch, calls } = fakeFetch(answer)
          const config = configure(fetch, { ...metadata, [endpoint]: 'ftp://op.example/x' })
          client.allowInsecureRequests(config)
          const err = await caught(() => run(config))
          assertClientError(client, err, 'OAUTH_REQUEST_PROTOCOL_FORBIDDEN')
          if (impl.name === 'openid-rp')
            assert.match((err as Error).message, /: the endpoint URL must use https: or http:$/)
          assert.equal(calls.length, 0)
        })

        it(`${name} with an http: ${endpoint} after allowInsecureRequests sends to it`, async () => {
          const { fetch, calls } = fakeFetch(answer)
          const url = `http://op.example${new URL(metadata[endpoint]!).pathname}`
          const config = configure(fetch, { ...metadata, [endpoint]: url })
          client.allowInsecureRequests(config)
          await run(config)
          assert.equal(calls[0]!.url, url)
        })

        it(`${name} with use_mtls_endpoint_aliases sends to mtls_endpoint_aliases.${endpoint}`, async () => {
          const { fetch, calls } = fakeFetch(answer)
          const server = { ...metadata, mtls_endpoint_aliases: mtlsAliases }
          await run(configure(fetch, server, { client_secret: SECRET }))
          await run(
            configure(fetch, server, { client_secret: SECRET, use_mtls_endpoint_aliases: true }),
          )
          assert.deepEqual(
            calls.map((call) => call.url),
            [metadata[endpoint], mtlsAliases[endpoint]],
          )
        })

        it(`${name} with use_mtls_endpoint_aliases and no alias for ${endpoint} sends to ${endpoint}`, async () => {
          const { fetch, calls } = fakeFetch(answer)
          for (const aliases of [{}, null]) {
            const server = { ...metadata, mtls_endpoint_aliases: aliases } as ServerMetadata
            await run(
              configure(fetch, server, { client_secret: SECRET, use_mtls_endpoint_aliases: true }),
            )
          }
          assert.deepEqual(
            calls.map((call) => call.url),
            [metadata[endpoint], metadata[endpoint]],
          )
        })

        it(`${name} with an invalid mtls_endpoint_aliases.${endpoint} rejects with OAUTH_INVALID_SERVER_METADATA`, async () => {
          const { fetch, calls } = fakeFetch(answer)
          const server = { ...metadata, mtls_endpoint_aliases: { [endpoint]: 'not a url' } }
          const config = configure(fetch, server, {
            client_secret: SECRET,
            use_mtls_endpoint_aliases: true,
          })
          const err = await caught(() => run(config))
          assertClientError(client, err, 'OAUTH_INVALID_SERVER_METADATA')
          assert.equal(calls.length, 0)
        })
      }
    })

    describe('front-channel endpoints', () => {
      const builders: Record<
        string,
        {
          endpoint: 'authorization_endpoint' | 'end_session_endpoint'
          build: (config: Configuration) => URL
        }
      > = {
        'buildAuthorizationUrl()': {
          endpoint: 'authorization_endpoint',
          build: (config) =>
            client.buildAuthorizationUrl(config, {
              redirect_uri: 'https://rp.example/cb',
              scope: 'openid',
            }),
        },
        'buildEndSessionUrl()': {
          endpoint: 'end_session_endpoint',
          build: (config) => client.buildEndSessionUrl(config, {}),
        },
      }
      // Same codes in both; the class differs: openid-rp throws its ClientError, the reference
      // lets oauth4webapi's OperationProcessingError through (not an instance of ClientError).
      const errorClass = impl.name === 'openid-rp' ? 'ClientError' : 'OperationProcessingError'

      for (const [name, { endpoint, build }] of Object.entries(builders)) {
        it(`${name} with use_mtls_endpoint_aliases ignores mtls_endpoint_aliases.${endpoint}: the browser does not present the client certificate`, () => {
          const { fetch, calls } = fakeFetch(() => json({}))
          const server = {
            ...metadata,
            end_session_endpoint: `${issuer}/logout`,
            mtls_endpoint_aliases: {
              ...mtlsAliases,
              authorization_endpoint: 'https://mtls.op.example/auth',
              end_session_endpoint: 'https://mtls.op.example/logout',
            },
          }
          const url = build(
            configure(fetch, server, { client_secret: SECRET, use_mtls_endpoint_aliases: true }),
          )
          assert.equal(`${url.origin}${url.pathname}`, server[endpoint])
          assert.equal(calls.length, 0)
        })

        for (const [title, value, code] of [
          ['no', undefined, 'OAUTH_MISSING_SERVER_METADATA'],
          ['an invalid', 'not a url', 'OAUTH_INVALID_SERVER_METADATA'],
          ['an http:', 'http://op.example/auth', 'OAUTH_HTTP_REQUEST_FORBIDDEN'],
        ] as const) {
          it(`${name} with ${title} ${endpoint} throws ${code} (${impl.name}: ${errorClass}), sending nothing`, () => {
            const { fetch, calls } = fakeFetch(() => json({}))
            const server = { ...metadata, end_session_endpoint: `${issuer}/logout` }
            const config = configure(fetch, { ...server, [endpoint]: value } as ServerMetadata)
            let err: unknown
            try {
              build(config)
            } catch (thrown) {
              err = thrown
            }
            assert.ok(err instanceof Error, 'expected an error, none was thrown')
            if (impl.name === 'openid-rp')
              assert.ok(err instanceof client.ClientError, inspect(err))
            else assert.equal(err.name, 'OperationProcessingError', inspect(err))
            assert.equal((err as { code?: string }).code, code, inspect(err))
            assert.equal(calls.length, 0)
          })
        }
      }
    })

    describe('timeouts and aborts', () => {
      const slow: Record<string, (config: Configuration) => Promise<unknown>> = {
        'clientCredentialsGrant()': (config) => client.clientCredentialsGrant(config),
        'refreshTokenGrant()': (config) => client.refreshTokenGrant(config, 'refresh-token'),
        'fetchUserInfo()': (config) => client.fetchUserInfo(config, 'access-token', 'subject'),
        'tokenIntrospection()': (config) => client.tokenIntrospection(config, 'token'),
        'tokenRevocation()': (config) => client.tokenRevocation(config, 'token'),
      }
      for (const [name, run] of Object.entries(slow)) {
        it(`${name} with a 50ms config.timeout and a silent server rejects with OAUTH_TIMEOUT`, async () => {
          const { fetch, calls } = silentFetch()
          const config = configure(fetch)
          config.timeout = 0.05
          const err = await caught(() => run(config))
          assert.equal(calls.length, 1)
          assertClientError(client, err, 'OAUTH_TIMEOUT')
          assert.equal((err.cause as Error | undefined)?.name, 'TimeoutError')
        })
      }

      it('discovery() with a 50ms timeout and a silent server rejects with OAUTH_TIMEOUT', async () => {
        const { fetch, calls } = silentFetch()
        const err = await caught(() =>
          client.discovery(new URL(issuer), CLIENT_ID, undefined, undefined, {
            [client.customFetch]: fetch,
            timeout: 0.05,
          }),
        )
        assert.equal(calls.length, 1)
        assertClientError(client, err, 'OAUTH_TIMEOUT')
      })

      it('pollDeviceAuthorizationGrant() aborted between polls rejects with OAUTH_ABORT and sends no more', async () => {
        const controller = new AbortController()
        const { fetch, calls } = fakeFetch(() => {
          setTimeout(() => controller.abort(), 0)
          return json({ error: 'authorization_pending' }, 400)
        })
        const err = await caught(() =>
          client.pollDeviceAuthorizationGrant(
            configure(fetch),
            { ...deviceResponse, interval: 0.2 },
            undefined,
            { signal: controller.signal },
          ),
        )
        assertClientError(client, err, 'OAUTH_ABORT')
        assert.equal(calls.length, 1)
      })

      it('pollDeviceAuthorizationGrant() aborted while a poll is in flight rejects with OAUTH_ABORT', async () => {
        const controller = new AbortController()
        const silent = silentFetch()
        const fetch: CustomFetch = (url, options) => {
          const pending = silent.fetch(url, options)
          controller.abort()
          return pending
        }
        const err = await caught(() =>
          client.pollDeviceAuthorizationGrant(configure(fetch), deviceResponse, undefined, {
            signal: controller.signal,
          }),
        )
        assertClientError(client, err, 'OAUTH_ABORT')
        assert.equal(silent.calls.length, 1)
      })

      for (const [title, final] of [
        ['yields tokens', () => json(bearerTokens)],
        ['fails', () => json({ error: 'access_denied' }, 400)],
      ] as const) {
        it(`pollDeviceAuthorizationGrant() that ${title} leaves no abort listener on the caller's signal`, async () => {
          const controller = new AbortController()
          const listeners: number[] = []
          const { fetch, calls } = fakeFetch((_call, index) => {
            listeners.push(getEventListeners(controller.signal, 'abort').length)
            return index < 2 ? json({ error: 'authorization_pending' }, 400) : final()
          })
          await client
            .pollDeviceAuthorizationGrant(configure(fetch), deviceResponse, undefined, {
              signal: controller.signal,
            })
            .catch(() => undefined)
          assert.equal(calls.length, 3)
          assert.ok(
            listeners.every((count) => count <= 1),
            `at most the request's own listener while it is in flight: ${listeners}`,
          )
          assert.equal(getEventListeners(controller.signal, 'abort').length, 0)
        })
      }
    })

    describe('discovery', () => {
      const cases = [
        ['oidc', 'https://op.example', 'https://op.example/.well-known/openid-configuration'],
        ['oidc', 'https://op.example/', 'https://op.example/.well-known/openid-configuration'],
        [
          'oidc',
          'https://op.example/tenant',
          'https://op.example/tenant/.well-known/openid-configuration',
        ],
        [
          'oidc',
          'https://op.example/tenant/',
          'https://op.example/tenant/.well-known/openid-configuration',
        ],
        [
          'oidc',
          'https://op.example/a/b',
          'https://op.example/a/b/.well-known/openid-configuration',
        ],
        [
          undefined,
          'https://op.example/t',
          'https://op.example/t/.well-known/openid-configuration',
        ],
        [
          'oauth2',
          'https://op.example',
          'https://op.example/.well-known/oauth-authorization-server',
        ],
        [
          'oauth2',
          'https://op.example/',
          'https://op.example/.well-known/oauth-authorization-server',
        ],
        [
          'oauth2',
          'https://op.example/tenant',
          'https://op.example/.well-known/oauth-authorization-server/tenant',
        ],
        [
          'oauth2',
          'https://op.example/tenant/',
          'https://op.example/.well-known/oauth-authorization-server/tenant',
        ],
        [
          'oauth2',
          'https://op.example/a/b',
          'https://op.example/.well-known/oauth-authorization-server/a/b',
        ],
      ] as const

      for (const [algorithm, server, expected] of cases) {
        it(`discovery() of ${server} (${algorithm ?? 'default'}) GETs ${expected}`, async () => {
          const url = new URL(server)
          const { fetch, calls } = fakeFetch(() => json({ ...metadata, issuer: url.href }))
          await client.discovery(url, CLIENT_ID, undefined, undefined, {
            [client.customFetch]: fetch,
            algorithm,
          })
          assert.equal(calls.length, 1)
          assert.equal(calls[0]!.url, expected)
          assert.equal(calls[0]!.options.method, 'GET')
          assert.equal(calls[0]!.options.redirect, 'manual')
          assert.equal(calls[0]!.headers.get('accept'), 'application/json')
          assert.match(calls[0]!.headers.get('user-agent') ?? '', /^openid-(rp|client)\//)
        })
      }

      it('discovery() of a .well-known URL GETs it as given', async () => {
        const url = new URL('https://op.example/.well-known/openid-configuration')
        const { fetch, calls } = fakeFetch(() => json(metadata))
        await client.discovery(url, CLIENT_ID, undefined, undefined, {
          [client.customFetch]: fetch,
        })
        assert.equal(calls[0]!.url, url.href)
      })

      it('discovery() given an unknown algorithm rejects with ERR_INVALID_ARG_VALUE, sending nothing', async () => {
        const { fetch, calls } = fakeFetch(() => json(metadata))
        const err = await caught(() =>
          client.discovery(new URL(issuer), CLIENT_ID, undefined, undefined, {
            [client.customFetch]: fetch,
            algorithm: 'openid' as 'oidc',
          }),
        )
        assertArgumentError(err, 'ERR_INVALID_ARG_VALUE')
        assert.equal(calls.length, 0)
      })
    })
  })

const ours = implementations.find((impl) => impl.name === 'openid-rp')
if (ours !== undefined)
  describe('openid-rp request layer', () => {
    let client: Client

    before(async () => {
      client = await ours.load()
    })

    /** A fake transport that records the signal of every request. */
    function signalFetch(respond: (call: Call, index: number) => Response) {
      const signals: (AbortSignal | undefined)[] = []
      const recorder = fakeFetch((call, index) => {
        signals.push(call.options.signal ?? undefined)
        return respond(call, index)
      })
      return { ...recorder, signals }
    }

    function configure(fetch: CustomFetch, server: ServerMetadata = metadata) {
      const config = new client.Configuration(server, CLIENT_ID, SECRET)
      config[client.customFetch] = fetch
      config.timeout = 0.02
      return config
    }

    it('randomDPoPKeyPair() refuses RSA moduli under 2048 bits and accepts 2048', async () => {
      for (const modulusLength of [512, 1024, 2047, 2048.5]) {
        const err = await caught(() =>
          client.randomDPoPKeyPair('PS256', { modulusLength } as never),
        )
        assertArgumentError(err, 'ERR_INVALID_ARG_VALUE')
      }
      const pair = await client.randomDPoPKeyPair('PS256', { modulusLength: 2048 } as never)
      assert.equal((pair.publicKey.algorithm as RsaHashedKeyAlgorithm).modulusLength, 2048)
    })

    it('a ClientAuth cannot change the server metadata a Configuration holds or shares', async () => {
      const server = { ...metadata, mtls_endpoint_aliases: { ...mtlsAliases } }
      const attempts: string[] = []
      const auth: ClientAuth = (as, c, body) => {
        body.set('client_id', c.client_id)
        for (const change of [
          () => ((as as Record<string, unknown>).token_endpoint = 'https://attacker.example/token'),
          () => ((as.mtls_endpoint_aliases as Record<string, unknown>).token_endpoint = 'x'),
        ]) {
          try {
            change()
            attempts.push('changed')
          } catch (err) {
            attempts.push(err instanceof TypeError ? 'refused' : 'other')
          }
        }
      }
      const { fetch, calls } = fakeFetch(() => json(bearerTokens))
      const config = new client.Configuration(server, CLIENT_ID, {}, auth)
      config[client.customFetch] = fetch
      await client.clientCredentialsGrant(config)
      await client.clientCredentialsGrant(config)
      assert.deepEqual(attempts, ['refused', 'refused', 'refused', 'refused'])
      assert.deepEqual(
        calls.map((call) => call.url),
        [metadata.token_endpoint, metadata.token_endpoint],
      )
      const other = new client.Configuration(server, CLIENT_ID, SECRET)
      assert.equal(
        other.serverMetadata().mtls_endpoint_aliases?.token_endpoint,
        mtlsAliases.token_endpoint,
      )
    })

    /**
     * Waits well past the 20 ms timeout, then asserts no request's signal was aborted: a timer
     * left armed after the operation would have fired first (timers fire in expiry order).
     */
    async function assertReleased(signals: (AbortSignal | undefined)[], count: number) {
      await sleep(100)
      assert.equal(signals.length, count)
      for (const signal of signals) {
        assert.ok(signal instanceof AbortSignal, 'a limited request has a signal')
        assert.equal(signal.aborted, false, 'the timeout fired after the operation settled')
      }
    }

    const answer = (call: Call) => {
      if (call.url.endsWith('/me')) return json({ sub: 'subject' })
      if (call.url.endsWith('/introspect')) return json({ active: false })
      if (call.url.endsWith('/revoke')) return new Response(null, { status: 200 })
      if (call.url.endsWith('/device')) return json(deviceAuthorization)
      if (call.url.endsWith('/bc-authorize')) return json({ auth_req_id: 'r', expires_in: 60 })
      return json(bearerTokens)
    }

    const operations: Record<string, (config: Configuration) => Promise<unknown>> = {
      'clientCredentialsGrant()': (config) => client.clientCredentialsGrant(config),
      'fetchUserInfo()': (config) => client.fetchUserInfo(config, 'access-token', 'subject'),
      'tokenIntrospection()': (config) => client.tokenIntrospection(config, 'token'),
      'tokenRevocation()': (config) => client.tokenRevocation(config, 'token'),
      'initiateDeviceAuthorization()': (config) => client.initiateDeviceAuthorization(config, {}),
      'initiateBackchannelAuthentication()': (config) =>
        client.initiateBackchannelAuthentication(config, { login_hint: 'u' }),
      'pollDeviceAuthorizationGrant()': (config) =>
        client.pollDeviceAuthorizationGrant(config, deviceResponse),
    }

    for (const [name, run] of Object.entries(operations)) {
      it(`${name} leaves no timeout armed once it resolves`, async () => {
        const { fetch, signals } = signalFetch(answer)
        await run(configure(fetch))
        await assertReleased(signals, 1)
      })
    }

    it('clientCredentialsGrant() rejected with an OAuth error leaves no timeout armed', async () => {
      const { fetch, signals } = signalFetch(() => json({ error: 'invalid_client' }, 401))
      await caught(() => client.clientCredentialsGrant(configure(fetch)))
      await assertReleased(signals, 1)
    })

    it('clientCredentialsGrant() retried on use_dpop_nonce leaves neither attempt’s timeout armed', async () => {
      const { fetch, signals } = signalFetch((_call, index) =>
        index === 0
          ? json({ error: 'use_dpop_nonce' }, 400, { 'dpop-nonce': 'nonce-1' })
          : json({ ...bearerTokens, token_type: 'DPoP' }),
      )
      const config = configure(fetch)
      const DPoP = client.getDPoPHandle(config, await client.randomDPoPKeyPair())
      await client.clientCredentialsGrant(config, undefined, { DPoP })
      assert.notEqual(signals[0], signals[1], 'each attempt has its own deadline')
      await assertReleased(signals, 2)
    })

    it('discovery() leaves no timeout armed once it resolves', async () => {
      const { fetch, signals } = signalFetch(() => json(metadata))
      await client.discovery(new URL(issuer), CLIENT_ID, undefined, undefined, {
        [client.customFetch]: fetch,
        timeout: 0.02,
      })
      await assertReleased(signals, 1)
    })

    it('discovery() with an issuer mismatch hands out a copy of the document a later discovery reuses', async () => {
      const document = { ...metadata, issuer: `${issuer}/tenant` }
      const { fetch } = fakeFetch(() => json(document))
      const options = { [client.customFetch]: fetch }
      const err = await caught(() =>
        client.discovery(new URL(issuer), CLIENT_ID, undefined, undefined, options),
      )
      assertClientError(client, err, 'OAUTH_JSON_ATTRIBUTE_COMPARISON_FAILED')
      err.cause.body.token_endpoint = 'https://elsewhere.example/steal'
      const config = await client.discovery(
        new URL(document.issuer),
        CLIENT_ID,
        undefined,
        undefined,
        options,
      )
      assert.equal(config.serverMetadata().token_endpoint, metadata.token_endpoint)
    })

    it('discovery() refuses a non-JSON body that spells the key of a shared Entra ID document', async () => {
      const entra = 'https://login.microsoftonline.com'
      const document = {
        issuer: `${entra}/{tenantid}/v2.0`,
        token_endpoint: `${entra}/common/oauth2/v2.0/token`,
      }
      const server = new URL(`${entra}/common/v2.0`)
      const first = fakeFetch(() => json(document))
      const config = await client.discovery(server, CLIENT_ID, undefined, undefined, {
        [client.customFetch]: first.fetch,
      })
      const { fetch } = fakeFetch(() => new Response(`hooked:${JSON.stringify(document)}`))
      const err = await caught(() =>
        client.discovery(server, CLIENT_ID, undefined, undefined, { [client.customFetch]: fetch }),
      )
      assertClientError(client, err, 'OAUTH_RESPONSE_IS_NOT_JSON')
      assert.equal(config.serverMetadata().issuer, document.issuer)
    })

    it('clientCredentialsGrant() with config.timeout 0 passes no signal', async () => {
      const { fetch, signals } = signalFetch(answer)
      const config = configure(fetch)
      config.timeout = 0
      await client.clientCredentialsGrant(config)
      assert.deepEqual(signals, [undefined])
    })

    it('pollDeviceAuthorizationGrant() forwards the caller’s abort reason to the request in flight', async () => {
      const controller = new AbortController()
      const { fetch, signals } = signalFetch(() => {
        controller.abort()
        return json({ error: 'authorization_pending' }, 400)
      })
      const err = await caught(() =>
        client.pollDeviceAuthorizationGrant(configure(fetch), deviceResponse, undefined, {
          signal: controller.signal,
        }),
      )
      assertClientError(client, err, 'OAUTH_ABORT')
      assert.notEqual(signals[0], controller.signal, 'the request has its own deadline signal')
      assert.equal(signals[0]!.aborted, true)
      assert.equal(signals[0]!.reason, controller.signal.reason)
      assert.equal(getEventListeners(controller.signal, 'abort').length, 0)
    })

    it('clientCredentialsGrant() with mtls_endpoint_aliases that is not an object rejects with OAUTH_INVALID_SERVER_METADATA', async () => {
      const { fetch, calls } = fakeFetch(answer)
      const config = new client.Configuration(
        { ...metadata, mtls_endpoint_aliases: 'https://mtls.op.example' as never },
        CLIENT_ID,
        { client_secret: SECRET, use_mtls_endpoint_aliases: true },
      )
      config[client.customFetch] = fetch
      const err = await caught(() => client.clientCredentialsGrant(config))
      assertClientError(client, err, 'OAUTH_INVALID_SERVER_METADATA')
      assert.equal((err.cause as { attribute?: string }).attribute, 'mtls_endpoint_aliases')
      assert.equal(calls.length, 0)
    })

    it('clientCredentialsGrant() refused for plain HTTP hands out a copy of the endpoint URL, not the cached one', async () => {
      const { fetch, calls } = fakeFetch(answer)
      const config = configure(fetch, { ...metadata, token_endpoint: 'http://op.example/token' })
      const err = await caught(() => client.clientCredentialsGrant(config))
      assertClientError(client, err, 'OAUTH_HTTP_REQUEST_FORBIDDEN')
      assert.ok(err.cause instanceof URL)
      err.cause.href = 'http://elsewhere.example/steal'
      client.allowInsecureRequests(config)
      await client.clientCredentialsGrant(config)
      assert.deepEqual(
        calls.map((call) => call.url),
        ['http://op.example/token'],
      )
    })

    it('clientCredentialsGrant() with a missing token_endpoint names it in the error', async () => {
      const { fetch } = fakeFetch(answer)
      const { token_endpoint: _, ...server } = metadata
      const err = await caught(() => client.clientCredentialsGrant(configure(fetch, server)))
      assertClientError(client, err, 'OAUTH_MISSING_SERVER_METADATA')
      assert.equal((err.cause as { attribute?: string }).attribute, 'token_endpoint')
      assert.match(err.message, /"token_endpoint"/)
    })
  })
