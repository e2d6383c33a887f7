// Configuration, the client's handle on one authorization server: its metadata, the client's
// metadata and authentication, and the public types that describe them.

import * as oauth from 'oauth4webapi'

import { argumentError } from './errors.ts'
import { internal, setInternal } from './state.ts'
import { checkTimeout, DEFAULT_TIMEOUT } from './deadline.ts'
import type { CustomFetch } from './http.ts'

/**
 * Client authentication at the token, PAR, introspection, revocation, device and CIBA
 * endpoints; create one with {@link ClientSecretPost}, {@link PrivateKeyJwt}, etc.
 *
 * @example
 * ```ts
 * const auth: client.ClientAuth = client.ClientSecretBasic('my-client-secret')
 * const config = new client.Configuration(serverMetadata, 'my-client', undefined, auth)
 * ```
 * @see [RFC 6749 §2.3](https://www.rfc-editor.org/rfc/rfc6749.html#section-2.3)
 * @group Configuration
 */
export type ClientAuth = (
  as: ServerMetadata,
  client: ClientMetadata,
  body: URLSearchParams,
  headers: Headers,
) => void | Promise<void>

/**
 * @internal Client authentication as the request layer calls it: with the URL of the endpoint
 * the request goes to as a fifth argument (for an assertion audience naming the endpoint).
 */
export type EndpointAwareClientAuth = (
  ...args: [...Parameters<ClientAuth>, endpoint?: URL]
) => void | Promise<void>

/**
 * Authorization server metadata (RFC 8414 / OpenID Connect Discovery).
 *
 * @example
 * ```ts
 * const server: client.ServerMetadata = {
 *   issuer: 'https://op.example.com',
 *   token_endpoint: 'https://op.example.com/token',
 * }
 * ```
 * @see [RFC 8414 §2](https://www.rfc-editor.org/rfc/rfc8414.html#section-2)
 * @group Configuration
 */
export interface ServerMetadata extends oauth.AuthorizationServer {}

/**
 * Client metadata (RFC 7591), plus `client_secret` and `use_mtls_endpoint_aliases`.
 *
 * @example
 * ```ts
 * const metadata: Partial<client.ClientMetadata> = {
 *   client_secret: 'my-client-secret',
 *   id_token_signed_response_alg: 'ES256',
 * }
 * const config = new client.Configuration(serverMetadata, 'my-client', metadata)
 * ```
 * @see [RFC 7591 §2](https://www.rfc-editor.org/rfc/rfc7591.html#section-2)
 * @group Configuration
 */
export interface ClientMetadata extends oauth.Client {
  /** The client secret, used by the secret-based authentication methods. */
  client_secret?: string
  /** Use the server's `mtls_endpoint_aliases` (RFC 8705) for the endpoints that have one. */
  use_mtls_endpoint_aliases?: boolean
  /** Where the provider POSTs logout tokens (OpenID Connect Back-Channel Logout 1.0). */
  backchannel_logout_uri?: string
  /** Whether logout tokens must carry `sid`; `validateLogoutToken` then requires it. */
  backchannel_logout_session_required?: boolean
  /** The page the provider's logout page loads in an iframe (Front-Channel Logout 1.0). */
  frontchannel_logout_uri?: string
  /** Whether front-channel logout requests must carry `iss` and `sid`. */
  frontchannel_logout_session_required?: boolean
}

/**
 * Helpers on the object {@link Configuration.serverMetadata} returns.
 *
 * @example
 * ```ts
 * const pkce = config.serverMetadata().supportsPKCE()
 * ```
 * @see [RFC 8414 §2](https://www.rfc-editor.org/rfc/rfc8414.html#section-2)
 * @group Configuration
 */
export interface ServerMetadataHelpers {
  /**
   * Whether the server advertises the PKCE `code_challenge_method` (default `S256`).
   *
   * @param method The `code_challenge_method` to look for.
   * @example
   * ```ts
   * if (config.serverMetadata().supportsPKCE()) params.code_challenge_method = 'S256'
   * ```
   * @see [RFC 8414 §2](https://www.rfc-editor.org/rfc/rfc8414.html#section-2)
   */
  supportsPKCE(method?: string): boolean
}

/**
 * Methods of a {@link Configuration}.
 *
 * @example
 * ```ts
 * const methods: client.ConfigurationMethods = config
 * ```
 * @group Configuration
 */
export interface ConfigurationMethods {
  /** A copy of the server metadata, with {@link ServerMetadataHelpers}. */
  serverMetadata(): Readonly<ServerMetadata> & ServerMetadataHelpers
  /** A copy of the client metadata. */
  clientMetadata(): Readonly<oauth.OmitSymbolProperties<ClientMetadata>>
}

/**
 * Settable properties of a {@link Configuration}.
 *
 * @example
 * ```ts
 * const properties: client.ConfigurationProperties = { timeout: 10 }
 * Object.assign(config, properties)
 * ```
 * @group Configuration
 */
export interface ConfigurationProperties {
  /** A `fetch` replacement used for every request of the Configuration. */
  [oauth.customFetch]?: CustomFetch | undefined
  /** Seconds before an HTTP request is aborted with `OAUTH_TIMEOUT` (default 30; 0 for none). */
  timeout?: number | undefined
}

const owned = new WeakSet<object>()
const documents = new Map<string, WeakRef<oauth.AuthorizationServer>>()
const forget = new FinalizationRegistry<string>((text) => {
  if (documents.get(text)?.deref() === undefined) documents.delete(text)
})

/**
 * @internal The one private copy of a server metadata document. Configurations of the same
 * document each hold a shallow view of it (their own object, so oauth4webapi's JWKS cache, keyed
 * by that object, stays per Configuration) instead of a deep copy. Nothing outside the library
 * reaches either: `serverMetadata()` returns clones.
 */
export function ownServerMetadata(
  metadata: oauth.AuthorizationServer,
  text?: string,
): oauth.AuthorizationServer {
  if (owned.has(metadata)) return metadata
  // A document carrying a library hook (Entra ID's issuer template) is never shared.
  if (Object.getOwnPropertySymbols(metadata).length !== 0) {
    owned.add(deepFreeze(metadata))
    return metadata
  }
  const key = text ?? JSON.stringify(metadata)
  const shared = documents.get(key)?.deref()
  if (shared !== undefined) return shared
  documents.set(key, new WeakRef(metadata))
  forget.register(metadata, key)
  owned.add(deepFreeze(metadata))
  return metadata
}

/** Freezes a parsed JSON document and everything in it, so no holder can change it for others. */
function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const member of Object.values(value)) deepFreeze(member)
  }
  return value
}

/**
 * @internal The shared document parsed from exactly this metadata response body, if one is
 * still in use: discovery then skips parsing and validating the same bytes again.
 */
export function sharedServerMetadata(text: string): oauth.AuthorizationServer | undefined {
  return documents.get(text)?.deref()
}

/**
 * Stands in for the key a `private_key_jwt` client was not given: the Configuration (and a
 * dynamic registration's result) still exists, and only a request that needs client
 * authentication fails, before anything is sent.
 */
const missingPrivateKey: oauth.ClientAuth = () => {
  throw argumentError(
    '"token_endpoint_auth_method" is "private_key_jwt" but no key was given: create the Configuration with PrivateKeyJwt(privateKey) as its client authentication argument',
    'ERR_INVALID_ARG_VALUE',
  )
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
      return missingPrivateKey
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
 * @see [RFC 8414 §2](https://www.rfc-editor.org/rfc/rfc8414.html#section-2)
 * @see [RFC 7591 §2](https://www.rfc-editor.org/rfc/rfc7591.html#section-2)
 * @group Configuration
 */
export class Configuration implements ConfigurationMethods, ConfigurationProperties {
  /**
   * @param server Authorization server metadata (copied; later changes to it have no effect).
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
    const client: ClientMetadata = {
      ...(typeof metadata === 'string' ? given : structuredClone(given)),
      client_id: clientId,
    }
    client[oauth.clockSkew] = given[oauth.clockSkew] ?? 0
    client[oauth.clockTolerance] = given[oauth.clockTolerance] ?? 30

    let document = server
    if (!owned.has(server)) {
      const text = JSON.stringify(server)
      document = documents.get(text)?.deref() ?? ownServerMetadata(JSON.parse(text), text)
    }
    const as: oauth.AuthorizationServer = Object.freeze({ ...document })

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

  /** Sets the request timeout in seconds (0, `undefined` or `null`: none); a `TypeError` otherwise. */
  set timeout(value: number | undefined) {
    internal(this).timeout = checkTimeout(value)
  }

  /** A `fetch` replacement used for every request of this Configuration. */
  get [oauth.customFetch](): CustomFetch | undefined {
    return internal(this).fetch
  }

  /** Sets the `fetch` replacement; a `TypeError` unless a function. */
  set [oauth.customFetch](value: CustomFetch) {
    if (value !== undefined && typeof value !== 'function') {
      throw argumentError('[customFetch] must be a function')
    }
    internal(this).fetch = value
  }
}
Object.freeze(Configuration.prototype)
