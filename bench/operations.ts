/**
 * The benchmarked operations. Each one is set up per implementation against its own fake server,
 * checked for a correct result and for rejecting a forged input before it is timed, and paired
 * with its floor: the raw WebCrypto work the operation cannot avoid.
 */
import assert from 'node:assert/strict'
import * as jose from 'jose'

import {
  type Client,
  type Config,
  clientId,
  clientSecret,
  encryptedUserinfo,
  FakeServer,
  idTokenClaims,
  issuer,
  jarmClaims,
  json,
  type Keys,
  redirectUri,
  resourceUrl,
  serverMetadata,
  sign,
  subject,
} from './fixtures.ts'

export interface Runner {
  run(): Promise<unknown>
  /** The fake server the runner talks to (request counts per call). */
  server: FakeServer
}

export interface Operation {
  name: string
  /** The crypto the floor measures. */
  floorCrypto: string
  /** Whether the operation makes one HTTP request (the fake round trip joins its floor). */
  fetches: boolean
  /** The raw WebCrypto work of one call. */
  floor(): Promise<unknown>
  /** A checked, warmed-up runner for one implementation. */
  setup(client: Client): Promise<Runner>
  /** Checks the floor computes what the operation needs (run once). */
  checkFloor?(): Promise<void>
}

const tokenEndpoint = `${issuer}/token`
const jwksUri = `${issuer}/jwks`
const userinfoEndpoint = `${issuer}/userinfo`
const discoveryUrl = `${issuer}/.well-known/openid-configuration`

const b64u = (bytes: ArrayBuffer | Uint8Array) =>
  Buffer.from(bytes as ArrayBuffer).toString('base64url')
const sha256 = (input: string) => crypto.subtle.digest('SHA-256', new TextEncoder().encode(input))

/** Awaits a promise that must reject; returns the error. */
async function rejects(promise: Promise<unknown>, what: string): Promise<Error> {
  try {
    await promise
  } catch (error) {
    assert.ok(error instanceof Error, `${what}: rejected with an Error`)
    return error
  }
  assert.fail(`${what}: a forged input was accepted`)
}

function configure(
  client: Client,
  server: FakeServer,
  metadata: Record<string, unknown> = {},
): Config {
  const config = new client.Configuration(serverMetadata as never, clientId, {
    client_secret: clientSecret,
    ...metadata,
  })
  config[client.customFetch] = server.fetch as never
  return config
}

/** A tampered compact JWS: the first signature character changed. */
function tamper(jwt: string): string {
  const at = jwt.lastIndexOf('.') + 1
  return jwt.slice(0, at) + (jwt[at] === 'A' ? 'B' : 'A') + jwt.slice(at + 1)
}

const state = 'state-8f3a1c'
const nonce = 'nonce-5b2d9e'
const code = 'code-7e4f0a'
const pkceCodeVerifier = 'verifier-0123456789abcdefghijklmnopqrstuvwxyz0123'
const accessToken = 'at-3c1b9d7e0a5f4e2d8c6b'
const refreshToken = 'rt-9d2e6f1a4b7c0e3d5f8a'
const checks = { pkceCodeVerifier, expectedState: state, expectedNonce: nonce }
const callback = new URL(
  `${redirectUri}?code=${code}&state=${state}&iss=${encodeURIComponent(issuer)}`,
)

function tokenResponse(idToken?: string, extra: Record<string, unknown> = {}) {
  return json({
    access_token: accessToken,
    token_type: 'Bearer',
    expires_in: 3600,
    refresh_token: refreshToken,
    scope: 'openid email',
    ...(idToken && { id_token: idToken }),
    ...extra,
  })
}

const lastTokenRequest = (server: FakeServer) =>
  server.seen.filter((r) => r.url === tokenEndpoint).at(-1)!

type TokenManagerModule = typeof import('openid-rp')

const handCache = new Map([['bench', { token: accessToken, expiresAt: Date.now() + 3_600_000 }]])

/** What a token cache written by hand costs: a Map lookup and a clock read, in a promise. */
function handWrittenCache(session: string): Promise<string | undefined> {
  const entry = handCache.get(session)
  return Promise.resolve(
    entry !== undefined && entry.expiresAt > Date.now() ? entry.token : undefined,
  )
}

/** Runs `run` for about `ms` so the JIT has settled before the first timed batch. */
async function warm(run: () => Promise<unknown>, ms = 250): Promise<void> {
  const end = performance.now() + ms
  while (performance.now() < end) await run()
}

/** The operations, in table order. */
export async function operations(keys: Keys): Promise<Operation[]> {
  const payload = new TextEncoder().encode('x'.repeat(320))
  const es256Token = await sign(keys, 'ES256', idTokenClaims(nonce))
  const rs256Token = await sign(keys, 'RS256', idTokenClaims(nonce))
  const es256Signature = await crypto.subtle.sign(
    { name: 'ECDSA', hash: 'SHA-256' },
    keys.es256.privateKey,
    payload,
  )
  const rs256Signature = await crypto.subtle.sign(
    'RSASSA-PKCS1-v1_5',
    keys.rs256.privateKey,
    payload,
  )
  const verifyEs256 = () =>
    crypto.subtle.verify(
      { name: 'ECDSA', hash: 'SHA-256' },
      keys.es256.publicKey,
      es256Signature,
      payload,
    )
  const verifyRs256 = () =>
    crypto.subtle.verify('RSASSA-PKCS1-v1_5', keys.rs256.publicKey, rs256Signature, payload)
  const signEs256 = (key: CryptoKey) =>
    crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, key, payload)
  const none = async () => undefined

  /**
   * `untimed`: `config.timeout = 0`, so neither library creates an AbortSignal; shows what the
   * per-request timeout costs each of them (informative, not one of the targets).
   */
  const codeGrant = (
    alg: 'ES256' | 'RS256',
    signatureChecked: boolean,
    untimed = false,
  ): Operation => ({
    name: `authorizationCodeGrant ${alg}${signatureChecked ? ' signature-checked' : ''}${untimed ? ' (timeout 0)' : ''}`,
    floorCrypto: signatureChecked ? `${alg} verify` : 'none',
    fetches: true,
    floor: signatureChecked ? (alg === 'ES256' ? verifyEs256 : verifyRs256) : none,
    async setup(client) {
      const server = new FakeServer()
      const config = configure(client, server)
      if (untimed) config.timeout = 0
      if (signatureChecked) client.enableNonRepudiationChecks(config)
      server.set(
        'GET',
        jwksUri,
        json(keys.jwks, 200, { 'content-type': 'application/jwk-set+json' }),
      )
      const good = alg === 'ES256' ? es256Token : rs256Token
      const run = () => client.authorizationCodeGrant(config, callback, checks)

      server.record = true
      server.set('POST', tokenEndpoint, tokenResponse(good))
      const tokens = await run()
      assert.equal(tokens.access_token, accessToken)
      assert.equal(tokens.claims()?.sub, subject)
      assert.equal(tokens.claims()?.nonce, nonce)
      const sent = new URLSearchParams(lastTokenRequest(server).body)
      assert.equal(sent.get('grant_type'), 'authorization_code')
      assert.equal(sent.get('code'), code)
      assert.equal(sent.get('code_verifier'), pkceCodeVerifier)
      assert.equal(sent.get('redirect_uri'), redirectUri)

      server.set(
        'POST',
        tokenEndpoint,
        tokenResponse(await sign(keys, alg, idTokenClaims('another-nonce'))),
      )
      await rejects(run(), 'ID Token with another nonce')
      if (signatureChecked) {
        server.set('POST', tokenEndpoint, tokenResponse(tamper(good)))
        await rejects(run(), 'ID Token with a tampered signature')
        server.set(
          'POST',
          tokenEndpoint,
          tokenResponse(await sign(keys, alg, idTokenClaims(nonce), { forge: true })),
        )
        await rejects(run(), 'ID Token signed by another key')
      }
      server.record = false
      server.reset()
      server.set('POST', tokenEndpoint, tokenResponse(good))
      await warm(run)
      return { run, server }
    },
  })

  const codeChallenge = async (verifier: string) => b64u(await sha256(verifier))
  const jarmResponse = await sign(keys, 'ES256', jarmClaims(code, state))
  const jarmCallback = new URL(`${redirectUri}?response=${jarmResponse}`)

  const dpopProofs: string[] = []
  const userinfoJwe = await encryptedUserinfo(keys)
  const jweFloor = await jweFloorInputs(keys, userinfoJwe)

  return [
    {
      name: 'buildAuthorizationUrl + PKCE',
      floorCrypto: 'random 32 B + SHA-256',
      fetches: false,
      floor: () => crypto.subtle.digest('SHA-256', crypto.getRandomValues(new Uint8Array(43))),
      async setup(client) {
        const server = new FakeServer()
        const config = configure(client, server)
        const build = async () => {
          const verifier = client.randomPKCECodeVerifier()
          const url = client.buildAuthorizationUrl(config, {
            redirect_uri: redirectUri,
            scope: 'openid email',
            code_challenge: await client.calculatePKCECodeChallenge(verifier),
            code_challenge_method: 'S256',
            state,
            nonce,
          })
          return { verifier, url }
        }
        const { verifier, url } = await build()
        assert.equal(url.origin + url.pathname, serverMetadata.authorization_endpoint)
        assert.equal(url.searchParams.get('code_challenge'), await codeChallenge(verifier))
        assert.equal(url.searchParams.get('client_id'), clientId)
        assert.equal(url.searchParams.get('response_type'), 'code')
        assert.notEqual((await build()).verifier, verifier, 'a fresh verifier per call')
        assert.throws(() => client.buildAuthorizationUrl({} as Config, {}), TypeError)
        await rejects(client.calculatePKCECodeChallenge(undefined as never), 'a missing verifier')
        await warm(build)
        return { run: build, server }
      },
    },
    codeGrant('ES256', false),
    codeGrant('RS256', false),
    codeGrant('ES256', true),
    codeGrant('RS256', true),
    codeGrant('ES256', false, true),
    {
      name: 'refreshTokenGrant',
      floorCrypto: 'none',
      fetches: true,
      floor: none,
      async setup(client) {
        const server = new FakeServer()
        const config = configure(client, server)
        const run = () => client.refreshTokenGrant(config, refreshToken)
        server.record = true
        server.set('POST', tokenEndpoint, tokenResponse(undefined, { refresh_token: 'rt-next' }))
        const tokens = await run()
        assert.equal(tokens.access_token, accessToken)
        assert.equal(tokens.refresh_token, 'rt-next')
        const sent = new URLSearchParams(server.last().body)
        assert.equal(sent.get('grant_type'), 'refresh_token')
        assert.equal(sent.get('refresh_token'), refreshToken)
        server.set('POST', tokenEndpoint, json({ token_type: 'Bearer', expires_in: 3600 }))
        await rejects(run(), 'a response without access_token')
        server.set('POST', tokenEndpoint, json({ error: 'invalid_grant' }, 400))
        await rejects(run(), 'an invalid_grant error')
        server.record = false
        server.reset()
        server.set('POST', tokenEndpoint, tokenResponse(undefined, { refresh_token: 'rt-next' }))
        await warm(run)
        return { run, server }
      },
    },
    {
      // openid-client has no token manager: its column is the cache its users write by hand
      name: 'accessToken() warm cache',
      floorCrypto: 'none (Map lookup + clock read)',
      fetches: false,
      floor: () => handWrittenCache('bench'),
      async setup(client) {
        const server = new FakeServer()
        const config = configure(client, server)
        const manage = (client as unknown as Partial<TokenManagerModule>).createTokenManager
        if (manage === undefined) {
          const run = () => handWrittenCache('bench')
          assert.equal(await run(), accessToken)
          await warm(run)
          return { run, server }
        }
        const expired = { access_token: 'at-0', token_type: 'bearer', expires_in: 0 }
        server.record = true
        server.set('POST', tokenEndpoint, tokenResponse(undefined, { refresh_token: 'rt-next' }))
        const manager = manage(config as never, {
          session: 'bench',
          initialTokens: { ...expired, refresh_token: refreshToken },
        })
        const run = () => manager.accessToken()
        assert.deepEqual(await Promise.all([run(), run(), run()]), Array(3).fill(accessToken))
        assert.equal(server.seen.length, 1, 'one refresh for three callers')
        assert.equal(await run(), accessToken)
        assert.equal(server.seen.length, 1, 'the warm cache makes no request')
        const forged = manage(config as never, { session: 'bench-forged', initialTokens: expired })
        await rejects(forged.accessToken(), 'an expired session without a refresh token')
        server.record = false
        server.reset()
        await warm(run)
        return { run, server }
      },
    },
    {
      name: 'fetchProtectedResource DPoP',
      floorCrypto: 'ES256 sign + SHA-256 (ath)',
      fetches: true,
      floor: () => Promise.all([signEs256(keys.dpop.privateKey), sha256(accessToken)]),
      async setup(client) {
        const server = new FakeServer()
        const config = configure(client, server)
        const DPoP = client.getDPoPHandle(config, keys.dpop)
        const url = new URL(resourceUrl)
        const run = () =>
          client.fetchProtectedResource(config, accessToken, url, 'GET', undefined, undefined, {
            DPoP,
          })
        const ok = json({ accounts: [] })
        server.record = true
        server.set('GET', resourceUrl, (request) => {
          const proof = request.headers.get('dpop')
          if (proof) dpopProofs.push(proof)
          if (proof === null || jose.decodeJwt(proof).nonce !== 'rs-nonce-1') {
            return json({}, 401, {
              'www-authenticate': 'DPoP error="use_dpop_nonce", error_description="nonce required"',
              'dpop-nonce': 'rs-nonce-1',
            })
          }
          return ok
        })
        const response = await run()
        assert.equal(response.status, 200)
        assert.equal(server.seen.length, 2, 'one retry to learn the nonce')
        const request = server.last()
        assert.equal(request.headers.get('authorization'), `DPoP ${accessToken}`)
        const proof = request.headers.get('dpop')!
        const { payload, protectedHeader } = await jose.jwtVerify(proof, jose.EmbeddedJWK, {
          typ: 'dpop+jwt',
        })
        assert.equal(protectedHeader.alg, 'ES256')
        assert.equal(payload.htm, 'GET')
        assert.equal(payload.htu, resourceUrl)
        assert.equal(payload.ath, b64u(await sha256(accessToken)))
        assert.equal(payload.nonce, 'rs-nonce-1')
        await run()
        assert.equal(server.seen.length, 3, 'the learned nonce costs no retry')
        assert.notEqual(dpopProofs.at(-1), dpopProofs.at(-2), 'a fresh proof per request')
        server.set(
          'GET',
          resourceUrl,
          json({}, 401, { 'www-authenticate': 'DPoP error="invalid_token"' }),
        )
        await rejects(run(), 'a refused access token')
        server.record = false
        server.reset()
        server.set('GET', resourceUrl, ok)
        await warm(run)
        return { run, server }
      },
    },
    {
      name: 'authorizationCodeGrant JARM',
      floorCrypto: 'ES256 verify',
      fetches: true,
      floor: verifyEs256,
      async setup(client) {
        const server = new FakeServer()
        const config = configure(client, server)
        client.useJwtResponseMode(config)
        server.set(
          'GET',
          jwksUri,
          json(keys.jwks, 200, { 'content-type': 'application/jwk-set+json' }),
        )
        server.set('POST', tokenEndpoint, tokenResponse(es256Token))
        const run = () => client.authorizationCodeGrant(config, jarmCallback, checks)
        server.record = true
        const tokens = await run()
        assert.equal(tokens.access_token, accessToken)
        assert.equal(tokens.claims()?.sub, subject)
        assert.equal(new URLSearchParams(lastTokenRequest(server).body).get('code'), code)
        await rejects(
          client.authorizationCodeGrant(
            config,
            new URL(`${redirectUri}?response=${tamper(jarmResponse)}`),
            checks,
          ),
          'JARM response with a tampered signature',
        )
        const forged = await sign(keys, 'ES256', jarmClaims(code, state), { forge: true })
        await rejects(
          client.authorizationCodeGrant(
            config,
            new URL(`${redirectUri}?response=${forged}`),
            checks,
          ),
          'JARM response signed by another key',
        )
        await rejects(
          client.authorizationCodeGrant(config, jarmCallback, {
            ...checks,
            expectedState: 'other-state',
          }),
          'JARM response with another state',
        )
        server.record = false
        server.reset()
        await warm(run)
        return { run, server }
      },
    },
    {
      name: 'fetchUserInfo encrypted',
      floorCrypto: 'ECDH-ES P-256 + Concat KDF + A256KW unwrap + A256GCM decrypt',
      fetches: true,
      floor: jweFloor.run,
      checkFloor: jweFloor.check,
      async setup(client) {
        const server = new FakeServer()
        const config = configure(client, server, {
          userinfo_encrypted_response_alg: 'ECDH-ES+A256KW',
        })
        client.enableDecryptingResponses(config, ['A256GCM'], {
          key: keys.enc.privateKey,
          alg: 'ECDH-ES+A256KW',
          kid: 'enc-1',
        })
        const jwt = (body: string) => ({
          status: 200,
          headers: { 'content-type': 'application/jwt' },
          body,
        })
        const run = () => client.fetchUserInfo(config, accessToken, subject)
        server.record = true
        server.set('GET', userinfoEndpoint, jwt(userinfoJwe))
        const userinfo = await run()
        assert.equal(userinfo.sub, subject)
        assert.equal(userinfo.email, 'jane.doe@example.com')
        assert.equal(server.last().headers.get('authorization'), `Bearer ${accessToken}`)
        const parts = userinfoJwe.split('.')
        parts[3] = (parts[3]![0] === 'A' ? 'B' : 'A') + parts[3]!.slice(1)
        server.set('GET', userinfoEndpoint, jwt(parts.join('.')))
        await rejects(run(), 'a tampered ciphertext')
        server.set('GET', userinfoEndpoint, jwt(await encryptedUserinfo(keys, 'someone-else')))
        await rejects(run(), 'UserInfo of another subject')
        server.record = false
        server.reset()
        server.set('GET', userinfoEndpoint, jwt(userinfoJwe))
        await warm(run)
        return { run, server }
      },
    },
    {
      name: 'buildAuthorizationUrlWithJAR',
      floorCrypto: 'ES256 sign',
      fetches: false,
      floor: () => signEs256(keys.jar.privateKey),
      async setup(client) {
        const server = new FakeServer()
        const config = configure(client, server)
        const parameters = {
          redirect_uri: redirectUri,
          scope: 'openid email',
          code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
          code_challenge_method: 'S256',
          state,
          nonce,
        }
        const run = () =>
          client.buildAuthorizationUrlWithJAR(config, parameters, keys.jar.privateKey)
        const url = await run()
        assert.deepEqual([...url.searchParams.keys()].sort(), ['client_id', 'request'])
        const { payload, protectedHeader } = await jose.jwtVerify(
          url.searchParams.get('request')!,
          keys.jar.publicKey,
          {
            issuer: clientId,
            audience: issuer,
            typ: 'oauth-authz-req+jwt',
          },
        )
        assert.equal(protectedHeader.alg, 'ES256')
        assert.equal(payload.redirect_uri, redirectUri)
        assert.equal(payload.response_type, 'code')
        assert.equal(payload.nonce, nonce)
        await rejects(
          client.buildAuthorizationUrlWithJAR(config, parameters, keys.jar.publicKey),
          'a public key as the signing key',
        )
        await warm(run)
        return { run, server }
      },
    },
    {
      name: 'discovery',
      floorCrypto: 'none',
      fetches: true,
      floor: none,
      async setup(client) {
        const server = new FakeServer()
        const url = new URL(issuer)
        const options = { [client.customFetch]: server.fetch as never }
        const run = () => client.discovery(url, clientId, clientSecret, undefined, options)
        server.record = true
        server.set('GET', discoveryUrl, json(serverMetadata))
        const config = await run()
        assert.equal(server.last().url, discoveryUrl)
        assert.equal(config.serverMetadata().token_endpoint, serverMetadata.token_endpoint)
        assert.equal(config.clientMetadata().client_id, clientId)
        server.set(
          'GET',
          discoveryUrl,
          json({ ...serverMetadata, issuer: 'https://evil.example.com' }),
        )
        await rejects(run(), 'metadata of another issuer')
        server.set('GET', discoveryUrl, json({ ...serverMetadata, issuer: undefined }))
        await rejects(run(), 'metadata without an issuer')
        server.record = false
        server.reset()
        server.set('GET', discoveryUrl, json(serverMetadata))
        await warm(run)
        return { run, server }
      },
    },
  ]
}

/**
 * The raw WebCrypto steps of decrypting an ECDH-ES+A256KW / A256GCM JWE (RFC 7518 §4.6, §4.4,
 * §5.3): import the ephemeral key, derive Z, one Concat KDF round, unwrap the CEK, decrypt.
 */
async function jweFloorInputs(
  keys: Keys,
  jwe: string,
): Promise<{ run(): Promise<ArrayBuffer>; check(): Promise<void> }> {
  const [protectedB64, encryptedKey, iv, ciphertext, tag] = jwe.split('.') as [
    string,
    string,
    string,
    string,
    string,
  ]
  const header = JSON.parse(Buffer.from(protectedB64, 'base64url').toString()) as {
    epk: JsonWebKey
  }
  const bytes = (value: string) => new Uint8Array(Buffer.from(value, 'base64url'))
  const wrapped = bytes(encryptedKey)
  const ivBytes = bytes(iv)
  const sealed = new Uint8Array([...bytes(ciphertext), ...bytes(tag)])
  const aad = new TextEncoder().encode(protectedB64)
  const algorithmId = new TextEncoder().encode('ECDH-ES+A256KW')
  const kdfInput = new Uint8Array(4 + 32 + 4 + algorithmId.length + 4 + 4 + 4)
  const view = new DataView(kdfInput.buffer)
  view.setUint32(0, 1)
  let at = 36
  view.setUint32(at, algorithmId.length)
  kdfInput.set(algorithmId, at + 4)
  at += 4 + algorithmId.length + 8
  view.setUint32(at, 256)
  const run = async () => {
    const epk = await crypto.subtle.importKey(
      'jwk',
      { kty: 'EC', crv: 'P-256', x: header.epk.x, y: header.epk.y },
      { name: 'ECDH', namedCurve: 'P-256' },
      false,
      [],
    )
    const z = await crypto.subtle.deriveBits(
      { name: 'ECDH', public: epk },
      keys.enc.privateKey,
      256,
    )
    const input = kdfInput.slice()
    input.set(new Uint8Array(z), 4)
    const kek = await crypto.subtle.importKey(
      'raw',
      await crypto.subtle.digest('SHA-256', input),
      'AES-KW',
      false,
      ['unwrapKey'],
    )
    const cek = await crypto.subtle.unwrapKey('raw', wrapped, kek, 'AES-KW', 'AES-GCM', false, [
      'decrypt',
    ])
    return crypto.subtle.decrypt(
      { name: 'AES-GCM', iv: ivBytes, additionalData: aad, tagLength: 128 },
      cek,
      sealed,
    )
  }
  return {
    run,
    async check() {
      const plaintext = new TextDecoder().decode(await run())
      assert.equal(jose.decodeJwt(plaintext).sub, subject, 'the floor decrypts the UserInfo JWE')
    },
  }
}

/** A fake-server round trip on its own: wrap a prepared token response, read its JSON. */
export async function roundTripFloor(): Promise<() => Promise<unknown>> {
  const server = new FakeServer()
  server.set('POST', tokenEndpoint, tokenResponse('x'.repeat(700)))
  const init = {
    method: 'POST',
    headers: { accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded' },
    body: 'grant_type=refresh_token&refresh_token=x',
  }
  return async () => (await server.fetch(tokenEndpoint, init)).json()
}
