/**
 * Response decryption (`enableDecryptingResponses`): encrypted UserInfo and ID Tokens, the key
 * chosen by `kid`, the allowed content encryption algorithms, and `getDecryptedResponses`.
 */
import assert from 'node:assert/strict'
import { before, describe, it } from 'node:test'

import {
  corruptSignature,
  encrypt,
  encryptionKey,
  type EncryptionKey,
  sign,
  unsigned,
} from '../support/forge.ts'
import {
  callback,
  HostileServer,
  reply,
  rejects,
  ROUTES,
  type Configuration,
  useHostileServer,
} from '../support/hostile.ts'
import { divergence, describeEachImplementation } from '../support/implementations.ts'

const NONCE = 'nonce-for-the-encrypted-id-token'

describeEachImplementation('', (impl, client) => {
  let as: HostileServer
  /** The relying party's keys: two ECDH P-256 and two RSA-OAEP-256, told apart by kid only. */
  let ec1: EncryptionKey, ec2: EncryptionKey, rsa1: EncryptionKey, rsa2: EncryptionKey
  /** A key the relying party does not hold, published under the kid of one it does. */
  let impostor: EncryptionKey

  useHostileServer(impl, (suite) => ({ as } = suite))
  before(async () => {
    ;[ec1, ec2, rsa1, rsa2, impostor] = await Promise.all([
      encryptionKey('ECDH-ES+A256KW', 'enc-ec-1'),
      encryptionKey('ECDH-ES+A256KW', 'enc-ec-2'),
      encryptionKey('RSA-OAEP-256', 'enc-rsa-1'),
      encryptionKey('RSA-OAEP-256', 'enc-rsa-2'),
      encryptionKey('ECDH-ES+A256KW', 'enc-ec-2'),
    ])
  })

  /** A Configuration that decrypts with `enc` and the two keys of `family`. */
  async function decrypting(family: 'ec' | 'rsa', enc: string): Promise<Configuration> {
    const config = await as.configure(client)
    const [first, second] = family === 'ec' ? [ec1, ec2] : [rsa1, rsa2]
    client.enableDecryptingResponses(
      config,
      [enc],
      { key: first.privateKey, kid: first.kid },
      { key: second.privateKey, kid: second.kid },
    )
    return config
  }

  describe('encrypted UserInfo', () => {
    async function userinfo(config: Configuration, jwe: string) {
      as.on(ROUTES.userinfo, () => reply.jwt(jwe))
      return client.fetchUserInfo(config, 'access-token-1', 'user-1')
    }

    it('fetchUserInfo() accepts ECDH-ES+A256KW/A256GCM UserInfo for the second key and getDecryptedResponses() gives the JWS', async () => {
      const jws = await sign(as.userinfoClaims(), as.keys.rsa)
      const result = await userinfo(
        await decrypting('ec', 'A256GCM'),
        await encrypt(jws, ec2, 'A256GCM'),
      )
      assert.equal(result.email, 'user@example.com')
      assert.equal(client.getDecryptedResponses(result), jws)
    })

    it('fetchUserInfo() accepts RSA-OAEP-256/A128CBC-HS256 UserInfo for the second key', async () => {
      const jws = await sign(as.userinfoClaims(), as.keys.ec)
      const result = await userinfo(
        await decrypting('rsa', 'A128CBC-HS256'),
        await encrypt(jws, rsa2, 'A128CBC-HS256'),
      )
      assert.equal(result.sub, 'user-1')
      assert.equal(client.getDecryptedResponses(result), jws)
    })

    it('fetchUserInfo() rejects UserInfo encrypted with an enc that is not allowed', async () => {
      const jwe = await encrypt(await sign(as.userinfoClaims(), as.keys.rsa), ec2, 'A128GCM')
      await rejects(
        client,
        userinfo(await decrypting('ec', 'A256GCM'), jwe),
        'ClientError',
        'OAUTH_DECRYPTION_FAILED',
      )
    })

    for (const [what, header] of [
      ['is not JSON', 'bm90LWpzb24'],
      [
        'names the PBES2-HS256+A128KW alg',
        'eyJhbGciOiJQQkVTMi1IUzI1NitBMTI4S1ciLCJlbmMiOiJBMjU2R0NNIn0',
      ],
    ]) {
      it(`fetchUserInfo() rejects UserInfo whose JWE protected header ${what}`, async () => {
        const jwe = await encrypt(await sign(as.userinfoClaims(), as.keys.rsa), ec2, 'A256GCM')
        const forged = [header, ...jwe.split('.').slice(1)].join('.')
        const err = await rejects(
          client,
          userinfo(await decrypting('ec', 'A256GCM'), forged),
          'ClientError',
          'OAUTH_DECRYPTION_FAILED',
        )
        assert.doesNotMatch(err.message, /user@example\.com/)
      })
    }

    it('fetchUserInfo() rejects UserInfo encrypted to another key under a known kid', async () => {
      const jwe = await encrypt(await sign(as.userinfoClaims(), as.keys.rsa), impostor, 'A256GCM')
      await rejects(
        client,
        userinfo(await decrypting('ec', 'A256GCM'), jwe),
        'ClientError',
        'OAUTH_DECRYPTION_FAILED',
      )
    })

    it('fetchUserInfo() rejects UserInfo encrypted to a kid the client does not hold', async () => {
      const jwe = await encrypt(await sign(as.userinfoClaims(), as.keys.rsa), ec2, 'A256GCM', {
        kid: 'enc-ec-9',
      })
      await rejects(
        client,
        userinfo(await decrypting('ec', 'A256GCM'), jwe),
        'ClientError',
        'OAUTH_DECRYPTION_FAILED',
      )
    })

    it('fetchUserInfo() with enableNonRepudiationChecks rejects encrypted UserInfo whose inner signature is bad', async () => {
      const config = await decrypting('ec', 'A256GCM')
      client.enableNonRepudiationChecks(config)
      const jwe = await encrypt(
        corruptSignature(await sign(as.userinfoClaims(), as.keys.rsa)),
        ec1,
        'A256GCM',
      )
      await rejects(client, userinfo(config, jwe), 'ClientError', 'OAUTH_INVALID_RESPONSE')
    })

    it('fetchUserInfo() rejects encrypted UserInfo whose plaintext is an unsigned JWT (alg none)', async () => {
      const jwe = await encrypt(unsigned(as.userinfoClaims()), ec1, 'A256GCM')
      await rejects(
        client,
        userinfo(await decrypting('ec', 'A256GCM'), jwe),
        'ClientError',
        'OAUTH_INVALID_RESPONSE',
      )
    })

    it('fetchUserInfo() rejects encrypted UserInfo when decryption is not enabled', async () => {
      const jwe = await encrypt(await sign(as.userinfoClaims(), as.keys.rsa), ec2, 'A256GCM')
      await rejects(
        client,
        userinfo(await as.configure(client), jwe),
        'ClientError',
        'OAUTH_UNSUPPORTED_OPERATION',
      )
    })
  })

  describe('encrypted ID Token', () => {
    async function grant(config: Configuration, idToken: string) {
      as.on(ROUTES.token, (_, server) => reply.json(server.tokenResponse({ id_token: idToken })))
      return client.authorizationCodeGrant(config, callback({ code: 'code-1' }), {
        expectedNonce: NONCE,
      })
    }
    const jws = () => as.idToken({ nonce: NONCE })

    it('authorizationCodeGrant() accepts an ECDH-ES+A256KW/A256GCM ID Token for the second key and getDecryptedResponses() gives the JWS', async () => {
      const signed = await jws()
      const tokens = await grant(
        await decrypting('ec', 'A256GCM'),
        await encrypt(signed, ec2, 'A256GCM'),
      )
      assert.equal(tokens.claims()?.sub, 'user-1')
      assert.deepEqual(client.getDecryptedResponses(tokens), {
        id_token: { token_endpoint: signed },
      })
    })

    it('authorizationCodeGrant() accepts an RSA-OAEP-256/A128CBC-HS256 ID Token for the first key', async () => {
      const signed = await jws()
      const tokens = await grant(
        await decrypting('rsa', 'A128CBC-HS256'),
        await encrypt(signed, rsa1, 'A128CBC-HS256'),
      )
      assert.equal(tokens.claims()?.nonce, NONCE)
      assert.deepEqual(client.getDecryptedResponses(tokens), {
        id_token: { token_endpoint: signed },
      })
    })

    it('authorizationCodeGrant() rejects an encrypted ID Token whose plaintext is an unsigned JWT (alg none)', async () => {
      const plaintext = unsigned(as.idTokenClaims({ nonce: NONCE }))
      await rejects(
        client,
        grant(await decrypting('ec', 'A256GCM'), await encrypt(plaintext, ec1, 'A256GCM')),
        'ClientError',
        'OAUTH_INVALID_RESPONSE',
      )
    })

    it('authorizationCodeGrant() rejects an ID Token encrypted with an enc that is not allowed', async () => {
      await rejects(
        client,
        grant(
          await decrypting('rsa', 'A128CBC-HS256'),
          await encrypt(await jws(), rsa1, 'A256GCM'),
        ),
        'ClientError',
        'OAUTH_DECRYPTION_FAILED',
      )
    })

    it('authorizationCodeGrant() rejects an ID Token encrypted to another key under a known kid', async () => {
      await rejects(
        client,
        grant(await decrypting('ec', 'A256GCM'), await encrypt(await jws(), impostor, 'A256GCM')),
        'ClientError',
        'OAUTH_DECRYPTION_FAILED',
      )
    })

    it('authorizationCodeGrant() rejects an ID Token encrypted with a key management alg none of the keys has', async () => {
      await rejects(
        client,
        grant(await decrypting('ec', 'A256GCM'), await encrypt(await jws(), rsa1, 'A256GCM')),
        'ClientError',
        'OAUTH_DECRYPTION_FAILED',
      )
    })

    it('authorizationCodeGrant() with one key given without kid decrypts an ID Token JWE that names a kid', async () => {
      const config = await as.configure(client)
      client.enableDecryptingResponses(config, ['A256GCM'], ec1.privateKey)
      const result = grant(config, await encrypt(await jws(), ec1, 'A256GCM'))
      if (divergence(impl, 8)) {
        // openid-rp: a key without a kid fits a JWE with any kid.
        assert.equal((await result).claims()?.sub, 'user-1')
      } else {
        // The reference: a JWE with a kid only fits keys registered with that kid.
        await rejects(client, result, 'ClientError', 'OAUTH_DECRYPTION_FAILED')
      }
    })

    it('authorizationCodeGrant() rejects an ID Token JWE without kid when two keys fit', async () => {
      await rejects(
        client,
        grant(
          await decrypting('ec', 'A256GCM'),
          await encrypt(await jws(), ec1, 'A256GCM', { kid: undefined }),
        ),
        'ClientError',
        'OAUTH_DECRYPTION_FAILED',
      )
    })
  })
})
