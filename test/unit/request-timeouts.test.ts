/**
 * Timeouts and aborts of each operation, as a custom fetch sees them.
 */
import assert from 'node:assert/strict'
import { getEventListeners } from 'node:events'
import { describe, it } from 'node:test'

import type { Configuration, CustomFetch } from 'openid-client'

import { describeEachImplementation } from '../support/implementations.ts'
import { caught, json } from '../support/transport.ts'
import {
  issuer,
  CLIENT_ID,
  deviceResponse,
  bearerTokens,
  fakeFetch,
  silentFetch,
  assertClientError,
  configurer,
} from '../support/requests.ts'

describeEachImplementation('', (_impl, client) => {
  const configure = configurer(client)

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
})
