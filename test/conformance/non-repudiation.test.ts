/**
 * Signed UserInfo and JWT introspection responses, and their signature checks under
 * `enableNonRepudiationChecks`.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'

import { type Claims, corruptSignature, epoch, sign, unsigned } from '../support/forge.ts'
import { setTimeout as sleep } from 'node:timers/promises'

import {
  callback,
  CLIENT_ID,
  HostileServer,
  reply,
  rejects,
  ROUTES,
  type ConfigureOptions,
  useHostileServer,
} from '../support/hostile.ts'
import { divergence, describeEachImplementation } from '../support/implementations.ts'
import type * as RP from 'openid-rp'

type RP = typeof RP

const INTROSPECTION_JWT = 'application/token-introspection+jwt'

describeEachImplementation('', (impl, client) => {
  let as: HostileServer

  useHostileServer(impl, (suite) => ({ as } = suite))

  const checked = (): ConfigureOptions => ({ execute: [client.enableNonRepudiationChecks] })

  // Every operation's deadline is released when it settles; the signature check has its own.
  if (impl.name === 'openid-rp')
    it('authorizationCodeGrant() with enableNonRepudiationChecks leaves no request timeout armed once it resolves (openid-rp only)', async () => {
      const idToken = await as.idToken()
      as.on(ROUTES.token, (_, server) => reply.json(server.tokenResponse({ id_token: idToken })))
      const config = await as.configure(client, checked())
      config.timeout = 2
      const signals: (AbortSignal | null | undefined)[] = []
      config[client.customFetch] = (url, options) => {
        signals.push(options.signal)
        return fetch(url, options as RequestInit)
      }
      const tokens = await client.authorizationCodeGrant(config, callback({ code: 'code-1' }))
      assert.equal(tokens.claims()?.sub, 'user-1')
      assert.equal(as.count(ROUTES.jwks), 1)
      await sleep(2500)
      assert.equal(signals.length, 2)
      for (const signal of signals) {
        assert.ok(signal instanceof AbortSignal, 'each request has the deadline signal')
        assert.equal(signal.aborted, false, 'a timeout fired after the operation settled')
      }
    })

  describe('signed UserInfo', () => {
    async function userinfo(jwt: string, options: ConfigureOptions = checked()) {
      as.on(ROUTES.userinfo, () => reply.jwt(jwt))
      const config = await as.configure(client, options)
      return client.fetchUserInfo(config, 'access-token-1', 'user-1')
    }

    it('fetchUserInfo() accepts signed UserInfo with a valid signature', async () => {
      const result = await userinfo(await sign(as.userinfoClaims(), as.keys.rsa))
      assert.equal(result.email, 'user@example.com')
      assert.equal(as.count(ROUTES.jwks), 1)
    })

    it('fetchUserInfo() rejects signed UserInfo with a bad signature', async () => {
      await rejects(
        client,
        userinfo(corruptSignature(await sign(as.userinfoClaims(), as.keys.rsa))),
        'ClientError',
        'OAUTH_INVALID_RESPONSE',
      )
    })

    it('fetchUserInfo() rejects signed UserInfo signed by a key not in the JWKS', async () => {
      await rejects(
        client,
        userinfo(await sign(as.userinfoClaims(), as.keys.ec, { kid: 'not-published' })),
        'ClientError',
        'OAUTH_KEY_SELECTION_FAILED',
      )
    })

    it('fetchUserInfo() without enableNonRepudiationChecks treats signed UserInfo with a bad signature by implementation', async () => {
      const attempt = userinfo(corruptSignature(await sign(as.userinfoClaims(), as.keys.rsa)), {})
      if (divergence(impl, 34)) {
        // A signature that is there is checked by default (docs/stricter-than-reference.md).
        await rejects(client, attempt, 'ClientError', 'OAUTH_INVALID_RESPONSE')
        assert.equal(as.count(ROUTES.jwks), 1)
      } else {
        assert.equal((await attempt).email, 'user@example.com', 'the reference trusts TLS')
        assert.equal(as.count(ROUTES.jwks), 0)
      }
    })

    it('fetchUserInfo() rejects unsigned UserInfo (alg none)', async () => {
      await rejects(
        client,
        userinfo(unsigned(as.userinfoClaims())),
        'ClientError',
        'OAUTH_INVALID_RESPONSE',
      )
    })

    it('fetchUserInfo() rejects signed UserInfo whose iss is another issuer', async () => {
      await rejects(
        client,
        userinfo(await sign(as.userinfoClaims({ iss: 'https://evil.example.com' }), as.keys.rsa)),
        'ClientError',
        'OAUTH_JWT_CLAIM_COMPARISON_FAILED',
      )
    })

    it('fetchUserInfo() rejects signed UserInfo whose aud is another client', async () => {
      await rejects(
        client,
        userinfo(await sign(as.userinfoClaims({ aud: 'another-client' }), as.keys.rsa)),
        'ClientError',
        'OAUTH_JWT_CLAIM_COMPARISON_FAILED',
      )
    })

    it('fetchUserInfo() rejects UserInfo whose sub is another user', async () => {
      await rejects(
        client,
        userinfo(await sign(as.userinfoClaims({ sub: 'another-user' }), as.keys.rsa)),
        'ClientError',
        'OAUTH_JSON_ATTRIBUTE_COMPARISON_FAILED',
      )
    })

    it('fetchUserInfo() rejects plain JSON UserInfo when the client registered userinfo_signed_response_alg', async () => {
      const config = await as.configure(client, {
        ...checked(),
        client: { userinfo_signed_response_alg: 'RS256' },
      })
      await rejects(
        client,
        client.fetchUserInfo(config, 'access-token-1', 'user-1'),
        'ClientError',
        'OAUTH_JWT_USERINFO_EXPECTED',
      )
    })
  })

  if (impl.name === 'openid-rp') {
    describe('acceptSignedUserInfoWithoutIssuerAndAudience() (docs/providers.md)', () => {
      const lenient = (): ConfigureOptions => ({
        execute: [
          client.enableNonRepudiationChecks,
          (config) =>
            (client as unknown as RP).acceptSignedUserInfoWithoutIssuerAndAudience(
              config as unknown as RP.Configuration,
            ),
        ],
      })
      async function userinfo(jwt: string, options: ConfigureOptions) {
        as.on(ROUTES.userinfo, () => reply.jwt(jwt))
        const config = await as.configure(client, options)
        return client.fetchUserInfo(config, 'access-token-1', 'user-1')
      }
      const withoutIssAud = () => {
        const { iss: _iss, aud: _aud, ...claims } = as.userinfoClaims()
        return claims
      }

      it('fetchUserInfo() accepts signed UserInfo without iss and aud', async () => {
        const result = await userinfo(await sign(withoutIssAud(), as.keys.rsa), lenient())
        assert.equal(result.sub, 'user-1')
        assert.equal(result.iss, undefined)
      })

      it('fetchUserInfo() still rejects a bad signature', async () => {
        await rejects(
          client,
          userinfo(corruptSignature(await sign(withoutIssAud(), as.keys.rsa)), lenient()),
          'ClientError',
          'OAUTH_INVALID_RESPONSE',
        )
      })

      it('fetchUserInfo() still rejects an iss that is present and names another issuer', async () => {
        await rejects(
          client,
          userinfo(
            await sign({ ...withoutIssAud(), iss: 'https://evil.example.com' }, as.keys.rsa),
            lenient(),
          ),
          'ClientError',
          'OAUTH_JWT_CLAIM_COMPARISON_FAILED',
        )
      })

      it('fetchUserInfo() still rejects an aud that is present and names another client', async () => {
        await rejects(
          client,
          userinfo(
            await sign({ ...withoutIssAud(), aud: 'another-client' }, as.keys.rsa),
            lenient(),
          ),
          'ClientError',
          'OAUTH_JWT_CLAIM_COMPARISON_FAILED',
        )
      })

      it('fetchUserInfo() still rejects another sub', async () => {
        await rejects(
          client,
          userinfo(await sign({ ...withoutIssAud(), sub: 'another-user' }, as.keys.rsa), lenient()),
          'ClientError',
          'OAUTH_JSON_ATTRIBUTE_COMPARISON_FAILED',
        )
      })
    })
  }

  describe('JWT introspection responses', () => {
    const introspectionClaims = (overrides: Claims = {}) => ({
      iss: as.issuer,
      aud: CLIENT_ID,
      iat: epoch(),
      token_introspection: { active: true, sub: 'user-1', client_id: CLIENT_ID },
      ...overrides,
    })
    const signed = (overrides: Claims = {}, header: Claims = { typ: 'token-introspection+jwt' }) =>
      sign(introspectionClaims(overrides), as.keys.rsa, header)

    async function introspect(jwt: string) {
      as.on(ROUTES.introspection, () => reply.jwt(jwt, INTROSPECTION_JWT))
      const config = await as.configure(client, {
        ...checked(),
        client: { introspection_signed_response_alg: 'RS256' },
      })
      return client.tokenIntrospection(config, 'access-token-1')
    }

    it('tokenIntrospection() accepts a JWT response with a valid signature', async () => {
      const result = await introspect(await signed())
      assert.equal(result.active, true)
      assert.equal(result.sub, 'user-1')
      assert.equal(as.count(ROUTES.jwks), 1)
    })

    it('tokenIntrospection() rejects a JWT response with a bad signature', async () => {
      await rejects(
        client,
        introspect(corruptSignature(await signed())),
        'ClientError',
        'OAUTH_INVALID_RESPONSE',
      )
    })

    it('tokenIntrospection() rejects a JWT response whose typ is not token-introspection+jwt', async () => {
      await rejects(
        client,
        introspect(await signed({}, { typ: 'JWT' })),
        'ClientError',
        'OAUTH_INVALID_RESPONSE',
      )
    })

    it('tokenIntrospection() rejects a JWT response whose aud is another client', async () => {
      await rejects(
        client,
        introspect(await signed({ aud: 'another-client' })),
        'ClientError',
        'OAUTH_JWT_CLAIM_COMPARISON_FAILED',
      )
    })

    for (const [title, execute] of [
      ['with enableNonRepudiationChecks', () => checked().execute],
      ['without enableNonRepudiationChecks', () => []],
    ] as const) {
      it(`tokenIntrospection() ${title} and introspection_signed_response_alg treats a plain JSON response by implementation (downgrade)`, async () => {
        as.on(ROUTES.introspection, () => reply.json({ active: true, client_id: CLIENT_ID }))
        const config = await as.configure(client, {
          execute: execute(),
          client: { introspection_signed_response_alg: 'RS256' },
        })
        const attempt = client.tokenIntrospection(config, 'access-token-1')
        if (divergence(impl, 32)) {
          const err = await rejects(client, attempt, 'ClientError', 'OAUTH_JWT_USERINFO_EXPECTED')
          assert.match(err.message, /introspection response is plain JSON/)
          assert.match(err.message, /introspection_signed_response_alg/)
        } else {
          assert.equal((await attempt).active, true, 'the reference accepts the downgrade')
        }
        assert.equal(
          as.received(ROUTES.introspection)[0]!.headers.get('accept'),
          INTROSPECTION_JWT,
          'a JWT response was asked for',
        )
      })
    }

    it('tokenIntrospection() without introspection_signed_response_alg accepts a plain JSON response (control)', async () => {
      as.on(ROUTES.introspection, () => reply.json({ active: true, client_id: CLIENT_ID }))
      const config = await as.configure(client, checked())
      assert.equal((await client.tokenIntrospection(config, 'access-token-1')).active, true)
    })

    it('tokenIntrospection() rejects an unsigned JWT response (alg none)', async () => {
      await rejects(
        client,
        introspect(unsigned(introspectionClaims(), { typ: 'token-introspection+jwt' })),
        'ClientError',
        'OAUTH_INVALID_RESPONSE',
      )
    })
  })
})
