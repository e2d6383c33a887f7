import * as oauth from 'oauth4webapi'

import { argumentError } from './errors.ts'
import { DEFAULT_TIMEOUT } from './http.ts'
import { type CustomFetch, internal, setInternal } from './state.ts'

/**
 * Client authentication at the token, PAR, introspection, revocation, device and CIBA
 * endpoints; create one with `ClientSecretPost`, `PrivateKeyJwt`, etc.
 */
export type ClientAuth = (
  as: ServerMetadata,
  client: ClientMetadata,
  body: URLSearchParams,
  headers: Headers,
) => void | Promise<void>

/** Authorization server metadata (RFC 8414 / OpenID Connect Discovery). */
export interface ServerMetadata extends oauth.AuthorizationServer {}

/** Client metadata (RFC 7591), plus `client_secret` and `use_mtls_endpoint_aliases`. */
export interface ClientMetadata extends oauth.Client {
  /** The client secret, used by the secret-based authentication methods. */
  client_secret?: string
  /** Use the server's `mtls_endpoint_aliases` (RFC 8705) for the endpoints that have one. */
  use_mtls_endpoint_aliases?: boolean
}

/** Helpers on the object {@link Configuration.serverMetadata} returns. */
export interface ServerMetadataHelpers {
  /**
   * Whether the server advertises the PKCE `code_challenge_method` (default `S256`).
   *
   * @example
   * ```ts
   * if (config.serverMetadata().supportsPKCE()) params.code_challenge_method = 'S256'
   * ```
   */
  supportsPKCE(method?: string): boolean
}

/** Methods of a {@link Configuration}. */
export interface ConfigurationMethods {
  serverMetadata(): Readonly<ServerMetadata> & ServerMetadataHelpers
  clientMetadata(): Readonly<oauth.OmitSymbolProperties<ClientMetadata>>
}

/** Settable properties of a {@link Configuration}. */
export interface ConfigurationProperties {
  [oauth.customFetch]?: CustomFetch | undefined
  timeout?: number | undefined
}

const owned = new WeakSet<object>()

/** @internal Marks server metadata this library produced and froze, so it is not copied again. */
export function ownServerMetadata<T extends object>(metadata: T): T {
  deepFreeze(metadata)
  owned.add(metadata)
  return metadata
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key])
  }
  return value
}

function defaultClientAuth(client: ClientMetadata): oauth.ClientAuth {
  const secret = client.client_secret
  const hasSecret = typeof secret === 'string' && secret.length !== 0
  switch (client.token_endpoint_auth_method) {
    case 'client_secret_basic':
      if (hasSecret) return oauth.ClientSecretBasic(secret)
      break
    case 'client_secret_jwt':
      if (hasSecret) return oauth.ClientSecretJwt(secret)
      break
    case 'none':
      return oauth.None()
    case 'tls_client_auth':
    case 'self_signed_tls_client_auth':
      return oauth.TlsClientAuth()
    case 'private_key_jwt':
      throw argumentError(
        '"token_endpoint_auth_method" is "private_key_jwt": pass PrivateKeyJwt(privateKey) as the client authentication argument',
        'ERR_INVALID_ARG_VALUE',
      )
  }
  return hasSecret ? oauth.ClientSecretPost(secret) : oauth.None()
}

/**
 * An authorization server and a client registered with it: the first argument of every
 * operation. Create it with {@link discovery} or directly from known metadata.
 *
 * @example
 * ```ts
 * const config = new client.Configuration(
 *   { issuer: 'https://op.example.com', token_endpoint: 'https://op.example.com/token' },
 *   'my-client',
 *   'my-client-secret',
 * )
 * config.timeout = 10
 * ```
 */
export class Configuration implements ConfigurationMethods, ConfigurationProperties {
  /**
   * @param server Authorization server metadata (copied and frozen).
   * @param clientId The client identifier.
   * @param metadata Client metadata, or the client secret as a string.
   * @param clientAuthentication Defaults to `ClientSecretPost` when a secret is known, else `None`
   *   (a registered `token_endpoint_auth_method` selects its method when possible).
   */
  constructor(
    server: ServerMetadata,
    clientId: string,
    metadata?: Partial<ClientMetadata> | string,
    clientAuthentication?: ClientAuth,
  ) {
    if (typeof server !== 'object' || server === null || typeof server.issuer !== 'string') {
      throw argumentError('"server" must be authorization server metadata with an "issuer"')
    }
    if (typeof clientId !== 'string' || clientId.length === 0) {
      throw argumentError('"clientId" must be a non-empty string')
    }
    if (clientAuthentication !== undefined && typeof clientAuthentication !== 'function') {
      throw argumentError('"clientAuthentication" must be a function such as ClientSecretPost()')
    }
    const given: Partial<ClientMetadata> =
      typeof metadata === 'string' ? { client_secret: metadata } : (metadata ?? {})
    if (typeof given !== 'object' || given === null) {
      throw argumentError('"metadata" must be an object or a client secret string')
    }
    if (given.client_id !== undefined && given.client_id !== clientId) {
      throw argumentError(
        '"clientId" and "metadata.client_id" must be the same',
        'ERR_INVALID_ARG_VALUE',
      )
    }
    const client: ClientMetadata = { ...structuredClone(given), client_id: clientId }
    client[oauth.clockSkew] = given[oauth.clockSkew] ?? 0
    client[oauth.clockTolerance] = given[oauth.clockTolerance] ?? 30
    deepFreeze(client)

    const as = owned.has(server) ? server : ownServerMetadata(structuredClone(server))

    setInternal(this, {
      as,
      c: client,
      auth: (clientAuthentication as oauth.ClientAuth | undefined) ?? defaultClientAuth(client),
      timeout: DEFAULT_TIMEOUT,
      tlsOnly: true,
      jwksCache: {},
    })
  }

  /**
   * A copy of the server metadata, with {@link ServerMetadataHelpers}.
   *
   * @example
   * ```ts
   * const { issuer, token_endpoint } = config.serverMetadata()
   * ```
   */
  serverMetadata(): Readonly<ServerMetadata> & ServerMetadataHelpers {
    const { as } = internal(this)
    const copy: ServerMetadata = structuredClone(as)
    Object.defineProperty(copy, 'supportsPKCE', {
      value(method = 'S256') {
        return as.code_challenge_methods_supported?.includes(method) === true
      },
    })
    return copy as Readonly<ServerMetadata> & ServerMetadataHelpers
  }

  /**
   * A copy of the client metadata.
   *
   * @example
   * ```ts
   * const { client_id } = config.clientMetadata()
   * ```
   */
  clientMetadata(): Readonly<oauth.OmitSymbolProperties<ClientMetadata>> {
    return structuredClone(internal(this).c) as Readonly<oauth.OmitSymbolProperties<ClientMetadata>>
  }

  /** Seconds before an HTTP request is aborted with `OAUTH_TIMEOUT` (default 30; 0 for none). */
  get timeout(): number | undefined {
    return internal(this).timeout
  }

  set timeout(value: number | undefined) {
    if (value !== undefined && (typeof value !== 'number' || !(value >= 0))) {
      throw argumentError(
        '"timeout" must be a number of seconds (0 turns the timeout off)',
        'ERR_INVALID_ARG_VALUE',
      )
    }
    internal(this).timeout = value
  }

  /** A `fetch` replacement used for every request of this Configuration. */
  get [oauth.customFetch](): CustomFetch | undefined {
    return internal(this).fetch
  }

  set [oauth.customFetch](value: CustomFetch | undefined) {
    if (value !== undefined && typeof value !== 'function') {
      throw argumentError('[customFetch] must be a function')
    }
    internal(this).fetch = value
  }
}
Object.freeze(Configuration.prototype)
