/**
 * JWT and callback tricks beyond the per-feature suites: nested JWTs, key-location headers on
 * JARM / UserInfo / hybrid responses, `kid` collisions, discovery issuer variants, RFC 9207 `iss`
 * outside the code flow, repeated callback parameters, and DPoP challenge scheme case.
 */
import assert from 'node:assert/strict'
import { before, describe, it } from 'node:test'

import {
  type Claims,
  encrypt,
  halfHash,
  sign,
  signingKey,
  type SigningKey,
  signPayload,
} from '../support/forge.ts'
import {
  callback,
  CLIENT_ID,
  CLIENT_SECRET,
  formPost,
  HostileServer,
  reply,
  REDIRECT_URI,
  rejects,
  ROUTES,
  type ConfigureOptions,
  useHostileServer,
} from '../support/hostile.ts'
import { type Client, divergence, describeEachImplementation } from '../support/implementations.ts'

const NONCE = 'nonce-of-the-token-tricks'
const STATE = 'state-of-the-token-tricks'
const CODE = 'code-of-the-token-tricks'

describeEachImplementation('', (impl, client) => {
  let as: HostileServer
  /** An attacker's signing key (not published). */
  let attacker: SigningKey

  useHostileServer(impl, (suite) => ({ as } = suite))
  before(async () => {
    attacker = await signingKey('RS256', 'attacker-1')
  })

  const idClaims = (overrides: Claims = {}) => as.idTokenClaims({ nonce: NONCE, ...overrides })

  /** A code grant whose token response carries `idToken`. */
  async function withIdToken(
    idToken: string,
    options: { nonRepudiation?: boolean; decrypt?: boolean } = {},
  ) {
    as.on(ROUTES.token, (_, server) => reply.json(server.tokenResponse({ id_token: idToken })))
    const config = await as.configure(client, {
      execute: options.nonRepudiation ? [client.enableNonRepudiationChecks] : [],
      decrypt: options.decrypt ? ['A256GCM'] : undefined,
    })
    return client.authorizationCodeGrant(config, callback({ code: 'code-1' }), {
      expectedNonce: NONCE,
    })
  }

  /** A JARM code flow whose callback carries `response`. */
  async function jarm(response: string, decrypt = false) {
    const config = await as.configure(client, {
      execute: [client.useJwtResponseMode],
      decrypt: decrypt ? ['A256GCM'] : undefined,
    })
    return client.authorizationCodeGrant(config, callback({ response }), {
      expectedState: STATE,
    })
  }
  const jarmClaims = (overrides: Claims = {}) => as.jarmClaims({ state: STATE, ...overrides })

  /** Signed UserInfo (`jwt`) fetched with signature checks, optionally decrypted. */
  async function signedUserinfo(jwt: string, decrypt = false) {
    as.on(ROUTES.userinfo, () => reply.jwt(jwt))
    const config = await as.configure(client, {
      execute: [client.enableNonRepudiationChecks],
      decrypt: decrypt ? ['A256GCM'] : undefined,
    })
    return client.fetchUserInfo(config, 'access-token-1', 'user-1')
  }

  /** A hybrid flow whose fragment carries `params` over a valid code and state. */
  async function hybrid(params: Record<string, string | undefined>, metadata?: Claims) {
    const backChannel = await as.idToken({ nonce: NONCE })
    as.on(ROUTES.token, (_, server) => reply.json(server.tokenResponse({ id_token: backChannel })))
    const config = await as.configure(client, {
      metadata,
      execute: [client.useCodeIdTokenResponseType],
    })
    return client.authorizationCodeGrant(
      config,
      callback({ code: CODE, state: STATE, ...params }, true),
      { expectedNonce: NONCE, expectedState: STATE },
    )
  }
  const hybridIdToken = (overrides: Claims = {}, key = as.keys.rsa, header: Claims = {}) =>
    sign(idClaims({ c_hash: halfHash(CODE), s_hash: halfHash(STATE), ...overrides }), key, header)

  /** The code grant of a hand-built callback (a parameter repeated). */
  async function grantAt(
    currentUrl: URL | Request,
    options: ConfigureOptions = {},
    checks: Parameters<Client['authorizationCodeGrant']>[2] = { expectedState: STATE },
  ) {
    const config = await as.configure(client, options)
    return client.authorizationCodeGrant(config, currentUrl, checks)
  }

  /** The hybrid code grant of a hand-built fragment callback. */
  const hybridAt = (url: URL) =>
    grantAt(
      url,
      { execute: [client.useCodeIdTokenResponseType] },
      { expectedNonce: NONCE, expectedState: STATE },
    )

  /** A form_post callback with `body` as it is (parameters may repeat). */
  const rawFormPost = (body: string) =>
    new Request(REDIRECT_URI, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body,
    })

  describe('nested JWTs', () => {
    it('authorizationCodeGrant() accepts an encrypted ID Token whose plaintext is the issuer JWS (control)', async () => {
      const jwe = await encrypt(await sign(idClaims(), as.keys.rsa), as.rpKey, 'A256GCM')
      const tokens = await withIdToken(jwe, { decrypt: true, nonRepudiation: true })
      assert.equal(tokens.claims()?.sub, 'user-1')
    })

    it('authorizationCodeGrant() rejects an encrypted ID Token whose plaintext is a JWS of another issuer', async () => {
      const inner = await sign(idClaims({ iss: 'https://evil.example.com' }), attacker)
      await rejects(
        client,
        withIdToken(await encrypt(inner, as.rpKey, 'A256GCM'), { decrypt: true }),
        'ClientError',
        'OAUTH_JWT_CLAIM_COMPARISON_FAILED',
      )
    })

    it('authorizationCodeGrant() with enableNonRepudiationChecks rejects an encrypted ID Token whose plaintext claims the issuer but is signed by another key', async () => {
      const inner = await sign(idClaims(), attacker)
      await rejects(
        client,
        withIdToken(await encrypt(inner, as.rpKey, 'A256GCM'), {
          decrypt: true,
          nonRepudiation: true,
        }),
        'ClientError',
        'OAUTH_KEY_SELECTION_FAILED',
      )
    })

    it('authorizationCodeGrant() rejects a JWE inside a JWE as the ID Token', async () => {
      const inner = await encrypt(await sign(idClaims(), as.keys.rsa), as.rpKey, 'A256GCM')
      await rejects(
        client,
        withIdToken(await encrypt(inner, as.rpKey, 'A256GCM'), { decrypt: true }),
        'ClientError',
        'OAUTH_INVALID_RESPONSE',
      )
    })

    it('authorizationCodeGrant() rejects a JWS whose payload is another JWS as the ID Token', async () => {
      const inner = await sign(idClaims(), as.keys.rsa)
      const outer = await signPayload(inner, as.keys.rsa, { cty: 'JWT' })
      await rejects(client, withIdToken(outer), 'ClientError', 'OAUTH_PARSE_ERROR')
    })

    it('authorizationCodeGrant() with useJwtResponseMode rejects an encrypted JARM response whose plaintext is a JWS of another issuer', async () => {
      const inner = await sign(jarmClaims({ iss: 'https://evil.example.com' }), attacker)
      await rejects(
        client,
        jarm(await encrypt(inner, as.rpKey, 'A256GCM'), true),
        'ClientError',
        'OAUTH_JWT_CLAIM_COMPARISON_FAILED',
      )
      assert.equal(as.count(ROUTES.token), 0)
    })

    it('authorizationCodeGrant() with useJwtResponseMode rejects an encrypted JARM response signed by a key not in the JWKS', async () => {
      const inner = await sign(jarmClaims(), attacker)
      await rejects(
        client,
        jarm(await encrypt(inner, as.rpKey, 'A256GCM'), true),
        'ClientError',
        'OAUTH_KEY_SELECTION_FAILED',
      )
    })

    it('authorizationCodeGrant() with useJwtResponseMode rejects a JWS whose payload is another JWS', async () => {
      const outer = await signPayload(await sign(jarmClaims(), as.keys.rsa), as.keys.rsa, {
        cty: 'JWT',
      })
      await rejects(client, jarm(outer), 'ClientError', 'OAUTH_PARSE_ERROR')
    })

    it('fetchUserInfo() rejects encrypted signed UserInfo whose plaintext is a JWS of another issuer', async () => {
      const inner = await sign(as.userinfoClaims({ iss: 'https://evil.example.com' }), attacker)
      await rejects(
        client,
        signedUserinfo(await encrypt(inner, as.rpKey, 'A256GCM'), true),
        'ClientError',
        'OAUTH_JWT_CLAIM_COMPARISON_FAILED',
      )
    })
  })

  describe('key-location headers are ignored', () => {
    it('authorizationCodeGrant() with useJwtResponseMode accepts a JARM response with a jku header when the issuer key signed it, and fetches nothing from jku', async () => {
      as.on('/attacker/jwks', () => reply.json({ keys: [attacker.jwk] }))
      const response = await sign(jarmClaims(), as.keys.rsa, { jku: as.url('/attacker/jwks') })
      const tokens = await jarm(response)
      assert.equal(tokens.access_token, 'access-token-1')
      assert.equal(as.count('/attacker/jwks'), 0)
    })

    for (const [name, header] of [
      ['jku', (server: HostileServer) => ({ jku: server.url('/attacker/jwks') })],
      ['x5u', (server: HostileServer) => ({ x5u: server.url('/attacker/cert.pem') })],
      ['jwk', () => ({ jwk: attacker.jwk })],
    ] as const) {
      it(`authorizationCodeGrant() with useJwtResponseMode rejects a JARM response signed by an attacker key named in a ${name} header`, async () => {
        as.on('/attacker/jwks', () => reply.json({ keys: [attacker.jwk] }))
        const response = await sign(jarmClaims(), attacker, { kid: 'rsa-1', ...header(as) })
        await rejects(client, jarm(response), 'ClientError', 'OAUTH_INVALID_RESPONSE')
        assert.equal(as.count('/attacker/jwks') + as.count('/attacker/cert.pem'), 0)
        assert.equal(as.count(ROUTES.token), 0)
      })

      it(`fetchUserInfo() rejects signed UserInfo signed by an attacker key named in a ${name} header`, async () => {
        as.on('/attacker/jwks', () => reply.json({ keys: [attacker.jwk] }))
        const jwt = await sign(as.userinfoClaims(), attacker, { kid: 'rsa-1', ...header(as) })
        await rejects(client, signedUserinfo(jwt), 'ClientError', 'OAUTH_INVALID_RESPONSE')
        assert.equal(as.count('/attacker/jwks') + as.count('/attacker/cert.pem'), 0)
      })

      it(`authorizationCodeGrant() with useCodeIdTokenResponseType rejects a front-channel ID Token signed by an attacker key named in a ${name} header`, async () => {
        as.on('/attacker/jwks', () => reply.json({ keys: [attacker.jwk] }))
        const idToken = await hybridIdToken({}, attacker, { kid: 'rsa-1', ...header(as) })
        await rejects(
          client,
          hybrid({ id_token: idToken }),
          'ClientError',
          'OAUTH_INVALID_RESPONSE',
        )
        assert.equal(as.count('/attacker/jwks') + as.count('/attacker/cert.pem'), 0)
        assert.equal(as.count(ROUTES.token), 0)
      })
    }

    it('fetchUserInfo() accepts signed UserInfo with a jwk header naming the attacker key when the issuer key signed it', async () => {
      const jwt = await sign(as.userinfoClaims(), as.keys.rsa, { jwk: attacker.jwk })
      const userinfo = await signedUserinfo(jwt)
      assert.equal(userinfo.sub, 'user-1')
    })
  })

  describe('kid collisions', () => {
    it('authorizationCodeGrant() with enableNonRepudiationChecks rejects an ID Token whose kid names two RSA keys in the JWKS', async () => {
      as.jwks = [as.keys.rsa.jwk, { ...attacker.jwk, kid: 'rsa-1' }, as.keys.ec.jwk]
      await rejects(
        client,
        withIdToken(await sign(idClaims(), as.keys.rsa), { nonRepudiation: true }),
        'ClientError',
        'OAUTH_KEY_SELECTION_FAILED',
      )
    })

    it('authorizationCodeGrant() with enableNonRepudiationChecks rejects an attacker-signed ID Token whose kid names two RSA keys', async () => {
      as.jwks = [as.keys.rsa.jwk, { ...attacker.jwk, kid: 'rsa-1' }]
      await rejects(
        client,
        withIdToken(await sign(idClaims(), attacker, { kid: 'rsa-1' }), { nonRepudiation: true }),
        'ClientError',
        'OAUTH_KEY_SELECTION_FAILED',
      )
    })

    it('authorizationCodeGrant() with enableNonRepudiationChecks accepts a kid shared by an RSA and an EC key (told apart by alg)', async () => {
      as.jwks = [
        { ...as.keys.rsa.jwk, kid: 'shared' },
        { ...as.keys.ec.jwk, kid: 'shared' },
      ]
      const tokens = await withIdToken(await sign(idClaims(), as.keys.ec, { kid: 'shared' }), {
        nonRepudiation: true,
      })
      assert.equal(tokens.claims()?.sub, 'user-1')
    })

    it('authorizationCodeGrant() with useJwtResponseMode rejects a JARM response whose kid names two keys', async () => {
      as.jwks = [as.keys.rsa.jwk, { ...attacker.jwk, kid: 'rsa-1' }]
      await rejects(
        client,
        jarm(await sign(jarmClaims(), as.keys.rsa)),
        'ClientError',
        'OAUTH_KEY_SELECTION_FAILED',
      )
    })

    it('fetchUserInfo() rejects signed UserInfo whose kid names two keys', async () => {
      as.jwks = [as.keys.rsa.jwk, { ...attacker.jwk, kid: 'rsa-1' }]
      await rejects(
        client,
        signedUserinfo(await sign(as.userinfoClaims(), as.keys.rsa)),
        'ClientError',
        'OAUTH_KEY_SELECTION_FAILED',
      )
    })
  })

  describe('discovery issuer', () => {
    const discover = (url = as.issuer) =>
      client.discovery(new URL(url), CLIENT_ID, CLIENT_SECRET, undefined, {
        execute: [client.allowInsecureRequests],
      })

    it('discovery() rejects metadata whose issuer is the same host with another path', async () => {
      as.metadataOverrides = { issuer: `${as.issuer}/tenant-b` }
      await rejects(client, discover(), 'ClientError', 'OAUTH_JSON_ATTRIBUTE_COMPARISON_FAILED')
    })

    it('discovery() rejects metadata whose issuer is another port of the same host', async () => {
      as.metadataOverrides = { issuer: 'http://127.0.0.1:1' }
      await rejects(client, discover(), 'ClientError', 'OAUTH_JSON_ATTRIBUTE_COMPARISON_FAILED')
    })

    it('discovery() rejects metadata without issuer', async () => {
      as.metadataOverrides = { issuer: undefined }
      await rejects(client, discover(), 'ClientError', 'OAUTH_INVALID_RESPONSE')
    })

    it('discovery() rejects metadata whose issuer is not a string', async () => {
      as.metadataOverrides = { issuer: 42 }
      await rejects(client, discover(), 'ClientError', 'OAUTH_INVALID_RESPONSE')
    })

    it('discovery() rejects metadata whose issuer is not a URL (openid-rp: OAUTH_INVALID_SERVER_METADATA; the reference: a TypeError ERR_INVALID_URL)', async () => {
      as.metadataOverrides = { issuer: 'not a url' }
      if (divergence(impl, 11)) {
        await rejects(client, discover(), 'ClientError', 'OAUTH_INVALID_SERVER_METADATA')
      } else {
        await rejects(client, discover(), 'TypeError', 'ERR_INVALID_URL')
      }
    })

    it('candidate: discovery() accepts metadata whose issuer differs from the server URL by a trailing slash (URL-normalised comparison) in both implementations', async () => {
      as.metadataOverrides = { issuer: `${as.issuer}/` }
      const config = await discover()
      assert.equal(config.serverMetadata().issuer, `${as.issuer}/`)
    })

    it('discovery() treats metadata whose issuer spells the scheme in capitals by implementation (C7: exact comparison in openid-rp)', async () => {
      as.metadataOverrides = { issuer: as.issuer.replace('http:', 'HTTP:') }
      if (divergence(impl, 38)) {
        const err = await rejects(
          client,
          discover(),
          'ClientError',
          'OAUTH_JSON_ATTRIBUTE_COMPARISON_FAILED',
        )
        assert.match(err.message, /"HTTP:\/\/127\.0\.0\.1:\d+" does not match/)
      } else {
        const config = await discover()
        assert.equal(config.serverMetadata().issuer, as.issuer.replace('http:', 'HTTP:'))
      }
    })

    it('discovery() of a .well-known URL treats a document of another issuer by implementation (C8: the issuer the URL was derived from in openid-rp)', async () => {
      as.metadataOverrides = { issuer: 'https://evil.example.com' }
      const attempt = discover(as.url(ROUTES.discovery))
      if (divergence(impl, 37)) {
        const err = await rejects(
          client,
          attempt,
          'ClientError',
          'OAUTH_JSON_ATTRIBUTE_COMPARISON_FAILED',
        )
        assert.match(err.message, /its metadata URL .* was derived from/)
      } else {
        assert.equal((await attempt).serverMetadata().issuer, 'https://evil.example.com')
      }
    })

    it('discovery() of a .well-known URL with checkDerivedIssuer: false accepts a document of another issuer (the named opt-out)', async () => {
      as.metadataOverrides = { issuer: `${as.issuer}/oauth` }
      const config = await client.discovery(
        new URL(as.url(ROUTES.discovery)),
        CLIENT_ID,
        CLIENT_SECRET,
        undefined,
        { execute: [client.allowInsecureRequests], checkDerivedIssuer: false } as never,
      )
      assert.equal(config.serverMetadata().issuer, `${as.issuer}/oauth`)
    })

    it('discovery() of a .well-known/openid-configuration URL accepts the issuer it was derived from (control)', async () => {
      const config = await discover(as.url(ROUTES.discovery))
      assert.equal(config.serverMetadata().issuer, as.issuer)
    })

    for (const [form, route, path] of [
      ['RFC 8414 insertion', '/.well-known/oauth-authorization-server/tenant-a', '/tenant-a'],
      ['OIDC suffix', '/tenant-a/.well-known/openid-configuration', '/tenant-a'],
      ['RFC 8414 insertion (root)', '/.well-known/oauth-authorization-server', ''],
    ] as const) {
      it(`discovery() of a ${form} metadata URL accepts the issuer it was derived from (control)`, async () => {
        as.on(route, (_, server) => reply.json(server.metadata({ issuer: `${as.issuer}${path}` })))
        const config = await discover(as.url(route))
        assert.equal(config.serverMetadata().issuer, `${as.issuer}${path}`)
      })

      it(`discovery() of a ${form} metadata URL treats the document of the issuer next to it by implementation`, async () => {
        const other = path === '' ? `${as.issuer}/tenant-b` : as.issuer
        as.on(route, (_, server) => reply.json(server.metadata({ issuer: other })))
        const attempt = discover(as.url(route))
        if (divergence(impl, 37)) {
          await rejects(client, attempt, 'ClientError', 'OAUTH_JSON_ATTRIBUTE_COMPARISON_FAILED')
        } else {
          assert.equal((await attempt).serverMetadata().issuer, other)
        }
      })
    }
  })

  describe('RFC 9207 iss outside the code flow', () => {
    const advertised = { authorization_response_iss_parameter_supported: true }

    it('authorizationCodeGrant() with useCodeIdTokenResponseType accepts the issuer as iss when advertised', async () => {
      const tokens = await hybrid({ id_token: await hybridIdToken(), iss: as.issuer }, advertised)
      assert.equal(tokens.access_token, 'access-token-1')
    })

    it('authorizationCodeGrant() with useCodeIdTokenResponseType rejects a response whose iss is another issuer', async () => {
      await rejects(
        client,
        hybrid({ id_token: await hybridIdToken(), iss: 'https://evil.example.com' }, advertised),
        'ClientError',
        'OAUTH_INVALID_RESPONSE',
      )
    })

    it('candidate: authorizationCodeGrant() with useCodeIdTokenResponseType accepts a response without iss when advertised (the ID Token iss stands in) in both implementations', async () => {
      const tokens = await hybrid({ id_token: await hybridIdToken() }, advertised)
      assert.equal(tokens.access_token, 'access-token-1')
    })

    it('authorizationCodeGrant() rejects a response with iss twice (the issuer and another) when advertised', async () => {
      const url = callback({ code: 'code-1', state: STATE, iss: as.issuer })
      url.searchParams.append('iss', 'https://evil.example.com')
      await rejects(
        client,
        grantAt(url, { metadata: advertised }),
        'ClientError',
        'OAUTH_INVALID_RESPONSE',
      )
      assert.equal(as.count(ROUTES.token), 0)
    })

    it('candidate: implicitAuthentication() accepts a response without iss when advertised (the ID Token iss stands in) in both implementations', async () => {
      const config = await as.configure(client, {
        metadata: advertised,
        execute: [client.useIdTokenResponseType],
      })
      const idToken = await sign(idClaims(), as.keys.rsa)
      const claims = await client.implicitAuthentication(
        config,
        callback({ id_token: idToken, state: STATE }, true),
        NONCE,
        { expectedState: STATE },
      )
      assert.equal(claims.iss, as.issuer)
    })
  })

  describe('repeated callback parameters', () => {
    it('authorizationCodeGrant() rejects a form_post response with code twice', async () => {
      await rejects(
        client,
        grantAt(rawFormPost(`code=code-1&code=code-2&state=${STATE}`)),
        'ClientError',
        'OAUTH_INVALID_RESPONSE',
      )
      assert.equal(as.count(ROUTES.token), 0)
    })

    it('authorizationCodeGrant() rejects a form_post response with state twice', async () => {
      await rejects(
        client,
        grantAt(rawFormPost(`code=code-1&state=${STATE}&state=${STATE}`)),
        'ClientError',
        'OAUTH_INVALID_RESPONSE',
      )
    })

    it('authorizationCodeGrant() rejects a response with error twice', async () => {
      const url = callback({ error: 'access_denied', state: STATE })
      url.searchParams.append('error', 'server_error')
      await rejects(client, grantAt(url), 'ClientError', 'OAUTH_INVALID_RESPONSE')
    })

    it('authorizationCodeGrant() with useJwtResponseMode rejects a callback with response twice', async () => {
      const response = await sign(jarmClaims(), as.keys.rsa)
      const url = callback({ response })
      url.searchParams.append('response', await sign(jarmClaims({ code: 'other' }), as.keys.rsa))
      await rejects(
        client,
        grantAt(url, { execute: [client.useJwtResponseMode] }),
        'ClientError',
        'OAUTH_INVALID_RESPONSE',
      )
      assert.equal(as.count(ROUTES.token), 0)
    })

    it('authorizationCodeGrant() with useCodeIdTokenResponseType rejects a fragment with id_token twice', async () => {
      const first = await hybridIdToken()
      const second = await hybridIdToken({ sub: 'user-2' })
      const url = callback({ code: CODE, state: STATE, id_token: first }, true)
      url.hash = `${url.hash.slice(1)}&id_token=${second}`
      const backChannel = await as.idToken({ nonce: NONCE })
      as.on(ROUTES.token, (_, server) =>
        reply.json(server.tokenResponse({ id_token: backChannel })),
      )
      await rejects(client, hybridAt(url), 'ClientError', 'OAUTH_INVALID_RESPONSE')
      assert.equal(as.count(ROUTES.token), 0)
    })

    it('authorizationCodeGrant() with useCodeIdTokenResponseType rejects a fragment with code twice', async () => {
      const url = callback({ code: CODE, state: STATE, id_token: await hybridIdToken() }, true)
      url.hash = `${url.hash.slice(1)}&code=another-code`
      await rejects(client, hybridAt(url), 'ClientError', 'OAUTH_INVALID_RESPONSE')
      assert.equal(as.count(ROUTES.token), 0)
    })

    it('implicitAuthentication() with id_token twice in the fragment: openid-rp rejects, the reference validates the first', async () => {
      const config = await as.configure(client, { execute: [client.useIdTokenResponseType] })
      const first = await sign(idClaims(), as.keys.rsa)
      const second = await sign(idClaims({ sub: 'user-2' }), as.keys.rsa)
      const url = callback({ id_token: first, state: STATE }, true)
      url.hash = `${url.hash.slice(1)}&id_token=${second}`
      const attempt = client.implicitAuthentication(config, url, NONCE, { expectedState: STATE })
      if (divergence(impl, 10)) {
        await rejects(client, attempt, 'ClientError', 'OAUTH_INVALID_RESPONSE')
      } else {
        assert.equal((await attempt).sub, 'user-1')
      }
    })

    it('implicitAuthentication() accepts a form_post response with one id_token (control)', async () => {
      const config = await as.configure(client, { execute: [client.useIdTokenResponseType] })
      const claims = await client.implicitAuthentication(
        config,
        formPost({ id_token: await sign(idClaims(), as.keys.rsa), state: STATE }),
        NONCE,
        { expectedState: STATE },
      )
      assert.equal(claims.sub, 'user-1')
    })
  })

  describe('DPoP challenge scheme case', () => {
    for (const scheme of ['DPOP', 'dPoP']) {
      it(`fetchUserInfo() retries a use_dpop_nonce challenge whose scheme is spelled ${scheme}`, async () => {
        as.on(ROUTES.userinfo, (request) =>
          (request.headers.get('dpop') ?? '').length > 0 && as.received(ROUTES.userinfo).length > 1
            ? reply.json({ sub: 'user-1' })
            : {
                status: 401,
                headers: {
                  'www-authenticate': `${scheme} error="use_dpop_nonce"`,
                  'dpop-nonce': 'rs-nonce-1',
                },
                body: '',
              },
        )
        const config = await as.configure(client)
        const DPoP = client.getDPoPHandle(config, await client.randomDPoPKeyPair('ES256'))
        const userinfo = await client.fetchUserInfo(config, 'access-token-1', 'user-1', { DPoP })
        assert.equal(userinfo.sub, 'user-1')
        assert.equal(as.count(ROUTES.userinfo), 2)
      })
    }

    it('fetchProtectedResource() finds a use_dpop_nonce DPoP challenge after a Bearer challenge in one header', async () => {
      as.on(ROUTES.resource, () =>
        as.count(ROUTES.resource) > 1
          ? reply.json({ ok: true })
          : {
              status: 401,
              headers: {
                'www-authenticate': 'Bearer realm="api", DPOP error="use_dpop_nonce", algs="ES256"',
                'dpop-nonce': 'rs-nonce-1',
              },
              body: '',
            },
      )
      const config = await as.configure(client)
      const DPoP = client.getDPoPHandle(config, await client.randomDPoPKeyPair('ES256'))
      const response = await client.fetchProtectedResource(
        config,
        'access-token-1',
        new URL(as.url(ROUTES.resource)),
        'GET',
        undefined,
        undefined,
        { DPoP },
      )
      assert.equal(response.status, 200)
      assert.equal(as.count(ROUTES.resource), 2)
    })
  })
})
