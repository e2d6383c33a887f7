/**
 * The DPoP option of each operation: what is accepted as a DPoP handle, as a custom fetch sees it.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'

import type { DPoPHandle } from 'openid-client'

import { describeEachImplementation } from '../support/implementations.ts'
import { assertArgumentError, caught, json } from '../support/transport.ts'
import { bearerTokens, fakeFetch, configurer } from '../support/requests.ts'

describeEachImplementation('', (_impl, client) => {
  const configure = configurer(client)

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
})
