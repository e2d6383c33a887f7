/**
 * openid-rp's own request layer: the per-operation deadline released after the response is read,
 * metadata copies and argument checks the reference does not make.
 */
import assert from 'node:assert/strict'
import { getEventListeners } from 'node:events'
import { setTimeout as sleep } from 'node:timers/promises'
import { before, describe, it } from 'node:test'

import type { ClientAuth, Configuration, CustomFetch, ServerMetadata } from 'openid-client'

import { implementations, type Client } from '../support/implementations.ts'
import { assertArgumentError, caught, json } from '../support/transport.ts'
import {
  issuer,
  metadata,
  mtlsAliases,
  CLIENT_ID,
  SECRET,
  deviceResponse,
  deviceAuthorization,
  bearerTokens,
  type Call,
  fakeFetch,
  assertClientError,
} from '../support/requests.ts'

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
