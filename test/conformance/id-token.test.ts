/**
 * The ID Token in a token endpoint response (authorization code flow): claim checks always, and
 * signature checks under `enableNonRepudiationChecks`.
 */
import assert from 'node:assert/strict'
import { before, describe, it } from 'node:test'

import {
  type Claims,
  corruptSignature,
  epoch,
  hs256WithPublicKey,
  replacePayload,
  sign,
  signingKey,
  type SigningKey,
  unsigned,
} from '../support/forge.ts'
import {
  callback,
  CLIENT_ID,
  HostileServer,
  reply,
  rejects,
  ROUTES,
  useHostileServer,
} from '../support/hostile.ts'
import { describeEachImplementation } from '../support/implementations.ts'

const NONCE = 'nonce-for-the-id-token'

describeEachImplementation('', (impl, client) => {
  let as: HostileServer
  /** Not published: an attacker's key under the kid of the issuer's, and keys of unlisted kinds. */
  let attacker: SigningKey, ps256: SigningKey, second: SigningKey, unknown: SigningKey

  useHostileServer(impl, (suite) => ({ as } = suite))
  before(async () => {
    ;[attacker, ps256, second, unknown] = await Promise.all([
      signingKey('RS256', 'rsa-1'),
      signingKey('PS256', 'ps-1'),
      signingKey('RS256', 'rsa-2'),
      signingKey('RS256', 'unknown-kid'),
    ])
  })

  interface GrantOptions {
    nonRepudiation?: boolean
    expectedNonce?: string
    maxAge?: number
    metadata?: Claims
    clockTolerance?: number
    clockSkew?: number
  }

  /** Answers the token request with `body`, then runs the code grant. */
  async function grant(body: Claims, options: GrantOptions = {}) {
    as.on(ROUTES.token, () => reply.json(body))
    const config = await as.configure(client, {
      metadata: options.metadata,
      client: {
        ...(options.clockTolerance !== undefined && {
          [client.clockTolerance]: options.clockTolerance,
        }),
        ...(options.clockSkew !== undefined && { [client.clockSkew]: options.clockSkew }),
      },
      execute: options.nonRepudiation ? [client.enableNonRepudiationChecks] : [],
    })
    return client.authorizationCodeGrant(config, callback({ code: 'code-1' }), {
      expectedNonce: 'expectedNonce' in options ? options.expectedNonce : NONCE,
      maxAge: options.maxAge,
    })
  }

  const withIdToken = (idToken: string, options?: GrantOptions) =>
    grant(as.tokenResponse({ id_token: idToken }), options)
  const claims = (overrides: Claims = {}) => as.idTokenClaims({ nonce: NONCE, ...overrides })
  const idToken = (overrides: Claims = {}) => as.idToken({ nonce: NONCE, ...overrides })

  describe('ID Token claims', () => {
    it('authorizationCodeGrant() accepts a valid ID Token and exposes its claims', async () => {
      const tokens = await withIdToken(await idToken())
      assert.equal(tokens.access_token, 'access-token-1')
      assert.equal(tokens.claims()?.sub, 'user-1')
      assert.equal(tokens.claims()?.nonce, NONCE)
      assert.equal(as.count(ROUTES.token), 1)
    })

    it('authorizationCodeGrant() rejects an ID Token whose iss differs from the issuer', async () => {
      const err = await rejects(
        client,
        withIdToken(await idToken({ iss: 'https://evil.example.com' })),
        'ClientError',
        'OAUTH_JWT_CLAIM_COMPARISON_FAILED',
      )
      if (impl.name === 'openid-rp')
        assert.match(err.message, /: the token was not issued by the configured issuer$/)
    })

    it('authorizationCodeGrant() rejects an ID Token without iss', async () => {
      await rejects(
        client,
        withIdToken(await idToken({ iss: undefined })),
        'ClientError',
        'OAUTH_INVALID_RESPONSE',
      )
    })

    it('authorizationCodeGrant() rejects an ID Token whose aud is another client', async () => {
      const err = await rejects(
        client,
        withIdToken(await idToken({ aud: 'another-client' })),
        'ClientError',
        'OAUTH_JWT_CLAIM_COMPARISON_FAILED',
      )
      if (impl.name === 'openid-rp')
        assert.match(err.message, /: the token was not issued to this client_id$/)
    })

    it('authorizationCodeGrant() rejects an ID Token without aud', async () => {
      await rejects(
        client,
        withIdToken(await idToken({ aud: undefined })),
        'ClientError',
        'OAUTH_INVALID_RESPONSE',
      )
    })

    it('authorizationCodeGrant() rejects an ID Token with an extra audience and no azp', async () => {
      await rejects(
        client,
        withIdToken(await idToken({ aud: [CLIENT_ID, 'another-client'] })),
        'ClientError',
        'OAUTH_JWT_CLAIM_COMPARISON_FAILED',
      )
    })

    it('authorizationCodeGrant() rejects an ID Token with an extra audience and azp of another client', async () => {
      await rejects(
        client,
        withIdToken(await idToken({ aud: [CLIENT_ID, 'another-client'], azp: 'another-client' })),
        'ClientError',
        'OAUTH_JWT_CLAIM_COMPARISON_FAILED',
      )
    })

    it('authorizationCodeGrant() accepts an ID Token with an extra audience when azp is the client', async () => {
      const tokens = await withIdToken(
        await idToken({ aud: [CLIENT_ID, 'another-client'], azp: CLIENT_ID }),
      )
      assert.equal(tokens.claims()?.azp, CLIENT_ID)
    })

    it('authorizationCodeGrant() accepts an ID Token whose aud is an array with the client only', async () => {
      const tokens = await withIdToken(await idToken({ aud: [CLIENT_ID] }))
      assert.deepEqual(tokens.claims()?.aud, [CLIENT_ID])
    })

    it('authorizationCodeGrant() rejects an ID Token without exp', async () => {
      await rejects(
        client,
        withIdToken(await idToken({ exp: undefined })),
        'ClientError',
        'OAUTH_INVALID_RESPONSE',
      )
    })

    it('authorizationCodeGrant() rejects an ID Token expired beyond the clock tolerance', async () => {
      const err = await rejects(
        client,
        withIdToken(await idToken({ exp: epoch() - 120 })),
        'ClientError',
        'OAUTH_JWT_TIMESTAMP_CHECK_FAILED',
      )
      if (impl.name === 'openid-rp')
        assert.match(
          err.message,
          /: check the local clock or set the \[clockSkew\]\/\[clockTolerance\] client metadata$/,
        )
    })

    it('authorizationCodeGrant() accepts an ID Token expired within the 30 s default clock tolerance', async () => {
      const tokens = await withIdToken(await idToken({ exp: epoch() - 10 }))
      assert.equal(tokens.claims()?.sub, 'user-1')
    })

    it('authorizationCodeGrant() with [clockTolerance] 0 rejects an ID Token expired 10 s ago', async () => {
      await rejects(
        client,
        withIdToken(await idToken({ exp: epoch() - 10 }), { clockTolerance: 0 }),
        'ClientError',
        'OAUTH_JWT_TIMESTAMP_CHECK_FAILED',
      )
    })

    it('authorizationCodeGrant() rejects an ID Token whose nbf is in the future', async () => {
      await rejects(
        client,
        withIdToken(await idToken({ nbf: epoch() + 600 })),
        'ClientError',
        'OAUTH_JWT_TIMESTAMP_CHECK_FAILED',
      )
    })

    it('authorizationCodeGrant() with [clockTolerance] 120 accepts an ID Token issued 90 s in the future', async () => {
      const iat = epoch() + 90
      const tokens = await withIdToken(await idToken({ iat }), { clockTolerance: 120 })
      assert.equal(tokens.claims()?.iat, iat)
    })

    it('authorizationCodeGrant() with [clockSkew] +300 (local clock behind) accepts an ID Token issued 200 s ahead of it', async () => {
      const iat = epoch() + 200
      const tokens = await withIdToken(await idToken({ iat }), { clockSkew: 300 })
      assert.equal(tokens.claims()?.iat, iat)
    })

    // docs/stricter-than-reference.md row 3: the reference never checks that iat is not in the future.
    if (impl.name === 'openid-rp') {
      it('authorizationCodeGrant() with [clockTolerance] 5 rejects an ID Token issued 20 s in the future (openid-rp only)', async () => {
        const err = await rejects(
          client,
          withIdToken(await idToken({ iat: epoch() + 20 }), { clockTolerance: 5 }),
          'ClientError',
          'OAUTH_JWT_TIMESTAMP_CHECK_FAILED',
        )
        assert.match(
          err.message,
          /^the ID Token "iat" \(issued at\) is (19|20|21) s in the future, beyond the 5 s clock tolerance/,
        )
        assert.equal((err.cause as { claim?: unknown }).claim, 'iat')
        assert.equal((err.cause as { tolerance?: unknown }).tolerance, 5)
      })

      it('authorizationCodeGrant() with [clockSkew] -300 (local clock ahead) rejects an ID Token issued 100 s ahead of real time (openid-rp only)', async () => {
        await rejects(
          client,
          withIdToken(await idToken({ iat: epoch() + 100 }), { clockSkew: -300 }),
          'ClientError',
          'OAUTH_JWT_TIMESTAMP_CHECK_FAILED',
        )
      })
    }

    it('authorizationCodeGrant() rejects an ID Token without iat', async () => {
      await rejects(
        client,
        withIdToken(await idToken({ iat: undefined })),
        'ClientError',
        'OAUTH_INVALID_RESPONSE',
      )
    })

    it('authorizationCodeGrant() accepts an ID Token whose iat is a day in the past', async () => {
      const iat = epoch() - 86_400
      const tokens = await withIdToken(await idToken({ iat }))
      assert.equal(tokens.claims()?.iat, iat)
    })

    it('authorizationCodeGrant() rejects an ID Token without sub', async () => {
      await rejects(
        client,
        withIdToken(await idToken({ sub: undefined })),
        'ClientError',
        'OAUTH_INVALID_RESPONSE',
      )
    })

    it('authorizationCodeGrant() rejects an ID Token whose sub is not a string', async () => {
      await rejects(
        client,
        withIdToken(await idToken({ sub: 42 })),
        'ClientError',
        'OAUTH_INVALID_RESPONSE',
      )
    })

    it('authorizationCodeGrant() rejects an ID Token whose nonce differs', async () => {
      const err = await rejects(
        client,
        withIdToken(await idToken({ nonce: 'another-nonce' })),
        'ClientError',
        'OAUTH_JWT_CLAIM_COMPARISON_FAILED',
      )
      if (impl.name === 'openid-rp')
        assert.match(
          err.message,
          /: pass the nonce you sent in the authorization request as `expectedNonce`$/,
        )
    })

    it('authorizationCodeGrant() rejects an ID Token without the expected nonce', async () => {
      await rejects(
        client,
        withIdToken(await idToken({ nonce: undefined })),
        'ClientError',
        'OAUTH_INVALID_RESPONSE',
      )
    })

    it('authorizationCodeGrant() rejects an ID Token with a nonce when none was sent', async () => {
      await rejects(
        client,
        withIdToken(await idToken(), { expectedNonce: undefined }),
        'ClientError',
        'OAUTH_JWT_CLAIM_COMPARISON_FAILED',
      )
    })

    it('authorizationCodeGrant() rejects a token response without an ID Token when a nonce was sent', async () => {
      await rejects(client, grant(as.tokenResponse()), 'ClientError', 'OAUTH_INVALID_RESPONSE')
    })

    it('authorizationCodeGrant() without a nonce accepts a token response without an ID Token', async () => {
      const tokens = await grant(as.tokenResponse(), { expectedNonce: undefined })
      assert.equal(tokens.access_token, 'access-token-1')
      assert.equal(tokens.claims(), undefined)
    })

    it('authorizationCodeGrant() with idTokenExpected rejects a token response without an ID Token', async () => {
      as.on(ROUTES.token, (_, server) => reply.json(server.tokenResponse()))
      const config = await as.configure(client)
      const result = client.authorizationCodeGrant(config, callback({ code: 'code-1' }), {
        idTokenExpected: true,
      })
      await rejects(client, result, 'ClientError', 'OAUTH_INVALID_RESPONSE')
    })

    it('refreshTokenGrant() rejects a refreshed ID Token whose aud is another client', async () => {
      const token = await idToken({ aud: 'another-client' })
      as.on(ROUTES.token, (_, server) => reply.json(server.tokenResponse({ id_token: token })))
      const config = await as.configure(client)
      await rejects(
        client,
        client.refreshTokenGrant(config, 'refresh-token-1'),
        'ClientError',
        'OAUTH_JWT_CLAIM_COMPARISON_FAILED',
      )
    })

    it('authorizationCodeGrant() rejects an ID Token without auth_time when maxAge is given', async () => {
      await rejects(
        client,
        withIdToken(await idToken(), { maxAge: 300 }),
        'ClientError',
        'OAUTH_INVALID_RESPONSE',
      )
    })

    it('authorizationCodeGrant() rejects an ID Token whose auth_time is older than maxAge', async () => {
      await rejects(
        client,
        withIdToken(await idToken({ auth_time: epoch() - 3600 }), { maxAge: 300 }),
        'ClientError',
        'OAUTH_JWT_TIMESTAMP_CHECK_FAILED',
      )
    })

    it('authorizationCodeGrant() accepts an ID Token whose auth_time is within maxAge', async () => {
      const authTime = epoch() - 60
      const tokens = await withIdToken(await idToken({ auth_time: authTime }), { maxAge: 300 })
      assert.equal(tokens.claims()?.auth_time, authTime)
    })

    it('authorizationCodeGrant() rejects an ID Token signed with an alg the server does not advertise', async () => {
      await rejects(
        client,
        withIdToken(await sign(claims(), ps256)),
        'ClientError',
        'OAUTH_INVALID_RESPONSE',
      )
    })

    it('authorizationCodeGrant() rejects an ID Token with an unknown crit header parameter', async () => {
      const token = await sign(claims(), as.keys.rsa, {
        crit: ['urn:example:must-understand'],
        'urn:example:must-understand': true,
      })
      await rejects(client, withIdToken(token), 'ClientError', 'OAUTH_UNSUPPORTED_OPERATION')
    })

    it('authorizationCodeGrant() accepts any letter case of token_type bearer and lowercases it', async () => {
      const token = await idToken()
      for (const tokenType of ['bearer', 'Bearer', 'BEARER', 'bEaReR']) {
        const tokens = await grant(as.tokenResponse({ token_type: tokenType, id_token: token }))
        assert.equal(tokens.token_type, 'bearer', tokenType)
      }
    })

    it('authorizationCodeGrant() rejects an unknown token_type', async () => {
      await rejects(
        client,
        grant(as.tokenResponse({ token_type: 'mac', id_token: await idToken() })),
        'ClientError',
        'OAUTH_UNSUPPORTED_OPERATION',
      )
    })

    it('authorizationCodeGrant() accepts a token response without expires_in', async () => {
      const tokens = await grant(
        as.tokenResponse({ expires_in: undefined, id_token: await idToken() }),
      )
      assert.equal(tokens.expires_in, undefined)
      assert.equal(tokens.expiresIn(), undefined)
    })
  })

  describe('ID Token signature with enableNonRepudiationChecks', () => {
    const checked = { nonRepudiation: true }

    it('authorizationCodeGrant() accepts a valid RS256 ID Token and fetches the JWKS once', async () => {
      const tokens = await withIdToken(await idToken(), checked)
      assert.equal(tokens.claims()?.sub, 'user-1')
      assert.equal(as.count(ROUTES.jwks), 1)
    })

    it('authorizationCodeGrant() accepts a valid ES256 ID Token', async () => {
      const tokens = await withIdToken(await sign(claims(), as.keys.ec), checked)
      assert.equal(tokens.claims()?.sub, 'user-1')
    })

    it('authorizationCodeGrant() rejects an RS256 ID Token with a bad signature', async () => {
      await rejects(
        client,
        withIdToken(corruptSignature(await idToken()), checked),
        'ClientError',
        'OAUTH_INVALID_RESPONSE',
      )
    })

    it('authorizationCodeGrant() rejects an ES256 ID Token with a bad signature', async () => {
      await rejects(
        client,
        withIdToken(corruptSignature(await sign(claims(), as.keys.ec)), checked),
        'ClientError',
        'OAUTH_INVALID_RESPONSE',
      )
    })

    it('authorizationCodeGrant() rejects an ID Token whose payload was changed after signing', async () => {
      const token = replacePayload(await idToken(), claims({ sub: 'admin' }))
      await rejects(client, withIdToken(token, checked), 'ClientError', 'OAUTH_INVALID_RESPONSE')
    })

    it('authorizationCodeGrant() rejects an unsigned ID Token (alg none)', async () => {
      await rejects(
        client,
        withIdToken(unsigned(claims()), checked),
        'ClientError',
        'OAUTH_INVALID_RESPONSE',
      )
    })

    it('authorizationCodeGrant() rejects an HS256 ID Token keyed with the public key when HS256 is not advertised', async () => {
      await rejects(
        client,
        withIdToken(await hs256WithPublicKey(claims(), as.keys.rsa), checked),
        'ClientError',
        'OAUTH_INVALID_RESPONSE',
      )
    })

    it('authorizationCodeGrant() rejects an HS256 ID Token keyed with the public key even when HS256 is advertised', async () => {
      const token = await hs256WithPublicKey(claims(), as.keys.rsa)
      await rejects(
        client,
        withIdToken(token, {
          ...checked,
          metadata: { id_token_signing_alg_values_supported: ['RS256', 'HS256'] },
        }),
        'ClientError',
        'OAUTH_UNSUPPORTED_OPERATION',
      )
    })

    it('authorizationCodeGrant() accepts an ID Token without kid when the JWKS has one key of its type', async () => {
      const tokens = await withIdToken(
        await sign(claims(), as.keys.rsa, { kid: undefined }),
        checked,
      )
      assert.equal(tokens.claims()?.sub, 'user-1')
    })

    it('authorizationCodeGrant() rejects an ID Token without kid when the JWKS has several keys of its type', async () => {
      as.jwks = [...as.jwks, second.jwk]
      await rejects(
        client,
        withIdToken(await sign(claims(), as.keys.rsa, { kid: undefined }), checked),
        'ClientError',
        'OAUTH_KEY_SELECTION_FAILED',
      )
    })

    it('authorizationCodeGrant() rejects an ID Token whose kid names a key published for encryption only', async () => {
      as.jwks = [{ ...as.keys.rsa.jwk, use: 'enc' }, as.keys.ec.jwk]
      await rejects(
        client,
        withIdToken(await idToken(), checked),
        'ClientError',
        'OAUTH_KEY_SELECTION_FAILED',
      )
    })

    it('authorizationCodeGrant() rejects an ID Token whose kid names a key published for another alg', async () => {
      as.jwks = [{ ...as.keys.rsa.jwk, alg: 'PS256' }, as.keys.ec.jwk]
      await rejects(
        client,
        withIdToken(await idToken(), checked),
        'ClientError',
        'OAUTH_KEY_SELECTION_FAILED',
      )
    })

    it('authorizationCodeGrant() rejects an ID Token when the JWKS keys member is not an array', async () => {
      as.on(ROUTES.jwks, () => reply.json({ keys: as.keys.rsa.jwk }))
      await rejects(
        client,
        withIdToken(await idToken(), checked),
        'ClientError',
        'OAUTH_INVALID_RESPONSE',
      )
    })

    it('authorizationCodeGrant() rejects an ID Token whose kid is not in the JWKS', async () => {
      const err = await rejects(
        client,
        withIdToken(await sign(claims(), unknown), checked),
        'ClientError',
        'OAUTH_KEY_SELECTION_FAILED',
      )
      if (impl.name === 'openid-rp')
        assert.match(
          err.message,
          /: no single key in the issuer JWKS matches the JWT header \(kid, alg, kty\)$/,
        )
    })

    it('authorizationCodeGrant() ignores a jku header pointing at an attacker JWKS and rejects the ID Token', async () => {
      as.on('/attacker/jwks', () => reply.json({ keys: [attacker.jwk] }))
      const token = await sign(claims(), attacker, { jku: as.url('/attacker/jwks') })
      await rejects(client, withIdToken(token, checked), 'ClientError', 'OAUTH_INVALID_RESPONSE')
      assert.equal(as.count('/attacker/jwks'), 0)
    })

    it('authorizationCodeGrant() ignores an x5u header pointing at an attacker certificate and rejects the ID Token', async () => {
      as.on('/attacker/cert.pem', () =>
        reply.text('-----BEGIN CERTIFICATE-----', 'application/pem-certificate-chain'),
      )
      const token = await sign(claims(), attacker, { x5u: as.url('/attacker/cert.pem') })
      await rejects(client, withIdToken(token, checked), 'ClientError', 'OAUTH_INVALID_RESPONSE')
      assert.equal(as.count('/attacker/cert.pem'), 0)
    })

    it('authorizationCodeGrant() ignores an embedded jwk header and rejects the ID Token signed by it', async () => {
      const token = await sign(claims(), attacker, { jwk: attacker.jwk })
      await rejects(client, withIdToken(token, checked), 'ClientError', 'OAUTH_INVALID_RESPONSE')
    })

    it('authorizationCodeGrant() without enableNonRepudiationChecks accepts an ID Token with a bad signature (TLS-trusted)', async () => {
      const tokens = await withIdToken(corruptSignature(await idToken()))
      assert.equal(tokens.claims()?.sub, 'user-1')
      assert.equal(as.count(ROUTES.jwks), 0)
    })
  })
})
