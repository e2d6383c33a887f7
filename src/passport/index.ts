/**
 * A passport strategy for the OAuth 2.0 authorization code flow (with OpenID Connect), the
 * drop-in for `openid-client/passport`: the same options, verify callbacks and overridable methods.
 *
 * Node-only. It reaches the library through its public entry only, and needs nothing at run time
 * beyond what a passport user already has: passport augments the strategy with `redirect`,
 * `success`, `fail`, `error` and `pass`, so no `passport-strategy` base class is involved.
 *
 * @example
 * ```ts
 * import express from 'express'
 * import session from 'express-session'
 * import passport from 'passport'
 * import * as client from 'openid-rp'
 * import { Strategy } from 'openid-rp/passport'
 *
 * const config = await client.discovery(new URL('https://op.example'), 'client-id', 'secret')
 * passport.use(
 *   new Strategy(
 *     { config, scope: 'openid email', callbackURL: 'https://rp.example/cb' },
 *     (tokens, verified) => verified(null, tokens.claims()),
 *   ),
 * )
 * const app = express()
 * app.use(session({ secret: 'keyboard cat', resave: false, saveUninitialized: false }))
 * app.use(passport.authenticate('session'))
 * app.get('/login', passport.authenticate(new URL(config.serverMetadata().issuer).host))
 * app.get('/cb', passport.authenticate(new URL(config.serverMetadata().issuer).host))
 * ```
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc6749#section-4.1 RFC 6749 §4.1 (authorization code grant)}
 */
import { Readable } from 'node:stream'
import type * as express from 'express'
import type passport from 'passport'
import * as client from 'openid-rp'

/**
 * The verify callback: receives the token endpoint response and calls `verified` with the user
 * (or `false` and an info object to fail). It may be async; a rejection goes to passport's
 * error handling, and a resolved value is ignored.
 *
 * @example
 * ```ts
 * const verify: VerifyFunction = (tokens, verified) => {
 *   const claims = tokens.claims()
 *   if (claims === undefined) verified(null, false, { message: 'no ID Token' })
 *   else verified(null, { id: claims.sub })
 * }
 * ```
 * @see [OpenID Connect Core §3.1.3.3](https://openid.net/specs/openid-connect-core-1_0.html#TokenResponse)
 */
export type VerifyFunction = (
  tokens: client.TokenEndpointResponse & client.TokenEndpointResponseHelpers,
  verified: passport.AuthenticateCallback,
) => void

/**
 * The verify callback with the current request first, used with `passReqToCallback: true`.
 *
 * @example
 * ```ts
 * const verify: VerifyFunctionWithRequest = (req, tokens, verified) =>
 *   verified(null, { id: tokens.claims()?.sub, ip: req.ip })
 * ```
 * @see [OpenID Connect Core §3.1.3.3](https://openid.net/specs/openid-connect-core-1_0.html#TokenResponse)
 */
export type VerifyFunctionWithRequest = (
  req: express.Request,
  tokens: client.TokenEndpointResponse & client.TokenEndpointResponseHelpers,
  verified: passport.AuthenticateCallback,
) => void

/**
 * Options of `passport.authenticate(name, options)` that this strategy reads.
 *
 * @example
 * ```ts
 * const options: AuthenticateOptions = { loginHint: 'alice@example.com', prompt: 'login' }
 * app.get('/login', passport.authenticate('op.example.com', options))
 * ```
 * @see [OpenID Connect Core §3.1.2.1](https://openid.net/specs/openid-connect-core-1_0.html#AuthRequest)
 */
export interface AuthenticateOptions extends passport.AuthenticateOptions {
  /** Resource indicator(s) for this request: the authorization request, or the token request on the callback. */
  resource?: string | string[]
  /** `login_hint` of the authorization request. */
  loginHint?: string
  /** `id_token_hint` of the authorization request. */
  idTokenHint?: string
  /** `authorization_details` (RFC 9396) of the authorization request, overriding the strategy's. */
  authorizationDetails?: client.AuthorizationDetails | client.AuthorizationDetails[]
  /** `prompt` of the authorization request. */
  prompt?: string
  /** `scope` of the authorization request, overriding the strategy's. */
  scope?: string | string[]
  /**
   * Not used: the strategy makes and checks its own `state`.
   *
   * @deprecated
   */
  state?: never
  /** `redirect_uri` for this request (authorization request or token request), overriding `callbackURL`. */
  callbackURL?: URL | string
}

/**
 * Returns the DPoP handle to use for a request, or `undefined` for none.
 *
 * @example
 * ```ts
 * const keyPair = await client.randomDPoPKeyPair()
 * const DPoP: getDPoPHandle = () => client.getDPoPHandle(config, keyPair)
 * ```
 * @see [RFC 9449 §5](https://www.rfc-editor.org/rfc/rfc9449.html#section-5)
 */
export type getDPoPHandle = (
  req: express.Request,
) => Promise<client.DPoPHandle | undefined> | client.DPoPHandle | undefined

interface StrategyOptionsBase {
  /** The Configuration of the client at the authorization server. */
  config: client.Configuration
  /** Name to register the strategy under; by default the host of the issuer identifier. */
  name?: string
  /** Session property that holds the pending request; by default the host of the issuer identifier. */
  sessionKey?: string
  /** Returns the DPoP handle for a request; with one, the strategy binds the code and tokens to it. */
  DPoP?: getDPoPHandle
  /** The `redirect_uri`, absolute; by default the callback's own URL is used at the token endpoint. */
  callbackURL?: URL | string
  /** `scope` of the authorization request unless the request sets one. */
  scope?: string
  /** `authorization_details` (RFC 9396) of the authorization request unless the request sets one. */
  authorizationDetails?: client.AuthorizationDetails | client.AuthorizationDetails[]
  /** Resource indicator(s) of the authorization request unless the request sets one. */
  resource?: string | string[]
  /** Push the authorization request (RFC 9126) first; `false` by default. */
  usePAR?: boolean
  /**
   * Send the authorization request as a signed request object (RFC 9101): the private key, or the
   * key and a function that modifies the object's header and claims before signing. `false` by default.
   */
  useJAR?:
    | false
    | client.CryptoKey
    | client.PrivateKey
    | [client.CryptoKey | client.PrivateKey, client.ModifyAssertionFunction]
  /** Call the verify function with the request first; `false` by default. */
  passReqToCallback?: boolean
  /**
   * Where back-channel logouts are recorded ({@link Strategy.backchannelLogoutHandler}) and
   * looked up ({@link Strategy.logoutMiddleware}); a {@link client.MemoryLogoutStore} of this
   * strategy by default, which serves one process only.
   */
  logoutStore?: client.LogoutStore
}

/**
 * Strategy options whose verify function takes `(tokens, verified)`.
 *
 * @example
 * ```ts
 * const options: StrategyOptions = { config, scope: 'openid email', usePAR: true }
 * passport.use(new Strategy(options, (tokens, verified) => verified(null, tokens.claims())))
 * ```
 * @see [RFC 6749 §4.1](https://www.rfc-editor.org/rfc/rfc6749.html#section-4.1)
 */
export interface StrategyOptions extends StrategyOptionsBase {
  passReqToCallback?: false
}

/**
 * Strategy options whose verify function takes `(req, tokens, verified)`.
 *
 * @example
 * ```ts
 * const options: StrategyOptionsWithRequest = { config, passReqToCallback: true }
 * passport.use(
 *   new Strategy(options, (req, tokens, verified) => verified(null, { ...tokens.claims(), ip: req.ip })),
 * )
 * ```
 * @see [RFC 6749 §4.1](https://www.rfc-editor.org/rfc/rfc6749.html#section-4.1)
 */
export interface StrategyOptionsWithRequest extends StrategyOptionsBase {
  passReqToCallback: true
}

/** What the strategy keeps in the session between the redirect and the callback. */
interface PendingRequest {
  code_verifier: string
  /** The issuer the authorization request went to (mix-up defence, RFC 9207 §2 without `iss`). */
  issuer?: string
  state?: string
  nonce?: string
  max_age?: number
}

/**
 * The strategy as passport calls it, augmented with `redirect`, `success`, `fail`, `error`, `pass`.
 * Inlined in the API docs, where passport's own type says more than a local name.
 * @inline
 */
type Created = passport.StrategyCreated<Strategy, Strategy & passport.StrategyCreatedStatic>

function invalidArgument(message: string): TypeError {
  return Object.assign(new TypeError(message), { code: 'ERR_INVALID_ARG_TYPE' })
}

function appendResource(params: URLSearchParams, resource: string | string[]): void {
  for (const value of Array.isArray(resource) ? resource : [resource]) {
    params.append('resource', value)
  }
}

function authorizationDetailsParameter(
  details: client.AuthorizationDetails | client.AuthorizationDetails[],
): string {
  return JSON.stringify(Array.isArray(details) ? details : [details])
}

/** A request header by name, through Express's `req.get()` when there is one, else `req.headers`. */
function header(req: express.Request, name: string): string | undefined {
  if (typeof req.get === 'function') return req.get(name) ?? undefined
  const value: unknown = (req as { headers?: Record<string, unknown> }).headers?.[name]
  if (Array.isArray(value)) return typeof value[0] === 'string' ? value[0] : undefined
  return typeof value === 'string' ? value : undefined
}

/**
 * The `Host` the user agent used, or the first `X-Forwarded-Host` when Express trusts the proxy;
 * without Express's app (a bare request object) the forwarded header is never trusted.
 */
function requestHost(req: express.Request): string {
  const forwarded = header(req, 'x-forwarded-host')
  const trust: unknown =
    typeof req.app?.get === 'function' ? req.app.get('trust proxy fn') : undefined
  if (
    forwarded &&
    typeof trust === 'function' &&
    (trust as (address: string | undefined, hop: number) => boolean)(req.socket?.remoteAddress, 0)
  ) {
    return forwarded.split(',')[0]!.trim()
  }
  return header(req, 'host') ?? req.host
}

function sessionOf(req: express.Request): Record<string, unknown> | undefined {
  const session: unknown = (req as { session?: unknown }).session
  return typeof session === 'object' && session !== null
    ? (session as Record<string, unknown>)
    : undefined
}

/** The callback request as a fetch `Request` for a POSTed (`form_post`) authorization response. */
function postedResponse(req: express.Request, url: URL): Request {
  const headers = new Headers()
  const contentType = header(req, 'content-type')
  if (contentType) headers.set('content-type', contentType)
  const parsed: unknown = req.body
  if (typeof parsed === 'string' || parsed instanceof Uint8Array) {
    const body = typeof parsed === 'string' ? parsed : new Uint8Array(parsed)
    return new Request(url.href, { method: 'POST', headers, body })
  }
  if (typeof parsed === 'object' && parsed !== null) {
    const body = new URLSearchParams()
    for (const [name, value] of Object.entries(parsed)) {
      for (const item of Array.isArray(value) ? value : [value]) body.append(name, String(item))
    }
    headers.set('content-type', 'application/x-www-form-urlencoded')
    return new Request(url.href, { method: 'POST', headers, body })
  }
  return new Request(url.href, {
    method: 'POST',
    headers,
    body: Readable.toWeb(req) as ReadableStream<Uint8Array>,
    duplex: 'half',
  } as RequestInit)
}

/**
 * Options of {@link Strategy.backchannelLogoutHandler}: those of {@link client.validateLogoutToken},
 * the marker lifetime and an error hook.
 *
 * @example
 * ```ts
 * const options: BackchannelLogoutHandlerOptions = { ttl: 86400, onError: (err) => log.warn(err) }
 * app.post('/backchannel-logout', strategy.backchannelLogoutHandler(options))
 * ```
 */
export interface BackchannelLogoutHandlerOptions extends client.LogoutTokenValidationOptions {
  /**
   * Seconds a logout is remembered (default 30 days): at least the longest session lifetime, or
   * an ended session comes back when its marker expires.
   */
  ttl?: number
  /** Receives the reason a logout token was refused (the provider only gets `invalid_request`). */
  onError?: (error: client.ClientError) => void
}

/**
 * Options of {@link Strategy.logoutMiddleware}.
 *
 * @example
 * ```ts
 * app.use(strategy.logoutMiddleware({ claims: (req) => req.user as client.LogoutSessionClaims }))
 * ```
 */
export interface LogoutMiddlewareOptions {
  /** The ID Token claims of the request's session; by default `req.user` when it has `iss`. */
  claims?: (req: express.Request) => SessionClaims | undefined
}

/**
 * The ID Token claims a logout is matched against.
 *
 * @example
 * ```ts
 * const claims: SessionClaims = { iss: idt.iss, sid: idt.sid, sub: idt.sub, iat: idt.iat }
 * ```
 */
export type SessionClaims = client.LogoutSessionClaims

const DEFAULT_LOGOUT_TTL = 30 * 24 * 3600

/**
 * The `logoutStore` of each strategy, kept off the instance so the strategy's own members stay the
 * reference's; passport calls methods on `Object.create(strategy)`, so look up the chain.
 */
const logoutStores = new WeakMap<object, client.LogoutStore>()

function logoutStoreOf(strategy: object): client.LogoutStore {
  for (let at: object | null = strategy; at !== null; at = Object.getPrototypeOf(at)) {
    const store = logoutStores.get(at)
    if (store) return store
  }
  throw new TypeError('openid-rp/passport: the strategy was not created with `new Strategy()`')
}

function userClaims(req: express.Request): SessionClaims | undefined {
  const user = (req as { user?: unknown }).user as Record<string, unknown> | undefined
  if (typeof user !== 'object' || user === null || typeof user.iss !== 'string') return undefined
  return user as unknown as SessionClaims
}

/** Writes a fetch Response (the small logout answers) to an Express response. */
async function send(res: express.Response, answer: Response): Promise<void> {
  res.status(answer.status)
  answer.headers.forEach((value, name) => res.setHeader(name, value))
  res.end(await answer.text())
}

/**
 * The passport strategy: redirects to the authorization server (PKCE, `state`, and `nonce` when
 * an ID Token is expected), then on the callback redeems the code and calls the verify function.
 *
 * @example
 * ```ts
 * passport.use(new Strategy({ config, scope: 'openid' }, (tokens, verified) => verified(null, tokens.claims())))
 * ```
 * @see [RFC 6749 §4.1](https://www.rfc-editor.org/rfc/rfc6749.html#section-4.1)
 */
export class Strategy implements passport.Strategy {
  /** Name of the strategy, by default the host of the issuer identifier. */
  readonly name: string
  /** @internal The `config` option, as openid-client's strategy keeps it; read by the flow. */
  _config: client.Configuration
  /** @internal The verify function. */
  _verify: VerifyFunction | VerifyFunctionWithRequest
  /** @internal The `callbackURL` option as a URL, `undefined` when not given. */
  _callbackURL: URL | undefined
  /** @internal The session property holding the pending request (`sessionKey`, default the issuer host). */
  _sessionKey: string
  /** @internal The `passReqToCallback` option. */
  _passReqToCallback: boolean | undefined
  /** @internal The `usePAR` option. */
  _usePAR: boolean | undefined
  /** @internal The `useJAR` option. */
  _useJAR: StrategyOptionsBase['useJAR']
  /** @internal The `DPoP` option. */
  _DPoP: getDPoPHandle | undefined
  /** @internal The `scope` option. */
  _scope: string | undefined
  /** @internal The `resource` option. */
  _resource: string | string[] | undefined
  /** @internal The `authorizationDetails` option. */
  _authorizationDetails: client.AuthorizationDetails | client.AuthorizationDetails[] | undefined

  constructor(options: StrategyOptions, verify: VerifyFunction)
  constructor(options: StrategyOptionsWithRequest, verify: VerifyFunctionWithRequest)
  constructor(
    options: StrategyOptions | StrategyOptionsWithRequest,
    verify: VerifyFunction | VerifyFunctionWithRequest,
  ) {
    if (!(options?.config instanceof client.Configuration)) {
      throw invalidArgument('"options.config" must be a Configuration (from discovery())')
    }
    if (typeof verify !== 'function') {
      throw invalidArgument('"verify" must be a function')
    }
    const { host } = new URL(options.config.serverMetadata().issuer)
    this.name = options.name ?? host
    this._config = options.config
    this._verify = verify
    this._sessionKey = options.sessionKey ?? host
    this._callbackURL = options.callbackURL ? new URL(options.callbackURL) : undefined
    this._scope = options.scope
    this._resource = options.resource
    this._authorizationDetails = options.authorizationDetails
    this._usePAR = options.usePAR
    this._useJAR = options.useJAR
    this._DPoP = options.DPoP
    this._passReqToCallback = options.passReqToCallback
    logoutStores.set(this, options.logoutStore ?? new client.MemoryLogoutStore())
  }

  /**
   * The route of the back-channel logout URI (`backchannel_logout_uri`): validates the logout
   * token the provider POSTs ({@link client.validateLogoutToken}), records the ended session(s)
   * in the `logoutStore` and answers 200, or 400 `invalid_request` when the token is refused.
   * Needs no session and no body parser (a parsed `express.urlencoded()` body works too).
   *
   * @example
   * ```ts
   * app.post('/backchannel-logout', strategy.backchannelLogoutHandler({ allowMissingExp: false }))
   * app.use(passport.session(), strategy.logoutMiddleware())
   * ```
   * @see [OpenID Connect Back-Channel Logout 1.0 §2.7](https://openid.net/specs/openid-connect-backchannel-1_0.html#BCActions)
   */
  backchannelLogoutHandler(options?: BackchannelLogoutHandlerOptions): express.RequestHandler {
    const config = this._config
    const store = logoutStoreOf(this)
    const ttl = options?.ttl ?? DEFAULT_LOGOUT_TTL
    return (req, res, next) => {
      const url = new URL(`${req.protocol}://${requestHost(req)}${req.originalUrl ?? req.url}`)
      const request =
        req.method === 'POST' ? postedResponse(req, url) : new Request(url, { method: req.method })
      client
        .validateLogoutToken(config, request, options)
        .then(async (claims) => {
          await store.markLoggedOut({ iss: claims.iss, sid: claims.sid, sub: claims.sub }, ttl)
          return client.backchannelLogoutResponse()
        })
        .then(
          (answer) => send(res, answer),
          (error: unknown) => {
            if (error instanceof client.ClientError) {
              options?.onError?.(error)
              return send(res, client.backchannelLogoutResponse(error))
            }
            next(error)
            return undefined
          },
        )
        .catch(next)
    }
  }

  /**
   * Middleware that logs out (`req.logout()`) a user whose session the provider ended, as
   * recorded by {@link Strategy.backchannelLogoutHandler}; the request then continues
   * unauthenticated. Mount it after `passport.session()`. The session's ID Token claims (`iss`,
   * `sid`, `sub`, `iat`, `auth_time`) come from `req.user` unless `claims` says otherwise, so
   * keep them in the user object (e.g. `verified(null, tokens.claims())`).
   *
   * @example
   * ```ts
   * app.use(auth.session(), strategy.logoutMiddleware())
   * ```
   * @see [OpenID Connect Back-Channel Logout 1.0 §2.7](https://openid.net/specs/openid-connect-backchannel-1_0.html#BCActions)
   */
  logoutMiddleware(options?: LogoutMiddlewareOptions): express.RequestHandler {
    const store = logoutStoreOf(this)
    const claimsOf = options?.claims ?? userClaims
    return (req, _res, next) => {
      const claims = claimsOf(req)
      if (claims === undefined) {
        next()
        return
      }
      store.isLoggedOut(claims).then((ended) => {
        if (!ended) return next()
        const logout = (req as { logout?: (done: (err?: unknown) => void) => void }).logout
        if (typeof logout !== 'function') return next()
        logout.call(req, (err) => next(err))
      }, next)
    }
  }

  /**
   * Returns the authorization request parameters this request adds; override it to add more.
   * By default it maps `scope`, `prompt`, `loginHint`, `idTokenHint`, `resource`,
   * `authorizationDetails` and `callbackURL` of the authenticate options.
   *
   * @param options What was passed to `passport.authenticate()`.
   */
  authorizationRequestParams<TOptions extends AuthenticateOptions>(
    _req: express.Request,
    options: TOptions,
  ): URLSearchParams | Record<string, string> | undefined {
    const params = new URLSearchParams()
    const scope = Array.isArray(options?.scope) ? options.scope.join(' ') : options?.scope
    if (scope) params.set('scope', scope)
    if (options?.prompt) params.set('prompt', options.prompt)
    if (options?.loginHint) params.set('login_hint', options.loginHint)
    if (options?.idTokenHint) params.set('id_token_hint', options.idTokenHint)
    if (options?.resource) appendResource(params, options.resource)
    if (options?.authorizationDetails) {
      params.set(
        'authorization_details',
        authorizationDetailsParameter(options.authorizationDetails),
      )
    }
    if (options?.callbackURL) params.set('redirect_uri', new URL(options.callbackURL).href)
    return params
  }

  /**
   * Returns extra token endpoint parameters of the code exchange; override it to add more.
   * By default it maps the `resource` authenticate option.
   *
   * @param options What was passed to `passport.authenticate()`.
   */
  authorizationCodeGrantParameters<TOptions extends AuthenticateOptions>(
    _req: express.Request,
    options: TOptions,
  ): URLSearchParams | Record<string, string> | undefined {
    const params = new URLSearchParams()
    if (options?.resource) appendResource(params, options.resource)
    return params
  }

  /**
   * Returns the URL the user agent requested; override it when a proxy rewrites it. Its query is
   * the authorization response (for GET), and without query it is the token request's
   * `redirect_uri` unless `callbackURL` is set.
   */
  currentUrl(req: express.Request): URL {
    return new URL(`${req.protocol}://${requestHost(req)}${req.originalUrl ?? req.url}`)
  }

  /**
   * Tells whether this request starts an authorization request (`true`) or is the callback.
   * By default: a GET without `code`, `error` or `response` (JARM) in its query starts one.
   */
  shouldInitiateAuthRequest<TOptions extends AuthenticateOptions>(
    req: express.Request,
    currentUrl: URL,
    _options: TOptions,
  ): boolean {
    const query = currentUrl.searchParams
    return (
      req.method === 'GET' && !query.has('code') && !query.has('error') && !query.has('response')
    )
  }

  /** Called by passport: starts the authorization request or handles the callback. */
  authenticate<TOptions extends AuthenticateOptions>(
    this: Created,
    req: express.Request,
    options: TOptions,
  ): void {
    if (!sessionOf(req)) {
      this.error(
        new Error(
          'openid-rp/passport needs a session: add express-session (or a compatible middleware) before passport',
        ),
      )
      return
    }
    const currentUrl = this.currentUrl(req)
    const step = this.shouldInitiateAuthRequest(req, currentUrl, options)
      ? this.authorizationRequest(req, options)
      : this.authorizationCodeGrant(req, currentUrl, options)
    Promise.resolve(step).catch((error: unknown) => this.error(error as Error))
  }

  /**
   * Starts the authorization request and redirects the user agent to it; errors go to passport's
   * `error()`. Called by {@link Strategy.authenticate}; override it to wrap or replace that step.
   *
   * @param options What was passed to `passport.authenticate()`.
   */
  async authorizationRequest<TOptions extends AuthenticateOptions>(
    req: express.Request,
    options: TOptions,
  ): Promise<void> {
    const strategy = this as unknown as Created
    try {
      await redirectToAuthorizationServer(strategy, req, options)
    } catch (error) {
      strategy.error(error as Error)
    }
  }

  /**
   * Handles the authorization response: redeems the code and calls the verify function; errors go
   * to passport's `error()`, a denied request to `fail()`. Called by {@link Strategy.authenticate}
   * with the URL from {@link Strategy.currentUrl}; override it to wrap or replace that step.
   *
   * @param currentUrl The callback URL, from {@link Strategy.currentUrl}.
   * @param options What was passed to `passport.authenticate()`.
   */
  async authorizationCodeGrant<TOptions extends AuthenticateOptions>(
    req: express.Request,
    currentUrl: URL,
    options: TOptions,
  ): Promise<void> {
    const strategy = this as unknown as Created
    try {
      await handleCallback(strategy, req, currentUrl, options)
    } catch (error) {
      strategy.error(error as Error)
    }
  }
}

async function redirectToAuthorizationServer(
  strategy: Created,
  req: express.Request,
  options: AuthenticateOptions,
): Promise<void> {
  const config = strategy._config
  const requested = new URLSearchParams(
    strategy.authorizationRequestParams(req, options) ?? undefined,
  )
  let url = client.buildAuthorizationUrl(config, requested)
  const params = url.searchParams

  if (strategy._callbackURL && !params.has('redirect_uri')) {
    params.set('redirect_uri', strategy._callbackURL.href)
  }
  if (strategy._scope && !params.has('scope')) params.set('scope', strategy._scope)
  if (strategy._resource && !params.has('resource')) appendResource(params, strategy._resource)
  if (strategy._authorizationDetails && !params.has('authorization_details')) {
    params.set(
      'authorization_details',
      authorizationDetailsParameter(strategy._authorizationDetails),
    )
  }

  const responseType = params.get('response_type') ?? ''
  const expectsIdToken =
    responseType.split(' ').includes('id_token') ||
    (params.get('scope') ?? '').split(' ').includes('openid')
  if (responseType.split(' ').includes('id_token') && !params.has('response_mode')) {
    params.set('response_mode', 'form_post')
  }
  if (expectsIdToken && !params.has('nonce')) params.set('nonce', client.randomNonce())
  if (!params.has('state')) params.set('state', client.randomState())

  const codeVerifier = client.randomPKCECodeVerifier()
  params.set('code_challenge', await client.calculatePKCECodeChallenge(codeVerifier))
  params.set('code_challenge_method', 'S256')

  const DPoP = await strategy._DPoP?.(req)
  if (DPoP && !params.has('dpop_jkt')) params.set('dpop_jkt', await DPoP.calculateThumbprint())

  const pending: PendingRequest = {
    code_verifier: codeVerifier,
    issuer: config.serverMetadata().issuer,
  }
  const state = params.get('state')
  if (state) pending.state = state
  const nonce = params.get('nonce')
  if (nonce) pending.nonce = nonce
  const maxAge = params.get('max_age')
  if (maxAge) pending.max_age = Number.parseInt(maxAge, 10)
  sessionOf(req)![strategy._sessionKey] = pending

  if (strategy._useJAR) {
    const [key, modify] = Array.isArray(strategy._useJAR) ? strategy._useJAR : [strategy._useJAR]
    url = await client.buildAuthorizationUrlWithJAR(config, url.searchParams, key, {
      [client.modifyAssertion]: modify,
    })
  }
  if (strategy._usePAR) {
    url = await client.buildAuthorizationUrlWithPAR(config, url.searchParams, { DPoP })
  }
  strategy.redirect(url.href)
}

async function handleCallback(
  strategy: Created,
  req: express.Request,
  currentUrl: URL,
  options: AuthenticateOptions,
): Promise<void> {
  const session = sessionOf(req)!
  const pending = session[strategy._sessionKey] as PendingRequest | undefined
  delete session[strategy._sessionKey]
  if (typeof pending?.code_verifier !== 'string') {
    strategy.fail({ message: 'Unable to verify authorization request state' })
    return
  }
  const issuer = strategy._config.serverMetadata().issuer
  if (pending.issuer !== undefined && pending.issuer !== issuer) {
    throw new client.ClientError(
      `the pending login was started at issuer ${JSON.stringify(pending.issuer)}, but this callback reached the strategy of issuer ${JSON.stringify(issuer)} (they share the session key ${JSON.stringify(strategy._sessionKey)}): nothing was sent; give each strategy its own callback route or \`sessionKey\``,
      {
        code: 'OAUTH_JSON_ATTRIBUTE_COMPARISON_FAILED',
        cause: { attribute: 'issuer', expected: pending.issuer, actual: issuer },
      },
    )
  }

  const callbackURL = options?.callbackURL ?? strategy._callbackURL
  let responseUrl = currentUrl
  if (callbackURL) {
    responseUrl = new URL(callbackURL)
    for (const [name, value] of currentUrl.searchParams)
      responseUrl.searchParams.append(name, value)
  }

  let tokens: client.TokenEndpointResponse & client.TokenEndpointResponseHelpers
  try {
    tokens = await client.authorizationCodeGrant(
      strategy._config,
      req.method === 'POST' ? postedResponse(req, responseUrl) : responseUrl,
      {
        pkceCodeVerifier: pending.code_verifier,
        expectedState: pending.state,
        expectedNonce: pending.nonce,
        maxAge: pending.max_age,
      },
      strategy.authorizationCodeGrantParameters(req, options),
      { DPoP: await strategy._DPoP?.(req) },
    )
  } catch (error) {
    if (error instanceof client.AuthorizationResponseError && error.error === 'access_denied') {
      strategy.fail({
        message: error.error_description || error.error,
        ...Object.fromEntries(error.cause.entries()),
      })
      return
    }
    throw error
  }

  const claims = tokens.claims()
  if (claims?.sid !== undefined) {
    await logoutStoreOf(strategy).clear({ iss: claims.iss, sid: claims.sid as string })
  }

  const verified: passport.AuthenticateCallback = (error, user, info) => {
    if (error) strategy.error(error)
    else if (!user) strategy.fail(info)
    else strategy.success(user, typeof info === 'object' && !Array.isArray(info) ? info : undefined)
  }
  if (options?.passReqToCallback ?? strategy._passReqToCallback) {
    await (strategy._verify as VerifyFunctionWithRequest)(req, tokens, verified)
  } else {
    await (strategy._verify as VerifyFunction)(tokens, verified)
  }
}
