/**
 * Secret hygiene: for failing operations (bad client secret, bad token response, bad JARM,
 * decryption failure, invalid_grant, private_key_jwt and DPoP failures) no error message, no
 * `cause` (serialised deeply, Responses, Errors and URLSearchParams included) and no console
 * output carries the client secret, a token, the authorization code or private key material.
 * openid-rp must leak nothing; the reference's leaks are pinned so a change shows up.
 */
import assert from 'node:assert/strict'
import { before, it } from 'node:test'

import { exportJWK } from 'jose'

import {
  corruptSignature,
  encrypt,
  encryptionKey,
  type EncryptionKey,
  epoch,
  sign,
  signingKey,
  type SigningKey,
} from '../support/forge.ts'
import { type Client, describeEachImplementation } from '../support/implementations.ts'

const ISSUER = 'https://op.hygiene.example'
const CLIENT_ID = 'hygiene-client'
const SECRET = 'client-secret-HYGIENE-0001'
const ACCESS_TOKEN = 'access-token-HYGIENE-0002'
const REFRESH_TOKEN = 'refresh-token-HYGIENE-0003'
const CODE = 'authorization-code-HYGIENE-0004'

/** Where a secret was found: the operation, the secret's name, and the channel. */
type Leak = `${string}: ${string} in ${'message' | 'cause' | 'console'}`

/** The reference's leaks, pinned (found by this suite; openid-rp must have none). */
const REFERENCE_LEAKS: readonly Leak[] = [
  'bad token response (no token_type): access token in cause',
  'bad token response (no token_type): refresh token in cause',
]

/** JSON of anything an error may hold, with non-enumerable and platform objects unfolded. */
function serialise(value: unknown): string {
  const seen = new WeakSet<object>()
  return JSON.stringify(value, function replacer(_key, item: unknown) {
    if (typeof item === 'bigint') return item.toString()
    if (typeof item !== 'object' || item === null) return item
    if (seen.has(item)) return '[circular]'
    seen.add(item)
    if (item instanceof Error) {
      return {
        ...Object.fromEntries(
          Object.getOwnPropertyNames(item).map((name) => [name, (item as never)[name]]),
        ),
        name: item.name,
        cause: item.cause,
      }
    }
    if (item instanceof Response) {
      return { status: item.status, url: item.url, headers: Object.fromEntries(item.headers) }
    }
    if (item instanceof Request) {
      return { method: item.method, url: item.url, headers: Object.fromEntries(item.headers) }
    }
    if (item instanceof Headers) return Object.fromEntries(item)
    if (item instanceof URLSearchParams) return item.toString()
    if (item instanceof URL) return item.href
    if (ArrayBuffer.isView(item)) return Buffer.from(item.buffer).toString('latin1')
    if (item instanceof Map) return Object.fromEntries(item)
    return item
  })
}

/** Runs `operation` with the console captured; returns the error and what was printed. */
async function failing(
  operation: () => Promise<unknown>,
): Promise<{ err: unknown; printed: string }> {
  const printed: string[] = []
  const methods = ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const
  const originals = methods.map((method) => console[method])
  for (const method of methods) {
    console[method] = (...args: unknown[]) => {
      printed.push(args.map((arg) => (typeof arg === 'string' ? arg : serialise(arg))).join(' '))
    }
  }
  try {
    await operation()
  } catch (err) {
    return { err, printed: printed.join('\n') }
  } finally {
    methods.forEach((method, i) => (console[method] = originals[i]!))
  }
  assert.fail('the operation was expected to fail')
}

describeEachImplementation('secret hygiene', (impl, client) => {
  let key: SigningKey
  let clientKey: SigningKey
  let rpKey: EncryptionKey, otherRpKey: EncryptionKey
  /** Private key material that must never appear (the `d` of every private JWK). */
  const privateParts: Record<string, string> = {}
  const leaks: Leak[] = []

  before(async () => {
    ;[key, clientKey, rpKey, otherRpKey] = await Promise.all([
      signingKey('ES256', 'op-1'),
      signingKey('ES256', 'client-1'),
      encryptionKey('ECDH-ES+A256KW', 'rp-enc-1'),
      encryptionKey('ECDH-ES+A256KW', 'rp-enc-1'),
    ])
    privateParts['client private key'] = (await exportJWK(clientKey.privateKey)).d!
    privateParts['decryption private key'] = (await exportJWK(rpKey.privateKey)).d!
  })

  function configure(
    token: (request: Request) => Response | Promise<Response>,
    options: {
      auth?: ReturnType<Client['ClientSecretPost']>
      metadata?: Record<string, unknown>
    } = {},
  ) {
    const config = new client.Configuration(
      {
        issuer: ISSUER,
        token_endpoint: `${ISSUER}/token`,
        jwks_uri: `${ISSUER}/jwks`,
        authorization_signing_alg_values_supported: ['ES256'],
        id_token_signing_alg_values_supported: ['ES256'],
        ...options.metadata,
      },
      CLIENT_ID,
      SECRET,
      options.auth,
    )
    config[client.customFetch] = async (url, init) => {
      if (new URL(url).pathname === '/jwks') return Response.json({ keys: [key.jwk] })
      return token(new Request(url, init as RequestInit))
    }
    return config
  }

  /** Runs a failing operation and records every secret found in it. */
  async function check(
    name: string,
    operation: () => Promise<unknown>,
    extra: Record<string, string> = {},
  ) {
    const { err, printed } = await failing(operation)
    const message = String((err as Error)?.message)
    const cause = serialise((err as Error)?.cause)
    const secrets: Record<string, string> = {
      'client secret': SECRET,
      'access token': ACCESS_TOKEN,
      'refresh token': REFRESH_TOKEN,
      'authorization code': CODE,
      ...privateParts,
      ...extra,
    }
    for (const [secret, value] of Object.entries(secrets)) {
      for (const [channel, text] of [
        ['message', message],
        ['cause', cause],
        ['console', printed],
      ] as const) {
        if (text.includes(value)) leaks.push(`${name}: ${secret} in ${channel}`)
      }
    }
    return err
  }

  const callback = () => new URL(`https://rp.hygiene.example/cb?code=${CODE}`)

  it('failing operations keep secrets out of messages, causes and the console', async () => {
    await check('bad client secret (401 invalid_client)', async () =>
      client.authorizationCodeGrant(
        configure(() =>
          Response.json(
            { error: 'invalid_client' },
            { status: 401, headers: { 'www-authenticate': 'Basic realm="op"' } },
          ),
        ),
        callback(),
      ),
    )
    await check('bad client secret (400 invalid_client)', async () =>
      client.refreshTokenGrant(
        configure(() => Response.json({ error: 'invalid_client' }, { status: 400 })),
        REFRESH_TOKEN,
      ),
    )
    await check('bad token response (no token_type)', async () =>
      client.authorizationCodeGrant(
        configure(() =>
          Response.json({ access_token: ACCESS_TOKEN, refresh_token: REFRESH_TOKEN }),
        ),
        callback(),
      ),
    )
    await check('token response that is not JSON', async () =>
      client.authorizationCodeGrant(
        configure(
          () =>
            new Response(`access_token=${ACCESS_TOKEN}&refresh_token=${REFRESH_TOKEN}`, {
              headers: { 'content-type': 'text/plain' },
            }),
        ),
        callback(),
      ),
    )
    const badIdToken = await sign(
      { iss: 'https://evil.example', aud: CLIENT_ID, sub: 's', iat: epoch(), exp: epoch() + 60 },
      key,
    )
    await check('ID Token that fails its claim checks', async () =>
      client.authorizationCodeGrant(
        configure(() =>
          Response.json({
            access_token: ACCESS_TOKEN,
            refresh_token: REFRESH_TOKEN,
            token_type: 'Bearer',
            id_token: badIdToken,
          }),
        ),
        callback(),
      ),
    )
    await check('invalid_grant', async () =>
      client.authorizationCodeGrant(
        configure(() =>
          Response.json(
            { error: 'invalid_grant', error_description: 'code expired' },
            { status: 400 },
          ),
        ),
        callback(),
      ),
    )
    const jarm = corruptSignature(
      await sign({ iss: ISSUER, aud: CLIENT_ID, exp: epoch() + 60, code: CODE, state: 's' }, key),
    )
    await check('bad JARM (bad signature)', async () => {
      const config = configure(() => Response.json({}))
      client.useJwtResponseMode(config)
      const url = new URL('https://rp.hygiene.example/cb')
      url.searchParams.set('response', jarm)
      return client.authorizationCodeGrant(config, url, { expectedState: 's' })
    })
    const encrypted = await encrypt(
      await sign({ iss: ISSUER, aud: CLIENT_ID, sub: 's', iat: epoch(), exp: epoch() + 60 }, key),
      otherRpKey,
      'A256GCM',
    )
    await check('decryption failure', async () => {
      const config = configure(() =>
        Response.json({
          access_token: ACCESS_TOKEN,
          refresh_token: REFRESH_TOKEN,
          token_type: 'Bearer',
          id_token: encrypted,
        }),
      )
      client.enableDecryptingResponses(config, ['A256GCM'], {
        key: rpKey.privateKey,
        kid: rpKey.kid,
      })
      return client.authorizationCodeGrant(config, callback())
    })
    await check('private_key_jwt rejected (invalid_client)', async () =>
      client.clientCredentialsGrant(
        configure(() => Response.json({ error: 'invalid_client' }, { status: 400 }), {
          auth: client.PrivateKeyJwt({ key: clientKey.privateKey, kid: clientKey.kid }),
        }),
      ),
    )
    await check('DPoP-bound refresh rejected (invalid_dpop_proof)', async () => {
      const config = configure(() =>
        Response.json({ error: 'invalid_dpop_proof' }, { status: 400 }),
      )
      const DPoP = client.getDPoPHandle(config, await client.randomDPoPKeyPair('ES256'))
      return client.refreshTokenGrant(config, REFRESH_TOKEN, undefined, { DPoP })
    })

    if (impl.name === 'openid-rp') {
      assert.deepEqual(leaks, [])
    } else {
      assert.deepEqual(leaks, REFERENCE_LEAKS)
    }
  })
})
