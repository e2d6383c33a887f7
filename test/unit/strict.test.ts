import assert from 'node:assert/strict'
import { before, it } from 'node:test'

import type { Configuration, CustomFetch } from 'openid-client'

import { epoch, sign, type SigningKey, signingKey } from '../support/forge.ts'
import { describeEachImplementation, divergence } from '../support/implementations.ts'

const issuer = 'https://op.example'
const clientId = 'strict-client'
const callback = new URL('https://rp.example/cb?code=authorization-code')

interface Fake {
  token?: () => Record<string, unknown>
  userinfo?: () => Promise<Response>
}

function fakeServer(key: SigningKey, fake: Fake): CustomFetch {
  return async (url) => {
    const path = new URL(url).pathname
    if (path === '/jwks') return Response.json({ keys: [key.jwk] })
    if (path === '/token' && fake.token) return Response.json(fake.token())
    if (path === '/me' && fake.userinfo) return fake.userinfo()
    return new Response('not found', { status: 404 })
  }
}

function idTokenClaims(overrides: Record<string, unknown> = {}) {
  const now = epoch()
  return { iss: issuer, aud: clientId, sub: 'alice', iat: now, exp: now + 300, ...overrides }
}

describeEachImplementation('checks stricter than the reference', (impl, client) => {
  let key: SigningKey

  before(async () => {
    key = await signingKey('ES256', 'k1')
  })

  function configure(fake: Fake): Configuration {
    const config = new client.Configuration(
      {
        issuer,
        token_endpoint: `${issuer}/token`,
        userinfo_endpoint: `${issuer}/me`,
        jwks_uri: `${issuer}/jwks`,
        id_token_signing_alg_values_supported: ['ES256'],
        userinfo_signing_alg_values_supported: ['ES256'],
      },
      clientId,
      { client_secret: 'a-secret-that-must-never-appear', id_token_signed_response_alg: 'ES256' },
    )
    config[client.customFetch] = fakeServer(key, fake)
    return config
  }

  async function grantWithIdToken(claims: Record<string, unknown>) {
    const idToken = await sign(claims, key)
    const config = configure({
      token: () => ({ access_token: 'at-secret-value', token_type: 'Bearer', id_token: idToken }),
    })
    return client.authorizationCodeGrant(config, callback)
  }

  it('authorizationCodeGrant() accepts an ID Token whose iat is within the clock tolerance ahead', async () => {
    const tokens = await grantWithIdToken(idTokenClaims({ iat: epoch() + 10 }))
    assert.equal(tokens.claims()?.sub, 'alice')
  })

  it('authorizationCodeGrant() treats an ID Token whose iat lies 10 minutes in the future by implementation', async () => {
    const attempt = grantWithIdToken(idTokenClaims({ iat: epoch() + 600, exp: epoch() + 900 }))
    if (divergence(impl, 3)) {
      await assert.rejects(attempt, (err: Error & { code?: string }) => {
        assert.ok(err instanceof client.ClientError)
        assert.equal(err.code, 'OAUTH_JWT_TIMESTAMP_CHECK_FAILED')
        assert.match(err.message, /"iat"/)
        return true
      })
    } else {
      assert.equal((await attempt).claims()?.sub, 'alice')
    }
  })

  async function signedUserinfo(claims: Record<string, unknown>) {
    const jwt = await sign(claims, key)
    const config = configure({
      userinfo: async () => new Response(jwt, { headers: { 'content-type': 'application/jwt' } }),
    })
    client.enableNonRepudiationChecks(config)
    return client.fetchUserInfo(config, 'at-secret-value', 'alice')
  }

  it('fetchUserInfo() accepts a signed UserInfo response with iss and aud when signatures are checked', async () => {
    const userinfo = await signedUserinfo({ sub: 'alice', iss: issuer, aud: clientId })
    assert.equal(userinfo.sub, 'alice')
  })

  for (const claim of ['iss', 'aud'] as const) {
    it(`fetchUserInfo() treats a signed UserInfo response without ${claim} by implementation when signatures are checked`, async () => {
      const claims: Record<string, unknown> = { sub: 'alice', iss: issuer, aud: clientId }
      delete claims[claim]
      const attempt = signedUserinfo(claims)
      if (divergence(impl, 2)) {
        await assert.rejects(attempt, (err: Error & { code?: string }) => {
          assert.ok(err instanceof client.ClientError)
          assert.equal(err.code, 'OAUTH_JWT_CLAIM_COMPARISON_FAILED')
          assert.match(err.message, new RegExp(`"${claim}"`))
          return true
        })
      } else {
        assert.equal((await attempt).sub, 'alice')
      }
    })
  }

  it('authorizationCodeGrant() keeps tokens of a rejected token response out of the error', async () => {
    const config = configure({
      token: () => ({ access_token: 'at-secret-value', refresh_token: 'rt-secret-value' }),
    })
    await assert.rejects(
      client.authorizationCodeGrant(config, callback),
      (err: Error & { code?: string }) => {
        assert.equal(err.code, 'OAUTH_INVALID_RESPONSE')
        if (divergence(impl, 5)) {
          const seen = JSON.stringify({ message: err.message, cause: err.cause })
          assert.doesNotMatch(
            seen,
            /at-secret-value|rt-secret-value|a-secret-that-must-never-appear/,
          )
        }
        return true
      },
    )
  })
})
