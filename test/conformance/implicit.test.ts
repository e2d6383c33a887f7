/**
 * The OpenID Connect implicit flow (`useIdTokenResponseType` + `implicitAuthentication`): the
 * ID Token in the fragment or a form_post body, its signature, `nonce`, and `state`.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'

import { type Claims, corruptSignature, sign, unsigned } from '../support/forge.ts'
import {
  callback,
  formPost,
  HostileServer,
  rejects,
  ROUTES,
  useHostileServer,
} from '../support/hostile.ts'
import { type Client, describeEachImplementation } from '../support/implementations.ts'
import { assertArgumentError, caught } from '../support/transport.ts'

const NONCE = 'nonce-of-the-implicit-request'
const STATE = 'state-of-the-implicit-request'

describeEachImplementation('', (impl, client) => {
  let as: HostileServer

  useHostileServer(impl, (suite) => ({ as } = suite))

  const claims = (overrides: Claims = {}) => as.idTokenClaims({ nonce: NONCE, ...overrides })

  async function authenticate(
    params: Record<string, string | undefined>,
    options: { formPost?: boolean } = {},
  ) {
    const config = await as.configure(client, { execute: [client.useIdTokenResponseType] })
    const currentUrl = options.formPost ? formPost(params) : callback(params, true)
    return client.implicitAuthentication(config, currentUrl, NONCE, { expectedState: STATE })
  }

  describe('id_token responses', () => {
    it('implicitAuthentication() accepts a valid ID Token in the fragment and returns its claims', async () => {
      const result = await authenticate({
        id_token: await sign(claims(), as.keys.rsa),
        state: STATE,
      })
      assert.equal(result.sub, 'user-1')
      assert.equal(result.nonce, NONCE)
      assert.equal(as.count(ROUTES.jwks), 1)
      assert.equal(as.count(ROUTES.token), 0)
    })

    it('implicitAuthentication() accepts a valid ID Token in a form_post POST Request', async () => {
      const result = await authenticate(
        { id_token: await sign(claims(), as.keys.ec), state: STATE },
        { formPost: true },
      )
      assert.equal(result.sub, 'user-1')
    })

    it('implicitAuthentication() rejects an ID Token whose nonce differs', async () => {
      await rejects(
        client,
        authenticate({
          id_token: await sign(claims({ nonce: 'another-nonce' }), as.keys.rsa),
          state: STATE,
        }),
        'ClientError',
        'OAUTH_JWT_CLAIM_COMPARISON_FAILED',
      )
    })

    it('implicitAuthentication() rejects an ID Token without nonce', async () => {
      await rejects(
        client,
        authenticate({
          id_token: await sign(claims({ nonce: undefined }), as.keys.rsa),
          state: STATE,
        }),
        'ClientError',
        'OAUTH_INVALID_RESPONSE',
      )
    })

    it('implicitAuthentication() rejects a response whose state differs', async () => {
      await rejects(
        client,
        authenticate({ id_token: await sign(claims(), as.keys.rsa), state: 'forged-state' }),
        'ClientError',
        'OAUTH_INVALID_RESPONSE',
      )
    })

    it('implicitAuthentication() rejects a response without the expected state', async () => {
      await rejects(
        client,
        authenticate({ id_token: await sign(claims(), as.keys.rsa) }),
        'ClientError',
        'OAUTH_INVALID_RESPONSE',
      )
    })

    it('implicitAuthentication() rejects a response without id_token', async () => {
      await rejects(client, authenticate({ state: STATE }), 'ClientError', 'OAUTH_INVALID_RESPONSE')
    })

    it('implicitAuthentication() rejects a form_post response whose state differs', async () => {
      await rejects(
        client,
        authenticate(
          { id_token: await sign(claims(), as.keys.rsa), state: 'forged-state' },
          { formPost: true },
        ),
        'ClientError',
        'OAUTH_INVALID_RESPONSE',
      )
    })

    it('implicitAuthentication() rejects an ID Token with a bad signature', async () => {
      await rejects(
        client,
        authenticate({
          id_token: corruptSignature(await sign(claims(), as.keys.rsa)),
          state: STATE,
        }),
        'ClientError',
        'OAUTH_INVALID_RESPONSE',
      )
    })

    it('implicitAuthentication() rejects an unsigned ID Token (alg none)', async () => {
      await rejects(
        client,
        authenticate({ id_token: unsigned(claims()), state: STATE }),
        'ClientError',
        'OAUTH_INVALID_RESPONSE',
      )
    })

    it('implicitAuthentication() rejects an ID Token whose aud is another client', async () => {
      await rejects(
        client,
        authenticate({
          id_token: await sign(claims({ aud: 'another-client' }), as.keys.rsa),
          state: STATE,
        }),
        'ClientError',
        'OAUTH_JWT_CLAIM_COMPARISON_FAILED',
      )
    })

    it('implicitAuthentication() rejects a response whose iss parameter is another issuer', async () => {
      await rejects(
        client,
        authenticate({
          id_token: await sign(claims(), as.keys.rsa),
          state: STATE,
          iss: 'https://evil.example.com',
        }),
        'ClientError',
        'OAUTH_INVALID_RESPONSE',
      )
    })

    it('implicitAuthentication() reads the response from the fragment only, not from the query', async () => {
      const config = await as.configure(client, { execute: [client.useIdTokenResponseType] })
      const currentUrl = callback({ id_token: await sign(claims(), as.keys.rsa), state: STATE })
      const result = client.implicitAuthentication(config, currentUrl, NONCE, {
        expectedState: STATE,
      })
      // OAuth 2.0 Multiple Response Type Encoding Practices §3: the query encoding MUST NOT be
      // used for responses that carry an ID Token.
      await rejects(client, result, 'ClientError', 'OAUTH_INVALID_RESPONSE')
    })

    it('buildAuthorizationUrl() without a nonce throws ERR_INVALID_ARG_VALUE, sending nothing', async () => {
      const config = await as.configure(client, { execute: [client.useIdTokenResponseType] })
      as.reset()
      const err = await caught(() =>
        client.buildAuthorizationUrl(config, {
          redirect_uri: 'https://rp.example.com/cb',
          scope: 'openid',
          state: STATE,
        }),
      )
      assertArgumentError(err, 'ERR_INVALID_ARG_VALUE')
      assert.equal(as.requests.length, 0)
    })

    // The reference throws a TypeError without a code here; openid-rp adds ERR_INVALID_ARG_VALUE.
    const codeGrantError = impl.name === 'openid-rp' ? 'ERR_INVALID_ARG_VALUE' : 'no code'
    it(`authorizationCodeGrant() on a response_type=id_token client throws a TypeError (${impl.name}: ${codeGrantError}), no token request`, async () => {
      const config = await as.configure(client, { execute: [client.useIdTokenResponseType] })
      const err = await caught(() =>
        client.authorizationCodeGrant(config, callback({ code: 'code-1', state: STATE }), {
          expectedState: STATE,
        }),
      )
      if (impl.name === 'openid-rp') assertArgumentError(err, 'ERR_INVALID_ARG_VALUE')
      else {
        assertArgumentError(err)
        assert.equal((err as { code?: unknown }).code, undefined)
      }
      assert.equal(as.count(ROUTES.token), 0)
      assert.equal(as.count(ROUTES.jwks), 0)
    })

    it('implicitAuthentication() rejects an error response with AuthorizationResponseError', async () => {
      const err = await rejects(
        client,
        authenticate({ error: 'login_required', state: STATE }),
        'AuthorizationResponseError',
        'OAUTH_AUTHORIZATION_RESPONSE_ERROR',
      )
      assert.equal(
        (err as InstanceType<Client['AuthorizationResponseError']>).error,
        'login_required',
      )
    })
  })
})
