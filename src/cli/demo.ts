/**
 * `openid-rp demo`: starts the embedded OpenID Provider and a protected resource on 127.0.0.1 and
 * runs one flow against them, step by step, with the library's public API only (the package
 * entry, exactly as an application imports it).
 */
import * as client from 'openid-rp'
import * as jose from 'jose'
import { CookieJar, login } from './embedded/login.ts'
import type { ProviderOptions, ResourceServer, TestProvider } from './embedded/provider.ts'
import type { DemoPki } from './tls.ts'
import {
  decodeJwt,
  type HttpExchange,
  redact,
  redactClaims,
  redactUrl,
  type RunRecord,
  secret,
  type StepRecord,
  tokenSummary,
} from './transcript.ts'

export const PROFILES = [
  'fapi2',
  'oidc',
  'hybrid',
  'device',
  'ciba',
  'client-credentials',
  'mtls',
] as const
export type Profile = (typeof PROFILES)[number]

export interface DemoOptions {
  profile: Profile
  /** Called once the embedded provider is loaded, before the first step. */
  onStart?: () => void
  /** Called as each step finishes, for progress output. */
  onStep?: (step: StepRecord, index: number, total: number) => void
}

/** Thrown when the optional peer dependency `oidc-provider` is not installed. */
export class MissingProviderError extends Error {
  constructor() {
    super(
      'the demo needs the optional peer dependency oidc-provider: install it with `npm install oidc-provider` (the library itself does not need it)',
    )
    this.name = 'MissingProviderError'
  }
}

const REDIRECT_URI = 'https://client.example/cb'
const POST_LOGOUT_REDIRECT_URI = 'https://client.example/logged-out'
const API_PATH = '/api/accounts'
/** The provider sends no `interval`; the demo polls every 100 ms instead of every 5 s. */
const POLL_INTERVAL = 0.1

/** Runs one profile of the demo and returns its record; never throws for a failed step. */
export async function runDemo(options: DemoOptions): Promise<RunRecord> {
  const embedded = await loadEmbeddedProvider()
  options.onStart?.()
  const started = performance.now()
  const scenario = SCENARIOS[options.profile]
  const steps: StepRecord[] = []
  const run: RunRecord = {
    command: 'demo',
    profile: options.profile,
    ok: false,
    ms: 0,
    total: scenario.steps.length,
    steps,
  }

  const keys = await clientKeys(scenario.pki === true)
  const backchannel = scenario.backchannel ? await BackchannelReceiver.start() : undefined
  const providerOptions = scenario.provider(keys, backchannel?.url)
  if (backchannel) {
    // deliveries to the endpoint on 127.0.0.1 pass the provider's SSRF protection
    providerOptions.configuration = {
      ...providerOptions.configuration,
      fetch: embedded.loopbackFetch,
    }
  }
  const op = await embedded.createProvider(providerOptions)
  const rs = await embedded.startResourceServer(op, { requireDpopNonce: true })
  run.issuer = op.issuer.href
  const recorder = new Recorder()
  try {
    const context: Context = { op, rs, keys, recorder, backchannel, step: undefined! }
    const total = scenario.steps.length
    context.step = async (id, title, action) => {
      recorder.take()
      const begin = performance.now()
      const step: StepRecord = { id, title, ok: false, ms: 0, http: [], details: {} }
      try {
        step.details = await action()
        step.ok = true
      } catch (error) {
        step.error = describeError(error)
      }
      step.ms = performance.now() - begin
      step.http = recorder.take()
      steps.push(step)
      options.onStep?.(step, steps.length, total)
      if (!step.ok) throw new StepFailed()
    }
    try {
      await scenario.run(context)
      if (steps.length !== total) throw new Error(`ran ${steps.length} of ${total} steps`)
      const errors = op.serverErrors
      run.ok = errors.length === 0 && steps.every((step) => step.ok)
    } catch (error) {
      if (!(error instanceof StepFailed)) throw error
    }
  } finally {
    await rs.close()
    await op.close()
    await backchannel?.close()
  }
  run.ms = performance.now() - started
  return run
}

async function loadEmbeddedProvider() {
  // the factory first: it installs the filter for the provider's start-up notices
  const embedded = await import('./embedded/provider.ts')
  try {
    await import('oidc-provider')
  } catch (error) {
    const code = (error as { code?: string }).code
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
      throw new MissingProviderError()
    }
    throw error
  }
  return embedded
}

class StepFailed extends Error {}

interface Context {
  op: TestProvider
  rs: ResourceServer
  keys: ClientKeys
  recorder: Recorder
  /** The relying party's back-channel logout endpoint, for scenarios that set `backchannel`. */
  backchannel?: BackchannelReceiver
  step(id: string, title: string, action: () => Promise<Record<string, unknown>>): Promise<void>
}

interface Scenario {
  /** Step titles in order; the transcript numbers steps against this. */
  steps: string[]
  /** Issue a throw-away PKI (with openssl) before the provider starts. */
  pki?: boolean
  /** Start a back-channel logout endpoint on 127.0.0.1 before the provider starts. */
  backchannel?: boolean
  provider(keys: ClientKeys, backchannelLogoutUri?: string): ProviderOptions
  run(context: Context): Promise<void>
}

/** What the back-channel logout endpoint did with one request of the provider. */
interface BackchannelDelivery {
  status: number
  cacheControl: string | null
  token?: string
  claims?: client.LogoutTokenClaims
  error?: string
}

/**
 * The relying party's back-channel logout endpoint on 127.0.0.1: validates each logout token the
 * provider POSTs with the Configuration of the run, records the logout in a `MemoryLogoutStore`,
 * and answers with `backchannelLogoutResponse()`.
 */
class BackchannelReceiver {
  config?: client.Configuration
  readonly store = new client.MemoryLogoutStore()
  readonly deliveries: BackchannelDelivery[] = []
  readonly #server: import('node:http').Server

  private constructor(server: import('node:http').Server) {
    this.#server = server
  }

  static async start(): Promise<BackchannelReceiver> {
    const http = await import('node:http')
    let receiver: BackchannelReceiver | undefined
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = []
      req.on('data', (chunk: Buffer) => chunks.push(chunk))
      req.on('end', () => {
        const request = new Request(`http://127.0.0.1${req.url ?? '/'}`, {
          method: req.method,
          headers: { 'content-type': req.headers['content-type'] ?? '' },
          body: req.method === 'POST' ? Buffer.concat(chunks) : undefined,
        })
        void receiver!.#handle(request).then(async (answer) => {
          res.writeHead(answer.status, Object.fromEntries(answer.headers))
          res.end(await answer.text())
        })
      })
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    receiver = new BackchannelReceiver(server)
    return receiver
  }

  get url(): string {
    const { port } = this.#server.address() as import('node:net').AddressInfo
    return `http://127.0.0.1:${port}/backchannel-logout`
  }

  async #handle(request: Request): Promise<Response> {
    const token = new URLSearchParams(await request.clone().text()).get('logout_token') ?? undefined
    let answer: Response
    let claims: client.LogoutTokenClaims | undefined
    let error: string | undefined
    try {
      claims = await client.validateLogoutToken(this.config!, request)
      await this.store.markLoggedOut({ iss: claims.iss, sid: claims.sid, sub: claims.sub }, 3600)
      answer = client.backchannelLogoutResponse()
    } catch (err) {
      error = `${(err as Error).name} ${(err as { code?: string }).code ?? ''}: ${(err as Error).message}`
      answer = client.backchannelLogoutResponse(err)
    }
    const cacheControl = answer.headers.get('cache-control')
    this.deliveries.push({ status: answer.status, cacheControl, token, claims, error })
    return answer
  }

  close(): Promise<void> {
    this.#server.closeAllConnections()
    return new Promise((resolve) => this.#server.close(() => resolve()))
  }
}

/** Records each HTTP exchange of the client and of the login driver, in brief. */
class Recorder {
  #exchanges: HttpExchange[] = []
  /** Rewrites the `interval` of device and backchannel authorization responses. */
  shortenPolling = false
  /** How requests go out; the mtls profile sends them over TLS with a client certificate. */
  transport: client.CustomFetch = (url, options) => fetch(url, options as RequestInit)

  readonly fetch: client.CustomFetch = async (url, options) => {
    const response = await this.transport(url, options)
    this.#record(url, options.method, new Headers(options.headers), options.body, response)
    if (this.shortenPolling && response.ok && /device|backchannel/.test(new URL(url).pathname)) {
      const body = (await response.json()) as Record<string, unknown>
      const headers = new Headers(response.headers)
      headers.delete('content-length')
      return Response.json(
        { ...body, interval: POLL_INTERVAL },
        { status: response.status, headers },
      )
    }
    return response
  }

  /** The browser's cookies: the provider's session from login to logout. */
  readonly jar = new CookieJar()

  /** The fetch for the login driver's navigations. */
  readonly browser: typeof fetch = async (input, init) => {
    const url = input instanceof Request ? input.url : String(input)
    const response = await fetch(input, init)
    this.#record(url, init?.method ?? 'GET', new Headers(), init?.body, response)
    return response
  }

  #record(url: string, method: string, headers: Headers, body: unknown, response: Response) {
    const request: Record<string, string> = {}
    const authorization = headers.get('authorization')
    if (authorization) {
      const [scheme = '', value = ''] = authorization.split(' ', 2)
      request.authorization = `${scheme} ${secret(value)}`
    }
    if (headers.has('dpop')) request.dpop = `proof ${secret(headers.get('dpop')!)}`
    if (typeof body === 'string' || body instanceof URLSearchParams) {
      for (const [name, value] of new URLSearchParams(body)) request[name] = redact(name, value)
    }
    this.#exchanges.push({
      method,
      url: redactUrl(url),
      request,
      status: response.status,
      contentType: response.headers.get('content-type')?.split(';')[0],
    })
  }

  /** The exchanges since the last call. */
  take(): HttpExchange[] {
    const taken = this.#exchanges
    this.#exchanges = []
    return taken
  }
}

interface ClientKeys {
  signing: { key: CryptoKey; kid: string }
  encryption: { key: CryptoKey; kid: string; alg: string }
  jwks: jose.JWK[]
  /** A CA, server and client certificates, for profiles that set `pki`. */
  pki?: DemoPki
}

async function clientKeys(withPki: boolean): Promise<ClientKeys> {
  const pki = withPki ? (await import('./tls.ts')).issueDemoPki() : undefined
  const signing = await jose.generateKeyPair('ES256', { extractable: true })
  const encryption = await jose.generateKeyPair('ECDH-ES', { extractable: true })
  const signingJwk = {
    ...(await jose.exportJWK(signing.publicKey)),
    kid: 'rp-sig',
    alg: 'ES256',
    use: 'sig',
  }
  const encryptionJwk = {
    ...(await jose.exportJWK(encryption.publicKey)),
    kid: 'rp-enc',
    alg: 'ECDH-ES',
    use: 'enc',
  }
  return {
    signing: { key: signing.privateKey, kid: 'rp-sig' },
    encryption: { key: encryption.privateKey, kid: 'rp-enc', alg: 'ECDH-ES' },
    jwks: [signingJwk, encryptionJwk],
    pki,
  }
}

function describeError(error: unknown): NonNullable<StepRecord['error']> {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error) }
  const fields = error as Error & { code?: unknown; error?: unknown; status?: unknown }
  return {
    name: error.name,
    message: error.message,
    code: typeof fields.code === 'string' ? fields.code : undefined,
    error: typeof fields.error === 'string' ? fields.error : undefined,
    status: typeof fields.status === 'number' ? fields.status : undefined,
  }
}

function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(message)
}

/** Options every Configuration of the demo shares: plain HTTP on loopback, recorded fetches. */
function configurationOptions(context: Context): client.DiscoveryRequestOptions {
  return { execute: [client.allowInsecureRequests], [client.customFetch]: context.recorder.fetch }
}

function serverSummary(config: client.Configuration): Record<string, unknown> {
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

async function dpopDetails(keyPair: client.CryptoKeyPair) {
  const jwk = await jose.exportJWK(keyPair.publicKey)
  return { dpop_key: `${jwk.kty} ${jwk.crv}`, dpop_jkt: await jose.calculateJwkThumbprint(jwk) }
}

function assertDPoP(tokens: client.TokenEndpointResponse) {
  check(
    tokens.token_type.toLowerCase() === 'dpop',
    `expected a DPoP-bound access token, got token_type ${tokens.token_type}`,
  )
}

async function callApi(
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
async function revokeAndConfirm(
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

async function logout(context: Context, config: client.Configuration, idToken: string) {
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

type Tokens = client.TokenEndpointResponse & client.TokenEndpointResponseHelpers

interface DiscoveryStep {
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
async function discoveryStep(context: Context, request: DiscoveryStep) {
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
function authorizationChecks() {
  return {
    pkceCodeVerifier: client.randomPKCECodeVerifier(),
    expectedState: client.randomState(),
    expectedNonce: client.randomNonce(),
  }
}

type AuthorizationChecks = ReturnType<typeof authorizationChecks>

/** The authorization request parameters that go with `checks`. */
async function authorizationParameters(checks: AuthorizationChecks, scope: string) {
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
async function authorizeSteps(
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
async function loginStep(context: Context, authorizationUrl: URL): Promise<URL> {
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

interface TokenStepOptions<T> {
  /** The token type the response must carry. */
  expect?: 'DPoP' | 'Bearer'
  /** More details to show with the token summary. */
  details?(tokens: T): Record<string, unknown>
}

/** A step that obtains tokens with `grant` and shows their summary. */
async function tokenStep<T extends Tokens>(
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
function refreshStep(
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

function userinfoStep(context: Context, config: client.Configuration, tokens: Tokens) {
  return context.step('userinfo', 'userinfo', async () => ({
    claims: await client.fetchUserInfo(config, tokens.access_token, tokens.claims()!.sub),
  }))
}

function apiStep(
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
function introspectionStep(
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
function revocationStep(context: Context, config: client.Configuration, tokens: Tokens) {
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
function backchannelLogoutStep(context: Context, session: client.IDToken) {
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

function logoutStep(context: Context, config: client.Configuration, idToken: string) {
  return context.step('logout', 'RP-initiated logout', async () => logout(context, config, idToken))
}

interface DecoupledFlow<Response> {
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
function decoupledSteps(start: string, approve: string): string[] {
  return ['discovery', start, approve, 'poll for tokens', 'userinfo']
}

/**
 * A flow the user approves elsewhere (device authorization, CIBA): discovery, the start, the
 * approval, polling for tokens and userinfo.
 */
async function decoupledFlow<Response>(context: Context, flow: DecoupledFlow<Response>) {
  context.recorder.shortenPolling = true
  const { config } = await discoveryStep(context, { clientId: flow.clientId, auth: flow.auth })
  let response!: Response
  await context.step(flow.start.id, flow.start.title, async () => {
    response = await flow.start.request(config)
    return flow.start.details(response)
  })
  await context.step('approve', flow.approve.title, () => flow.approve.run(response))
  const tokens = await tokenStep(context, 'poll', 'poll for tokens', () =>
    flow.poll(config, response),
  )
  await userinfoStep(context, config, tokens)
}

const authorizationCodeClient = {
  redirect_uris: [REDIRECT_URI],
  post_logout_redirect_uris: [POST_LOGOUT_REDIRECT_URI],
  grant_types: ['authorization_code', 'refresh_token'],
}

/** A client without a front channel: no redirects, no response types. */
const backChannelClient = { response_types: [], redirect_uris: [] }

const SCENARIOS: Record<Profile, Scenario> = {
  fapi2: {
    steps: [
      'discovery',
      'PAR with a signed request object (JAR)',
      'login and consent (automated)',
      'JARM callback',
      'DPoP-bound code exchange with PKCE',
      'encrypted and signed userinfo',
      'DPoP-protected API call',
      'refresh',
      'revocation',
      'RP-initiated logout',
    ],
    provider: (keys) => ({
      signingAlgorithms: ['ES256', 'PS256'],
      features: {
        fapi: { profile: '2.0' },
        pushedAuthorizationRequests: { requirePushedAuthorizationRequests: true },
        requestObjects: true,
        jwtResponseModes: true,
        dPoP: true,
        encryption: true,
        jwtUserinfo: true,
        revocation: true,
        rpInitiatedLogout: true,
      },
      clients: [
        {
          ...authorizationCodeClient,
          client_id: 'fapi2-client',
          response_types: ['code'],
          token_endpoint_auth_method: 'private_key_jwt',
          token_endpoint_auth_signing_alg: 'ES256',
          jwks: { keys: keys.jwks as never },
          request_object_signing_alg: 'ES256',
          authorization_signed_response_alg: 'ES256',
          id_token_signed_response_alg: 'ES256',
          userinfo_signed_response_alg: 'ES256',
          userinfo_encrypted_response_alg: 'ECDH-ES',
          userinfo_encrypted_response_enc: 'A256GCM',
          dpop_bound_access_tokens: true,
        },
      ],
    }),
    async run(context) {
      const { op, keys, step } = context
      const { config, DPoP } = await discoveryStep(context, {
        clientId: 'fapi2-client',
        metadata: {
          id_token_signed_response_alg: 'ES256',
          authorization_signed_response_alg: 'ES256',
          userinfo_signed_response_alg: 'ES256',
        },
        auth: client.PrivateKeyJwt(keys.signing),
        setup(config) {
          client.useJwtResponseMode(config)
          client.enableDecryptingResponses(config, ['A256GCM'], keys.encryption)
        },
        dpop: true,
      })

      const checks = authorizationChecks()
      let authorizationUrl!: URL
      await step('par', 'PAR with a signed request object (JAR)', async () => {
        const parameters = await authorizationParameters(checks, 'openid email profile')
        const jar = await client.buildAuthorizationUrlWithJAR(config, parameters, keys.signing)
        const requestObject = jar.searchParams.get('request')!
        authorizationUrl = await client.buildAuthorizationUrlWithPAR(config, jar.searchParams, {
          DPoP,
        })
        return {
          request_object: decodeJwt(requestObject),
          authorization_url: redactUrl(authorizationUrl),
        }
      })

      const callback = await loginStep(context, authorizationUrl)

      await step('jarm', 'JARM callback', async () => {
        const response = callback.searchParams.get('response')
        check(response, 'the callback carries no JARM `response` parameter')
        const decoded = decodeJwt(response)
        const claims = decoded.claims ?? {}
        check(claims.iss === op.issuer.href, 'JARM response from another issuer')
        check(claims.aud === 'fapi2-client', 'JARM response for another client')
        return {
          response: decoded,
          note: 'signature, iss, aud, exp and state are verified by authorizationCodeGrant()',
        }
      })

      const tokens = await tokenStep(
        context,
        'token',
        'DPoP-bound code exchange with PKCE',
        () => client.authorizationCodeGrant(config, callback, checks, undefined, { DPoP }),
        { expect: 'DPoP' },
      )

      const sub = tokens.claims()!.sub
      await step('userinfo', 'encrypted and signed userinfo', async () => {
        const userInfo = await client.fetchUserInfo(config, tokens.access_token, sub, { DPoP })
        const raw = client.getDecryptedResponses(userInfo)
        const jws = typeof raw === 'string' ? raw : undefined
        check(jws, 'the userinfo response was not encrypted')
        return { decrypted_jws_header: jose.decodeProtectedHeader(jws), claims: userInfo }
      })

      await apiStep(context, config, tokens, DPoP)

      const refreshed = await refreshStep(context, config, tokens, DPoP)

      await step('revocation', 'revocation', async () =>
        revokeAndConfirm(config, refreshed.refresh_token ?? tokens.refresh_token!, DPoP),
      )

      await logoutStep(context, config, refreshed.id_token ?? tokens.id_token!)
    },
  },

  oidc: {
    steps: [
      'discovery',
      'authorization URL with PKCE, state and nonce',
      'login and consent (automated)',
      'code exchange',
      'userinfo',
      'refresh',
      'RP-initiated logout',
      'back-channel logout',
    ],
    backchannel: true,
    provider: (_keys, backchannelLogoutUri) => ({
      features: { rpInitiatedLogout: true, backchannelLogout: true },
      clients: [
        {
          ...authorizationCodeClient,
          client_id: 'oidc-client',
          client_secret: 'oidc-client-secret-0123456789abcdefghijklmnopqrstuvwxyz',
          response_types: ['code'],
          token_endpoint_auth_method: 'client_secret_basic',
          backchannel_logout_uri: backchannelLogoutUri,
          backchannel_logout_session_required: true,
        },
      ],
    }),
    async run(context) {
      const { config } = await discoveryStep(context, {
        clientId: 'oidc-client',
        auth: client.ClientSecretBasic('oidc-client-secret-0123456789abcdefghijklmnopqrstuvwxyz'),
      })
      const { callback, checks } = await authorizeSteps(
        context,
        config,
        'authorization URL with PKCE, state and nonce',
        'openid email profile',
      )
      const tokens = await tokenStep(
        context,
        'token',
        'code exchange',
        () => client.authorizationCodeGrant(config, callback, checks),
        { expect: 'Bearer' },
      )
      await userinfoStep(context, config, tokens)
      await refreshStep(context, config, tokens)
      context.backchannel!.config = config
      await logoutStep(context, config, tokens.id_token!)
      await backchannelLogoutStep(context, tokens.claims()!)
    },
  },

  hybrid: {
    steps: [
      'discovery',
      'authorization URL (code id_token)',
      'login and consent (automated)',
      'encrypted front-channel ID Token',
      'code exchange with detached signature checks',
      'userinfo',
    ],
    provider: (keys) => ({
      signingAlgorithms: ['ES256', 'PS256'],
      // s_hash (the state hash a detached signature needs) is issued under the FAPI 1.0 profile only
      features: { encryption: true, fapi: { profile: '1.0 Final' } },
      clients: [
        {
          ...authorizationCodeClient,
          client_id: 'hybrid-client',
          client_secret: 'hybrid-client-secret-0123456789abcdefghijklmnopqrstuvwxyz',
          response_types: ['code id_token'],
          grant_types: ['authorization_code', 'implicit', 'refresh_token'],
          token_endpoint_auth_method: 'client_secret_post',
          jwks: { keys: keys.jwks as never },
          id_token_signed_response_alg: 'ES256',
          id_token_encrypted_response_alg: 'ECDH-ES',
          id_token_encrypted_response_enc: 'A256GCM',
        },
      ],
    }),
    async run(context) {
      const { keys, step } = context
      const { config } = await discoveryStep(context, {
        clientId: 'hybrid-client',
        metadata: { id_token_signed_response_alg: 'ES256' },
        auth: client.ClientSecretPost('hybrid-client-secret-0123456789abcdefghijklmnopqrstuvwxyz'),
        setup(config) {
          client.useCodeIdTokenResponseType(config)
          client.enableDetachedSignatureResponseChecks(config)
          client.enableDecryptingResponses(config, ['A256GCM'], keys.encryption)
        },
      })
      const { callback, checks } = await authorizeSteps(
        context,
        config,
        'authorization URL (code id_token)',
        'openid email',
      )
      await step('front-channel', 'encrypted front-channel ID Token', async () => {
        const idToken = new URLSearchParams(callback.hash.slice(1)).get('id_token')
        check(idToken, 'the fragment carries no id_token')
        const header = jose.decodeProtectedHeader(idToken)
        check(idToken.split('.').length === 5, 'the front-channel ID Token is not encrypted')
        return { id_token: secret(idToken), jwe_header: header }
      })
      const tokens = await tokenStep(
        context,
        'token',
        'code exchange with detached signature checks',
        () => client.authorizationCodeGrant(config, callback, checks),
        {
          details(tokens) {
            const decrypted = client.getDecryptedResponses(tokens)
            return {
              decrypted:
                decrypted && typeof decrypted === 'object' ? Object.keys(decrypted) : decrypted,
            }
          },
        },
      )
      await userinfoStep(context, config, tokens)
    },
  },

  device: {
    steps: decoupledSteps('device authorization', 'user approves on a second device'),
    provider: () => ({
      features: { deviceFlow: true },
      clients: [
        {
          client_id: 'device-client',
          token_endpoint_auth_method: 'none',
          grant_types: ['urn:ietf:params:oauth:grant-type:device_code', 'refresh_token'],
          ...backChannelClient,
        },
      ],
    }),
    run: (context) =>
      decoupledFlow(context, {
        clientId: 'device-client',
        auth: client.None(),
        start: {
          id: 'device-authorization',
          title: 'device authorization',
          request: (config) =>
            client.initiateDeviceAuthorization(config, { scope: 'openid email' }),
          details: (response) => ({
            user_code: response.user_code,
            verification_uri: response.verification_uri,
            device_code: secret(response.device_code),
            expires_in: response.expires_in,
          }),
        },
        approve: {
          title: 'user approves on a second device',
          async run(response) {
            await context.op.approveDevice(response.user_code)
            return { user_code: response.user_code, account: context.op.account.sub }
          },
        },
        poll: (config, response) => client.pollDeviceAuthorizationGrant(config, response),
      }),
  },

  ciba: {
    steps: decoupledSteps(
      'backchannel authentication request',
      'user approves on the authentication device',
    ),
    provider: () => ({
      features: { ciba: true },
      clients: [
        {
          client_id: 'ciba-client',
          client_secret: 'ciba-client-secret-0123456789abcdefghijklmnopqrstuvwxyz',
          token_endpoint_auth_method: 'client_secret_basic',
          grant_types: ['urn:openid:params:grant-type:ciba', 'refresh_token'],
          ...backChannelClient,
          backchannel_token_delivery_mode: 'poll',
        },
      ],
    }),
    run: (context) =>
      decoupledFlow(context, {
        clientId: 'ciba-client',
        auth: client.ClientSecretBasic('ciba-client-secret-0123456789abcdefghijklmnopqrstuvwxyz'),
        start: {
          id: 'backchannel-authentication',
          title: 'backchannel authentication request',
          request: (config) =>
            client.initiateBackchannelAuthentication(config, {
              scope: 'openid email',
              login_hint: String(context.op.account.email),
              binding_message: 'demo 42',
            }),
          details: (response) => ({
            auth_req_id: secret(response.auth_req_id),
            expires_in: response.expires_in,
          }),
        },
        approve: {
          title: 'user approves on the authentication device',
          async run() {
            const request = context.op.cibaRequests.at(-1)
            await context.op.approveCiba()
            return { account: request?.accountId, binding_message: request?.bindingMessage }
          },
        },
        poll: (config, response) => client.pollBackchannelAuthenticationGrant(config, response),
      }),
  },

  'client-credentials': {
    steps: [
      'discovery',
      'DPoP-bound client credentials grant',
      'DPoP-protected API call',
      'introspection',
      'revocation',
    ],
    provider: (keys) => ({
      features: { clientCredentials: true, introspection: true, revocation: true, dPoP: true },
      clients: [
        {
          client_id: 'service-client',
          token_endpoint_auth_method: 'private_key_jwt',
          token_endpoint_auth_signing_alg: 'ES256',
          jwks: { keys: keys.jwks as never },
          grant_types: ['client_credentials'],
          ...backChannelClient,
          dpop_bound_access_tokens: true,
        },
      ],
    }),
    async run(context) {
      const { config, DPoP } = await discoveryStep(context, {
        clientId: 'service-client',
        auth: client.PrivateKeyJwt(context.keys.signing),
        dpop: true,
      })
      const tokens = await tokenStep(
        context,
        'token',
        'DPoP-bound client credentials grant',
        () => client.clientCredentialsGrant(config, { scope: 'api:read' }, { DPoP }),
        { expect: 'DPoP' },
      )
      await apiStep(context, config, tokens, DPoP)
      await introspectionStep(context, config, tokens, 'introspection')
      await revocationStep(context, config, tokens)
    },
  },

  mtls: {
    pki: true,
    steps: [
      'client certificate',
      'discovery over TLS',
      'client credentials with tls_client_auth',
      'introspection shows the certificate binding',
      'revocation',
    ],
    provider: (keys) => ({
      tls: {
        key: keys.pki!.server.key,
        cert: keys.pki!.server.cert,
        ca: keys.pki!.ca,
        requestCert: true,
        rejectUnauthorized: false,
      },
      features: {
        mTLS: { tlsClientAuth: true, certificateBoundAccessTokens: true },
        clientCredentials: true,
        introspection: true,
        revocation: true,
      },
      clients: [
        {
          client_id: 'mtls-client',
          token_endpoint_auth_method: 'tls_client_auth',
          tls_client_auth_subject_dn: 'CN=mtls-rp',
          tls_client_certificate_bound_access_tokens: true,
          grant_types: ['client_credentials'],
          ...backChannelClient,
        },
      ],
    }),
    async run(context) {
      const { keys, step } = context
      const pki = keys.pki!
      const { certificateThumbprint, tlsFetch } = await import('./tls.ts')
      const thumbprint = certificateThumbprint(pki.client.cert)
      await step('certificate', 'client certificate', async () => {
        const { X509Certificate } = await import('node:crypto')
        const certificate = new X509Certificate(pki.client.cert)
        context.recorder.transport = tlsFetch(pki.ca, pki.client)
        return {
          subject: certificate.subject,
          issuer: certificate.issuer,
          valid_to: certificate.validTo,
          'x5t#S256': thumbprint,
        }
      })
      const { config } = await discoveryStep(context, {
        clientId: 'mtls-client',
        metadata: { use_mtls_endpoint_aliases: true },
        auth: client.TlsClientAuth(),
        title: 'discovery over TLS',
        options: { [client.customFetch]: context.recorder.fetch },
        setup(config) {
          const metadata = config.serverMetadata()
          return {
            tls_client_certificate_bound_access_tokens:
              metadata.tls_client_certificate_bound_access_tokens ?? false,
            mtls_endpoint_aliases: metadata.mtls_endpoint_aliases ?? 'none',
          }
        },
      })
      const tokens = await tokenStep(
        context,
        'token',
        'client credentials with tls_client_auth',
        () => client.clientCredentialsGrant(config, { scope: 'api:read' }),
      )
      await introspectionStep(
        context,
        config,
        tokens,
        'introspection shows the certificate binding',
        (introspection) => {
          const bound = introspection.cnf?.['x5t#S256']
          check(bound === thumbprint, 'the access token is not bound to the client certificate')
          return { bound_to_client_certificate: true }
        },
      )
      await revocationStep(context, config, tokens)
    },
  },
}
