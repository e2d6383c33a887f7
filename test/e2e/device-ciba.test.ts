import { after, before, it } from 'node:test'
import assert from 'node:assert/strict'
import { type Client, describeEachImplementation } from '../support/implementations.ts'
import { createProvider, type TestProvider } from '../support/provider.ts'
import { assertClientError, closeProvider, rejection } from '../support/e2e.ts'

type Configuration = InstanceType<Client['Configuration']>

const cibaSecret = 'rp-ciba-secret-0123456789abcdefghijklmnopqrstuvwxyz'
const deviceGrant = 'urn:ietf:params:oauth:grant-type:device_code'
const cibaGrant = 'urn:openid:params:grant-type:ciba'
/** The provider sends no `interval`, so clients would wait 5 s per poll; tests poll every 50 ms. */
const fastInterval = 0.05

let op: TestProvider

before(async () => {
  op = await createProvider({
    features: { deviceFlow: true, ciba: true },
    clients: [
      {
        client_id: 'rp-device',
        token_endpoint_auth_method: 'none',
        grant_types: [deviceGrant, 'refresh_token'],
        response_types: [],
        redirect_uris: [],
      },
      {
        client_id: 'rp-ciba',
        client_secret: cibaSecret,
        token_endpoint_auth_method: 'client_secret_basic',
        grant_types: [cibaGrant, 'refresh_token'],
        response_types: [],
        redirect_uris: [],
        backchannel_token_delivery_mode: 'poll',
      },
    ],
  })
})

after(() => closeProvider(op))

describeEachImplementation('device authorization and CIBA', (_impl, client) => {
  /**
   * A Configuration whose [customFetch] shortens the `interval` of device and backchannel
   * authorization responses, calls `onPending` after each authorization_pending answer (before
   * the library sees it) and `beforePoll` before each token request.
   */
  const configure = async (
    clientId: string,
    auth: ReturnType<Client['None']>,
    onPending: (count: number) => void | Promise<void> = () => {},
    beforePoll: (count: number) => void = () => {},
  ) => {
    let pending = 0
    let polls = 0
    let config: Configuration | undefined
    config = await client.discovery(op.issuer, clientId, undefined, auth, {
      execute: [client.allowInsecureRequests],
      [client.customFetch]: async (url, options) => {
        const metadata = config?.serverMetadata()
        if (url === metadata?.token_endpoint) beforePoll(++polls)
        const response = await fetch(url, options as RequestInit)
        if (
          url === metadata?.device_authorization_endpoint ||
          url === metadata?.backchannel_authentication_endpoint
        ) {
          const body = (await response.json()) as Record<string, unknown>
          const headers = new Headers(response.headers)
          headers.delete('content-length')
          return Response.json(
            { ...body, interval: fastInterval },
            { status: response.status, headers },
          )
        }
        if (url === metadata?.token_endpoint && response.status === 400) {
          const body = (await response.clone().json()) as { error?: string }
          if (body.error === 'authorization_pending') await onPending(++pending)
        }
        return response
      },
    })
    return { config, pendingCount: () => pending }
  }

  it('initiateDeviceAuthorization() returns device and user codes with the verification URIs', async () => {
    const { config } = await configure('rp-device', client.None())
    const response = await client.initiateDeviceAuthorization(config, { scope: 'openid email' })
    assert.equal(typeof response.device_code, 'string')
    assert.match(response.user_code, /^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/)
    assert.equal(response.verification_uri, `${op.issuer.origin}/device`)
    assert.equal(
      response.verification_uri_complete,
      `${op.issuer.origin}/device?user_code=${response.user_code}`,
    )
    assert.ok(response.expires_in > 0)
    assert.equal(response.interval, fastInterval, 'the [customFetch] rewrite reached the response')
  })

  it('pollDeviceAuthorizationGrant() polls through authorization_pending and returns tokens once the user approves', async () => {
    let userCode = ''
    const { config, pendingCount } = await configure('rp-device', client.None(), async (count) => {
      if (count === 1) await op.approveDevice(userCode)
    })
    const response = await client.initiateDeviceAuthorization(config, { scope: 'openid email' })
    userCode = response.user_code

    const tokens = await client.pollDeviceAuthorizationGrant(config, response)
    assert.equal(pendingCount(), 1, 'one poll was answered authorization_pending')
    assert.equal(typeof tokens.access_token, 'string')
    assert.equal(typeof tokens.refresh_token, 'string')
    assert.equal(tokens.scope, 'openid email')
    assert.equal(tokens.claims()?.sub, op.account.sub)
    assert.equal(tokens.claims()?.aud, 'rp-device')
    assert.ok(tokens.expiresIn()! > 0)
  })

  it('pollDeviceAuthorizationGrant() rejects with access_denied when the user denies the request', async () => {
    let userCode = ''
    const { config } = await configure('rp-device', client.None(), async (count) => {
      if (count === 1) await op.denyDevice(userCode)
    })
    const response = await client.initiateDeviceAuthorization(config, { scope: 'openid' })
    userCode = response.user_code

    const error = await rejection(client.pollDeviceAuthorizationGrant(config, response))
    assert.ok(error instanceof client.ResponseBodyError, `got ${error.name}: ${error.message}`)
    assert.equal(error.error, 'access_denied')
  })

  it('pollDeviceAuthorizationGrant() stops with OAUTH_ABORT when its AbortSignal is aborted', async () => {
    const controller = new AbortController()
    const { config, pendingCount } = await configure(
      'rp-device',
      client.None(),
      () => {},
      (count) => {
        if (count === 3) controller.abort()
      },
    )
    const response = await client.initiateDeviceAuthorization(config, { scope: 'openid' })

    const started = performance.now()
    const error = await rejection(
      client.pollDeviceAuthorizationGrant(config, response, undefined, {
        signal: controller.signal,
      }),
    )
    assertClientError(client, error, 'OAUTH_ABORT')
    assert.equal(pendingCount(), 2, 'the third poll never reached the provider')
    assert.ok(performance.now() - started < 2000)
  })

  it('pollDeviceAuthorizationGrant() stops with OAUTH_TIMEOUT when its AbortSignal times out', async () => {
    const { config, pendingCount } = await configure('rp-device', client.None())
    const response = await client.initiateDeviceAuthorization(config, { scope: 'openid' })

    const error = await rejection(
      client.pollDeviceAuthorizationGrant(config, response, undefined, {
        signal: AbortSignal.timeout(300),
      }),
    )
    assertClientError(client, error, 'OAUTH_TIMEOUT')
    assert.ok(pendingCount() >= 1, 'it polled before the timeout')
  })

  it('initiateBackchannelAuthentication() returns an auth_req_id and hands the request to the authentication device', async () => {
    const { config } = await configure('rp-ciba', client.ClientSecretBasic(cibaSecret))
    const response = await client.initiateBackchannelAuthentication(config, {
      scope: 'openid email',
      login_hint: String(op.account.email),
      binding_message: 'W4SCT',
    })
    assert.equal(typeof response.auth_req_id, 'string')
    assert.ok(response.expires_in > 0)
    assert.equal(response.interval, fastInterval)

    const request = op.cibaRequests.find((r) => r.authReqId === response.auth_req_id)
    assert.ok(request, 'the provider triggered the authentication device')
    assert.equal(request.clientId, 'rp-ciba')
    assert.equal(request.accountId, op.account.sub)
    assert.equal(request.scope, 'openid email')
    assert.equal(request.bindingMessage, 'W4SCT')
  })

  it('pollBackchannelAuthenticationGrant() returns tokens once the user approves on the authentication device', async () => {
    let authReqId = ''
    const { config, pendingCount } = await configure(
      'rp-ciba',
      client.ClientSecretBasic(cibaSecret),
      async (count) => {
        if (count === 1) await op.approveCiba(authReqId)
      },
    )
    const response = await client.initiateBackchannelAuthentication(config, {
      scope: 'openid email',
      login_hint: op.account.sub,
    })
    authReqId = response.auth_req_id

    const tokens = await client.pollBackchannelAuthenticationGrant(config, response)
    assert.equal(pendingCount(), 1)
    assert.equal(typeof tokens.access_token, 'string')
    assert.equal(tokens.scope, 'openid email')
    assert.equal(tokens.claims()?.sub, op.account.sub)
    assert.equal(tokens.claims()?.aud, 'rp-ciba')
    const userinfo = await client.fetchUserInfo(config, tokens.access_token, op.account.sub)
    assert.equal(userinfo.email, op.account.email)
  })

  it('pollBackchannelAuthenticationGrant() rejects with access_denied when the user denies', async () => {
    let authReqId = ''
    const { config } = await configure(
      'rp-ciba',
      client.ClientSecretBasic(cibaSecret),
      async (count) => {
        if (count === 1) await op.denyCiba(authReqId)
      },
    )
    const response = await client.initiateBackchannelAuthentication(config, {
      scope: 'openid',
      login_hint: op.account.sub,
    })
    authReqId = response.auth_req_id

    const error = await rejection(client.pollBackchannelAuthenticationGrant(config, response))
    assert.ok(error instanceof client.ResponseBodyError, `got ${error.name}: ${error.message}`)
    assert.equal(error.error, 'access_denied')
  })

  it('initiateBackchannelAuthentication() for a login_hint the provider cannot resolve rejects with unknown_user_id', async () => {
    const { config } = await configure('rp-ciba', client.ClientSecretBasic(cibaSecret))
    const error = await rejection(
      client.initiateBackchannelAuthentication(config, {
        scope: 'openid',
        login_hint: 'nobody@example.com',
      }),
    )
    assert.ok(error instanceof client.ResponseBodyError, `got ${error.name}: ${error.message}`)
    assert.equal(error.error, 'unknown_user_id')
  })
})
