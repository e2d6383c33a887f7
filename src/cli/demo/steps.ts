/**
 * The steps demo profiles share (discovery, the code flow's front channel, token requests,
 * userinfo, API call, introspection, revocation, logout, decoupled flows), each a recorded step.
 */
import * as client from 'openid-rp'
import * as jose from 'jose'
import { login } from '../embedded/login.ts'
import { decodeJwt, redactClaims, redactUrl, secret, tokenSummary } from '../transcript.ts'
import {
  API_PATH,
  check,
  type Context,
  POST_LOGOUT_REDIRECT_URI,
  REDIRECT_URI,
  type Tokens,
} from './scenario.ts'

/** Options every Configuration of the demo shares: plain HTTP on loopback, recorded fetches. */
export function configurationOptions(context: Context): client.DiscoveryRequestOptions {
  return { execute: [client.allowInsecureRequests], [client.customFetch]: context.recorder.fetch }
}

export function serverSummary(config: client.Configuration): Record<string, unknown> {
  const metadata = config.serverMetadata()
  return {
    issuer: metadata.issuer,
    supports: {
      par: metadata.pushed_authorization_request_endpoint !== undefined,
      require_par: metadata.require_pushed_authorization_requests ?? false,
      jar: metadata.request_object_signing_alg_values_supported?.join(' '),
      jarm: metadata.authorization_signing_alg_values_supported?.join(' '),
      dpop: metadata.dpop_signing_alg_values_supported?.join(' '),
      userinfo_encryption: metadata.userinfo_encryption_alg_values_supported?.join(' '),
      grant_types: metadata.grant_types_supported?.join(' '),
    },
  }
}

export async function dpopDetails(keyPair: client.CryptoKeyPair) {
  const jwk = await jose.exportJWK(keyPair.publicKey)
  return { dpop_key: `${jwk.kty} ${jwk.crv}`, dpop_jkt: await jose.calculateJwkThumbprint(jwk) }
}

export function assertDPoP(tokens: client.TokenEndpointResponse) {
  check(
    tokens.token_type.toLowerCase() === 'dpop',
    `expected a DPoP-bound access token, got token_type ${tokens.token_type}`,
  )
}

export async function callApi(
  context: Context,
  config: client.Configuration,
  accessToken: string,
  DPoP?: client.DPoPHandle,
) {
  const url = new URL(API_PATH, context.rs.url)
  const response = await client.fetchProtectedResource(
    config,
    accessToken,
    url,
    'GET',
    undefined,
    undefined,
    DPoP ? { DPoP } : undefined,
  )
  check(response.ok, `the resource server answered ${response.status}`)
  const seen = (await response.json()) as { scheme: string; token: Record<string, string> }
  return {
    status: response.status,
    accepted_with: seen.scheme,
    token_seen_by_api: seen.token,
    dpop_nonce_challenges: context.rs.refusals.filter((r) => r.error === 'use_dpop_nonce').length,
  }
}

/** Revokes a refresh token and shows that the provider no longer accepts it. */
export async function revokeAndConfirm(
  config: client.Configuration,
  refreshToken: string,
  DPoP?: client.DPoPHandle,
) {
  await client.tokenRevocation(config, refreshToken, { token_type_hint: 'refresh_token' })
  try {
    await client.refreshTokenGrant(config, refreshToken, undefined, DPoP ? { DPoP } : undefined)
  } catch (error) {
    const code = (error as { error?: string }).error
    check(code === 'invalid_grant', `expected invalid_grant after revocation, got ${String(error)}`)
    return { revoked: secret(refreshToken), refresh_after_revocation: code }
  }
  throw new Error('the provider still accepts the revoked refresh token')
}

export async function logout(context: Context, config: client.Configuration, idToken: string) {
  const state = client.randomState()
  const url = client.buildEndSessionUrl(config, {
    id_token_hint: idToken,
    post_logout_redirect_uri: POST_LOGOUT_REDIRECT_URI,
    state,
  })
  const landed = await login(url, { fetch: context.recorder.browser, jar: context.recorder.jar })
  check(landed instanceof URL, 'the provider did not redirect after logout')
  check(landed.searchParams.get('state') === state, 'logout redirect lost the state')
  return { end_session_url: redactUrl(url), redirected_to: redactUrl(landed) }
}

export interface DiscoveryStep {
  clientId: string
  metadata?: Partial<client.ClientMetadata>
  auth: client.ClientAuth
  /** The step's title; `discovery` by default. */
  title?: string
  /** Discovery options; {@link configurationOptions} by default. */
  options?: client.DiscoveryRequestOptions
  /** Configures the new Configuration further; may return details to show with the summary. */
  setup?(config: client.Configuration): Record<string, unknown> | void
  /** Makes a DPoP key pair and handle for the Configuration. */
  dpop?: boolean
}

/** The discovery step: the client's Configuration and, with `dpop`, its DPoP handle. */
export async function discoveryStep(context: Context, request: DiscoveryStep) {
  let config!: client.Configuration
  let DPoP: client.DPoPHandle | undefined
  await context.step('discovery', request.title ?? 'discovery', async () => {
    config = await client.discovery(
      context.op.issuer,
      request.clientId,
      request.metadata,
      request.auth,
      request.options ?? configurationOptions(context),
    )
    const details = { ...serverSummary(config), ...request.setup?.(config) }
    if (!request.dpop) return details
    const dpopKeys = await client.randomDPoPKeyPair('ES256')
    DPoP = client.getDPoPHandle(config, dpopKeys)
    return { ...details, ...(await dpopDetails(dpopKeys)) }
  })
  return { config, DPoP }
}

/** A new PKCE code verifier, state and nonce: what the code exchange checks. */
export function authorizationChecks() {
  return {
    pkceCodeVerifier: client.randomPKCECodeVerifier(),
    expectedState: client.randomState(),
    expectedNonce: client.randomNonce(),
  }
}

export type AuthorizationChecks = ReturnType<typeof authorizationChecks>

/** The authorization request parameters that go with `checks`. */
export async function authorizationParameters(checks: AuthorizationChecks, scope: string) {
  return {
    redirect_uri: REDIRECT_URI,
    scope,
    code_challenge: await client.calculatePKCECodeChallenge(checks.pkceCodeVerifier),
    code_challenge_method: 'S256',
    state: checks.expectedState,
    nonce: checks.expectedNonce,
  }
}

/**
 * The front channel of the code flow: the step that builds an authorization URL with PKCE, state
 * and nonce, then the automated login; returns the callback URL and what the exchange checks.
 */
export async function authorizeSteps(
  context: Context,
  config: client.Configuration,
  title: string,
  scope: string,
) {
  const checks = authorizationChecks()
  let authorizationUrl!: URL
  await context.step('authorize', title, async () => {
    const parameters = await authorizationParameters(checks, scope)
    authorizationUrl = client.buildAuthorizationUrl(config, parameters)
    return { authorization_url: redactUrl(authorizationUrl) }
  })
  return { callback: await loginStep(context, authorizationUrl), checks }
}

/** The automated login and consent; returns the callback URL the provider redirected to. */
export async function loginStep(context: Context, authorizationUrl: URL): Promise<URL> {
  let callback!: URL
  await context.step('login', 'login and consent (automated)', async () => {
    const landed = await login(authorizationUrl, {
      redirectUri: REDIRECT_URI,
      fetch: context.recorder.browser,
      jar: context.recorder.jar,
    })
    check(landed instanceof URL, 'expected a redirect to the client')
    callback = landed
    return { account: context.op.account.sub, callback: redactUrl(callback) }
  })
  return callback
}

export interface TokenStepOptions<T> {
  /** The token type the response must carry. */
  expect?: 'DPoP' | 'Bearer'
  /** More details to show with the token summary. */
  details?(tokens: T): Record<string, unknown>
}

/** A step that obtains tokens with `grant` and shows their summary. */
export async function tokenStep<T extends Tokens>(
  context: Context,
  id: string,
  title: string,
  grant: () => Promise<T>,
  options: TokenStepOptions<T> = {},
): Promise<T> {
  let tokens!: T
  await context.step(id, title, async () => {
    tokens = await grant()
    if (options.expect === 'DPoP') assertDPoP(tokens)
    if (options.expect === 'Bearer') {
      check(tokens.token_type.toLowerCase() === 'bearer', 'expected a Bearer token')
    }
    return { ...tokenSummary(tokens), ...options.details?.(tokens) }
  })
  return tokens
}

/** Refreshes `tokens`; with `DPoP`, the refreshed access token must be DPoP-bound. */
export function refreshStep(
  context: Context,
  config: client.Configuration,
  tokens: Tokens,
  DPoP?: client.DPoPHandle,
) {
  return tokenStep(
    context,
    'refresh',
    'refresh',
    async () => {
      check(tokens.refresh_token, 'no refresh token was issued')
      return client.refreshTokenGrant(config, tokens.refresh_token, undefined, DPoP && { DPoP })
    },
    { expect: DPoP && 'DPoP' },
  )
}

export function userinfoStep(context: Context, config: client.Configuration, tokens: Tokens) {
  return context.step('userinfo', 'userinfo', async () => ({
    claims: await client.fetchUserInfo(config, tokens.access_token, tokens.claims()!.sub),
  }))
}

export function apiStep(
  context: Context,
  config: client.Configuration,
  tokens: Tokens,
  DPoP: client.DPoPHandle | undefined,
) {
  return context.step('api', 'DPoP-protected API call', async () => {
    const result = await callApi(context, config, tokens.access_token, DPoP)
    check(result.accepted_with === 'DPoP', 'the API did not see a DPoP-bound token')
    return result
  })
}

/** Introspects the access token, which must be active; `verify` may check and add more. */
export function introspectionStep(
  context: Context,
  config: client.Configuration,
  tokens: Tokens,
  title: string,
  verify?: (introspection: client.IntrospectionResponse) => Record<string, unknown>,
) {
  return context.step('introspection', title, async () => {
    const introspection = await client.tokenIntrospection(config, tokens.access_token)
    check(introspection.active, 'the access token is not active')
    return { introspection: redactClaims(introspection), ...verify?.(introspection) }
  })
}

/** Revokes the access token and shows that introspection no longer finds it active. */
export function revocationStep(context: Context, config: client.Configuration, tokens: Tokens) {
  return context.step('revocation', 'revocation', async () => {
    await client.tokenRevocation(config, tokens.access_token)
    const introspection = await client.tokenIntrospection(config, tokens.access_token)
    check(!introspection.active, 'the access token is still active after revocation')
    return { revoked: secret(tokens.access_token), active_after_revocation: false }
  })
}

/**
 * What the relying party's back-channel logout endpoint did during the RP-initiated logout: the
 * provider's logout token (validated there), its answer, and the session ended in the store.
 */
export function backchannelLogoutStep(context: Context, session: client.IDToken) {
  return context.step('backchannel-logout', 'back-channel logout', async () => {
    const receiver = context.backchannel!
    const [delivery, ...others] = receiver.deliveries
    check(delivery !== undefined, 'the provider sent no logout token')
    check(others.length === 0, 'the provider sent more than one logout token')
    check(delivery.claims !== undefined, `the logout token was refused: ${delivery.error}`)
    check(delivery.claims.sid === session.sid, 'the logout token names another session')
    const ended = await receiver.store.isLoggedOut(session as client.LogoutSessionClaims)
    check(ended, 'the logout store does not end the session')
    return {
      endpoint: receiver.url,
      logout_token: decodeJwt(delivery.token!),
      answer: { status: delivery.status, 'cache-control': delivery.cacheControl },
      session_ended: ended,
    }
  })
}

export function logoutStep(context: Context, config: client.Configuration, idToken: string) {
  return context.step('logout', 'RP-initiated logout', async () => logout(context, config, idToken))
}

export interface DecoupledFlow<Response> {
  clientId: string
  auth: client.ClientAuth
  /** The step that starts the flow on the back channel. */
  start: {
    id: string
    title: string
    request(config: client.Configuration): Promise<Response>
    details(response: Response): Record<string, unknown>
  }
  /** The step in which the user approves on another device. */
  approve: { title: string; run(response: Response): Promise<Record<string, unknown>> }
  poll(config: client.Configuration, response: Response): Promise<Tokens>
}

/** The step titles of a {@link decoupledFlow} with the titles of its start and approval. */
export function decoupledSteps(start: string, approve: string): string[] {
  return [
    'discovery',
    start,
    'poll: authorization_pending until the user approves',
    approve,
    'poll for tokens',
    'userinfo',
  ]
}

/**
 * A flow the user approves elsewhere (device authorization, CIBA): discovery, the start, polling
 * that meets `authorization_pending`, the approval, the poll that gets the tokens, userinfo.
 */
export async function decoupledFlow<Response>(context: Context, flow: DecoupledFlow<Response>) {
  context.recorder.shortenPolling = true
  const { config } = await discoveryStep(context, { clientId: flow.clientId, auth: flow.auth })
  let response!: Response
  await context.step(flow.start.id, flow.start.title, async () => {
    response = await flow.start.request(config)
    return flow.start.details(response)
  })
  let polling!: Promise<Tokens>
  await context.step('pending', 'poll: authorization_pending until the user approves', async () => {
    polling = flow.poll(config, response)
    polling.catch(() => {})
    await Promise.race([
      context.recorder.seen('authorization_pending'),
      polling.then(() => {
        throw new Error('the provider issued tokens before the user approved')
      }),
    ])
    return {
      error: 'authorization_pending',
      note: 'the user has not approved yet: the library waits the interval and polls again',
    }
  })
  await context.step('approve', flow.approve.title, () => flow.approve.run(response))
  const tokens = await tokenStep(context, 'poll', 'poll for tokens', () => polling)
  await userinfoStep(context, config, tokens)
}
