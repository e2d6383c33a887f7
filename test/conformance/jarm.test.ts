/**
 * JWT-secured authorization responses (JARM, `useJwtResponseMode`): the response JWT's signature,
 * `iss`, `aud` and `exp`, error responses inside it, and signed-then-encrypted responses.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'

import { type Claims, corruptSignature, encrypt, epoch, sign, unsigned } from '../support/forge.ts'
import {
  callback,
  formPost,
  HostileServer,
  rejects,
  ROUTES,
  useHostileServer,
} from '../support/hostile.ts'
import { type Client, describeEachImplementation } from '../support/implementations.ts'

const STATE = 'state-of-the-jarm-request'

describeEachImplementation('', (impl, client) => {
  let as: HostileServer

  useHostileServer(impl, (suite) => ({ as } = suite))

  /** Completes a JARM code flow whose callback carries `response`. */
  async function grant(response: string, options: { decrypt?: string[] } = {}) {
    const config = await as.configure(client, {
      execute: [client.useJwtResponseMode],
      decrypt: options.decrypt,
    })
    return client.authorizationCodeGrant(config, callback({ response }), { expectedState: STATE })
  }

  const claims = (overrides: Claims = {}) => as.jarmClaims({ state: STATE, ...overrides })
  const signed = (overrides: Claims = {}) => sign(claims(overrides), as.keys.rsa)

  it('useJwtResponseMode() after useCodeIdTokenResponseType() throws OAUTH_UNSUPPORTED_OPERATION', async () => {
    const config = await as.configure(client, { execute: [client.useCodeIdTokenResponseType] })
    assert.throws(
      () => client.useJwtResponseMode(config),
      (err: Error & { code?: string }) => {
        assert.equal(err.code, 'OAUTH_UNSUPPORTED_OPERATION', String(err))
        assert.match(
          err.message,
          /^JARM cannot be combined with (the|a) hybrid or implicit response types$/,
        )
        return true
      },
    )
  })

  describe('signed responses', () => {
    it('authorizationCodeGrant() accepts a valid signed JARM response and exchanges its code', async () => {
      const tokens = await grant(await signed())
      assert.equal(tokens.access_token, 'access-token-1')
      assert.equal(as.received(ROUTES.token)[0]?.form.get('code'), 'jarm-code')
    })

    it('authorizationCodeGrant() accepts a JARM response signed with ES256', async () => {
      const tokens = await grant(await sign(claims(), as.keys.ec))
      assert.equal(tokens.access_token, 'access-token-1')
    })

    it('authorizationCodeGrant() uses only the JWT parameters, not a code beside the JARM response', async () => {
      const config = await as.configure(client, { execute: [client.useJwtResponseMode] })
      const url = callback({ response: await signed(), code: 'injected-code' })
      await client.authorizationCodeGrant(config, url, { expectedState: STATE })
      assert.equal(as.received(ROUTES.token)[0]?.form.get('code'), 'jarm-code')
    })

    it('authorizationCodeGrant() rejects a plain query response when JARM is in use (downgrade)', async () => {
      const config = await as.configure(client, { execute: [client.useJwtResponseMode] })
      const url = callback({ code: 'code-1', state: STATE })
      await rejects(
        client,
        client.authorizationCodeGrant(config, url, { expectedState: STATE }),
        'ClientError',
        'OAUTH_INVALID_RESPONSE',
      )
      assert.equal(as.count(ROUTES.token), 0)
    })

    it('authorizationCodeGrant() accepts a JARM response delivered by form_post', async () => {
      const config = await as.configure(client, { execute: [client.useJwtResponseMode] })
      const tokens = await client.authorizationCodeGrant(
        config,
        formPost({ response: await signed() }),
        { expectedState: STATE },
      )
      assert.equal(tokens.access_token, 'access-token-1')
    })

    it('authorizationCodeGrant() rejects an unsigned JARM response (alg none)', async () => {
      await rejects(client, grant(unsigned(claims())), 'ClientError', 'OAUTH_INVALID_RESPONSE')
      assert.equal(as.count(ROUTES.token), 0)
    })

    it('authorizationCodeGrant() rejects a JARM response with a bad signature', async () => {
      await rejects(
        client,
        grant(corruptSignature(await signed())),
        'ClientError',
        'OAUTH_INVALID_RESPONSE',
      )
      assert.equal(as.count(ROUTES.token), 0)
    })

    it('authorizationCodeGrant() rejects an expired JARM response', async () => {
      await rejects(
        client,
        grant(await signed({ exp: epoch() - 120 })),
        'ClientError',
        'OAUTH_JWT_TIMESTAMP_CHECK_FAILED',
      )
    })

    it('authorizationCodeGrant() rejects a JARM response without exp', async () => {
      await rejects(
        client,
        grant(await signed({ exp: undefined })),
        'ClientError',
        'OAUTH_INVALID_RESPONSE',
      )
    })

    it('authorizationCodeGrant() rejects a JARM response whose iss is another issuer', async () => {
      await rejects(
        client,
        grant(await signed({ iss: 'https://evil.example.com' })),
        'ClientError',
        'OAUTH_JWT_CLAIM_COMPARISON_FAILED',
      )
    })

    it('authorizationCodeGrant() rejects a JARM response without iss', async () => {
      await rejects(
        client,
        grant(await signed({ iss: undefined })),
        'ClientError',
        'OAUTH_INVALID_RESPONSE',
      )
    })

    it('authorizationCodeGrant() rejects a JARM response whose aud is another client', async () => {
      await rejects(
        client,
        grant(await signed({ aud: 'another-client' })),
        'ClientError',
        'OAUTH_JWT_CLAIM_COMPARISON_FAILED',
      )
    })

    it('authorizationCodeGrant() rejects a JARM response without aud', async () => {
      await rejects(
        client,
        grant(await signed({ aud: undefined })),
        'ClientError',
        'OAUTH_INVALID_RESPONSE',
      )
    })

    it('authorizationCodeGrant() rejects a JARM response whose state differs', async () => {
      await rejects(
        client,
        grant(await signed({ state: 'forged-state' })),
        'ClientError',
        'OAUTH_INVALID_RESPONSE',
      )
    })

    it('authorizationCodeGrant() rejects a JARM error response with AuthorizationResponseError', async () => {
      const response = await signed({
        code: undefined,
        error: 'access_denied',
        error_description: 'the user said no',
      })
      const err = await rejects(
        client,
        grant(response),
        'AuthorizationResponseError',
        'OAUTH_AUTHORIZATION_RESPONSE_ERROR',
      )
      const error = err as InstanceType<Client['AuthorizationResponseError']>
      assert.equal(error.error, 'access_denied')
      assert.equal(error.error_description, 'the user said no')
      assert.equal(error.cause.get('state'), STATE)
      assert.equal(as.count(ROUTES.token), 0)
    })
  })

  describe('signed-then-encrypted responses', () => {
    it('authorizationCodeGrant() accepts a signed-then-encrypted JARM response with enableDecryptingResponses', async () => {
      const jws = await signed()
      const tokens = await grant(await encrypt(jws, as.rpKey, 'A256GCM'), {
        decrypt: ['A256GCM'],
      })
      assert.equal(tokens.access_token, 'access-token-1')
      assert.deepEqual(client.getDecryptedResponses(tokens), { authorization_response: jws })
    })

    it('authorizationCodeGrant() with enableDecryptingResponses accepts a signed (not encrypted) JARM response and reports nothing decrypted', async () => {
      const tokens = await grant(await signed(), { decrypt: ['A256GCM'] })
      assert.equal(tokens.access_token, 'access-token-1')
      assert.equal(client.getDecryptedResponses(tokens), undefined)
    })

    it('authorizationCodeGrant() rejects an encrypted JARM response whose enc is not allowed', async () => {
      const response = await encrypt(await signed(), as.rpKey, 'A128GCM')
      await rejects(
        client,
        grant(response, { decrypt: ['A256GCM'] }),
        'ClientError',
        'OAUTH_DECRYPTION_FAILED',
      )
      assert.equal(as.count(ROUTES.token), 0)
    })

    it('authorizationCodeGrant() rejects an encrypted JARM response when decryption is not enabled', async () => {
      const response = await encrypt(await signed(), as.rpKey, 'A256GCM')
      await rejects(client, grant(response), 'ClientError', 'OAUTH_UNSUPPORTED_OPERATION')
    })

    it('authorizationCodeGrant() rejects an encrypted JARM response whose inner JWT has a bad signature', async () => {
      const response = await encrypt(corruptSignature(await signed()), as.rpKey, 'A256GCM')
      await rejects(
        client,
        grant(response, { decrypt: ['A256GCM'] }),
        'ClientError',
        'OAUTH_INVALID_RESPONSE',
      )
    })
  })
})
