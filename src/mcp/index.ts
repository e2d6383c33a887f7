/**
 * `openid-rp/mcp`: an authorizing `fetch` for MCP clients (the MCP TypeScript SDK's transport
 * `fetch` option or middleware), with the MCP authorization profile on top of openid-rp.
 */
import * as oauth from 'oauth4webapi'
import * as client from 'openid-rp'

/**
 * A `fetch` as the MCP SDK's transports take it (`FetchLike`).
 *
 * @example
 * ```ts
 * const authorized: McpFetch = createMcpFetch({ clientId: 'my-client', authorize })
 * const transport = new StreamableHTTPClientTransport(serverUrl, { fetch: authorized })
 * ```
 */
export type McpFetch = (url: string | URL, init?: RequestInit) => Promise<Response>

/**
 * Tokens the adapter keeps for one MCP server.
 *
 * @example
 * ```ts
 * const tokens: McpTokens = { access_token: 'at', token_type: 'bearer', expires_at: 1767225600 }
 * ```
 */
export interface McpTokens {
  /** The access token sent to the MCP server. */
  access_token: string
  /** `bearer`, or `dpop` for a DPoP-bound token. */
  token_type: string
  /** The refresh token, when the server issued one. */
  refresh_token?: string
  /** The scope granted (or, when the server did not say, the scope asked for). */
  scope?: string
  /** Expiry in seconds since the epoch, from `expires_in`. */
  expires_at?: number
}

/**
 * Where the adapter keeps tokens, keyed by the MCP server's resource identifier. Back it with
 * a shared store (Redis, a file, the token manager) to keep tokens across processes.
 *
 * @example
 * ```ts
 * const map = new Map<string, McpTokens>()
 * const store: McpTokenStore = {
 *   get: (key) => map.get(key),
 *   set: (key, tokens) => void map.set(key, tokens),
 *   delete: (key) => void map.delete(key),
 * }
 * ```
 */
export interface McpTokenStore {
  /** The tokens kept for `key` (the resource identifier), if any. */
  get(key: string): McpTokens | undefined | Promise<McpTokens | undefined>
  /** Keeps `tokens` for `key`, replacing what was there. */
  set(key: string, tokens: McpTokens): void | Promise<void>
  /** Forgets the tokens of `key` (after a 401 or a refused refresh). */
  delete(key: string): void | Promise<void>
}

/**
 * A token store in this process's memory (the default).
 *
 * @example
 * ```ts
 * const fetch = createMcpFetch({ clientId: 'my-client', authorize, store: memoryTokenStore() })
 * ```
 */
export function memoryTokenStore(): McpTokenStore {
  const tokens = new Map<string, McpTokens>()
  return {
    get: (key) => tokens.get(key),
    set: (key, value) => void tokens.set(key, value),
    delete: (key) => void tokens.delete(key),
  }
}

/**
 * Options of {@link createMcpFetch}.
 *
 * @example
 * ```ts
 * const options: McpAuthOptions = {
 *   clientMetadataDocument: new URL('https://app.example.com/client.json'),
 *   redirectUri: 'http://127.0.0.1:33418/callback',
 *   authorize: async (url) => openBrowserAndWaitForCallback(url),
 * }
 * ```
 */
export interface McpAuthOptions {
  /** A pre-registered client identifier. */
  clientId?: string
  /** The pre-registered client's secret. */
  clientSecret?: string
  /** Client metadata of a pre-registered client. */
  metadata?: Partial<client.ClientMetadata>
  /** Client authentication (e.g. `PrivateKeyJwt`); by default negotiated from the server metadata. */
  clientAuthentication?: client.ClientAuth
  /** The client's Client ID Metadata Document URL, used where the server supports it. */
  clientMetadataDocument?: URL
  /** Client metadata for dynamic registration (`false`: never register). */
  registration?: Partial<client.ClientMetadata> | false
  /** `authorization_code` (default) or `client_credentials`. */
  grantType?: 'authorization_code' | 'client_credentials'
  /** Where the authorization server sends the user back (authorization code grant). */
  redirectUri?: string
  /** Sends the user to the authorization URL and resolves with the callback URL. */
  authorize?: (authorizationUrl: URL) => Promise<URL>
  /** Scope to ask for instead of the one the server suggests. */
  scope?: string
  /** Sender-constrain tokens with DPoP, using this key pair. */
  DPoP?: CryptoKeyPair
  /** Token storage (default: {@link memoryTokenStore}). */
  store?: McpTokenStore
  /** Step-up authorizations allowed in a row (default 3). */
  maxStepUps?: number
  /** Allow plain http (loopback development servers only). */
  allowInsecureRequests?: boolean
  /** The `fetch` underneath (default `globalThis.fetch`). */
  fetch?: McpFetch
  /** Timeout of authorization server requests in seconds (default 30). */
  timeout?: number
}

const REFRESH_MARGIN = 30

interface Session {
  config: client.Configuration
  resourceConfig: client.Configuration
  asDPoP?: client.DPoPHandle
  rsDPoP?: client.DPoPHandle
  protectedResource?: client.ProtectedResourceMetadata
}

function argumentError(message: string): TypeError {
  return Object.assign(new TypeError(message), { code: 'ERR_INVALID_ARG_VALUE' })
}

function mcpError(message: string, code: client.ErrorCode, cause?: unknown): client.ClientError {
  return new client.ClientError(message, { code, cause })
}

/**
 * The challenge of a response sent without a token, as the error `fetchProtectedResource`
 * rejects with (oauth4webapi parses `WWW-Authenticate` before looking at the status).
 */
async function challengeOf(
  response: Response,
): Promise<client.WWWAuthenticateChallengeError | undefined> {
  try {
    await oauth.processUserInfoResponse(
      { issuer: 'urn:openid-rp:mcp' },
      { client_id: 'urn:openid-rp:mcp' },
      oauth.skipSubjectCheck,
      response,
    )
  } catch (err) {
    if (err instanceof client.WWWAuthenticateChallengeError) return err
  }
  return undefined
}

function challengeParameter(
  error: client.WWWAuthenticateChallengeError | undefined,
  name: string,
): string | undefined {
  const parameters = (challenge: client.WWWAuthenticateChallenge) =>
    challenge.parameters as Record<string, string | undefined>
  const found = error?.cause.find((challenge) => typeof parameters(challenge)[name] === 'string')
  return found === undefined ? undefined : parameters(found)[name]
}

/**
 * The MCP profile's rule that is no core default: PKCE `S256` must be advertised
 * (`code_challenge_methods_supported`), else the server may silently ignore PKCE.
 */
function checkMcpProfile(server: client.ServerMetadata, grantType: string): void {
  if (grantType !== 'authorization_code') return
  const methods = server.code_challenge_methods_supported
  if (!Array.isArray(methods) || !methods.includes('S256')) {
    throw mcpError(
      `the authorization server ${server.issuer} does not advertise PKCE S256 in "code_challenge_methods_supported": MCP clients must refuse it`,
      Array.isArray(methods) ? 'OAUTH_UNSUPPORTED_OPERATION' : 'OAUTH_MISSING_SERVER_METADATA',
      { attribute: 'code_challenge_methods_supported' },
    )
  }
}

/** The token endpoint authentication method to register with, from what the server supports. */
function registrationMethod(server: client.ServerMetadata, wanted?: string): string {
  const supported = server.token_endpoint_auth_methods_supported ?? ['client_secret_basic']
  if (wanted !== undefined) return wanted
  return (
    ['client_secret_basic', 'client_secret_post', 'none'].find((method) =>
      supported.includes(method),
    ) ?? 'none'
  )
}

/** Client authentication by the method registered, else the first secret method supported. */
function negotiatedAuth(secret: string | undefined): client.ClientAuth {
  return (as, c, body, headers) => {
    const key = secret ?? c.client_secret
    if (typeof key !== 'string' || key === '') return client.None()(as, c, body, headers)
    const supported = as.token_endpoint_auth_methods_supported ?? ['client_secret_basic']
    const method =
      c.token_endpoint_auth_method ??
      (supported.includes('client_secret_basic') ? 'client_secret_basic' : 'client_secret_post')
    if (method === 'client_secret_post') return client.ClientSecretPost(key)(as, c, body, headers)
    if (method === 'none') return client.None()(as, c, body, headers)
    headers.set('authorization', `Basic ${btoa(`${formEncode(c.client_id)}:${formEncode(key)}`)}`)
  }
}

/**
 * RFC 6749 §2.3.1 form encoding as `URLSearchParams` does it: `-`, `.`, `_` and `*` stay as they
 * are. (oauth4webapi also escapes those, which is as valid, but several MCP authorization servers
 * compare the undecoded Basic credentials.)
 */
function formEncode(value: string): string {
  return new URLSearchParams({ v: value }).toString().slice(2)
}

function toTokens(response: client.TokenEndpointResponse & { expiresIn(): number | undefined }) {
  const seconds = response.expiresIn()
  const tokens: McpTokens = {
    access_token: response.access_token,
    token_type: response.token_type,
  }
  if (response.refresh_token !== undefined) tokens.refresh_token = response.refresh_token
  if (response.scope !== undefined) tokens.scope = response.scope
  if (seconds !== undefined) tokens.expires_at = Math.floor(Date.now() / 1000) + seconds
  return tokens
}

/**
 * An authorizing `fetch` for one MCP server: it sends the stored access token (`Bearer`, or
 * `DPoP` with a proof), and on a 401 discovers the authorization server from the server's
 * challenge (RFC 9728), gets a token (authorization code with PKCE and `state`, or client
 * credentials; Client ID Metadata Document, pre-registered or dynamically registered client),
 * and repeats the request once. A 403 `insufficient_scope` is answered with a step-up
 * authorization for the union of scopes, bounded by `maxStepUps`. Refreshes are single-flight
 * per resource in this process.
 *
 * Pass it as the MCP SDK transport's `fetch` (without an `authProvider`): the SDK's own
 * `OAuthClientProvider` flow is then never used.
 *
 * @example
 * ```ts
 * const transport = new StreamableHTTPClientTransport(new URL('https://mcp.example.com/mcp'), {
 *   fetch: createMcpFetch({
 *     clientMetadataDocument: new URL('https://app.example.com/client.json'),
 *     redirectUri: 'http://127.0.0.1:33418/callback',
 *     authorize: (url) => openBrowserAndWaitForCallback(url),
 *     DPoP: await client.randomDPoPKeyPair(),
 *   }),
 * })
 * ```
 * @see [MCP Authorization](https://modelcontextprotocol.io/specification/2025-11-25/basic/authorization)
 */
export function createMcpFetch(options: McpAuthOptions): McpFetch {
  if (typeof options !== 'object' || options === null) {
    throw argumentError('"options" must be an object')
  }
  const grantType = options.grantType ?? 'authorization_code'
  if (grantType === 'authorization_code') {
    if (typeof options.authorize !== 'function' || typeof options.redirectUri !== 'string') {
      throw argumentError(
        'the authorization code grant needs "authorize" (a function) and "redirectUri": pass both, or grantType "client_credentials"',
      )
    }
  }
  const base: McpFetch = options.fetch ?? ((url, init) => fetch(url, init))
  const store = options.store ?? memoryTokenStore()
  let registrationEndpoint: string | undefined
  const transport: client.CustomFetch = async (url, init) => {
    const response = await base(url, init as RequestInit)
    return url === registrationEndpoint ? withSecretExpiry(response) : response
  }
  const execute = options.allowInsecureRequests ? [client.allowInsecureRequests] : []
  let resource: URL | undefined
  let session: Session | undefined
  let stepUp: client.StepUp | undefined
  let requestedScope: string | undefined
  const refreshing = new Map<string, Promise<McpTokens | undefined>>()

  const key = () => resource!.href

  function finish(config: client.Configuration, metadata?: client.ProtectedResourceMetadata) {
    config[client.customFetch] = transport
    if (options.timeout !== undefined) config.timeout = options.timeout
    const next: Session = {
      config,
      resourceConfig: resourceConfiguration(config),
      protectedResource: metadata,
    }
    if (options.DPoP !== undefined) {
      next.asDPoP = client.getDPoPHandle(config, options.DPoP)
      next.rsDPoP = client.getDPoPHandle(next.resourceConfig, options.DPoP)
    }
    return next
  }

  /**
   * The Configuration of resource requests: no timeout (an SSE stream stays open as long as the
   * transport wants) but the caller's `signal`, which `fetchProtectedResource` has no option for.
   */
  function resourceConfiguration(config: client.Configuration, signal?: AbortSignal) {
    const resourceConfig = new client.Configuration(
      config.serverMetadata(),
      config.clientMetadata().client_id,
    )
    resourceConfig[client.customFetch] =
      signal === undefined ? transport : (url, init) => transport(url, { ...init, signal })
    resourceConfig.timeout = 0
    for (const extension of execute) extension(resourceConfig)
    return resourceConfig
  }

  async function discover(challenge?: client.WWWAuthenticateChallengeError): Promise<Session> {
    const registration = options.registration
    const discoveryOptions: client.ProtectedResourceDiscoveryOptions = {
      clientId: options.clientId,
      metadata:
        options.clientSecret !== undefined
          ? { ...options.metadata, client_secret: options.clientSecret }
          : options.metadata,
      clientAuthentication: options.clientAuthentication ?? negotiatedAuth(options.clientSecret),
      clientMetadataDocument: options.clientMetadataDocument,
      registration:
        registration === false
          ? undefined
          : (server) => {
              checkMcpProfile(server, grantType)
              registrationEndpoint = server.registration_endpoint
              return {
                client_name: 'openid-rp MCP client',
                grant_types:
                  grantType === 'client_credentials'
                    ? ['client_credentials']
                    : ['authorization_code', 'refresh_token'],
                response_types: grantType === 'client_credentials' ? [] : ['code'],
                ...(options.redirectUri === undefined
                  ? {}
                  : { redirect_uris: [options.redirectUri] }),
                ...registration,
                token_endpoint_auth_method: registrationMethod(
                  server,
                  registration?.token_endpoint_auth_method as string | undefined,
                ),
              }
            },
      [client.customFetch]: transport,
      execute,
      timeout: options.timeout,
    }
    const hasMetadataUrl = challengeParameter(challenge, 'resource_metadata') !== undefined
    let config: client.Configuration
    try {
      config = await client.discoverProtectedResource(
        hasMetadataUrl ? challenge! : resource!,
        hasMetadataUrl ? { ...discoveryOptions, resource } : discoveryOptions,
      )
    } catch (err) {
      if (hasMetadataUrl || !isNotFound(err)) throw err
      return finish(await legacyServer(discoveryOptions))
    }
    checkMcpProfile(config.serverMetadata(), grantType)
    return finish(config, client.getProtectedResourceMetadata(config))
  }

  /**
   * MCP 2025-03-26: a server without protected resource metadata is its own authorization
   * server; without metadata there either, its endpoints are /authorize, /token, /register.
   */
  async function legacyServer(
    discoveryOptions: client.ProtectedResourceDiscoveryOptions,
  ): Promise<client.Configuration> {
    const origin = new URL(resource!.origin)
    const wellKnown = new URL('/.well-known/oauth-authorization-server', origin)
    let document: string | undefined
    const once: client.CustomFetch = async (url, init) => {
      if (url !== wellKnown.href) return transport(url, init)
      if (document === undefined) {
        const response = await transport(url, init)
        if (response.status === 404) {
          document = JSON.stringify({
            issuer: origin.href,
            authorization_endpoint: new URL('/authorize', origin).href,
            token_endpoint: new URL('/token', origin).href,
            registration_endpoint: new URL('/register', origin).href,
            code_challenge_methods_supported: ['S256'],
          })
        } else if (response.status === 200) {
          document = await response.text()
        } else {
          return response
        }
      }
      return new Response(document, { headers: { 'content-type': 'application/json' } })
    }
    // MCP 2025-03-26: the origin's metadata may name another issuer (row 76).
    const legacy = { ...discoveryOptions, [client.customFetch]: once, checkDerivedIssuer: false }
    const known = await client.discovery(
      wellKnown,
      options.clientId ?? 'unregistered',
      discoveryOptions.metadata,
      discoveryOptions.clientAuthentication,
      legacy,
    )
    if (options.clientId !== undefined) return known
    if (options.registration === false) {
      throw mcpError(
        'the MCP server has no authorization metadata and no "clientId" was given',
        'OAUTH_MISSING_SERVER_METADATA',
      )
    }
    const registration = discoveryOptions.registration as (
      server: client.ServerMetadata,
    ) => Partial<client.ClientMetadata>
    return client.dynamicClientRegistration(
      wellKnown,
      registration(known.serverMetadata()),
      discoveryOptions.clientAuthentication,
      legacy,
    )
  }

  function scopeFor(
    challenge: client.WWWAuthenticateChallengeError | undefined,
  ): string | undefined {
    if (options.scope !== undefined) return options.scope
    let scope =
      challengeParameter(challenge, 'scope') ??
      session?.protectedResource?.scopes_supported?.join(' ')
    const supported = session?.config.serverMetadata().scopes_supported
    if (
      grantType === 'authorization_code' &&
      Array.isArray(supported) &&
      supported.includes('offline_access') &&
      !(scope ?? '').split(' ').includes('offline_access')
    ) {
      scope = scope === undefined || scope === '' ? 'offline_access' : `${scope} offline_access`
    }
    return scope === '' ? undefined : scope
  }

  async function obtain(parameters: Record<string, string>): Promise<McpTokens> {
    const { config, asDPoP } = session!
    const dpop = asDPoP === undefined ? undefined : { DPoP: asDPoP }
    if (grantType === 'client_credentials') {
      return toTokens(await client.clientCredentialsGrant(config, parameters, dpop))
    }
    const codeVerifier = client.randomPKCECodeVerifier()
    const state = client.randomState()
    const request: Record<string, string> = {
      redirect_uri: options.redirectUri!,
      code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
      state,
      ...parameters,
    }
    const server = config.serverMetadata()
    const url =
      server.require_pushed_authorization_requests === true
        ? await client.buildAuthorizationUrlWithPAR(config, request, dpop)
        : client.buildAuthorizationUrl(config, request)
    const callbackUrl = await options.authorize!(url)
    const maxAge = parameters.max_age === undefined ? undefined : Number(parameters.max_age)
    const tokens = await client.authorizationCodeGrant(
      config,
      callbackUrl,
      { pkceCodeVerifier: codeVerifier, expectedState: state, maxAge },
      undefined,
      dpop,
    )
    if (stepUp !== undefined) client.verifyStepUp(tokens, stepUp)
    return toTokens(tokens)
  }

  async function authorize(
    challenge: client.WWWAuthenticateChallengeError | undefined,
    parameters?: Record<string, string>,
  ): Promise<McpTokens> {
    session ??= await discover(challenge)
    const scope = scopeFor(challenge)
    requestedScope = parameters?.scope ?? scope
    const tokens = await obtain(parameters ?? (scope === undefined ? {} : { scope }))
    if (tokens.scope === undefined && (parameters?.scope ?? scope) !== undefined) {
      tokens.scope = parameters?.scope ?? scope
    }
    await store.set(key(), tokens)
    return tokens
  }

  async function refresh(tokens: McpTokens): Promise<McpTokens | undefined> {
    const pending = refreshing.get(key())
    if (pending !== undefined) return pending
    const run = (async () => {
      try {
        session ??= await discover()
        const dpop = session.asDPoP === undefined ? undefined : { DPoP: session.asDPoP }
        const next = toTokens(
          await client.refreshTokenGrant(session.config, tokens.refresh_token!, undefined, dpop),
        )
        next.refresh_token ??= tokens.refresh_token
        next.scope ??= tokens.scope
        await store.set(key(), next)
        return next
      } catch (err) {
        if (!(err instanceof client.ResponseBodyError)) throw err
        await store.delete(key())
        return undefined
      } finally {
        refreshing.delete(key())
      }
    })()
    refreshing.set(key(), run)
    return run
  }

  async function current(): Promise<McpTokens | undefined> {
    const tokens = await store.get(key())
    if (tokens === undefined) return undefined
    const now = Math.floor(Date.now() / 1000)
    if (tokens.expires_at !== undefined && tokens.expires_at - REFRESH_MARGIN <= now) {
      return tokens.refresh_token === undefined ? undefined : refresh(tokens)
    }
    return tokens
  }

  async function send(url: URL, init: RequestInit | undefined, tokens: McpTokens | undefined) {
    if (tokens === undefined) return { response: await base(url, init) }
    const dpopBound = tokens.token_type.toLowerCase() === 'dpop'
    if (session === undefined && dpopBound) session = await discover()
    if (session === undefined) {
      const headers = new Headers(init?.headers)
      headers.set('authorization', `Bearer ${tokens.access_token}`)
      return { response: await base(url, { ...init, headers }) }
    }
    try {
      const response = await client.fetchProtectedResource(
        init?.signal ? resourceConfiguration(session.config, init.signal) : session.resourceConfig,
        tokens.access_token,
        url,
        init?.method ?? 'GET',
        init?.body as client.FetchBody,
        new Headers(init?.headers),
        dpopBound && session.rsDPoP !== undefined ? { DPoP: session.rsDPoP } : undefined,
      )
      return { response }
    } catch (err) {
      if (err instanceof client.WWWAuthenticateChallengeError) {
        return { response: err.response, challenge: err }
      }
      throw err
    }
  }

  return async (input, init) => {
    const url = new URL(input instanceof URL ? input.href : String(input))
    if (resource === undefined) {
      resource = new URL(url.href)
      resource.search = ''
      resource.hash = ''
    }
    let tokens = await current()
    let authorized = false
    for (;;) {
      const sent = await send(url, init, tokens)
      const response = sent.response
      if (response.status !== 401 && response.status !== 403) {
        if (response.ok) stepUp = undefined
        return response
      }
      const challenge = sent.challenge ?? (await challengeOf(response))
      const error = challengeParameter(challenge, 'error')
      if (error === 'insufficient_scope' || error === 'insufficient_user_authentication') {
        const union = new Set(`${tokens?.scope ?? ''} ${requestedScope ?? ''}`.split(' '))
        union.delete('')
        const held = union.size === 0 ? scopeFor(undefined) : [...union].join(' ')
        stepUp = client.stepUpAuthorization(challenge!, stepUp, {
          maxAttempts: options.maxStepUps,
          ...(held === undefined ? {} : { scope: held }),
        })
        await response.body?.cancel()
        session ??= await discover(challenge)
        const parameters = { ...stepUp.parameters }
        if (stepUp.acrValues !== undefined || stepUp.maxAge !== undefined) {
          const scope = new Set((parameters.scope ?? '').split(' ').filter(Boolean))
          parameters.scope = [...scope.add('openid')].join(' ')
        }
        tokens = await authorize(challenge, parameters)
        continue
      }
      if (response.status === 401 && !authorized) {
        await response.body?.cancel()
        await store.delete(key())
        tokens = await authorize(challenge)
        authorized = true
        continue
      }
      return response
    }
  }
}

/**
 * A registration response with a `client_secret` but no `client_secret_expires_at` (required by
 * RFC 7591 §3.2.1, and left out by many MCP authorization servers) read as "never expires".
 */
async function withSecretExpiry(response: Response): Promise<Response> {
  if (response.status !== 201 && response.status !== 200) return response
  const text = await response.text()
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch {}
  if (
    typeof body === 'object' &&
    body !== null &&
    'client_secret' in body &&
    !('client_secret_expires_at' in body)
  ) {
    return Response.json(
      { ...body, client_secret_expires_at: 0 },
      {
        status: response.status,
        headers: response.headers,
      },
    )
  }
  return new Response(text, { status: response.status, headers: response.headers })
}

function isNotFound(err: unknown): boolean {
  const cause = (err as { cause?: unknown })?.cause
  return (
    err instanceof client.ClientError &&
    typeof Response !== 'undefined' &&
    cause instanceof Response &&
    cause.status === 404
  )
}

/**
 * {@link createMcpFetch} as MCP SDK middleware (`(next) => fetch`), to combine with the SDK's
 * `applyMiddlewares` and `withLogging`.
 *
 * @example
 * ```ts
 * const fetchWithAuth = applyMiddlewares(withLogging(), withOpenidRp({ clientId, authorize, redirectUri }))(fetch)
 * ```
 */
export function withOpenidRp(options: Omit<McpAuthOptions, 'fetch'>): (next: McpFetch) => McpFetch {
  return (next) => createMcpFetch({ ...options, fetch: next })
}
