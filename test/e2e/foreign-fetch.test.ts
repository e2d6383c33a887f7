/**
 * `[customFetch]` that answers with another implementation's Response: undici's own `fetch`
 * (through a MockAgent, as openid-client's docs show for proxies and mTLS) and node-fetch-like
 * objects made in a `vm` context, whose Promises, ArrayBuffers and JSON values are that realm's.
 * The whole API runs over each against the real provider; polling's 503 + Retry-After is scripted.
 */
import assert from 'node:assert/strict'
import vm from 'node:vm'
import { after, before, describe, it } from 'node:test'

import { MockAgent, Request as UndiciRequest, fetch as undiciFetch } from 'undici'

import type { CustomFetch } from 'openid-client'

import { implementations, type Client } from '../support/implementations.ts'
import { login } from '../support/login.ts'
import { createProvider, type TestProvider } from '../support/provider.ts'
import {
  closeProvider,
  redirectUri,
  rejection,
  serviceSecret,
  webAndServiceClients,
  webSecret,
} from '../support/e2e.ts'

type Configuration = InstanceType<Client['Configuration']>

/** A Response as a `vm` context builds it: that realm's classes, Promises and bytes. */
type ForeignResponse = object
type MakeForeignResponse = (
  status: number,
  statusText: string,
  headers: [string, string][],
  bytes: Uint8Array,
  url: string,
) => ForeignResponse

const realm = vm.createContext({
  decodeUtf8: (bytes: Uint8Array) => new TextDecoder().decode(bytes),
})
vm.runInContext(
  `
  class Headers {
    #map = new Map()
    constructor(pairs) { for (const [name, value] of pairs) this.#map.set(name.toLowerCase(), value) }
    get(name) { return this.#map.get(String(name).toLowerCase()) ?? null }
    has(name) { return this.#map.has(String(name).toLowerCase()) }
    forEach(callback) { for (const [name, value] of this.#map) callback(value, name, this) }
    *entries() { yield* this.#map }
    *keys() { yield* this.#map.keys() }
    *values() { yield* this.#map.values() }
    [Symbol.iterator]() { return this.entries() }
    get [Symbol.toStringTag]() { return 'Headers' }
  }
  class Response {
    #bytes; #used = false; #status; #statusText; #headers; #url
    constructor(status, statusText, headers, bytes, url) {
      this.#status = status; this.#statusText = statusText; this.#url = url
      this.#headers = new Headers(headers)
      this.#bytes = new Uint8Array(bytes.length)
      this.#bytes.set(bytes)
    }
    get status() { return this.#status }
    get statusText() { return this.#statusText }
    get ok() { return this.#status >= 200 && this.#status < 300 }
    get headers() { return this.#headers }
    get url() { return this.#url }
    get redirected() { return false }
    get type() { return 'basic' }
    get bodyUsed() { return this.#used }
    get body() { return null }
    #take() {
      if (this.#used) throw new TypeError('Body already used')
      this.#used = true
      return this.#bytes
    }
    async arrayBuffer() { return this.#take().slice().buffer }
    async bytes() { return this.#take().slice() }
    async text() { return decodeUtf8(this.#take()) }
    async json() { return JSON.parse(await this.text()) }
    clone() {
      return new Response(this.#status, this.#statusText, [...this.#headers], this.#bytes, this.#url)
    }
    get [Symbol.toStringTag]() { return 'Response' }
  }
  class URL {
    #href
    constructor(href) { this.#href = String(href) }
    get href() { return this.#href }
    toString() { return this.#href }
    get [Symbol.toStringTag]() { return 'URL' }
  }
  globalThis.makeURL = (href) => new URL(href)
  globalThis.makeResponse = (...args) => new Response(...args)
  globalThis.inRealm = (promise) => new Promise((resolve, reject) => promise.then(resolve, reject))
  `,
  realm,
)
const makeForeignResponse = realm.makeResponse as MakeForeignResponse
/** A URL of the vm realm: only its brand and `href`, as a URL polyfill would have at least. */
const makeForeignURL = realm.makeURL as (href: string) => URL
const inRealm = realm.inRealm as <T>(promise: Promise<T>) => Promise<T>

/** Copies a real Response into the vm realm. */
async function toForeign(response: Response): Promise<ForeignResponse> {
  const bytes = new Uint8Array(await response.arrayBuffer())
  return makeForeignResponse(
    response.status,
    response.statusText,
    [...response.headers],
    bytes,
    response.url,
  )
}

/** A fetch whose Responses (and the Promise for them) come from the vm realm. */
function vmFetch(transport: (url: string, init: RequestInit) => Promise<Response>): CustomFetch {
  return ((url: string, options: RequestInit) =>
    inRealm(transport(url, options).then(toForeign))) as unknown as CustomFetch
}

/** undici's own fetch through `dispatcher`, as openid-client's docs show it. */
function undiciCustomFetch(dispatcher: MockAgent): CustomFetch {
  return ((url: string, options: RequestInit) =>
    undiciFetch(url, { ...(options as object), dispatcher } as never)) as unknown as CustomFetch
}

/** Logs in with PKCE and returns the callback URL and the verifier to redeem it with. */
async function signIn(client: Client, config: Configuration) {
  const pkceCodeVerifier = client.randomPKCECodeVerifier()
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri,
    scope: 'openid',
    code_challenge: await client.calculatePKCECodeChallenge(pkceCodeVerifier),
    code_challenge_method: 'S256',
  })
  const callback = await login(url, { redirectUri })
  assert.ok(callback instanceof URL)
  return { callback, pkceCodeVerifier }
}

let op: TestProvider
const agent = new MockAgent()

before(async () => {
  op = await createProvider({
    features: {
      clientCredentials: true,
      introspection: true,
      revocation: true,
      registration: true,
      dPoP: true,
    },
    clients: webAndServiceClients({ scope: 'api:read' }),
  })
  // Requests to the provider pass through the agent to the network; the polling origin is mocked.
  agent.enableNetConnect(op.issuer.host)
})

after(async () => {
  await agent.close()
  await closeProvider(op)
})

const transports: Array<{ name: string; make: () => CustomFetch }> = [
  { name: "undici's own fetch + MockAgent", make: () => undiciCustomFetch(agent) },
  {
    name: 'Responses from a vm context',
    make: () => vmFetch((url, init) => fetch(url, init)),
  },
]

for (const impl of implementations) {
  for (const transport of transports) {
    describe(`${impl.name}: [customFetch] with ${transport.name}`, () => {
      let client: Client
      let customFetch: CustomFetch
      let web: Configuration
      let service: Configuration

      before(async () => {
        client = await impl.load()
        customFetch = transport.make()
        const options = {
          execute: [client.allowInsecureRequests],
          [client.customFetch]: customFetch,
        }
        web = await client.discovery(
          op.issuer,
          'rp-web',
          undefined,
          client.ClientSecretBasic(webSecret),
          options,
        )
        web[client.customFetch] = customFetch
        service = await client.discovery(op.issuer, 'rp-service', serviceSecret, undefined, options)
        service[client.customFetch] = customFetch
      })

      it('the fetch really answers with a foreign Response', async () => {
        const response: unknown = await customFetch(
          new URL('.well-known/openid-configuration', `${op.issuer.href.replace(/\/?$/, '/')}`)
            .href,
          { method: 'GET', headers: {}, redirect: 'manual' } as never,
        )
        assert.ok(!(response instanceof Response), 'not an instance of the global Response')
        assert.equal(Object.prototype.toString.call(response), '[object Response]')
      })

      it('runs PAR, the code flow, UserInfo, introspection, refresh and revocation', async () => {
        const pkceCodeVerifier = client.randomPKCECodeVerifier()
        const state = client.randomState()
        const nonce = client.randomNonce()
        const url = await client.buildAuthorizationUrlWithPAR(web, {
          redirect_uri: redirectUri,
          scope: 'openid email',
          code_challenge: await client.calculatePKCECodeChallenge(pkceCodeVerifier),
          code_challenge_method: 'S256',
          state,
          nonce,
        })
        assert.ok(url.searchParams.get('request_uri')?.startsWith('urn:'))
        const callback = await login(url, { redirectUri })
        const tokens = await client.authorizationCodeGrant(web, callback, {
          pkceCodeVerifier,
          expectedState: state,
          expectedNonce: nonce,
          idTokenExpected: true,
        })
        const { sub } = tokens.claims()!
        assert.equal(sub, op.account.sub)

        const userinfo = await client.fetchUserInfo(web, tokens.access_token, sub)
        assert.equal(userinfo.sub, sub)

        const resource = await client.fetchProtectedResource(
          web,
          tokens.access_token,
          new URL(web.serverMetadata().userinfo_endpoint!),
          'GET',
        )
        assert.equal(resource.status, 200)
        assert.equal(((await resource.json()) as { sub: string }).sub, sub)

        const introspection = await client.tokenIntrospection(web, tokens.access_token)
        assert.equal(introspection.active, true)

        const refreshed = await client.refreshTokenGrant(web, tokens.refresh_token!)
        assert.equal(typeof refreshed.access_token, 'string')

        await client.tokenRevocation(web, refreshed.access_token)
        const revoked = await client.tokenIntrospection(web, refreshed.access_token)
        assert.equal(revoked.active, false)
      })

      it('runs client credentials, generic and DPoP-bound grants', async () => {
        const plain = await client.clientCredentialsGrant(service, { scope: 'api:read' })
        assert.equal(plain.token_type, 'bearer')
        const generic = await client.genericGrantRequest(service, 'client_credentials', {
          scope: 'api:read',
        })
        assert.equal(generic.scope, 'api:read')
        const DPoP = client.getDPoPHandle(service, await client.randomDPoPKeyPair())
        const bound = await client.clientCredentialsGrant(service, { scope: 'api:read' }, { DPoP })
        assert.equal(bound.token_type, 'dpop')
      })

      it('registers a client dynamically', async () => {
        const config = await client.dynamicClientRegistration(
          op.issuer,
          { redirect_uris: [redirectUri], token_endpoint_auth_method: 'client_secret_basic' },
          undefined,
          { execute: [client.allowInsecureRequests], [client.customFetch]: customFetch },
        )
        assert.equal(typeof config.clientMetadata().client_id, 'string')
      })

      it("takes undici's own Request as the callback", async () => {
        const { callback, pkceCodeVerifier } = await signIn(client, web)
        const request = new UndiciRequest(callback.href)
        assert.ok(!(request instanceof Request), 'not an instance of the global Request')
        const tokens = await client.authorizationCodeGrant(web, request as never, {
          pkceCodeVerifier,
        })
        assert.equal(tokens.claims()?.sub, op.account.sub)
      })

      it('rejects with the typed response errors', async () => {
        const refused = await rejection(client.refreshTokenGrant(web, 'not-a-refresh-token'))
        assert.ok(refused instanceof client.ResponseBodyError, `got ${refused.name}`)
        assert.equal(refused.error, 'invalid_grant')

        const challenged = await rejection(client.fetchUserInfo(web, 'not-a-token', 'sub'))
        assert.ok(
          challenged instanceof client.WWWAuthenticateChallengeError,
          `got ${challenged.name}`,
        )
        assert.equal(challenged.status, 401)
      })
    })
  }
}

/** Device and CIBA polling over a scripted token endpoint: 503 + Retry-After, then tokens. */
const POLL_ORIGIN = 'https://polling.op.example'
const pollingMetadata = {
  issuer: POLL_ORIGIN,
  token_endpoint: `${POLL_ORIGIN}/token`,
  device_authorization_endpoint: `${POLL_ORIGIN}/device`,
  backchannel_authentication_endpoint: `${POLL_ORIGIN}/bc-authorize`,
}
const grantResponses = {
  device: {
    device_code: 'device-code-value',
    user_code: 'USER-CODE',
    verification_uri: `${POLL_ORIGIN}/verify`,
    expires_in: 60,
    interval: 1,
  },
  ciba: { auth_req_id: 'auth-req-id-value', expires_in: 60, interval: 1 },
}
const tokenAnswers: Array<{ status: number; body: string; headers: Record<string, string> }> = [
  { status: 503, body: '', headers: { 'retry-after': '0' } },
  {
    status: 200,
    body: JSON.stringify({ access_token: 'polled-access-token', token_type: 'Bearer' }),
    headers: { 'content-type': 'application/json' },
  },
]

/** A scripted transport as a plain function: the token endpoint answers `tokenAnswers` in turn. */
function scriptedTransport(tokenRequests: string[]) {
  return async (url: string): Promise<Response> => {
    const path = new URL(url).pathname
    if (path === '/device' || path === '/bc-authorize') {
      const body = path === '/device' ? grantResponses.device : grantResponses.ciba
      return Response.json(body)
    }
    const answer = tokenAnswers[tokenRequests.length] ?? tokenAnswers.at(-1)!
    tokenRequests.push(url)
    return new Response(answer.body || null, { status: answer.status, headers: answer.headers })
  }
}

/** The same script on a MockAgent, answered by undici's own fetch. */
function mockedPolling(mock: MockAgent, tokenRequests: string[]): void {
  const pool = mock.get(POLL_ORIGIN)
  pool
    .intercept({ path: '/device', method: 'POST' })
    .reply(200, grantResponses.device, { headers: { 'content-type': 'application/json' } })
    .persist()
  pool
    .intercept({ path: '/bc-authorize', method: 'POST' })
    .reply(200, grantResponses.ciba, { headers: { 'content-type': 'application/json' } })
    .persist()
  for (const answer of tokenAnswers) {
    pool.intercept({ path: '/token', method: 'POST' }).reply(() => {
      tokenRequests.push(`${POLL_ORIGIN}/token`)
      return { statusCode: answer.status, data: answer.body, responseOptions: answer }
    })
  }
}

for (const impl of implementations) {
  describe(`${impl.name}: polling with a foreign fetch retries a 503 with Retry-After`, () => {
    let client: Client

    before(async () => {
      client = await impl.load()
    })

    const pollers = {
      device: async (config: Configuration) =>
        client.pollDeviceAuthorizationGrant(
          config,
          await client.initiateDeviceAuthorization(config, { scope: 'openid' }),
        ),
      ciba: async (config: Configuration) =>
        client.pollBackchannelAuthenticationGrant(
          config,
          await client.initiateBackchannelAuthentication(config, {
            scope: 'openid',
            login_hint: 'user',
          }),
        ),
    }

    for (const [grant, poll] of Object.entries(pollers)) {
      it(`${grant}: undici's own fetch + MockAgent`, async () => {
        const mock = new MockAgent()
        mock.disableNetConnect()
        const tokenRequests: string[] = []
        mockedPolling(mock, tokenRequests)
        const config = new client.Configuration(pollingMetadata, 'client-id', 'client-secret')
        config[client.customFetch] = undiciCustomFetch(mock)
        try {
          const tokens = await poll(config)
          assert.equal(tokens.access_token, 'polled-access-token')
          assert.equal(tokenRequests.length, 2, 'retried after the 503')
        } finally {
          await mock.close()
        }
      })

      it(`${grant}: Responses from a vm context`, async () => {
        const tokenRequests: string[] = []
        const config = new client.Configuration(pollingMetadata, 'client-id', 'client-secret')
        config[client.customFetch] = vmFetch(scriptedTransport(tokenRequests))
        const tokens = await poll(config)
        assert.equal(tokens.access_token, 'polled-access-token')
        assert.equal(tokenRequests.length, 2, 'retried after the 503')
      })
    }
  })
}

// docs/stricter-than-reference.md row 24: a URL from another realm is accepted by its brand and
// parsed again; the reference's `instanceof URL` refuses it as an argument error.
for (const impl of implementations) {
  describe(`${impl.name}: a URL from a vm context`, () => {
    let client: Client

    before(async () => {
      client = await impl.load()
    })

    it('is taken by discovery(), authorizationCodeGrant() and fetchProtectedResource() by openid-rp only', async () => {
      const foreignIssuer = makeForeignURL(op.issuer.href)
      assert.ok(!(foreignIssuer instanceof URL))
      const discovering = client.discovery(
        foreignIssuer,
        'rp-web',
        undefined,
        client.ClientSecretBasic(webSecret),
        {
          execute: [client.allowInsecureRequests],
        },
      )
      if (impl.name === 'openid-client') {
        const error = await rejection(discovering)
        assert.equal(error.name, 'TypeError')
        assert.equal(error.code, 'ERR_INVALID_ARG_TYPE')
        return
      }
      const web = await discovering
      assert.equal(web.serverMetadata().issuer, op.issuer.href)

      const { callback, pkceCodeVerifier } = await signIn(client, web)
      const tokens = await client.authorizationCodeGrant(web, makeForeignURL(callback.href), {
        pkceCodeVerifier,
      })
      const response = await client.fetchProtectedResource(
        web,
        tokens.access_token,
        makeForeignURL(web.serverMetadata().userinfo_endpoint!),
        'GET',
      )
      assert.equal(response.status, 200)
    })

    it('is refused when it is only an object with an href (no URL brand)', async () => {
      const error = await rejection(
        client.discovery({ href: op.issuer.href } as URL, 'rp-web', undefined, undefined, {
          execute: [client.allowInsecureRequests],
        }),
      )
      assert.equal(error.name, 'TypeError')
      assert.equal(error.code, 'ERR_INVALID_ARG_TYPE')
    })
  })
}
