/**
 * The real `oidc-provider` started in-process on 127.0.0.1 for end-to-end tests and the demo.
 *
 * One factory, {@link createProvider}, configured per scenario: clients, features, refresh-token
 * policy, signing algorithms. It mounts the headless interactions (interactions.ts) over an
 * in-memory store (adapter.ts) and approves device and CIBA requests on demand; the protected
 * resource beside it lives in resource-server.ts.
 *
 * No test-runner import here: the `demo` CLI uses this file too (test/support re-exports it).
 */
import { randomBytes, X509Certificate } from 'node:crypto'
import * as http from 'node:http'
import * as https from 'node:https'
import type { AddressInfo } from 'node:net'
import type { TLSSocket } from 'node:tls'
import * as jose from 'jose'
import type {
  Account,
  AccountClaims,
  ClientMetadata,
  Configuration,
  KoaContextWithOIDC,
  default as ProviderClass,
} from 'oidc-provider'
import { memoryAdapterFactory } from './adapter.ts'
import { autoSubmitPage, errorPage, finishInteraction, interactionPath } from './interactions.ts'

type Provider = ProviderClass
type Features = NonNullable<Configuration['features']>
type FeatureName = keyof Features

/** Per feature: `true` for this factory's defaults, an object merged over them, `false` to turn it off. */
export type FeatureSwitches = {
  [K in FeatureName]?: boolean | PartialOfEach<NonNullable<Features[K]>>
}
type PartialOfEach<T> = T extends unknown ? Partial<T> : never

export interface ProviderOptions {
  /** Clients known at start, in the provider's (snake_case) client metadata. */
  clients?: ClientMetadata[]
  /** Features to switch on for this scenario; `devInteractions` stays off unless named here. */
  features?: FeatureSwitches
  /** Path the issuer lives under, for example `/oidc`; the root by default. */
  path?: string
  /** Claims of the one account that every interaction logs in; `sub` is its id. */
  account?: AccountClaims
  /** Refresh-token policy; by default one is issued whenever the client may use the grant. */
  issueRefreshToken?: Configuration['issueRefreshToken']
  /** One signing key is generated per algorithm at start; the first is the provider's default. */
  signingAlgorithms?: SigningAlgorithm[]
  /** Path prefixes that also serve the discovery document (issuer unchanged), for mismatch tests. */
  metadataAliases?: string[]
  /** The port to listen on (127.0.0.1); a free one by default. */
  port?: number
  /** Serve HTTPS with these options (for mTLS: `requestCert: true`) instead of plain HTTP. */
  tls?: https.ServerOptions
  /** Further provider configuration, applied last, key by key. */
  configuration?: Omit<Configuration, 'features' | 'clients' | 'jwks' | 'findAccount' | 'adapter'>
  /** Receives server errors and unexpected interaction failures; they are collected either way. */
  log?: (message: string, error?: unknown) => void
}

export type SigningAlgorithm = 'RS256' | 'PS256' | 'ES256' | 'ES384' | 'EdDSA'

/** A CIBA request the provider has accepted, as handed to its authentication-device hook. */
export interface CibaRequest {
  readonly authReqId: string
  readonly clientId: string
  readonly accountId: string
  readonly scope: string
  readonly bindingMessage?: string
  readonly params: Record<string, unknown>
}

export interface TestProvider {
  /** The issuer identifier, also the base URL of the provider. */
  readonly issuer: URL
  readonly provider: Provider
  /** The account every interaction logs in. */
  readonly account: AccountClaims
  /** The provider's public signing (and, with encryption, encryption) keys. */
  readonly jwks: jose.JSONWebKeySet
  /** Server errors seen so far; a healthy scenario leaves this empty. */
  readonly serverErrors: unknown[]
  /** CIBA requests accepted so far, oldest first. */
  readonly cibaRequests: readonly CibaRequest[]
  /** Approves a CIBA request (the latest one by default) for the requested scopes. */
  approveCiba(authReqId?: string): Promise<void>
  /** Denies a CIBA request (the latest one by default) with `access_denied`. */
  denyCiba(authReqId?: string): Promise<void>
  /** Approves a device authorization request by its user code, as the user on a second device. */
  approveDevice(userCode: string): Promise<void>
  /** Denies a device authorization request by its user code with `access_denied`. */
  denyDevice(userCode: string): Promise<void>
  /** Stops the server, ending open connections. */
  close(): Promise<void>
}

/** The account used unless a scenario names another. */
export const defaultAccount: AccountClaims = {
  sub: 'jane-4c9b2e',
  email: 'jane.doe@example.com',
  email_verified: true,
  name: 'Jane Doe',
  given_name: 'Jane',
  family_name: 'Doe',
  locale: 'en-GB',
  phone_number: '+44 20 7946 0000',
  phone_number_verified: false,
}

export { interactionPath } from './interactions.ts'

/**
 * The provider's `fetch` (configuration `fetch`) for clients on 127.0.0.1: oidc-provider refuses
 * outgoing requests to special-use addresses (its SSRF protection, a dispatcher it passes to
 * `fetch`), which would refuse back-channel logout deliveries to a local relying party.
 */
export function loopbackFetch(url: string | URL | Request, options?: RequestInit) {
  return fetch(url, { ...options, dispatcher: undefined } as RequestInit)
}

/**
 * Starts `oidc-provider` on 127.0.0.1, a free port, configured for one scenario. The first call
 * also installs {@link installNoticeFilter}, before the provider's modules load.
 */
export async function createProvider(options: ProviderOptions = {}): Promise<TestProvider> {
  installNoticeFilter()
  // RSA key generation runs on the thread pool while the provider's modules load
  const keys = generateKeys(options)
  const { default: Provider, errors } = await import('oidc-provider')

  const account = options.account ?? defaultAccount
  const mountPath = normalizePath(options.path)
  const serverErrors: unknown[] = []
  const log = options.log ?? (() => {})
  const record = (message: string, error?: unknown) => {
    serverErrors.push(error ?? new Error(message))
    log(message, error)
  }

  let provider: Provider | undefined
  let providerCallback: http.RequestListener | undefined
  const interactionHandler = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    try {
      await finishInteraction(provider!, req, res, account)
    } catch (error) {
      record('interaction handler failed', error)
      if (!res.headersSent) {
        res.statusCode = 500
        res.setHeader('content-type', 'text/plain')
      }
      res.end(`interaction failed: ${error instanceof Error ? error.message : String(error)}`)
    }
  }
  const listener = routeRequests(options, mountPath, interactionHandler, (req, res) =>
    providerCallback!(req, res),
  )

  const server = options.tls
    ? https.createServer(options.tls, listener)
    : http.createServer(listener)
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve())
  })
  const { port } = server.address() as AddressInfo
  const issuer = new URL(`${options.tls ? 'https' : 'http'}://127.0.0.1:${port}${mountPath}`)

  const privateJwks = await keys
  const publicJwks = { keys: privateJwks.map(toPublicJwk) }

  const cibaRequests: CibaRequest[] = []
  const features = buildFeatures(options, account, errors, cibaRequests)
  const configuration = buildConfiguration(options, account, privateJwks, features)

  try {
    provider = new Provider(issuer.href, configuration)
  } catch (error) {
    // a bad configuration must not leave the port listening (the process would never exit)
    await closeServer(server)
    throw error
  }
  provider.on('server_error', (_ctx: unknown, error: unknown) =>
    record('provider server_error', error),
  )
  ;(provider as unknown as NodeJS.EventEmitter).on('error', (error: unknown) =>
    record('provider error', error),
  )
  providerCallback = provider.callback() as unknown as http.RequestListener

  return {
    issuer,
    provider,
    account,
    jwks: publicJwks,
    serverErrors,
    cibaRequests,
    ...approvals(provider, account, errors, cibaRequests),
    close: () => closeServer(server),
  }
}

/**
 * The provider's front door: interactions go to the headless handler, discovery aliases to the
 * discovery document, and, under a mount path, only that path reaches the provider.
 */
function routeRequests(
  options: ProviderOptions,
  mountPath: string,
  interactionHandler: (req: http.IncomingMessage, res: http.ServerResponse) => Promise<void>,
  providerCallback: http.RequestListener,
): http.RequestListener {
  return (req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1')
    if (url.pathname.startsWith(interactionPath)) {
      void interactionHandler(req, res)
      return
    }
    const discoveryPath = `${mountPath}/.well-known/openid-configuration`
    const aliases = [
      `/.well-known/oauth-authorization-server${mountPath}`,
      ...(options.metadataAliases ?? []).map(
        (alias) => `${normalizePath(alias)}/.well-known/openid-configuration`,
      ),
    ]
    if (aliases.includes(url.pathname)) url.pathname = discoveryPath
    if (mountPath) {
      if (url.pathname !== mountPath && !url.pathname.startsWith(`${mountPath}/`)) {
        res.statusCode = 404
        res.end()
        return
      }
      // koa-mount style: the provider derives its mount path from originalUrl minus url
      ;(req as http.IncomingMessage & { originalUrl?: string }).originalUrl =
        `${url.pathname}${url.search}`
      url.pathname = url.pathname.slice(mountPath.length) || '/'
    }
    req.url = `${url.pathname}${url.search}`
    providerCallback(req, res)
  }
}

/** The factory's feature defaults with the scenario's switches over them; records CIBA requests. */
function buildFeatures(
  options: ProviderOptions,
  account: AccountClaims,
  errors: ErrorsModule,
  cibaRequests: CibaRequest[],
): Features {
  const defaults = featureDefaults(account, errors)
  const features: Features = { devInteractions: { enabled: false } }
  for (const [name, value] of Object.entries(defaults) as [FeatureName, object][]) {
    ;(features as Record<string, unknown>)[name] = { ...value }
  }
  for (const [name, value] of Object.entries(options.features ?? {}) as [FeatureName, unknown][]) {
    const base = (defaults as Record<string, object | undefined>)[name] ?? {}
    ;(features as Record<string, unknown>)[name] =
      value === false
        ? { ...base, enabled: false }
        : { ...base, ...(typeof value === 'object' ? value : {}), enabled: true }
  }
  if (features.ciba?.enabled) {
    const ciba = features.ciba as { triggerAuthenticationDevice?: (...args: never[]) => unknown }
    const scenarioHook = ciba.triggerAuthenticationDevice
    ciba.triggerAuthenticationDevice = async (
      ctx: KoaContextWithOIDC,
      request: BackchannelRequest,
      ...rest: never[]
    ) => {
      cibaRequests.push({
        authReqId: request.jti,
        clientId: request.clientId,
        accountId: request.accountId,
        scope: request.scope ?? '',
        bindingMessage: request.params?.binding_message as string | undefined,
        params: { ...request.params },
      })
      await scenarioHook?.(...([ctx, request, ...rest] as never[]))
    }
  }
  return features
}

/** The provider configuration: storage, keys, account, claims, lifetimes and error pages. */
function buildConfiguration(
  options: ProviderOptions,
  account: AccountClaims,
  privateJwks: jose.JWK[],
  features: Features,
): Configuration {
  return {
    adapter: memoryAdapterFactory(),
    clients: options.clients ?? [],
    jwks: { keys: privateJwks as never },
    features,
    findAccount: (_ctx, id) => (id === account.sub ? accountFor(account) : undefined),
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      phone: ['phone_number', 'phone_number_verified'],
      profile: ['name', 'given_name', 'family_name', 'locale', 'updated_at'],
    },
    scopes: ['openid', 'offline_access', 'api:read', 'api:write'],
    issueRefreshToken:
      options.issueRefreshToken ?? ((_ctx, client) => client.grantTypeAllowed('refresh_token')),
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    ttl: {
      AccessToken: 600,
      AuthorizationCode: 60,
      BackchannelAuthenticationRequest: 600,
      ClientCredentials: 600,
      DeviceCode: 600,
      Grant: 3600,
      IdToken: 600,
      Interaction: 600,
      RefreshToken: 3600,
      Session: 3600,
    },
    clientAuthMethods: clientAuthMethodsFor(features),
    clientBasedCORS: () => false,
    renderError: (ctx, out) => {
      ctx.type = 'html'
      ctx.body = errorPage(out as unknown as Record<string, string>)
    },
    ...options.configuration,
  }
}

/** Approving and denying device and CIBA requests as the user on their second device. */
function approvals(
  provider: Provider,
  account: AccountClaims,
  errors: ErrorsModule,
  cibaRequests: readonly CibaRequest[],
): Pick<TestProvider, 'approveCiba' | 'denyCiba' | 'approveDevice' | 'denyDevice'> {
  const findCiba = (authReqId?: string) => {
    const request = authReqId
      ? cibaRequests.find((r) => r.authReqId === authReqId)
      : cibaRequests.at(-1)
    if (!request) throw new Error(`no CIBA request ${authReqId ?? 'is pending'}`)
    return request
  }
  const findDeviceCode = async (userCode: string) => {
    const code = await provider.DeviceCode.findByUserCode(normalizeUserCode(userCode))
    if (!code) throw new Error(`no device authorization request with user code ${userCode}`)
    return code
  }

  return {
    async approveCiba(authReqId) {
      const request = findCiba(authReqId)
      const grant = new provider.Grant({
        accountId: request.accountId,
        clientId: request.clientId,
      })
      grant.addOIDCScope(request.scope)
      await grant.save()
      await provider.backchannelResult(request.authReqId, grant, {
        authTime: epochTime(),
        amr: ['pwd'],
      })
    },
    async denyCiba(authReqId) {
      const request = findCiba(authReqId)
      await provider.backchannelResult(
        request.authReqId,
        new errors.AccessDenied('End-User denied the request'),
      )
    },
    async approveDevice(userCode) {
      const code = await findDeviceCode(userCode)
      const clientId = (code as unknown as { clientId: string }).clientId
      const scope = String(code.params?.scope ?? '')
      const grant = new provider.Grant({ accountId: account.sub, clientId })
      grant.addOIDCScope(scope)
      const grantId = await grant.save()
      Object.assign(code, {
        accountId: account.sub,
        grantId,
        scope,
        authTime: epochTime(),
        amr: ['pwd'],
      })
      await code.save()
    },
    async denyDevice(userCode) {
      const code = await findDeviceCode(userCode)
      Object.assign(code, {
        error: 'access_denied',
        errorDescription: 'End-User denied the request',
      })
      await code.save()
    },
  }
}

type ErrorsModule = typeof import('oidc-provider').errors

interface BackchannelRequest {
  jti: string
  clientId: string
  accountId: string
  scope?: string
  params?: Record<string, unknown>
}

function featureDefaults(account: AccountClaims, errors: ErrorsModule) {
  const identify = (hint?: string) =>
    hint && (hint === account.sub || hint === account.email) ? account.sub : undefined
  return {
    ciba: {
      deliveryModes: ['poll'],
      processLoginHint: (_ctx: KoaContextWithOIDC, hint?: string) => identify(hint),
      processLoginHintToken: (_ctx: KoaContextWithOIDC, hint?: string) => identify(hint),
      validateBindingMessage: (_ctx: KoaContextWithOIDC, message?: string) => {
        if (message !== undefined && !/^[\p{L}\p{N} .,:_-]{1,64}$/u.test(message)) {
          throw new errors.InvalidBindingMessage('binding_message must be 1 to 64 plain characters')
        }
      },
      validateRequestContext: () => undefined,
      verifyUserCode: () => undefined,
      triggerAuthenticationDevice: () => undefined,
    },
    mTLS: {
      getCertificate: (ctx: KoaContextWithOIDC) => {
        const socket = ctx.req.socket as Partial<TLSSocket>
        const raw = socket.getPeerCertificate?.()?.raw
        if (raw) return new X509Certificate(raw).toString()
        const header = ctx.get('x-ssl-client-cert')
        return header ? decodeURIComponent(header) : undefined
      },
      certificateAuthorized: (ctx: KoaContextWithOIDC) => {
        const socket = ctx.req.socket as Partial<TLSSocket>
        return socket.authorized ?? true
      },
      certificateSubjectMatches: (ctx: KoaContextWithOIDC, property: string, expected: string) => {
        const socket = ctx.req.socket as Partial<TLSSocket>
        const raw = socket.getPeerCertificate?.()?.raw
        const header = ctx.get('x-ssl-client-cert')
        const pem = raw ? raw : header ? decodeURIComponent(header) : undefined
        if (!pem) return false
        const cert = new X509Certificate(pem)
        switch (property) {
          case 'tls_client_auth_subject_dn':
            return normalizeDn(cert.subject) === normalizeDn(expected)
          case 'tls_client_auth_san_dns':
            return cert.checkHost(expected, { subject: 'never' }) !== undefined
          case 'tls_client_auth_san_ip':
            return cert.checkIP(expected) !== undefined
          case 'tls_client_auth_san_email':
            return cert.checkEmail(expected, { subject: 'never' }) !== undefined
          case 'tls_client_auth_san_uri':
            return (cert.subjectAltName ?? '').split(', ').includes(`URI:${expected}`)
          default:
            return false
        }
      },
    },
    resourceIndicators: {
      getResourceServerInfo: (_ctx: KoaContextWithOIDC, resource: string) => ({
        scope: 'api:read api:write',
        audience: resource,
        accessTokenFormat: 'opaque' as const,
      }),
    },
    rpInitiatedLogout: {
      logoutSource: (ctx: KoaContextWithOIDC, form: string) => {
        ctx.body = autoSubmitPage(
          'Logout Request',
          form.replace('</form>', '<input type="hidden" name="logout" value="yes"/></form>'),
        )
      },
      postLogoutSuccessSource: (ctx: KoaContextWithOIDC) => {
        ctx.body =
          '<!DOCTYPE html><html><head><title>Signed out</title></head><body><h1>Signed out</h1></body></html>'
      },
    },
  } satisfies Partial<Record<FeatureName, object>>
}

/** The provider's default methods plus the mTLS ones that the mTLS feature switches on. */
function clientAuthMethodsFor(features: Features): NonNullable<Configuration['clientAuthMethods']> {
  const mTLS = features.mTLS as {
    enabled?: boolean
    tlsClientAuth?: boolean
    selfSignedTlsClientAuth?: boolean
  }
  return [
    'client_secret_basic',
    'client_secret_jwt',
    'client_secret_post',
    'private_key_jwt',
    'none',
    ...(mTLS?.enabled && mTLS.tlsClientAuth ? (['tls_client_auth'] as const) : []),
    ...(mTLS?.enabled && mTLS.selfSignedTlsClientAuth
      ? (['self_signed_tls_client_auth'] as const)
      : []),
  ]
}

function accountFor(claims: AccountClaims): Account {
  return { accountId: claims.sub, claims: () => ({ ...claims }) }
}

function generateKeys(options: ProviderOptions): Promise<jose.JWK[]> {
  const algorithms = options.signingAlgorithms ?? ['RS256', 'ES256']
  return Promise.all([
    ...algorithms.map((alg) => generateJwk(alg, 'sig')),
    ...(options.features?.encryption
      ? [generateJwk('RSA-OAEP-256', 'enc'), generateJwk('ECDH-ES', 'enc')]
      : []),
  ])
}

async function generateJwk(alg: string, use: 'sig' | 'enc'): Promise<jose.JWK> {
  const { privateKey } = await jose.generateKeyPair(alg, {
    extractable: true,
    crv: alg === 'EdDSA' ? 'Ed25519' : undefined,
  })
  const jwk = await jose.exportJWK(privateKey)
  jwk.alg = alg
  jwk.use = use
  jwk.kid = `${alg.toLowerCase()}-${randomBytes(6).toString('hex')}`
  return jwk
}

function toPublicJwk({ d, p, q, dp, dq, qi, ...publicPart }: jose.JWK): jose.JWK {
  void [d, p, q, dp, dq, qi]
  return publicPart
}

function normalizePath(path: string | undefined): string {
  if (!path || path === '/') return ''
  return `/${path.replace(/^\/+|\/+$/g, '')}`
}

function normalizeUserCode(input: string): string {
  return input.toUpperCase().replace(/\W/g, '')
}

function normalizeDn(dn: string): string {
  return dn
    .split(/[\n,]/)
    .map((part) => part.trim())
    .filter(Boolean)
    .sort()
    .join(',')
}

function epochTime(): number {
  return Math.floor(Date.now() / 1000)
}

/** Stops `server`, ending its open connections. */
export function closeServer(server: http.Server | https.Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()))
    server.closeAllConnections()
  })
}

/**
 * Drops oidc-provider's start-up and default-helper notices ("Unsupported runtime" on Node 20,
 * "default ... function called") from the console; everything else passes through.
 */
export function installNoticeFilter(): void {
  const marker = Symbol.for('openid-rp.test.oidc-provider-notice-filter')
  const store = globalThis as Record<symbol, unknown>
  if (store[marker]) return
  store[marker] = true
  const isNotice = (args: unknown[]) =>
    typeof args[0] === 'string' &&
    args[0].replace(/\x1b\[[0-9;]*m/g, '').startsWith('oidc-provider ')
  for (const method of ['info', 'warn'] as const) {
    const original = console[method].bind(console)
    console[method] = (...args: unknown[]) => {
      if (!isNotice(args)) original(...args)
    }
  }
}
