/**
 * Hostile transport: bodies that are not JSON objects, redirects, incomplete token responses,
 * error statuses, plain HTTP, and a server that never answers.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'

import {
  callback,
  CLIENT_ID,
  CLIENT_SECRET,
  HANG,
  HostileServer,
  reply,
  rejects,
  ROUTES,
  useHostileServer,
} from '../support/hostile.ts'
import { type Client, divergence, describeEachImplementation } from '../support/implementations.ts'

describeEachImplementation('', (impl, client) => {
  let as: HostileServer

  useHostileServer(impl, (suite) => ({ as } = suite))

  async function grant() {
    const config = await as.configure(client)
    return client.authorizationCodeGrant(config, callback({ code: 'code-1' }))
  }

  describe('token endpoint bodies', () => {
    it('authorizationCodeGrant() accepts a minimal JSON token response', async () => {
      as.on(ROUTES.token, () =>
        reply.json({ access_token: 'access-token-1', token_type: 'bearer', expires_in: 120 }),
      )
      const tokens = await grant()
      assert.equal(tokens.access_token, 'access-token-1')
      assert.equal(tokens.expires_in, 120)
    })

    it('authorizationCodeGrant() treats expires_in as a numeric string by implementation (openid-rp: only with allowStringExpiresIn, docs/stricter-than-reference.md row 39)', async () => {
      as.on(ROUTES.token, () =>
        reply.json({ access_token: 'access-token-1', token_type: 'bearer', expires_in: '120' }),
      )
      if (divergence(impl, 39)) {
        await rejects(client, grant(), 'ClientError', 'OAUTH_INVALID_RESPONSE')
        const lenient = (client as unknown as { allowStringExpiresIn: (c: unknown) => void })
          .allowStringExpiresIn
        const config = await as.configure(client, { execute: [lenient] })
        const tokens = await client.authorizationCodeGrant(config, callback({ code: 'code-1' }))
        assert.equal(tokens.expires_in, 120)
      } else {
        assert.equal((await grant()).expires_in, 120)
      }
    })

    it('authorizationCodeGrant() rejects an HTML body with a non-JSON content type', async () => {
      as.on(ROUTES.token, () =>
        reply.text('<html><body>Service unavailable</body></html>', 'text/html'),
      )
      await rejects(client, grant(), 'ClientError', 'OAUTH_RESPONSE_IS_NOT_JSON')
    })

    it('authorizationCodeGrant() rejects malformed JSON', async () => {
      as.on(ROUTES.token, () =>
        reply.text('{"access_token": "access-token-1", ', 'application/json'),
      )
      await rejects(client, grant(), 'ClientError', 'OAUTH_PARSE_ERROR')
    })

    it('authorizationCodeGrant() rejects a JSON array body', async () => {
      as.on(ROUTES.token, (_, server) => reply.json([server.tokenResponse()]))
      await rejects(client, grant(), 'ClientError', 'OAUTH_INVALID_RESPONSE')
    })

    it('authorizationCodeGrant() rejects a token response without access_token', async () => {
      as.on(ROUTES.token, (_, server) =>
        reply.json(server.tokenResponse({ access_token: undefined })),
      )
      await rejects(client, grant(), 'ClientError', 'OAUTH_INVALID_RESPONSE')
    })

    it('authorizationCodeGrant() rejects a token response without token_type', async () => {
      as.on(ROUTES.token, (_, server) =>
        reply.json(server.tokenResponse({ token_type: undefined })),
      )
      await rejects(client, grant(), 'ClientError', 'OAUTH_INVALID_RESPONSE')
    })

    it('authorizationCodeGrant() rejects a token response whose expires_in is not a number', async () => {
      as.on(ROUTES.token, (_, server) => reply.json(server.tokenResponse({ expires_in: 'soon' })))
      await rejects(client, grant(), 'ClientError', 'OAUTH_INVALID_RESPONSE')
    })

    it('authorizationCodeGrant() rejects a token response whose refresh_token is not a string', async () => {
      as.on(ROUTES.token, (_, server) => reply.json(server.tokenResponse({ refresh_token: 42 })))
      await rejects(client, grant(), 'ClientError', 'OAUTH_INVALID_RESPONSE')
    })
  })

  describe('token endpoint statuses', () => {
    it('authorizationCodeGrant() rejects an OAuth error response with ResponseBodyError carrying error and status', async () => {
      as.on(ROUTES.token, () =>
        reply.json({ error: 'invalid_grant', error_description: 'code expired' }, 400),
      )
      const err = await rejects(client, grant(), 'ResponseBodyError', 'OAUTH_RESPONSE_BODY_ERROR')
      const error = err as InstanceType<Client['ResponseBodyError']>
      assert.equal(error.error, 'invalid_grant')
      assert.equal(error.error_description, 'code expired')
      assert.equal(error.status, 400)
    })

    it('authorizationCodeGrant() does not follow a 302 from the token endpoint', async () => {
      as.on(ROUTES.token, (_, server) => reply.redirect(server.url('/attacker/token')))
      as.on('/attacker/token', (_, server) =>
        reply.json(server.tokenResponse({ access_token: 'attacker-token' })),
      )
      await rejects(client, grant(), 'ClientError', 'OAUTH_RESPONSE_IS_NOT_CONFORM')
      assert.equal(as.count('/attacker/token'), 0)
    })

    it('authorizationCodeGrant() rejects a 500 with an OAuth error body as not conform, not as ResponseBodyError', async () => {
      as.on(ROUTES.token, () => reply.json({ error: 'server_error' }, 500))
      await rejects(client, grant(), 'ClientError', 'OAUTH_RESPONSE_IS_NOT_CONFORM')
    })

    it('authorizationCodeGrant() rejects a 400 error response with an HTML body', async () => {
      as.on(ROUTES.token, () => reply.text('<html>Bad Request</html>', 'text/html', 400))
      await rejects(client, grant(), 'ClientError', 'OAUTH_RESPONSE_IS_NOT_JSON')
    })

    it('authorizationCodeGrant() rejects a 401 with a WWW-Authenticate challenge as WWWAuthenticateChallengeError', async () => {
      as.on(ROUTES.token, () =>
        reply.json({ error: 'invalid_client' }, 401, {
          'www-authenticate': 'Basic realm="token"',
        }),
      )
      await rejects(
        client,
        grant(),
        'WWWAuthenticateChallengeError',
        'OAUTH_WWW_AUTHENTICATE_CHALLENGE',
      )
    })

    it('fetchUserInfo() does not follow a 302 from the UserInfo endpoint', async () => {
      as.on(ROUTES.userinfo, (_, server) => reply.redirect(server.url('/attacker/userinfo')))
      as.on('/attacker/userinfo', () => reply.json({ sub: 'user-1', admin: true }))
      const config = await as.configure(client)
      await rejects(
        client,
        client.fetchUserInfo(config, 'access-token-1', 'user-1'),
        'ClientError',
        'OAUTH_RESPONSE_IS_NOT_CONFORM',
      )
      assert.equal(as.count('/attacker/userinfo'), 0)
    })
  })

  describe('pushed authorization requests', () => {
    const parameters = {
      redirect_uri: 'https://rp.example.com/cb',
      scope: 'openid',
      state: 'state-1',
    }

    async function push() {
      const config = await as.configure(client)
      return client.buildAuthorizationUrlWithPAR(config, parameters)
    }

    it('buildAuthorizationUrlWithPAR() pushes the parameters and returns a URL with only client_id and request_uri', async () => {
      const url = await push()
      assert.deepEqual([...url.searchParams.entries()].sort(), [
        ['client_id', CLIENT_ID],
        ['request_uri', 'urn:ietf:params:oauth:request_uri:hostile'],
      ])
      const pushed = as.received(ROUTES.par)[0]?.form
      assert.equal(pushed?.get('state'), 'state-1')
      assert.equal(pushed?.get('response_type'), 'code')
      assert.equal(pushed?.get('client_id'), CLIENT_ID)
    })

    it('buildAuthorizationUrlWithPAR() rejects a 200 response (201 is required)', async () => {
      as.on(ROUTES.par, () =>
        reply.json({ request_uri: 'urn:ietf:params:oauth:request_uri:hostile', expires_in: 60 }),
      )
      await rejects(client, push(), 'ClientError', 'OAUTH_RESPONSE_IS_NOT_CONFORM')
    })

    it('buildAuthorizationUrlWithPAR() rejects a response without request_uri', async () => {
      as.on(ROUTES.par, () => reply.json({ expires_in: 60 }, 201))
      await rejects(client, push(), 'ClientError', 'OAUTH_INVALID_RESPONSE')
    })

    it('buildAuthorizationUrlWithPAR() rejects a response without expires_in', async () => {
      as.on(ROUTES.par, () =>
        reply.json({ request_uri: 'urn:ietf:params:oauth:request_uri:hostile' }, 201),
      )
      await rejects(client, push(), 'ClientError', 'OAUTH_INVALID_RESPONSE')
    })

    it('buildAuthorizationUrlWithPAR() rejects an OAuth error response with ResponseBodyError', async () => {
      as.on(ROUTES.par, () =>
        reply.json({ error: 'invalid_request', error_description: 'bad scope' }, 400),
      )
      const err = await rejects(client, push(), 'ResponseBodyError', 'OAUTH_RESPONSE_BODY_ERROR')
      assert.equal((err as InstanceType<Client['ResponseBodyError']>).error, 'invalid_request')
    })
  })

  describe('connection', () => {
    it('authorizationCodeGrant() gives up on a token endpoint that never answers with OAUTH_TIMEOUT after config.timeout', async () => {
      as.on(ROUTES.token, () => HANG)
      const config = await as.configure(client)
      config.timeout = 1
      const started = performance.now()
      await rejects(
        client,
        client.authorizationCodeGrant(config, callback({ code: 'code-1' })),
        'ClientError',
        'OAUTH_TIMEOUT',
      )
      const elapsed = performance.now() - started
      assert.ok(elapsed >= 900 && elapsed < 5000, `timed out after ${elapsed} ms`)
      assert.equal(as.count(ROUTES.token), 1)
    })

    it('authorizationCodeGrant() with enableNonRepudiationChecks gives up on a jwks_uri that never answers with OAUTH_TIMEOUT', async () => {
      const idToken = await as.idToken()
      as.on(ROUTES.token, (_, server) => reply.json(server.tokenResponse({ id_token: idToken })))
      as.on(ROUTES.jwks, () => HANG)
      const config = await as.configure(client, { execute: [client.enableNonRepudiationChecks] })
      config.timeout = 1
      await rejects(
        client,
        client.authorizationCodeGrant(config, callback({ code: 'code-1' })),
        'ClientError',
        'OAUTH_TIMEOUT',
      )
      assert.equal(as.count(ROUTES.jwks), 1)
    })

    it('config.timeout = 0 turns the timeout off', async () => {
      const config = await as.configure(client)
      config.timeout = 0
      assert.equal(config.timeout, 0)
      const tokens = await client.authorizationCodeGrant(config, callback({ code: 'code-1' }))
      assert.equal(tokens.access_token, 'access-token-1')
    })

    it('authorizationCodeGrant() refuses a plain http token endpoint without allowInsecureRequests and sends nothing', async () => {
      const config = new client.Configuration(
        as.metadata() as ConstructorParameters<Client['Configuration']>[0],
        CLIENT_ID,
        CLIENT_SECRET,
      )
      await rejects(
        client,
        client.authorizationCodeGrant(config, callback({ code: 'code-1' })),
        'ClientError',
        'OAUTH_HTTP_REQUEST_FORBIDDEN',
      )
      assert.equal(as.count(ROUTES.token), 0)
    })

    it('discovery() rejects metadata whose issuer is another issuer', async () => {
      as.metadataOverrides = { issuer: 'https://evil.example.com' }
      await rejects(
        client,
        client.discovery(new URL(as.issuer), CLIENT_ID, CLIENT_SECRET, undefined, {
          execute: [client.allowInsecureRequests],
        }),
        'ClientError',
        'OAUTH_JSON_ATTRIBUTE_COMPARISON_FAILED',
      )
    })
  })
})
