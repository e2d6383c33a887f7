/**
 * DPoP at the token endpoint and at a protected resource: the proofs sent, and the single retry on
 * a `use_dpop_nonce` error with the server's nonce.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'

import { decodeJwt, decodeProtectedHeader, type JWTPayload } from 'jose'

import { sha256 } from '../support/forge.ts'
import {
  callback,
  type Configuration,
  HostileServer,
  type RecordedRequest,
  reply,
  rejects,
  ROUTES,
  useHostileServer,
} from '../support/hostile.ts'
import { type Client, describeEachImplementation } from '../support/implementations.ts'

const ACCESS_TOKEN = 'dpop-bound-access-token'

/** The DPoP proof of a recorded request, decoded (not verified). */
function proof(request: RecordedRequest | undefined): JWTPayload {
  const jwt = request?.headers.get('dpop')
  assert.ok(jwt, 'the request has no DPoP proof')
  return decodeJwt(jwt)
}

/** A 401 asking for a DPoP nonce, with `scheme` spelled as given. */
function nonceChallenge(nonce: string, scheme = 'DPoP') {
  return {
    status: 401,
    headers: {
      'www-authenticate': `${scheme} error="use_dpop_nonce", error_description="Resource server requires nonce in DPoP proof"`,
      'dpop-nonce': nonce,
    },
    body: '',
  }
}

describeEachImplementation('', (impl, client) => {
  let as: HostileServer

  useHostileServer(impl, (suite) => ({ as } = suite))

  async function setup(): Promise<{
    config: Configuration
    DPoP: ReturnType<Client['getDPoPHandle']>
  }> {
    const config = await as.configure(client)
    return { config, DPoP: client.getDPoPHandle(config, await client.randomDPoPKeyPair('ES256')) }
  }

  /** The code grant of `code-1` with `DPoP`. */
  const codeGrant = (config: Configuration, DPoP: ReturnType<Client['getDPoPHandle']>) =>
    client.authorizationCodeGrant(config, callback({ code: 'code-1' }), undefined, undefined, {
      DPoP,
    })

  describe('token endpoint', () => {
    /** The token endpoint asks for `nonce` until a proof carries it. */
    function requireNonce(nonce: string) {
      as.on(ROUTES.token, (request, server) =>
        proof(request).nonce === nonce
          ? reply.json(server.tokenResponse({ access_token: ACCESS_TOKEN, token_type: 'DPoP' }))
          : reply.json({ error: 'use_dpop_nonce', error_description: 'send the nonce' }, 400, {
              'dpop-nonce': nonce,
            }),
      )
    }

    it('authorizationCodeGrant() sends a DPoP proof for the token endpoint and gets a dpop token', async () => {
      as.on(ROUTES.token, (_, server) => reply.json(server.tokenResponse({ token_type: 'DPoP' })))
      const { config, DPoP } = await setup()
      const tokens = await codeGrant(config, DPoP)
      assert.equal(tokens.token_type, 'dpop')
      const request = as.received(ROUTES.token)[0]
      const header = decodeProtectedHeader(request!.headers.get('dpop')!)
      assert.equal(header.typ, 'dpop+jwt')
      assert.equal(header.alg, 'ES256')
      assert.equal(header.jwk?.kty, 'EC')
      assert.equal((header.jwk as Record<string, unknown> | undefined)?.d, undefined)
      const claims = proof(request)
      assert.equal(claims.htm, 'POST')
      assert.equal(claims.htu, as.url(ROUTES.token))
      assert.equal(claims.ath, undefined)
      assert.equal(typeof claims.jti, 'string')
    })

    it('authorizationCodeGrant() retries once with the nonce of a use_dpop_nonce error, and the next grant sends it at once', async () => {
      requireNonce('as-nonce-1')
      const { config, DPoP } = await setup()
      const tokens = await codeGrant(config, DPoP)
      assert.equal(tokens.access_token, ACCESS_TOKEN)
      const [first, second] = as.received(ROUTES.token)
      assert.equal(as.count(ROUTES.token), 2)
      assert.equal(proof(first).nonce, undefined)
      assert.equal(proof(second).nonce, 'as-nonce-1')
      assert.notEqual(proof(first).jti, proof(second).jti)
      assert.equal(second?.form.get('code'), 'code-1')

      await client.refreshTokenGrant(config, 'refresh-token-1', undefined, { DPoP })
      assert.equal(as.count(ROUTES.token), 3)
      assert.equal(proof(as.received(ROUTES.token)[2]).nonce, 'as-nonce-1')
    })

    it('buildAuthorizationUrlWithPAR() retries once with the nonce of a use_dpop_nonce error', async () => {
      as.on(ROUTES.par, (request) =>
        proof(request).nonce === 'as-nonce-1'
          ? reply.json(
              { request_uri: 'urn:ietf:params:oauth:request_uri:dpop', expires_in: 60 },
              201,
            )
          : reply.json({ error: 'use_dpop_nonce' }, 400, { 'dpop-nonce': 'as-nonce-1' }),
      )
      const { config, DPoP } = await setup()
      const url = await client.buildAuthorizationUrlWithPAR(
        config,
        { redirect_uri: 'https://rp.example.com/cb' },
        { DPoP },
      )
      assert.equal(url.searchParams.get('request_uri'), 'urn:ietf:params:oauth:request_uri:dpop')
      assert.equal(as.count(ROUTES.par), 2)
      assert.equal(proof(as.received(ROUTES.par)[1]).htu, as.url(ROUTES.par))
    })

    it('authorizationCodeGrant() retries a token endpoint that keeps answering use_dpop_nonce only once', async () => {
      let issued = 0
      as.on(ROUTES.token, () =>
        reply.json({ error: 'use_dpop_nonce' }, 400, { 'dpop-nonce': `as-nonce-${++issued}` }),
      )
      const { config, DPoP } = await setup()
      const err = await rejects(
        client,
        codeGrant(config, DPoP),
        'ResponseBodyError',
        'OAUTH_RESPONSE_BODY_ERROR',
      )
      assert.equal((err as InstanceType<Client['ResponseBodyError']>).error, 'use_dpop_nonce')
      assert.equal(as.count(ROUTES.token), 2)
    })

    it('authorizationCodeGrant() without a DPoP handle does not retry a use_dpop_nonce error', async () => {
      as.on(ROUTES.token, () =>
        reply.json({ error: 'use_dpop_nonce' }, 400, { 'dpop-nonce': 'as-nonce-1' }),
      )
      const config = await as.configure(client)
      await rejects(
        client,
        client.authorizationCodeGrant(config, callback({ code: 'code-1' })),
        'ResponseBodyError',
        'OAUTH_RESPONSE_BODY_ERROR',
      )
      assert.equal(as.count(ROUTES.token), 1)
    })

    it('authorizationCodeGrant() does not retry a token endpoint error other than use_dpop_nonce', async () => {
      as.on(ROUTES.token, () =>
        reply.json({ error: 'invalid_dpop_proof' }, 400, { 'dpop-nonce': 'as-nonce-1' }),
      )
      const { config, DPoP } = await setup()
      const err = await rejects(
        client,
        codeGrant(config, DPoP),
        'ResponseBodyError',
        'OAUTH_RESPONSE_BODY_ERROR',
      )
      assert.equal((err as InstanceType<Client['ResponseBodyError']>).error, 'invalid_dpop_proof')
      assert.equal(as.count(ROUTES.token), 1)
    })
  })

  describe('protected resource', () => {
    const resource = () => new URL(`${as.url(ROUTES.resource)}?page=2`)

    /** A DPoP-bound GET of the resource. */
    const getResource = (config: Configuration, DPoP: ReturnType<Client['getDPoPHandle']>) =>
      client.fetchProtectedResource(config, ACCESS_TOKEN, resource(), 'GET', undefined, undefined, {
        DPoP,
      })

    /** The resource asks for `nonce` (challenge scheme spelled `scheme`) until a proof carries it. */
    function requireNonce(nonce: string, scheme?: string) {
      as.on(ROUTES.resource, (request) =>
        proof(request).nonce === nonce ? reply.json({ ok: true }) : nonceChallenge(nonce, scheme),
      )
    }

    it('fetchProtectedResource() sends the DPoP scheme and a proof with ath bound to the access token', async () => {
      const { config, DPoP } = await setup()
      const response = await getResource(config, DPoP)
      assert.equal(response.status, 200)
      const request = as.received(ROUTES.resource)[0]
      assert.equal(request?.headers.get('authorization'), `DPoP ${ACCESS_TOKEN}`)
      const claims = proof(request)
      assert.equal(claims.ath, sha256(ACCESS_TOKEN))
      assert.equal(claims.htm, 'GET')
      assert.equal(claims.htu, as.url(ROUTES.resource))
    })

    it('fetchProtectedResource() retries once with the nonce of a use_dpop_nonce challenge, and the next request sends it at once', async () => {
      requireNonce('rs-nonce-1')
      const { config, DPoP } = await setup()
      const response = await getResource(config, DPoP)
      assert.equal(response.status, 200)
      const [first, second] = as.received(ROUTES.resource)
      assert.equal(as.count(ROUTES.resource), 2)
      assert.equal(proof(first).nonce, undefined)
      assert.equal(proof(second).nonce, 'rs-nonce-1')
      assert.equal(proof(second).ath, sha256(ACCESS_TOKEN))

      const next = await client.fetchProtectedResource(
        config,
        ACCESS_TOKEN,
        resource(),
        'POST',
        '{}',
        new Headers({ 'content-type': 'application/json' }),
        { DPoP },
      )
      assert.equal(next.status, 200)
      assert.equal(as.count(ROUTES.resource), 3)
      const third = as.received(ROUTES.resource)[2]
      assert.equal(proof(third).nonce, 'rs-nonce-1')
      assert.equal(proof(third).htm, 'POST')
      assert.equal(third?.body, '{}')
    })

    it('fetchProtectedResource() treats the DPoP challenge scheme case-insensitively', async () => {
      requireNonce('rs-nonce-1', 'dpop')
      const { config, DPoP } = await setup()
      const response = await getResource(config, DPoP)
      assert.equal(response.status, 200)
      assert.equal(as.count(ROUTES.resource), 2)
    })

    it('fetchProtectedResource() retries a resource that keeps answering use_dpop_nonce only once', async () => {
      let issued = 0
      as.on(ROUTES.resource, () => nonceChallenge(`rs-nonce-${++issued}`))
      const { config, DPoP } = await setup()
      const err = await rejects(
        client,
        getResource(config, DPoP),
        'WWWAuthenticateChallengeError',
        'OAUTH_WWW_AUTHENTICATE_CHALLENGE',
      )
      const challenges = (err as InstanceType<Client['WWWAuthenticateChallengeError']>).cause
      assert.equal(challenges[0]?.scheme, 'dpop')
      assert.equal(challenges[0]?.parameters.error, 'use_dpop_nonce')
      assert.equal(as.count(ROUTES.resource), 2)
    })

    it('fetchProtectedResource() does not retry a challenge other than use_dpop_nonce', async () => {
      as.on(ROUTES.resource, () => ({
        status: 401,
        headers: {
          'www-authenticate': 'DPoP error="invalid_token", algs="ES256"',
          'dpop-nonce': 'rs-nonce-1',
        },
        body: '',
      }))
      const { config, DPoP } = await setup()
      await rejects(
        client,
        getResource(config, DPoP),
        'WWWAuthenticateChallengeError',
        'OAUTH_WWW_AUTHENTICATE_CHALLENGE',
      )
      assert.equal(as.count(ROUTES.resource), 1)
    })

    it('fetchUserInfo() retries once with the nonce of a use_dpop_nonce challenge', async () => {
      as.on(ROUTES.userinfo, (request) =>
        proof(request).nonce === 'rs-nonce-1'
          ? reply.json({ sub: 'user-1' })
          : nonceChallenge('rs-nonce-1'),
      )
      const { config, DPoP } = await setup()
      const userinfo = await client.fetchUserInfo(config, ACCESS_TOKEN, 'user-1', { DPoP })
      assert.equal(userinfo.sub, 'user-1')
      assert.equal(as.count(ROUTES.userinfo), 2)
      assert.equal(proof(as.received(ROUTES.userinfo)[1]).ath, sha256(ACCESS_TOKEN))
    })
  })
})
