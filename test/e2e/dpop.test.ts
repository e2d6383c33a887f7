import { after, before, it } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import * as jose from 'jose'
import { type Client, describeEachImplementation } from '../support/implementations.ts'
import { login } from '../support/login.ts'
import {
  createProvider,
  startResourceServer,
  type ResourceServer,
  type TestProvider,
} from '../support/provider.ts'
import {
  closeProvider,
  jwtHeader,
  jwtPayload,
  pkceRequest,
  recordingFetch,
  redirectUri,
  rejection,
  secret,
  type Exchange,
} from '../support/e2e.ts'

let op: TestProvider
let rs: ResourceServer

before(async () => {
  op = await createProvider({
    features: {
      dPoP: {
        nonceSecret: randomBytes(32),
        // only this client meets a nonce-demanding authorization server
        requireNonce: (ctx) => ctx.oidc.client?.clientId === 'dpop-nonce',
      },
      introspection: true,
      clientCredentials: true,
      pushedAuthorizationRequests: true,
      deviceFlow: true,
    },
    configuration: {
      enabledJWA: { dPoPSigningAlgValues: ['ES256', 'PS256', 'RS256', 'Ed25519', 'EdDSA'] },
    },
    clients: [
      {
        client_id: 'dpop-confidential',
        client_secret: secret('dpop-confidential'),
        token_endpoint_auth_method: 'client_secret_basic',
        redirect_uris: [redirectUri],
        grant_types: [
          'authorization_code',
          'refresh_token',
          'client_credentials',
          'urn:ietf:params:oauth:grant-type:device_code',
        ],
        response_types: ['code'],
      },
      {
        client_id: 'dpop-nonce',
        client_secret: secret('dpop-nonce'),
        redirect_uris: [redirectUri],
        grant_types: [
          'authorization_code',
          'client_credentials',
          'urn:ietf:params:oauth:grant-type:device_code',
        ],
        response_types: ['code'],
      },
      {
        client_id: 'dpop-public',
        token_endpoint_auth_method: 'none',
        redirect_uris: [redirectUri],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
      },
    ],
  })
  rs = await startResourceServer(op, { requireDpopNonce: true })
})

after(async () => {
  await rs.close()
  await closeProvider(op)
})

async function thumbprint(keyPair: CryptoKeyPair): Promise<string> {
  return jose.calculateJwkThumbprint(await jose.exportJWK(keyPair.publicKey))
}

describeEachImplementation('DPoP', (impl, client) => {
  const confidential = () =>
    client.discovery(
      op.issuer,
      'dpop-confidential',
      undefined,
      client.ClientSecretBasic(secret('dpop-confidential')),
      { execute: [client.allowInsecureRequests] },
    )
  const publicClient = () =>
    client.discovery(op.issuer, 'dpop-public', undefined, client.None(), {
      execute: [client.allowInsecureRequests],
    })
  /** The `dpop-nonce` client, recording into `exchanges`, and a DPoP handle with an ES256 key. */
  const nonceDemanding = async (exchanges: Exchange[]) => {
    const config = await client.discovery(
      op.issuer,
      'dpop-nonce',
      undefined,
      client.ClientSecretBasic(secret('dpop-nonce')),
      {
        execute: [client.allowInsecureRequests],
        [client.customFetch]: recordingFetch(exchanges),
      },
    )
    return { config, DPoP: client.getDPoPHandle(config, await client.randomDPoPKeyPair('ES256')) }
  }

  const codeFlow = async (
    config: Awaited<ReturnType<Client['discovery']>>,
    DPoP: ReturnType<Client['getDPoPHandle']>,
  ) => {
    const { parameters, checks } = await pkceRequest(client, { scope: 'openid email' })
    const callback = await login(client.buildAuthorizationUrl(config, parameters))
    assert.ok(callback instanceof URL)
    return client.authorizationCodeGrant(config, callback, checks, undefined, { DPoP })
  }

  it('randomDPoPKeyPair() makes ES256, PS256, RS256 and Ed25519 key pairs whose proofs the provider accepts', async () => {
    const config = await confidential()
    for (const [alg, algorithmName] of [
      ['ES256', 'ECDSA'],
      ['PS256', 'RSA-PSS'],
      ['RS256', 'RSASSA-PKCS1-v1_5'],
      ['Ed25519', 'Ed25519'],
    ] as const) {
      const keyPair = await client.randomDPoPKeyPair(alg)
      assert.equal(keyPair.privateKey.algorithm.name, algorithmName, alg)
      assert.equal(keyPair.privateKey.extractable, false, `${alg} private key is not extractable`)
      const tokens = await client.clientCredentialsGrant(
        config,
        { scope: 'api:read' },
        {
          DPoP: client.getDPoPHandle(config, keyPair),
        },
      )
      assert.equal(tokens.token_type, 'dpop', alg)
      const introspection = await client.tokenIntrospection(config, tokens.access_token)
      assert.equal(introspection.active, true)
      assert.equal(introspection.cnf?.jkt, await thumbprint(keyPair), `${alg} cnf.jkt`)
    }
  })

  it('authorizationCodeGrant() with DPoP returns a dpop token bound (cnf.jkt) to the key', async () => {
    const config = await confidential()
    const keyPair = await client.randomDPoPKeyPair('ES256')
    const tokens = await codeFlow(config, client.getDPoPHandle(config, keyPair))
    assert.equal(tokens.token_type, 'dpop')
    assert.equal(tokens.claims()?.sub, op.account.sub)
    const introspection = await client.tokenIntrospection(config, tokens.access_token)
    assert.equal(introspection.token_type, 'DPoP')
    assert.equal(introspection.cnf?.jkt, await thumbprint(keyPair))
  })

  it('refreshTokenGrant() with the same DPoP key rotates a bound token; a different key is refused', async () => {
    const config = await publicClient()
    const keyPair = await client.randomDPoPKeyPair('ES256')
    const DPoP = client.getDPoPHandle(config, keyPair)
    const tokens = await codeFlow(config, DPoP)
    assert.ok(tokens.refresh_token)

    const other = client.getDPoPHandle(config, await client.randomDPoPKeyPair('ES256'))
    const error = await rejection(
      client.refreshTokenGrant(config, tokens.refresh_token, undefined, { DPoP: other }),
    )
    assert.ok(error instanceof client.ResponseBodyError, `got ${error.name}: ${error.message}`)
    assert.equal(error.error, 'invalid_grant')

    const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token, undefined, {
      DPoP,
    })
    assert.equal(refreshed.token_type, 'dpop')
    assert.notEqual(refreshed.access_token, tokens.access_token)
  })

  it('clientCredentialsGrant() and genericGrantRequest() with DPoP return dpop tokens', async () => {
    const config = await confidential()
    const keyPair = await client.randomDPoPKeyPair('PS256')
    const DPoP = client.getDPoPHandle(config, keyPair)
    const viaHelper = await client.clientCredentialsGrant(config, { scope: 'api:read' }, { DPoP })
    assert.equal(viaHelper.token_type, 'dpop')
    const viaGeneric = await client.genericGrantRequest(
      config,
      'client_credentials',
      { scope: 'api:read' },
      { DPoP },
    )
    assert.equal(viaGeneric.token_type, 'dpop')
    const introspection = await client.tokenIntrospection(config, viaGeneric.access_token)
    assert.equal(introspection.cnf?.jkt, await thumbprint(keyPair))
  })

  it('pollDeviceAuthorizationGrant() with DPoP returns a dpop token', async () => {
    const config = await confidential()
    const keyPair = await client.randomDPoPKeyPair('ES256')
    const response = await client.initiateDeviceAuthorization(config, { scope: 'openid' })
    await op.approveDevice(response.user_code)
    const tokens = await client.pollDeviceAuthorizationGrant(
      config,
      { ...response, interval: 0.05 },
      undefined,
      { DPoP: client.getDPoPHandle(config, keyPair) },
    )
    assert.equal(tokens.token_type, 'dpop')
    const introspection = await client.tokenIntrospection(config, tokens.access_token)
    assert.equal(introspection.cnf?.jkt, await thumbprint(keyPair))
  })

  it('buildAuthorizationUrlWithPAR() with DPoP binds the code (dpop_jkt): the same key redeems it, another is refused', async () => {
    const config = await confidential()
    const keyPair = await client.randomDPoPKeyPair('ES256')
    const DPoP = client.getDPoPHandle(config, keyPair)

    const first = await pkceRequest(client)
    const url1 = await client.buildAuthorizationUrlWithPAR(config, first.parameters, { DPoP })
    assert.ok(url1.searchParams.get('request_uri'))
    const callback1 = await login(url1, { redirectUri })
    assert.ok(callback1 instanceof URL)
    const other = client.getDPoPHandle(config, await client.randomDPoPKeyPair('ES256'))
    const error = await rejection(
      client.authorizationCodeGrant(config, callback1, first.checks, undefined, { DPoP: other }),
    )
    assert.ok(error instanceof client.ResponseBodyError, `got ${error.name}: ${error.message}`)
    assert.equal(error.error, 'invalid_grant')

    const second = await pkceRequest(client)
    const callback2 = await login(
      await client.buildAuthorizationUrlWithPAR(config, second.parameters, { DPoP }),
      { redirectUri },
    )
    assert.ok(callback2 instanceof URL)
    const tokens = await client.authorizationCodeGrant(
      config,
      callback2,
      second.checks,
      undefined,
      { DPoP },
    )
    assert.equal(tokens.token_type, 'dpop')
    const introspection = await client.tokenIntrospection(config, tokens.access_token)
    assert.equal(introspection.cnf?.jkt, await thumbprint(keyPair))
  })

  it('clientCredentialsGrant() learns the authorization server DPoP nonce with one retry and reuses it', async () => {
    const exchanges: Exchange[] = []
    const { config, DPoP } = await nonceDemanding(exchanges)
    const tokenCalls = () =>
      exchanges.filter((e) => e.url === config.serverMetadata().token_endpoint)

    const first = await client.clientCredentialsGrant(config, { scope: 'api:read' }, { DPoP })
    assert.equal(first.token_type, 'dpop')
    assert.deepEqual(
      tokenCalls().map((e) => e.status),
      [400, 200],
      'one use_dpop_nonce refusal, then success',
    )
    assert.equal(jwtPayload(tokenCalls()[0]!.requestHeaders.get('dpop')!).nonce, undefined)
    assert.equal(typeof jwtPayload(tokenCalls()[1]!.requestHeaders.get('dpop')!).nonce, 'string')

    await client.clientCredentialsGrant(config, { scope: 'api:read' }, { DPoP })
    assert.deepEqual(
      tokenCalls().map((e) => e.status),
      [400, 200, 200],
      'the nonce was remembered',
    )
  })

  it('PAR, the code grant and UserInfo at a nonce-demanding authorization server: one retry in all, at PAR', async () => {
    const exchanges: Exchange[] = []
    const { config, DPoP } = await nonceDemanding(exchanges)
    const { parameters, checks } = await pkceRequest(client)
    const url = await client.buildAuthorizationUrlWithPAR(config, parameters, { DPoP })
    const callback = await login(url, { redirectUri })
    const tokens = await client.authorizationCodeGrant(config, callback, checks, undefined, {
      DPoP,
    })
    assert.equal(tokens.token_type, 'dpop')
    const userinfo = await client.fetchUserInfo(config, tokens.access_token, op.account.sub, {
      DPoP,
    })
    assert.equal(userinfo.sub, op.account.sub)
    const metadata = config.serverMetadata()
    assert.deepEqual(
      exchanges.filter((e) => !e.url.includes('/.well-known/')).map((e) => [e.url, e.status]),
      [
        [metadata.pushed_authorization_request_endpoint, 400],
        [metadata.pushed_authorization_request_endpoint, 201],
        [metadata.token_endpoint, 200],
        [metadata.userinfo_endpoint, 200],
      ],
    )
  })

  it('pollDeviceAuthorizationGrant() with DPoP retries once on use_dpop_nonce instead of failing', async () => {
    const exchanges: Exchange[] = []
    const { config, DPoP } = await nonceDemanding(exchanges)
    const response = await client.initiateDeviceAuthorization(config, { scope: 'openid' })
    await op.approveDevice(response.user_code)
    const tokens = await client.pollDeviceAuthorizationGrant(
      config,
      { ...response, interval: 0.05 },
      undefined,
      { DPoP },
    )
    assert.equal(tokens.token_type, 'dpop')
    assert.deepEqual(
      exchanges
        .filter((e) => e.url === config.serverMetadata().token_endpoint)
        .map((e) => e.status),
      [400, 200],
    )
  })

  it('fetchUserInfo() with DPoP presents the bound token; without the proof it is refused', async () => {
    const config = await confidential()
    const keyPair = await client.randomDPoPKeyPair('ES256')
    const DPoP = client.getDPoPHandle(config, keyPair)
    const tokens = await codeFlow(config, DPoP)
    const userinfo = await client.fetchUserInfo(config, tokens.access_token, op.account.sub, {
      DPoP,
    })
    assert.equal(userinfo.email, op.account.email)

    const error = await rejection(client.fetchUserInfo(config, tokens.access_token, op.account.sub))
    assert.ok(
      error instanceof client.WWWAuthenticateChallengeError,
      `got ${error.name}: ${error.message}`,
    )
    assert.equal(error.status, 401)
  })

  it('fetchProtectedResource() learns the resource server nonce with exactly one retry and the next call needs none', async () => {
    const config = await confidential()
    const keyPair = await client.randomDPoPKeyPair('Ed25519')
    const DPoP = client.getDPoPHandle(config, keyPair, {
      [client.modifyAssertion]: (header, payload) => {
        payload.rp_test = impl.name
        header.rp_header = 'present'
      },
    })
    const tokens = await client.clientCredentialsGrant(config, { scope: 'api:read' }, { DPoP })
    const acceptedBefore = rs.requests.length
    const refusedBefore = rs.refusals.length
    const path = `/dpop-${impl.name}`

    const first = await client.fetchProtectedResource(
      config,
      tokens.access_token,
      new URL(path, rs.url),
      'GET',
      undefined,
      undefined,
      { DPoP },
    )
    assert.equal(first.status, 200)
    assert.equal(rs.refusals.length - refusedBefore, 1, 'one use_dpop_nonce refusal')
    assert.equal(rs.refusals.at(-1)?.error, 'use_dpop_nonce')
    assert.equal(rs.requests.length - acceptedBefore, 1, 'the retry was accepted')

    const seen = (await first.json()) as { scheme: string; headers: Record<string, string> }
    assert.equal(seen.scheme, 'DPoP')
    const proof = seen.headers.dpop!
    assert.equal(jwtPayload(proof).rp_test, impl.name, '[modifyAssertion] changed the payload')
    assert.equal(jwtHeader(proof).rp_header, 'present', '[modifyAssertion] changed the header')
    assert.equal(typeof jwtPayload(proof).nonce, 'string', 'the retry carried the nonce')
    assert.equal(typeof jwtPayload(proof).ath, 'string')

    const second = await client.fetchProtectedResource(
      config,
      tokens.access_token,
      new URL(path, rs.url),
      'POST',
      'x=1',
      new Headers({ 'content-type': 'application/x-www-form-urlencoded' }),
      { DPoP },
    )
    assert.equal(second.status, 200)
    assert.equal(
      rs.refusals.length - refusedBefore,
      1,
      'no further refusal: the nonce was remembered',
    )
    assert.equal(rs.requests.length - acceptedBefore, 2)
    assert.equal(((await second.json()) as { method: string }).method, 'POST')
  })

  it('fetchProtectedResource() with a DPoP-bound token but no DPoP handle is refused by the resource server', async () => {
    const config = await confidential()
    const DPoP = client.getDPoPHandle(config, await client.randomDPoPKeyPair())
    const tokens = await client.clientCredentialsGrant(config, { scope: 'api:read' }, { DPoP })
    const error = await rejection(
      client.fetchProtectedResource(
        config,
        tokens.access_token,
        new URL('/no-proof', rs.url),
        'GET',
      ),
    )
    assert.ok(
      error instanceof client.WWWAuthenticateChallengeError,
      `got ${error.name}: ${error.message}`,
    )
    assert.equal(error.status, 401)
    const [challenge] = error.cause as Array<{
      scheme: string
      parameters: Record<string, string>
    }>
    assert.equal(challenge?.scheme, 'dpop')
    assert.equal(challenge?.parameters.error, 'invalid_dpop_proof')
    assert.equal(rs.refusals.at(-1)?.path, '/no-proof')
  })
})
