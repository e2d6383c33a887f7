/**
 * Front-Channel Logout 1.0 (`validateFrontchannelLogout`, `frontchannelLogoutResponse`): the
 * `iss`/`sid` of the iframe request, accepted and refused, and the no-cache page.
 * openid-rp only: the reference has no front-channel logout helper.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'

import { type Configuration, HostileServer, rejects, useHostileServer } from '../support/hostile.ts'
import { type Client, implementations } from '../support/implementations.ts'

const impl = implementations.find((candidate) => candidate.name === 'openid-rp')
type RP = typeof import('openid-rp')

if (impl) {
  describe('openid-rp: front-channel logout', () => {
    let client: Client
    let rp: RP
    let as: HostileServer

    useHostileServer(impl, (suite) => {
      ;({ client, as } = suite)
      rp = client as unknown as RP
    })

    const url = (query: Record<string, string>) =>
      new URL(`https://rp.example.com/fc-logout?${new URLSearchParams(query)}`)
    const configure = (metadata: Record<string, boolean> = {}) =>
      as.configure(client, { client: metadata }) as Promise<Configuration>

    it('validateFrontchannelLogout() returns iss and sid of a request from the issuer', async () => {
      const config = await configure()
      const params = await rp.validateFrontchannelLogout(
        config as never,
        new Request(url({ iss: as.issuer, sid: 's-1' })),
        { expectedSid: 's-1' },
      )
      assert.deepEqual({ ...params }, { iss: as.issuer, sid: 's-1' })
      assert.deepEqual(await rp.validateFrontchannelLogout(config as never, url({})), {})
    })

    it('validateFrontchannelLogout() refuses another issuer and another session', async () => {
      const config = await configure()
      const wrongIss = await rejects(
        client,
        rp.validateFrontchannelLogout(config as never, url({ iss: 'https://evil', sid: 's' })),
        'ClientError',
        'OAUTH_JWT_CLAIM_COMPARISON_FAILED',
      )
      assert.match(wrongIss.message, /"iss" "https:\/\/evil" is not the issuer/)
      const wrongSid = await rejects(
        client,
        rp.validateFrontchannelLogout(config as never, url({ iss: as.issuer, sid: 's-2' }), {
          expectedSid: 's-1',
        }),
        'ClientError',
        'OAUTH_JWT_CLAIM_COMPARISON_FAILED',
      )
      assert.match(wrongSid.message, /"sid" is not the session of this request/)
    })

    it('validateFrontchannelLogout() refuses a missing session when frontchannel_logout_session_required, iss without sid, duplicates and POST', async () => {
      const config = await configure({ frontchannel_logout_session_required: true })
      for (const [query, message] of [
        [{}, /lacks "iss" or "sid", which the client requires/],
        [{ iss: as.issuer }, /lacks "iss" or "sid"/],
      ] as const) {
        const err = await rejects(
          client,
          rp.validateFrontchannelLogout(config as never, url(query)),
          'ClientError',
          'OAUTH_INVALID_REQUEST',
        )
        assert.match(err.message, message)
      }
      const loose = await configure()
      const oneOf = await rejects(
        client,
        rp.validateFrontchannelLogout(loose as never, url({ sid: 's' })),
        'ClientError',
        'OAUTH_INVALID_REQUEST',
      )
      assert.match(oneOf.message, /one of "iss" and "sid" without the other/)
      const twice = new URL(`https://rp.example.com/fc?iss=${as.issuer}&sid=a&sid=b`)
      await rejects(
        client,
        rp.validateFrontchannelLogout(loose as never, twice),
        'ClientError',
        'OAUTH_INVALID_REQUEST',
      )
      await rejects(
        client,
        rp.validateFrontchannelLogout(
          loose as never,
          new Request(url({ iss: as.issuer, sid: 's' }), { method: 'POST' }),
        ),
        'ClientError',
        'OAUTH_INVALID_REQUEST',
      )
      await rejects(
        client,
        rp.validateFrontchannelLogout(loose as never, 'https://x' as never),
        'TypeError',
        'ERR_INVALID_ARG_TYPE',
      )
    })

    it('frontchannelLogoutResponse() is an uncacheable HTML page', async () => {
      const response = rp.frontchannelLogoutResponse()
      assert.equal(response.status, 200)
      assert.equal(response.headers.get('cache-control'), 'no-cache, no-store')
      assert.equal(response.headers.get('pragma'), 'no-cache')
      assert.match(response.headers.get('content-type')!, /^text\/html/)
      assert.match(await response.text(), /<!DOCTYPE html>/)
    })
  })
}
