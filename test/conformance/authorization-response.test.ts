/**
 * The plain (query) authorization response of the code flow: `state`, the RFC 9207 `iss`
 * parameter, error responses, and parameters that do not belong in it.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'

import { type Claims } from '../support/forge.ts'
import {
  callback,
  formPost,
  HostileServer,
  REDIRECT_URI,
  rejects,
  ROUTES,
  useHostileServer,
} from '../support/hostile.ts'
import { type Client, describeEachImplementation } from '../support/implementations.ts'

const STATE = 'state-of-the-request'

describeEachImplementation('', (impl, client) => {
  let as: HostileServer

  useHostileServer(impl, (suite) => ({ as } = suite))

  async function grant(
    params: Record<string, string | undefined>,
    expectedState: string | typeof client.skipStateCheck | undefined = STATE,
    metadata?: Claims,
  ) {
    const config = await as.configure(client, { metadata })
    return client.authorizationCodeGrant(config, callback(params), { expectedState })
  }

  /** The code grant of a hand-built callback (a parameter repeated, or a form_post Request). */
  async function grantAt(currentUrl: URL | Request) {
    const config = await as.configure(client)
    return client.authorizationCodeGrant(config, currentUrl, { expectedState: STATE })
  }

  describe('state', () => {
    it('authorizationCodeGrant() accepts a response whose state matches and exchanges its code', async () => {
      const tokens = await grant({ code: 'code-1', state: STATE })
      assert.equal(tokens.access_token, 'access-token-1')
      assert.equal(as.received(ROUTES.token)[0]?.form.get('code'), 'code-1')
    })

    it('authorizationCodeGrant() rejects a response whose state differs', async () => {
      await rejects(
        client,
        grant({ code: 'code-1', state: 'forged-state' }),
        'ClientError',
        'OAUTH_INVALID_RESPONSE',
      )
      assert.equal(as.count(ROUTES.token), 0)
    })

    it('authorizationCodeGrant() rejects a response without the expected state', async () => {
      await rejects(client, grant({ code: 'code-1' }), 'ClientError', 'OAUTH_INVALID_RESPONSE')
      assert.equal(as.count(ROUTES.token), 0)
    })

    it('authorizationCodeGrant() rejects a response with a state when none was sent', async () => {
      await rejects(
        client,
        grant({ code: 'code-1', state: 'injected' }, undefined),
        'ClientError',
        'OAUTH_INVALID_RESPONSE',
      )
    })

    it('authorizationCodeGrant() rejects a response with a repeated state parameter', async () => {
      const url = callback({ code: 'code-1', state: STATE })
      url.searchParams.append('state', 'forged-state')
      await rejects(client, grantAt(url), 'ClientError', 'OAUTH_INVALID_RESPONSE')
    })

    it('authorizationCodeGrant() accepts a form_post response whose state matches', async () => {
      const tokens = await grantAt(formPost({ code: 'code-1', state: STATE }))
      assert.equal(tokens.access_token, 'access-token-1')
      assert.equal(as.received(ROUTES.token)[0]?.form.get('redirect_uri'), REDIRECT_URI)
    })

    // A Request of another fetch implementation (here undici's own class, as a framework may
    // hand over) is recognised by its tag, not by instanceof.
    if (impl.name === 'openid-rp') {
      it('authorizationCodeGrant() accepts a form_post response as a Request of another fetch implementation (openid-rp only)', async () => {
        const { Request: OtherRequest } = await import('undici')
        const request = new OtherRequest(REDIRECT_URI, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded; charset=UTF-8' },
          body: `code=code-1&state=${STATE}`,
        })
        assert.ok(!(request instanceof Request))
        const tokens = await grantAt(request as unknown as Request)
        assert.equal(tokens.access_token, 'access-token-1')
        assert.equal(as.received(ROUTES.token)[0]?.form.get('redirect_uri'), REDIRECT_URI)
      })

      it('authorizationCodeGrant() rejects a form_post response as a Request of another fetch implementation whose state differs (openid-rp only)', async () => {
        const { Request: OtherRequest } = await import('undici')
        const request = new OtherRequest(REDIRECT_URI, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: 'code=code-1&state=forged-state',
        })
        const result = grantAt(request as unknown as Request)
        await rejects(client, result, 'ClientError', 'OAUTH_INVALID_RESPONSE')
        assert.equal(as.count(ROUTES.token), 0)
      })
    }

    it('authorizationCodeGrant() rejects a form_post response whose state differs', async () => {
      const result = grantAt(formPost({ code: 'code-1', state: 'forged-state' }))
      await rejects(client, result, 'ClientError', 'OAUTH_INVALID_RESPONSE')
      assert.equal(as.count(ROUTES.token), 0)
    })

    it('authorizationCodeGrant() rejects a POST callback whose body is not form-urlencoded with ERR_INVALID_ARG_VALUE, no token request', async () => {
      const request = new Request(REDIRECT_URI, {
        method: 'POST',
        headers: { 'content-type': 'text/plain' },
        body: `code=code-1&state=${STATE}`,
      })
      const err = await rejects(client, grantAt(request), 'TypeError', 'ERR_INVALID_ARG_VALUE')
      if (impl.name === 'openid-rp')
        assert.match(err.message, /must have an application\/x-www-form-urlencoded body/)
      assert.equal(as.count(ROUTES.token), 0)
    })

    it('authorizationCodeGrant() rejects a POST callback without content-type with ERR_INVALID_ARG_VALUE, no token request', async () => {
      const request = new Request(REDIRECT_URI, {
        method: 'POST',
        body: new Blob([`code=code-1&state=${STATE}`]),
      })
      assert.equal(request.headers.get('content-type'), null)
      await rejects(client, grantAt(request), 'TypeError', 'ERR_INVALID_ARG_VALUE')
      assert.equal(as.count(ROUTES.token), 0)
    })

    // RFC 9110 8.3.1: the media type is case-insensitive, with optional whitespace before its
    // parameters; the reference compares the header with its exact lower-case spelling.
    if (impl.name === 'openid-rp')
      it('authorizationCodeGrant() accepts a form_post callback whose content-type has other letter case, spaces and a charset (openid-rp only)', async () => {
        const request = new Request(REDIRECT_URI, {
          method: 'POST',
          headers: { 'content-type': 'Application/X-WWW-Form-URLEncoded ; charset=UTF-8' },
          body: `code=code-1&state=${STATE}`,
        })
        const tokens = await grantAt(request)
        assert.equal(tokens.access_token, 'access-token-1')
      })

    it('authorizationCodeGrant() accepts a GET callback Request with the response in its query', async () => {
      const tokens = await grantAt(new Request(callback({ code: 'code-1', state: STATE })))
      assert.equal(tokens.access_token, 'access-token-1')
      assert.equal(as.received(ROUTES.token)[0]?.form.get('redirect_uri'), REDIRECT_URI)
    })

    for (const [title, value] of [
      ['undefined', undefined],
      ['null', null],
      ['a string', `${REDIRECT_URI}?code=code-1&state=${STATE}`],
      ['a plain object', { url: REDIRECT_URI, method: 'GET' }],
    ] as const) {
      it(`authorizationCodeGrant() given ${title} as currentUrl rejects with ERR_INVALID_ARG_TYPE, no token request`, async () => {
        await rejects(client, grantAt(value as never), 'TypeError', 'ERR_INVALID_ARG_TYPE')
        assert.equal(as.count(ROUTES.token), 0)
      })
    }

    it('authorizationCodeGrant() rejects a PUT callback Request with ERR_INVALID_ARG_VALUE, no token request', async () => {
      const request = new Request(REDIRECT_URI, {
        method: 'PUT',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: `code=code-1&state=${STATE}`,
      })
      const err = await rejects(client, grantAt(request), 'TypeError', 'ERR_INVALID_ARG_VALUE')
      if (impl.name === 'openid-rp')
        assert.match(err.message, /unexpected callback Request method "PUT": expected GET or POST/)
      assert.equal(as.count(ROUTES.token), 0)
    })

    it('authorizationCodeGrant() with skipStateCheck accepts any state', async () => {
      const tokens = await grant({ code: 'code-1', state: 'whatever' }, client.skipStateCheck)
      assert.equal(tokens.access_token, 'access-token-1')
    })
  })

  describe('iss parameter (RFC 9207)', () => {
    const advertised = { authorization_response_iss_parameter_supported: true }

    it('authorizationCodeGrant() accepts the issuer as iss when the server advertises the parameter', async () => {
      const tokens = await grant(
        { code: 'code-1', state: STATE, iss: as.issuer },
        STATE,
        advertised,
      )
      assert.equal(tokens.access_token, 'access-token-1')
    })

    it('authorizationCodeGrant() rejects a response without iss when the server advertises the parameter', async () => {
      await rejects(
        client,
        grant({ code: 'code-1', state: STATE }, STATE, advertised),
        'ClientError',
        'OAUTH_INVALID_RESPONSE',
      )
      assert.equal(as.count(ROUTES.token), 0)
    })

    it('authorizationCodeGrant() rejects a response whose iss is another issuer when the server advertises the parameter', async () => {
      await rejects(
        client,
        grant({ code: 'code-1', state: STATE, iss: 'https://evil.example.com' }, STATE, advertised),
        'ClientError',
        'OAUTH_INVALID_RESPONSE',
      )
      assert.equal(as.count(ROUTES.token), 0)
    })

    it('authorizationCodeGrant() accepts a response without iss when the server does not advertise the parameter', async () => {
      const tokens = await grant({ code: 'code-1', state: STATE })
      assert.equal(tokens.access_token, 'access-token-1')
    })

    it('authorizationCodeGrant() rejects a response whose iss is another issuer even when the server does not advertise the parameter', async () => {
      await rejects(
        client,
        grant({ code: 'code-1', state: STATE, iss: 'https://evil.example.com' }),
        'ClientError',
        'OAUTH_INVALID_RESPONSE',
      )
    })
  })

  describe('error responses', () => {
    it('authorizationCodeGrant() rejects an error response with AuthorizationResponseError carrying error, error_description and state', async () => {
      const err = await rejects(
        client,
        grant({ error: 'access_denied', error_description: 'the user said no', state: STATE }),
        'AuthorizationResponseError',
        'OAUTH_AUTHORIZATION_RESPONSE_ERROR',
      )
      const error = err as InstanceType<Client['AuthorizationResponseError']>
      assert.equal(error.error, 'access_denied')
      assert.equal(error.error_description, 'the user said no')
      assert.equal(error.cause.get('state'), STATE)
      assert.equal(as.count(ROUTES.token), 0)
    })

    it('authorizationCodeGrant() rejects an error response whose state differs as an invalid response, not as the error', async () => {
      await rejects(
        client,
        grant({ error: 'access_denied', state: 'forged-state' }),
        'ClientError',
        'OAUTH_INVALID_RESPONSE',
      )
    })
  })

  describe('parameters that do not belong', () => {
    it('authorizationCodeGrant() rejects an id_token injected into a code flow response', async () => {
      await rejects(
        client,
        grant({ code: 'code-1', state: STATE, id_token: 'e30.e30.' }),
        'ClientError',
        'OAUTH_UNSUPPORTED_OPERATION',
      )
      assert.equal(as.count(ROUTES.token), 0)
    })

    it('authorizationCodeGrant() rejects a JARM response parameter when JARM is not in use', async () => {
      await rejects(
        client,
        grant({ response: 'e30.e30.e30', state: STATE }),
        'ClientError',
        'OAUTH_INVALID_RESPONSE',
      )
    })

    it('authorizationCodeGrant() rejects a response with a repeated code parameter', async () => {
      const url = callback({ code: 'code-1', state: STATE })
      url.searchParams.append('code', 'code-2')
      await rejects(client, grantAt(url), 'ClientError', 'OAUTH_INVALID_RESPONSE')
      assert.equal(as.count(ROUTES.token), 0)
    })

    it('authorizationCodeGrant() rejects a response without a code', async () => {
      await rejects(client, grant({ state: STATE }), 'ClientError', 'OAUTH_INVALID_RESPONSE')
      assert.equal(as.count(ROUTES.token), 0)
    })
  })
})
