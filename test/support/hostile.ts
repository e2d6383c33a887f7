/**
 * A scriptable, hostile authorization server on 127.0.0.1 (random port, `node:http`) for the
 * conformance suite.
 *
 * It serves discovery, JWKS, token, UserInfo, introspection, PAR and a protected resource. Every
 * route is a {@link Handler} a scenario may replace with {@link HostileServer.on}; `reset()` brings
 * the defaults back. Every request is recorded, so a test can count what the client fetched and
 * read the proofs it sent. The `forge` helpers sign and encrypt whatever a scenario crafts with the
 * server's keys and the claims a valid response would carry.
 *
 * {@link useHostileServer} registers a suite's hooks; the assertion helper uses `node:assert` only.
 */
import assert from 'node:assert/strict'
import * as http from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, beforeEach } from 'node:test'

import type { JWK } from 'jose'

import {
  type Claims,
  compact,
  type EncryptionKey,
  encryptionKey,
  epoch,
  sign,
  type SigningKey,
  signingKey,
} from './forge.ts'
import type { Client, Implementation } from './implementations.ts'

/** The one client every scenario registers. */
export const CLIENT_ID = 'hostile-client'
export const CLIENT_SECRET = 'hostile-client-secret-which-is-long-enough'

/** Where the relying party receives authorization responses. */
export const REDIRECT_URI = 'https://rp.example.com/cb'

/** The routes of a {@link HostileServer}. */
export const ROUTES = {
  discovery: '/.well-known/openid-configuration',
  jwks: '/jwks',
  token: '/token',
  userinfo: '/userinfo',
  introspection: '/introspect',
  par: '/par',
  resource: '/resource',
} as const

/** One request the server received. */
export interface RecordedRequest {
  readonly method: string
  readonly path: string
  readonly url: URL
  readonly headers: Headers
  readonly body: string
  /** The body as a form (token, introspection and PAR requests). */
  readonly form: URLSearchParams
}

/** What a handler answers. */
export interface Reply {
  status?: number
  headers?: Record<string, string>
  body?: string
}

/** Answer nothing, ever: the connection stays open until the client gives up or the server closes. */
export const HANG = Symbol('hang')

/** A route: answers a request, or hangs. */
export type Handler = (
  request: RecordedRequest,
  server: HostileServer,
) => Reply | typeof HANG | Promise<Reply | typeof HANG>

/** Reply builders. */
export const reply = {
  json(value: unknown, status = 200, headers: Record<string, string> = {}): Reply {
    return {
      status,
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(value),
    }
  },
  /** A JWT body (`application/jwt` unless told otherwise). */
  jwt(token: string, contentType = 'application/jwt', status = 200): Reply {
    return { status, headers: { 'content-type': contentType }, body: token }
  },
  text(
    body: string,
    contentType: string,
    status = 200,
    headers: Record<string, string> = {},
  ): Reply {
    return { status, headers: { 'content-type': contentType, ...headers }, body }
  },
  redirect(location: string, status = 302): Reply {
    return { status, headers: { location }, body: '' }
  },
} as const

/** Types shared by both implementations (the reference's are the contract). */
export type Configuration = InstanceType<Client['Configuration']>
type ClientMetadata = Exclude<ConstructorParameters<Client['Configuration']>[2], string | undefined>

/** Options of {@link HostileServer.configure}. */
export interface ConfigureOptions {
  /** Merged over the discovery document for this Configuration (`undefined` removes a field). */
  metadata?: Claims
  /** Client metadata besides `client_id` / `client_secret`. */
  client?: Partial<ClientMetadata>
  /** Features to switch on, e.g. `client.useJwtResponseMode` (after `allowInsecureRequests`). */
  execute?: Array<(config: Configuration) => void>
  /** Content encryption algorithms of responses to decrypt with {@link HostileServer.rpKey}. */
  decrypt?: string[]
}

/** A fake authorization server that answers whatever the scenario scripts. */
export class HostileServer {
  /** The issuer identifier, `http://127.0.0.1:<port>` (no trailing slash). */
  readonly issuer: string
  /** The published signing keys: `rsa` (kid `rsa-1`, RS256) and `ec` (kid `ec-1`, ES256). */
  readonly keys: { readonly rsa: SigningKey; readonly ec: SigningKey }
  /** The relying party's decryption key (ECDH-ES+A256KW, kid `rp-enc-1`) to encrypt responses to. */
  readonly rpKey: EncryptionKey
  /** Every request since the last `reset()`, in order. */
  readonly requests: RecordedRequest[] = []
  /** The keys served at the JWKS route; a scenario may replace them (rotation, duplicates). */
  jwks: JWK[]
  /** Merged over the discovery document served at the discovery route. */
  metadataOverrides: Claims = {}

  readonly #server: http.Server
  readonly #routes = new Map<string, Handler>()

  private constructor(server: http.Server, keys: HostileServer['keys'], rpKey: EncryptionKey) {
    this.#server = server
    this.issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    this.keys = keys
    this.rpKey = rpKey
    this.jwks = [keys.rsa.jwk, keys.ec.jwk]
    this.#installDefaults()
  }

  /** Starts a server on a random port of 127.0.0.1. */
  static async start(): Promise<HostileServer> {
    const [rsa, ec, rpKey] = await Promise.all([
      signingKey('RS256', 'rsa-1'),
      signingKey('ES256', 'ec-1'),
      encryptionKey('ECDH-ES+A256KW', 'rp-enc-1'),
    ])
    let instance: HostileServer | undefined
    const server = http.createServer((req, res) => {
      void instance!.#handle(req, res)
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    instance = new HostileServer(server, { rsa, ec }, rpKey)
    return instance
  }

  /** The absolute URL of `path` on this server. */
  url(path: string): string {
    return `${this.issuer}${path}`
  }

  /** The discovery document: every endpoint of this server, the supported algorithms, `overrides`. */
  metadata(overrides: Claims = {}): Claims {
    return compact({
      issuer: this.issuer,
      authorization_endpoint: this.url('/authorize'),
      token_endpoint: this.url(ROUTES.token),
      jwks_uri: this.url(ROUTES.jwks),
      userinfo_endpoint: this.url(ROUTES.userinfo),
      introspection_endpoint: this.url(ROUTES.introspection),
      pushed_authorization_request_endpoint: this.url(ROUTES.par),
      response_types_supported: ['code', 'code id_token', 'id_token'],
      response_modes_supported: ['query', 'fragment', 'form_post', 'jwt'],
      id_token_signing_alg_values_supported: ['RS256', 'ES256'],
      userinfo_signing_alg_values_supported: ['RS256', 'ES256'],
      authorization_signing_alg_values_supported: ['RS256', 'ES256'],
      introspection_signing_alg_values_supported: ['RS256', 'ES256'],
      code_challenge_methods_supported: ['S256'],
      dpop_signing_alg_values_supported: ['ES256'],
      ...this.metadataOverrides,
      ...overrides,
    })
  }

  /** Replaces the handler of `path` until the next `reset()`. */
  on(path: string, handler: Handler): void {
    this.#routes.set(path, handler)
  }

  /** Restores the default routes, JWKS and metadata, and forgets the recorded requests. */
  reset(): void {
    this.requests.length = 0
    this.jwks = [this.keys.rsa.jwk, this.keys.ec.jwk]
    this.metadataOverrides = {}
    this.#installDefaults()
  }

  /** How many requests reached `path`. */
  count(path: string): number {
    return this.requests.filter((request) => request.path === path).length
  }

  /** The requests that reached `path`, in order. */
  received(path: string): RecordedRequest[] {
    return this.requests.filter((request) => request.path === path)
  }

  /** Closes the server and every connection still open (hanging ones included). */
  async close(): Promise<void> {
    this.#server.closeAllConnections()
    await new Promise<void>((resolve, reject) =>
      this.#server.close((err) => (err ? reject(err) : resolve())),
    )
  }

  /**
   * A Configuration of `client` for this server, made by `client.discovery` over plain HTTP (so
   * the discovery route is exercised), with `CLIENT_ID` / `CLIENT_SECRET`; decrypting responses
   * with {@link HostileServer.rpKey} when `options.decrypt` is given.
   */
  async configure(client: Client, options: ConfigureOptions = {}): Promise<Configuration> {
    const previous = this.metadataOverrides
    this.metadataOverrides = { ...previous, ...options.metadata }
    try {
      const config = await client.discovery(
        new URL(this.issuer),
        CLIENT_ID,
        { client_secret: CLIENT_SECRET, ...options.client },
        undefined,
        { execute: [client.allowInsecureRequests, ...(options.execute ?? [])] },
      )
      if (options.decrypt)
        client.enableDecryptingResponses(config, options.decrypt, {
          key: this.rpKey.privateKey,
          kid: this.rpKey.kid,
        })
      return config
    } finally {
      this.metadataOverrides = previous
    }
  }

  // Forging with this issuer's defaults.

  /** Valid ID Token claims for `CLIENT_ID` (`iss`, `aud`, `sub`, `iat`, `exp`), then `overrides`. */
  idTokenClaims(overrides: Claims = {}): Claims {
    const now = epoch()
    return compact({
      iss: this.issuer,
      aud: CLIENT_ID,
      sub: 'user-1',
      iat: now,
      exp: now + 300,
      ...overrides,
    })
  }

  /** A signed ID Token (RS256 with `rsa-1` unless `key` says otherwise). */
  idToken(
    overrides: Claims = {},
    key: SigningKey = this.keys.rsa,
    header: Claims = {},
  ): Promise<string> {
    return sign(this.idTokenClaims(overrides), key, header)
  }

  /**
   * Valid back-channel logout token claims for `CLIENT_ID` (`iss`, `aud`, `iat`, `exp`, a fresh
   * `jti`, the logout event, `sub`, `sid`), then `overrides`.
   */
  logoutTokenClaims(overrides: Claims = {}): Claims {
    const now = epoch()
    return compact({
      iss: this.issuer,
      aud: CLIENT_ID,
      iat: now,
      exp: now + 120,
      jti: `jti-${crypto.randomUUID()}`,
      events: { 'http://schemas.openid.net/event/backchannel-logout': {} },
      sub: 'user-1',
      sid: 'session-1',
      ...overrides,
    })
  }

  /** A signed logout token (RS256 with `rsa-1`, `typ: logout+jwt` unless `header` says otherwise). */
  logoutToken(
    overrides: Claims = {},
    key: SigningKey = this.keys.rsa,
    header: Claims = {},
  ): Promise<string> {
    return sign(this.logoutTokenClaims(overrides), key, { typ: 'logout+jwt', ...header })
  }

  /** Valid JARM response claims (`iss`, `aud`, `exp`, `code`), then `overrides`. */
  jarmClaims(overrides: Claims = {}): Claims {
    return compact({
      iss: this.issuer,
      aud: CLIENT_ID,
      exp: epoch() + 300,
      code: 'jarm-code',
      ...overrides,
    })
  }

  /** Valid signed UserInfo claims (`iss`, `aud`, `sub`, `email`), then `overrides`. */
  userinfoClaims(overrides: Claims = {}): Claims {
    return compact({
      iss: this.issuer,
      aud: CLIENT_ID,
      sub: 'user-1',
      email: 'user@example.com',
      ...overrides,
    })
  }

  /** A token endpoint response body: a Bearer access token, `expires_in` 300, then `overrides`. */
  tokenResponse(overrides: Claims = {}): Claims {
    return compact({
      access_token: 'access-token-1',
      token_type: 'Bearer',
      expires_in: 300,
      ...overrides,
    })
  }

  #installDefaults(): void {
    this.#routes.clear()
    this.#routes.set(ROUTES.discovery, (_, server) => reply.json(server.metadata()))
    this.#routes.set(ROUTES.jwks, (_, server) => reply.json({ keys: server.jwks }))
    this.#routes.set(ROUTES.token, (_, server) => reply.json(server.tokenResponse()))
    this.#routes.set(ROUTES.userinfo, () => reply.json({ sub: 'user-1' }))
    this.#routes.set(ROUTES.introspection, () => reply.json({ active: true, client_id: CLIENT_ID }))
    this.#routes.set(ROUTES.par, () =>
      reply.json({ request_uri: 'urn:ietf:params:oauth:request_uri:hostile', expires_in: 60 }, 201),
    )
    this.#routes.set(ROUTES.resource, () => reply.json({ ok: true }))
  }

  async #handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    const body = Buffer.concat(chunks).toString('utf8')
    const url = new URL(req.url ?? '/', this.issuer)
    const headers = new Headers()
    for (const [name, value] of Object.entries(req.headers)) {
      if (typeof value === 'string') headers.set(name, value)
      else if (Array.isArray(value)) for (const item of value) headers.append(name, item)
    }
    const request: RecordedRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      url,
      headers,
      body,
      form: new URLSearchParams(body),
    }
    this.requests.push(request)
    const handler = this.#routes.get(url.pathname)
    let answer: Reply | typeof HANG
    try {
      answer = handler ? await handler(request, this) : reply.json({ error: 'not_found' }, 404)
    } catch (err) {
      answer = reply.text(`handler failed: ${String(err)}`, 'text/plain', 500)
    }
    if (answer === HANG) return
    res.writeHead(answer.status ?? 200, answer.headers ?? {})
    res.end(answer.body ?? '')
  }
}

/** The client and server a conformance suite tests, once its `before` hook has run. */
export interface HostileSuite {
  readonly client: Client
  readonly as: HostileServer
}

/**
 * Registers the hooks of a conformance suite: loads `impl` and starts a {@link HostileServer}
 * before it, hands both to `ready`, resets the server before each test and closes it after.
 *
 * @example
 * let client: Client
 * let as: HostileServer
 * useHostileServer(impl, (suite) => ({ client, as } = suite))
 */
export function useHostileServer(impl: Implementation, ready: (suite: HostileSuite) => void): void {
  let server: HostileServer | undefined
  before(async () => {
    const client = await impl.load()
    server = await HostileServer.start()
    ready({ client, as: server })
  })
  after(() => server?.close())
  beforeEach(() => server?.reset())
}

/** A callback URL with `params` in its query (or its fragment when `fragment` is set). */
export function callback(params: Record<string, string | undefined>, fragment = false): URL {
  const url = new URL(REDIRECT_URI)
  const search = new URLSearchParams(compact(params) as Record<string, string>)
  if (fragment) url.hash = search.toString()
  else url.search = search.toString()
  return url
}

/** A form_post callback: a `POST` Request with `params` as its form body. */
export function formPost(params: Record<string, string | undefined>): Request {
  return new Request(REDIRECT_URI, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(compact(params) as Record<string, string>).toString(),
  })
}

/** The error classes a rejection may be asserted to be. */
export type ErrorClass =
  | 'ClientError'
  | 'AuthorizationResponseError'
  | 'ResponseBodyError'
  | 'WWWAuthenticateChallengeError'
  | 'TypeError'

/**
 * Asserts that `promise` rejects with an instance of `client[errorClass]` whose `code` is `code`;
 * returns the error for further checks.
 */
export async function rejects(
  client: Client,
  promise: Promise<unknown>,
  errorClass: ErrorClass,
  code: string,
): Promise<Error & { code?: string; cause?: unknown }> {
  const Class = errorClass === 'TypeError' ? TypeError : client[errorClass]
  let caught: unknown
  await assert.rejects(promise, (err: unknown) => {
    caught = err
    return true
  })
  assert.ok(
    caught instanceof Class,
    `expected ${errorClass}, got ${(caught as Error)?.constructor?.name}: ${(caught as Error)?.message}`,
  )
  assert.equal(
    (caught as { code?: unknown }).code,
    code,
    `expected code ${code}, got ${String((caught as { code?: unknown }).code)}: ${(caught as Error).message}`,
  )
  return caught as Error & { code?: string; cause?: unknown }
}
