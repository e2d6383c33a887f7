/**
 * The exported JWKS cache (`getJwksCache` / `setJwksCache`): what it holds, that a restored cache
 * saves the `jwks_uri` fetch, and when keys are fetched again.
 */
import assert from 'node:assert/strict'
import { before, describe, it } from 'node:test'

import { epoch, signingKey, type SigningKey } from '../support/forge.ts'
import {
  callback,
  type Configuration,
  HostileServer,
  reply,
  rejects,
  ROUTES,
  useHostileServer,
} from '../support/hostile.ts'
import { type Client, describeEachImplementation } from '../support/implementations.ts'

type ExportedJWKSCache = NonNullable<ReturnType<Client['getJwksCache']>>

describeEachImplementation('', (impl, client) => {
  let as: HostileServer
  let rotated: SigningKey

  useHostileServer(impl, (suite) => ({ as } = suite))
  before(async () => {
    rotated = await signingKey('RS256', 'rsa-2')
  })

  /** A Configuration that checks ID Token signatures, with `cache` restored when given. */
  async function configure(cache?: ExportedJWKSCache): Promise<Configuration> {
    const config = await as.configure(client, { execute: [client.enableNonRepudiationChecks] })
    if (cache) client.setJwksCache(config, cache)
    return config
  }

  /** A code grant whose ID Token is signed with `key`. */
  async function grant(config: Configuration, key: SigningKey = as.keys.rsa) {
    const idToken = await as.idToken({}, key)
    as.on(ROUTES.token, (_, server) => reply.json(server.tokenResponse({ id_token: idToken })))
    return client.authorizationCodeGrant(config, callback({ code: 'code-1' }))
  }

  /** The cache a first Configuration exports after one validation, through JSON. */
  async function storedCache(): Promise<ExportedJWKSCache> {
    const config = await configure()
    await grant(config)
    return JSON.parse(JSON.stringify(client.getJwksCache(config))) as ExportedJWKSCache
  }

  describe('getJwksCache / setJwksCache', () => {
    it('getJwksCache() is undefined before any key was fetched', async () => {
      assert.equal(client.getJwksCache(await configure()), undefined)
    })

    it('getJwksCache() after a validation returns the JWKS and its fetch time as JSON data', async () => {
      const config = await configure()
      await grant(config)
      const cache = client.getJwksCache(config)
      assert.ok(cache)
      assert.deepEqual(cache.jwks, { keys: as.jwks })
      assert.ok(Math.abs(cache.uat - epoch()) <= 2, `uat ${cache.uat} is not now`)
      assert.deepEqual(JSON.parse(JSON.stringify(cache)), { jwks: cache.jwks, uat: cache.uat })
      assert.equal(as.count(ROUTES.jwks), 1)
    })

    it('setJwksCache() lets a new Configuration validate without fetching jwks_uri', async () => {
      const cache = await storedCache()
      assert.equal(as.count(ROUTES.jwks), 1)
      const tokens = await grant(await configure(cache))
      assert.equal(tokens.claims()?.sub, 'user-1')
      assert.equal(as.count(ROUTES.jwks), 1)
    })

    it('setJwksCache() with a cache older than 60 s refetches the JWKS once for an unknown kid', async () => {
      const cache = await storedCache()
      as.jwks = [...as.jwks, rotated.jwk]
      const config = await configure({ ...cache, uat: cache.uat - 120 })
      const tokens = await grant(config, rotated)
      assert.equal(tokens.claims()?.sub, 'user-1')
      assert.equal(as.count(ROUTES.jwks), 2)
      const refreshed = client.getJwksCache(config)
      assert.deepEqual(refreshed?.jwks, { keys: as.jwks })
      assert.ok(refreshed!.uat > cache.uat - 120)
    })

    it('setJwksCache() with a cache younger than 60 s rejects an unknown kid without refetching', async () => {
      const cache = await storedCache()
      as.jwks = [...as.jwks, rotated.jwk]
      await rejects(
        client,
        grant(await configure(cache), rotated),
        'ClientError',
        'OAUTH_KEY_SELECTION_FAILED',
      )
      assert.equal(as.count(ROUTES.jwks), 1)
    })

    it('setJwksCache() with a corrupted stored cache', async () => {
      const config = await configure()
      const corrupted = {
        jwks: { keys: as.jwks },
        uat: 'yesterday',
      } as unknown as ExportedJWKSCache
      if (impl.name === 'openid-rp') {
        // openid-rp refuses a value getJwksCache() cannot have produced.
        assert.throws(() => client.setJwksCache(config, corrupted), {
          name: 'TypeError',
          code: 'ERR_INVALID_ARG_VALUE',
        })
        assert.equal(client.getJwksCache(config), undefined)
      } else {
        // The reference stores it, ignores it as not fresh, and fetches the JWKS.
        client.setJwksCache(config, corrupted)
        const tokens = await grant(config)
        assert.equal(tokens.claims()?.sub, 'user-1')
        assert.equal(as.count(ROUTES.jwks), 1)
      }
    })

    it('setJwksCache() with a cache older than 5 minutes refetches the JWKS even for a known kid', async () => {
      const cache = await storedCache()
      const tokens = await grant(await configure({ ...cache, uat: cache.uat - 600 }))
      assert.equal(tokens.claims()?.sub, 'user-1')
      assert.equal(as.count(ROUTES.jwks), 2)
    })
  })
})
