/**
 * Explicit typing (RFC 8725 §3.11, src/core/explicit-typing.ts) at its edges, beyond
 * test/conformance/secure-defaults.test.ts: a `typ` with no structured suffix accepted, a
 * non-string `typ` refused with a typed error, a header whose base64url holds "-" and "_", and
 * the message and cause of the refusal. Each test kills a mutant of `npm run mutate --
 * core/explicit-typing` (docs/mutation.md). openid-rp only: the reference has no such check.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'

import { sign } from '../support/forge.ts'
import {
  callback,
  type HostileServer,
  reply,
  rejects,
  ROUTES,
  useHostileServer,
} from '../support/hostile.ts'
import { type Client, implementations } from '../support/implementations.ts'

const NONCE = 'nonce-of-the-explicit-typing-tests'

for (const impl of implementations.filter(({ name }) => name === 'openid-rp')) {
  describe(`${impl.name}: explicit typing at its edges`, () => {
    let client: Client
    let as: HostileServer

    useHostileServer(impl, (suite) => ({ client, as } = suite))

    async function grantWithIdToken(header: Record<string, unknown>) {
      const idToken = await as.idToken({ nonce: NONCE }, as.keys.rsa, header)
      as.on(ROUTES.token, (_, server) => reply.json(server.tokenResponse({ id_token: idToken })))
      const config = await as.configure(client)
      return client.authorizationCodeGrant(config, callback({ code: 'code-1' }), {
        expectedNonce: NONCE,
      })
    }

    it('authorizationCodeGrant() accepts an ID Token with typ JOSE (a type with no structured suffix)', async () => {
      const tokens = await grantWithIdToken({ typ: 'JOSE' })
      assert.equal(tokens.claims()?.sub, 'user-1')
    })

    it('authorizationCodeGrant() refuses an ID Token whose typ is a number, with a typed error, its message and cause', async () => {
      const err = await rejects(
        client,
        grantWithIdToken({ typ: 1 }),
        'ClientError',
        'OAUTH_INVALID_RESPONSE',
      )
      assert.match(err.message, /^the ID Token has the JWT "typ" 1, which names another kind/)
      assert.match(err.message, /is never accepted as an ID Token$/)
      assert.deepEqual(err.cause, { header: 'typ', typ: 1, expected: 'JWT or none' })
    })

    it('authorizationCodeGrant() refuses an ID Token with typ at+jwt whose base64url header holds "-" and "_"', async () => {
      const header = { typ: 'at+jwt', note: '>>>???' }
      const idToken = await as.idToken({ nonce: NONCE }, as.keys.rsa, header)
      const encoded = idToken.split('.')[0]!
      assert.match(encoded, /-/)
      assert.match(encoded, /_/)
      const err = await rejects(
        client,
        grantWithIdToken(header),
        'ClientError',
        'OAUTH_INVALID_RESPONSE',
      )
      assert.match(err.message, /"typ" "at\+jwt"/)
      assert.deepEqual(err.cause, { header: 'typ', typ: 'at+jwt', expected: 'JWT or none' })
    })

    it('fetchUserInfo() refuses signed UserInfo with typ at+jwt, saying "a UserInfo response"', async () => {
      const config = await as.configure(client)
      const typed = await sign(as.userinfoClaims(), as.keys.rsa, { typ: 'at+jwt' })
      as.on(ROUTES.userinfo, () => reply.jwt(typed))
      const err = await rejects(
        client,
        client.fetchUserInfo(config, 'at', 'user-1'),
        'ClientError',
        'OAUTH_INVALID_RESPONSE',
      )
      assert.match(err.message, /^the UserInfo response has the JWT "typ" "at\+jwt"/)
      assert.match(err.message, /is never accepted as a UserInfo response$/)
    })
  })
}
