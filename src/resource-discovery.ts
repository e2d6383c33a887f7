/**
 * Resource-first discovery: RFC 9728 protected resource metadata, then the authorization server
 * it names (RFC 8414 / OpenID Connect Discovery), into a Configuration bound to that `resource`.
 */
import * as oauth from 'oauth4webapi'

import {
  type ClientAuth,
  type ClientMetadata,
  Configuration,
  ownServerMetadata,
  type ServerMetadata,
} from './core/configuration.ts'
import {
  applyOptions,
  type DiscoveryRequestOptions,
  fetchServerMetadata,
} from './core/discovery-request.ts'
import { argumentError, clientError, ClientError, normalizeError } from './core/errors.ts'
import { internal } from './core/state.ts'
import { checkDocumentUrl } from './core/client-id-document.ts'
import { registerClient } from './core/registration-request.ts'
import { allowInsecureRequests } from './core/insecure.ts'
import { checkTimeout, DEFAULT_TIMEOUT } from './core/deadline.ts'
import { fetchJsonObject } from './core/request.ts'

/**
 * Protected resource metadata (RFC 9728 §2).
 *
 * @example
 * ```ts
 * const metadata: client.ProtectedResourceMetadata = client.getProtectedResourceMetadata(config)!
 * console.log(metadata.resource, metadata.scopes_supported)
 * ```
 * @see [RFC 9728 §2](https://www.rfc-editor.org/rfc/rfc9728.html#section-2)
 */
export interface ProtectedResourceMetadata {
  /** The protected resource's resource identifier. */
  readonly resource: string
  /** Issuer identifiers of the authorization servers the resource accepts tokens from. */
  readonly authorization_servers?: string[]
  /** Scopes used in authorization requests to access this resource. */
  readonly scopes_supported?: string[]
  /** How bearer tokens may be presented (`header`, `body`, `query`). */
  readonly bearer_methods_supported?: string[]
  /** Whether the resource always requires DPoP-bound access tokens. */
  readonly dpop_bound_access_tokens_required?: boolean
  readonly [parameter: string]: unknown
}

/**
 * Options of {@link discoverProtectedResource}: the client, and the discovery options of the
 * authorization server request.
 *
 * @example
 * ```ts
 * const options: client.ProtectedResourceDiscoveryOptions = {
 *   clientId: 'my-client',
 *   clientAuthentication: client.None(),
 *   algorithm: 'oauth2',
 * }
 * ```
 * @see [RFC 9728 §3](https://www.rfc-editor.org/rfc/rfc9728.html#section-3)
 */
export interface ProtectedResourceDiscoveryOptions extends DiscoveryRequestOptions {
  /**
   * The client identifier. With {@link ProtectedResourceDiscoveryOptions.clientMetadataDocument}
   * it is the fallback for servers that do not support Client ID Metadata Documents.
   */
  clientId?: string
  /** Client metadata, or the client secret. */
  metadata?: Partial<ClientMetadata> | string
  /** Defaults as in {@link Configuration}: `ClientSecretPost` with a secret, `None` without. */
  clientAuthentication?: ClientAuth
  /**
   * The HTTPS URL where the client's metadata document is hosted (see
   * `clientIdMetadataDocument`): used as the `client_id` when the authorization server advertises
   * `client_id_metadata_document_supported`.
   */
  clientMetadataDocument?: URL
  /**
   * With a `WWWAuthenticateChallengeError`: the URL of the request that was refused (defaults to
   * the URL of the error's response).
   */
  resource?: URL
  /**
   * Picks the authorization server among the metadata's `authorization_servers` (the first by
   * default); must return one of them.
   */
  selectAuthorizationServer?: (authorizationServers: string[]) => string
  /**
   * Client metadata to register dynamically (RFC 7591) when neither a usable Client ID Metadata
   * Document nor a `clientId` is given and the server has a `registration_endpoint`; a function
   * receives the server's metadata (to pick a `token_endpoint_auth_method` it supports).
   */
  registration?: Partial<ClientMetadata> | ((server: ServerMetadata) => Partial<ClientMetadata>)
  /** An initial access token the registration endpoint requires (RFC 7591 §3). */
  initialAccessToken?: string
}

const WELL_KNOWN = '/.well-known/oauth-protected-resource'

const metadataOf = new WeakMap<Configuration, ProtectedResourceMetadata>()

/** A URL's serialization with an empty path as `/`, for identifier comparison. */
function identifier(value: string): string | undefined {
  try {
    return new URL(value).href
  } catch {
    return undefined
  }
}

function isNotFound(err: unknown): boolean {
  const cause = (err as { cause?: unknown })?.cause
  return (
    err instanceof ClientError &&
    typeof Response !== 'undefined' &&
    cause instanceof Response &&
    cause.status === 404
  )
}

interface Candidate {
  url: URL
  /** The resource identifier the metadata's `resource` must equal (RFC 9728 §3.3). */
  expected: string
}

/** Path-specific then root well-known URLs of a resource (RFC 9728 §3.1). */
function wellKnownCandidates(resource: URL): Candidate[] {
  const candidates: Candidate[] = []
  const path = resource.pathname.replace(/\/$/, '')
  if (path !== '') {
    candidates.push({ url: new URL(`${WELL_KNOWN}${path}`, resource), expected: resource.href })
  }
  candidates.push({ url: new URL(WELL_KNOWN, resource), expected: new URL(resource.origin).href })
  return candidates
}

/** The `resource_metadata` URL of a challenge, refused unless on the resource's origin. */
function challengeCandidate(error: oauth.WWWAuthenticateChallengeError, resource: URL): Candidate {
  const value = error.cause.find(
    (challenge) => typeof challenge.parameters.resource_metadata === 'string',
  )?.parameters.resource_metadata
  if (value === undefined) {
    throw clientError(
      'the WWW-Authenticate challenge has no "resource_metadata" parameter: pass the resource URL to discoverProtectedResource() instead',
      'OAUTH_WWW_AUTHENTICATE_CHALLENGE',
      { attribute: 'resource_metadata' },
    )
  }
  let url: URL | undefined
  try {
    url = new URL(value)
  } catch {}
  if (url === undefined) {
    throw clientError(
      'the WWW-Authenticate "resource_metadata" parameter is not a URL: the resource server is misconfigured',
      'OAUTH_WWW_AUTHENTICATE_CHALLENGE',
      { attribute: 'resource_metadata', value },
    )
  }
  if (url.origin !== resource.origin) {
    throw clientError(
      `the WWW-Authenticate "resource_metadata" URL is on ${url.origin}, not on the resource's origin ${resource.origin}: refused, discover from the resource URL instead`,
      'OAUTH_WWW_AUTHENTICATE_CHALLENGE',
      { attribute: 'resource_metadata', value: url.href, expected: resource.origin },
    )
  }
  return { url, expected: resource.href }
}

function resourceOf(
  input: URL | oauth.WWWAuthenticateChallengeError,
  options: ProtectedResourceDiscoveryOptions | undefined,
): URL {
  if (input instanceof URL) return input
  if (options?.resource !== undefined) {
    if (!(options.resource instanceof URL)) {
      throw argumentError('"options.resource" must be an instance of URL')
    }
    return options.resource
  }
  const url = identifier(input.response.url)
  if (url === undefined) {
    throw argumentError(
      'the challenge\'s response has no URL: pass the refused request\'s URL as "options.resource"',
      'ERR_INVALID_ARG_VALUE',
    )
  }
  return new URL(url)
}

/** Checks a protected resource metadata document (RFC 9728 §3.2, §3.3). */
function checkMetadata(
  body: Record<string, unknown>,
  candidate: Candidate,
): ProtectedResourceMetadata {
  if (typeof body.resource !== 'string' || identifier(body.resource) !== candidate.expected) {
    throw clientError(
      `the protected resource metadata "resource" ${JSON.stringify(body.resource)} is not ${JSON.stringify(candidate.expected)}, the resource it was fetched for: refused (RFC 9728 §3.3)`,
      'OAUTH_JSON_ATTRIBUTE_COMPARISON_FAILED',
      { attribute: 'resource', expected: candidate.expected, body: structuredClone(body) },
    )
  }
  const servers = body.authorization_servers
  if (
    servers !== undefined &&
    (!Array.isArray(servers) || servers.some((server) => typeof server !== 'string'))
  ) {
    throw clientError(
      'the protected resource metadata "authorization_servers" is not an array of strings',
      'OAUTH_INVALID_RESPONSE',
      { attribute: 'authorization_servers' },
    )
  }
  return body as ProtectedResourceMetadata
}

/**
 * Fetches and checks a resource's RFC 9728 metadata: from a challenge's `resource_metadata`
 * (same origin as the resource only), or the path-specific then the root well-known URL.
 *
 * @internal
 */
export async function fetchProtectedResourceMetadata(
  input: URL | oauth.WWWAuthenticateChallengeError,
  options?: ProtectedResourceDiscoveryOptions,
): Promise<ProtectedResourceMetadata> {
  const resource = resourceOf(input, options)
  const transport = {
    fetch: options?.[oauth.customFetch],
    tlsOnly: options?.execute?.includes(allowInsecureRequests) !== true,
    timeout: options?.timeout === undefined ? DEFAULT_TIMEOUT : checkTimeout(options.timeout),
  }
  oauth.checkProtocol(resource, transport.tlsOnly)
  const candidates =
    input instanceof URL ? wellKnownCandidates(resource) : [challengeCandidate(input, resource)]
  for (const [index, candidate] of candidates.entries()) {
    let body: Record<string, unknown>
    try {
      body = await fetchJsonObject(transport, candidate.url)
    } catch (err) {
      if (index < candidates.length - 1 && isNotFound(err)) continue
      throw err
    }
    return checkMetadata(body, candidate)
  }
  /* c8 ignore next */
  throw new Error('unreachable')
}

function chooseServer(
  metadata: ProtectedResourceMetadata,
  options: ProtectedResourceDiscoveryOptions | undefined,
): URL {
  const servers = metadata.authorization_servers ?? []
  if (servers.length === 0) {
    throw clientError(
      'the protected resource metadata names no "authorization_servers": the resource does not say where to get a token',
      'OAUTH_MISSING_SERVER_METADATA',
      { attribute: 'authorization_servers' },
    )
  }
  const chosen = options?.selectAuthorizationServer?.([...servers]) ?? servers[0]!
  const url = servers.includes(chosen) ? identifier(chosen) : undefined
  if (url === undefined) {
    throw clientError(
      `the authorization server ${JSON.stringify(chosen)} is not a URL listed in the protected resource metadata "authorization_servers"`,
      'OAUTH_INVALID_RESPONSE',
      { attribute: 'authorization_servers' },
    )
  }
  return new URL(url)
}

/**
 * An authorization server's metadata, tried in the order an OAuth client should: RFC 8414 (path
 * inserted), then OpenID Connect with the path inserted (for an issuer with a path), then
 * OpenID Connect appended (OIDC Discovery §4); the next is tried only after a 404.
 */
async function discoverServer(
  issuer: URL,
  options: ProtectedResourceDiscoveryOptions | undefined,
): Promise<oauth.AuthorizationServer> {
  if (options?.algorithm !== undefined) return fetchServerMetadata(issuer, options)
  const attempts = [() => fetchServerMetadata(issuer, { ...options, algorithm: 'oauth2' })]
  const path = issuer.pathname.replace(/\/$/, '')
  if (path !== '') {
    attempts.push(async () => {
      const url = new URL(`/.well-known/openid-configuration${path}`, issuer)
      const as = await fetchServerMetadata(url, options)
      if (identifier(as.issuer) !== issuer.href) {
        throw clientError(
          `discovered metadata "issuer" ${JSON.stringify(as.issuer)} does not match the authorization server ${JSON.stringify(issuer.href)} the resource named`,
          'OAUTH_JSON_ATTRIBUTE_COMPARISON_FAILED',
          { expected: issuer.href, attribute: 'issuer' },
        )
      }
      return as
    })
  }
  attempts.push(() => fetchServerMetadata(issuer, { ...options, algorithm: 'oidc' }))
  for (const [index, attempt] of attempts.entries()) {
    try {
      return await attempt()
    } catch (err) {
      if (index < attempts.length - 1 && isNotFound(err)) continue
      throw err
    }
  }
  /* c8 ignore next */
  throw new Error('unreachable')
}

/**
 * The client at `as`, in the order MCP clients use: the Client ID Metadata Document when the
 * server advertises support, the pre-registered `clientId`, then dynamic registration.
 */
async function clientAt(
  as: oauth.AuthorizationServer,
  options: ProtectedResourceDiscoveryOptions | undefined,
): Promise<Configuration> {
  const document = options?.clientMetadataDocument
  if (document !== undefined) {
    if (!(document instanceof URL)) {
      throw argumentError('"options.clientMetadataDocument" must be an instance of URL')
    }
    checkDocumentUrl(document)
    if (as.client_id_metadata_document_supported === true) {
      const metadata = typeof options?.metadata === 'object' ? options.metadata : {}
      const method = metadata.token_endpoint_auth_method ?? 'none'
      if (
        typeof options?.metadata === 'string' ||
        (method !== 'none' && method !== 'private_key_jwt')
      ) {
        throw argumentError(
          'a Client ID Metadata Document client authenticates with None() or PrivateKeyJwt(): it has no client secret',
          'ERR_INVALID_ARG_VALUE',
        )
      }
      return new Configuration(
        as,
        document.href,
        { ...metadata, token_endpoint_auth_method: method },
        options?.clientAuthentication,
      )
    }
  }
  if (options?.clientId !== undefined) {
    if (typeof options.clientId !== 'string' || options.clientId.length === 0) {
      throw argumentError('"options.clientId" must be a non-empty string')
    }
    return new Configuration(as, options.clientId, options.metadata, options.clientAuthentication)
  }
  if (options?.registration !== undefined && typeof as.registration_endpoint === 'string') {
    const registration =
      typeof options.registration === 'function'
        ? options.registration(structuredClone(as))
        : options.registration
    return registerClient(as, registration, options.clientAuthentication, options)
  }
  if (document !== undefined) {
    throw clientError(
      `the authorization server ${as.issuer} does not advertise "client_id_metadata_document_supported": register the client and pass its "clientId"`,
      'OAUTH_UNSUPPORTED_OPERATION',
      { attribute: 'client_id_metadata_document_supported' },
    )
  }
  if (options?.registration !== undefined) {
    throw clientError(
      `the authorization server ${as.issuer} has no "registration_endpoint": register the client and pass its "clientId"`,
      'OAUTH_MISSING_SERVER_METADATA',
      { attribute: 'registration_endpoint' },
    )
  }
  throw argumentError(
    '"options.clientId", "options.clientMetadataDocument" or "options.registration" is required',
  )
}

/**
 * Discovers a protected resource's authorization server from the resource itself (RFC 9728) and
 * returns a Configuration that sends the resource's identifier as the RFC 8707 `resource` in
 * authorization, PAR, code, refresh and client credentials requests (unless one is passed).
 *
 * From a URL, the metadata is read from `/.well-known/oauth-protected-resource{path}`, then from
 * the root well-known URL; its `resource` must equal the URL the well-known suffix was inserted
 * into. From a `WWWAuthenticateChallengeError`, the challenge's `resource_metadata` is fetched
 * only when it is on the resource's origin, and the metadata's `resource` must equal the URL of
 * the refused request. The authorization server (the first of `authorization_servers` unless
 * chosen) is discovered with RFC 8414 then OpenID Connect metadata, and its `issuer` must match.
 *
 * @param resource The resource URL, or the challenge error a request to it rejected with.
 * @example
 * ```ts
 * const config = await client.discoverProtectedResource(new URL('https://api.example.com/mcp'), {
 *   clientId: 'my-client',
 * })
 * const { resource } = client.getProtectedResourceMetadata(config)!
 * ```
 * @see [RFC 9728 §3](https://www.rfc-editor.org/rfc/rfc9728.html#section-3)
 * @see [RFC 8707 §2](https://www.rfc-editor.org/rfc/rfc8707.html#section-2)
 */
export async function discoverProtectedResource(
  resource: URL | oauth.WWWAuthenticateChallengeError,
  options?: ProtectedResourceDiscoveryOptions,
): Promise<Configuration> {
  if (!(resource instanceof URL) && !(resource instanceof oauth.WWWAuthenticateChallengeError)) {
    throw argumentError('"resource" must be an instance of URL or WWWAuthenticateChallengeError')
  }
  try {
    const metadata = await fetchProtectedResourceMetadata(resource, options)
    const issuer = chooseServer(metadata, options)
    oauth.checkProtocol(issuer, options?.execute?.includes(allowInsecureRequests) !== true)
    const as = await discoverServer(issuer, options)
    const config = await clientAt(ownServerMetadata(as), options)
    internal(config).resource = metadata.resource
    metadataOf.set(config, Object.freeze(structuredClone(metadata)))
    return applyOptions(config, options)
  } catch (err) {
    throw normalizeError(err)
  }
}

/**
 * The protected resource metadata a Configuration was discovered from with
 * {@link discoverProtectedResource}, or `undefined`.
 *
 * @example
 * ```ts
 * const scopes = client.getProtectedResourceMetadata(config)?.scopes_supported ?? []
 * ```
 * @see [RFC 9728 §2](https://www.rfc-editor.org/rfc/rfc9728.html#section-2)
 */
export function getProtectedResourceMetadata(
  config: Configuration,
): ProtectedResourceMetadata | undefined {
  internal(config)
  const metadata = metadataOf.get(config)
  return metadata === undefined ? undefined : structuredClone(metadata)
}
