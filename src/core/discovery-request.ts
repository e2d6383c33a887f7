// The discovery request: the well-known metadata URL, its fetch through send(), the issuer
// check (with the Entra ID / B2C exceptions), and the options a new Configuration takes from it.

import * as oauth from 'oauth4webapi'

import { isURL, ownURL } from './brand.ts'
import { type Configuration, ownServerMetadata, sharedServerMetadata } from './configuration.ts'
import { argumentError, clientError } from './errors.ts'
import { baseHeaders, type CustomFetch, send } from './http.ts'
import { internal } from './state.ts'
import { allowInsecureRequests } from './insecure.ts'
import { checkTimeout, DEFAULT_TIMEOUT, perform } from './deadline.ts'

/**
 * Options of {@link discovery}.
 *
 * @example
 * ```ts
 * const options: client.DiscoveryRequestOptions = {
 *   algorithm: 'oauth2',
 *   execute: [client.useJwtResponseMode],
 *   timeout: 10,
 * }
 * ```
 * @see [RFC 8414 §3](https://www.rfc-editor.org/rfc/rfc8414.html#section-3)
 * @group Configuration
 */
export interface DiscoveryRequestOptions {
  /** A `fetch` replacement for the discovery request and the resulting Configuration. */
  [oauth.customFetch]?: CustomFetch
  /** `oidc` (default) fetches `/.well-known/openid-configuration`, `oauth2` RFC 8414 metadata. */
  algorithm?: 'oidc' | 'oauth2'
  /** Functions applied to the new Configuration, e.g. `allowInsecureRequests`, `useJwtResponseMode`. */
  execute?: Array<(config: Configuration) => void>
  /** Request timeout in seconds (default 30), kept on the Configuration. */
  timeout?: number
  /**
   * With a `.well-known` metadata URL given as the server, compare the document's `issuer` with
   * the issuer that URL was derived from (default `true`). `false` only for a server known to
   * publish another issuer there, such as an MCP 2025-03-26 server's authorization base URL.
   */
  checkDerivedIssuer?: boolean
}

/**
 * Unexported oauth4webapi hooks: skip the issuer equality check, derive the expected `iss`.
 * Read as properties where used, never by holding the namespace, so bundlers can tree-shake it.
 */
type Hooks = { _nodiscoverycheck: URL; _expectedIssuer: symbol }

const ENTRA_ORIGIN = 'https://login.microsoftonline.com'

/**
 * Issuer mismatches the reference accepts with the `oidc` algorithm: Microsoft Entra ID's
 * multi-tenant documents (v2 `{tenantid}` templates, whose ID Tokens are then checked against
 * the template filled with their `tid`, and v1 `sts.windows.net` issuers) and Azure AD B2C.
 */
function acceptsIssuerMismatch(server: URL, algorithm: string | undefined): boolean {
  if (algorithm !== undefined && algorithm !== 'oidc') return false
  return server.origin === ENTRA_ORIGIN || server.hostname.endsWith('.b2clogin.com')
}

/** A copy of an Entra ID `{tenantid}` template document that checks `iss` against its `tid`. */
function withTenantIssuer(as: oauth.AuthorizationServer): oauth.AuthorizationServer {
  const template = as.issuer
  return {
    ...as,
    [(oauth as unknown as Hooks)._expectedIssuer]: ({
      claims,
    }: {
      claims: Record<string, unknown>
    }) =>
      template.replace('{tenantid}', typeof claims.tid === 'string' ? claims.tid : '{tenantid}'),
  }
}

/** @internal Fetches and validates authorization server metadata. */
export async function fetchServerMetadata(
  serverArgument: URL,
  options: DiscoveryRequestOptions | undefined,
): Promise<oauth.AuthorizationServer> {
  if (!isURL(serverArgument)) {
    throw argumentError('"server" must be an instance of URL')
  }
  const server = ownURL(serverArgument)
  const allowHttp = options?.execute?.includes(allowInsecureRequests) === true
  const timeout = options?.timeout === undefined ? DEFAULT_TIMEOUT : checkTimeout(options.timeout)
  const direct = server.pathname.includes('/.well-known/')
  const algorithm = options?.algorithm
  return perform({ timeout }, undefined, async (deadline) => {
    const url = direct ? server : wellKnown(server, options?.algorithm)
    oauth.checkProtocol(url, !allowHttp)
    const response = await send({ fetch: options?.[oauth.customFetch] }, url, {
      body: undefined,
      headers: baseHeaders('application/json'),
      method: 'GET',
      redirect: 'manual',
      signal: deadline.signal,
    })
    const text = response.status === 200 ? await response.text() : undefined
    let as = text === undefined ? undefined : sharedServerMetadata(text)
    if (as === undefined) {
      as = await oauth.processDiscoveryResponse(
        (oauth as unknown as Hooks)._nodiscoverycheck,
        text === undefined ? response : new Response(text, { headers: response.headers }),
      )
      if (text !== undefined) as = ownServerMetadata(as, text)
    }
    let issuer: URL | undefined
    try {
      issuer = new URL(as.issuer)
    } catch {}
    if (issuer === undefined) {
      throw clientError(
        `discovered metadata "issuer" ${JSON.stringify(as.issuer)} is not a URL: the server's metadata is invalid`,
        'OAUTH_INVALID_SERVER_METADATA',
        { attribute: 'issuer' },
      )
    }
    const derived = !direct
      ? { issuer: server, algorithm }
      : options?.checkDerivedIssuer === false
        ? undefined
        : issuerOfMetadataUrl(server)
    if (derived !== undefined && !sameIssuer(as.issuer, derived.issuer)) {
      if (!acceptsIssuerMismatch(derived.issuer, derived.algorithm)) {
        const expected = derived.issuer.href
        throw clientError(
          direct
            ? `discovered metadata "issuer" ${JSON.stringify(as.issuer)} does not match the issuer ${JSON.stringify(expected)} its metadata URL ${JSON.stringify(server.href)} was derived from: the document belongs to another issuer; pass the issuer identifier as the server URL`
            : `discovered metadata "issuer" ${JSON.stringify(as.issuer)} does not match the server URL ${JSON.stringify(expected)}: pass the exact issuer identifier as the server URL`,
          'OAUTH_JSON_ATTRIBUTE_COMPARISON_FAILED',
          // A copy: `as` may be the document other Configurations and discoveries share.
          { expected, body: structuredClone(as), attribute: 'issuer' },
        )
      }
      if (derived.issuer.origin === ENTRA_ORIGIN && as.issuer.includes('{tenantid}')) {
        return withTenantIssuer(as)
      }
    }
    return as
  })
}

const OIDC_SUFFIX = '/.well-known/openid-configuration'
const WELL_KNOWN_PREFIXES = [
  ['/.well-known/oauth-authorization-server', 'oauth2'],
  [OIDC_SUFFIX, 'oidc'],
] as const

/**
 * The issuer a metadata URL given directly was derived from, and the discovery algorithm of its
 * form: the OpenID Connect suffix (`<issuer>/.well-known/openid-configuration`, OIDC Discovery
 * §4) or the RFC 8414 §3.1 insertion (`/.well-known/oauth-authorization-server<path>`, also used
 * for `openid-configuration` by RFC 8414 §5). Undefined for any other `.well-known` URL.
 */
function issuerOfMetadataUrl(
  url: URL,
): { issuer: URL; algorithm: DiscoveryRequestOptions['algorithm'] } | undefined {
  const path = url.pathname
  const issuer = new URL(url.origin)
  if (path.endsWith(OIDC_SUFFIX)) {
    issuer.pathname = path.slice(0, -OIDC_SUFFIX.length) || '/'
    return { issuer, algorithm: 'oidc' }
  }
  for (const [prefix, algorithm] of WELL_KNOWN_PREFIXES) {
    if (path.startsWith(`${prefix}/`)) {
      issuer.pathname = path.slice(prefix.length)
      return { issuer, algorithm }
    }
    if (path === prefix) return { issuer, algorithm }
  }
  return undefined
}

/**
 * Whether a discovered `issuer` is the expected issuer identifier: the same string (OIDC
 * Discovery §4.3 "MUST be identical", RFC 8414 §3.3), except that a bare origin may lack the
 * trailing slash a URL object always adds. No other normalisation (scheme or host case, default
 * port, dot segments) is applied.
 */
function sameIssuer(discovered: string, expected: URL): boolean {
  if (discovered === expected.href) return true
  return expected.pathname === '/' && !expected.search && `${discovered}/` === expected.href
}

/**
 * The metadata URL of an issuer: `/.well-known/openid-configuration` appended to its path
 * (OpenID Connect Discovery §4), or `/.well-known/oauth-authorization-server` inserted before
 * it (RFC 8414 §3).
 */
function wellKnown(server: URL, algorithm: DiscoveryRequestOptions['algorithm']): URL {
  const url = new URL(server.href)
  const path = url.pathname
  switch (algorithm) {
    case undefined:
    case 'oidc':
      url.pathname = `${path}/.well-known/openid-configuration`.replace('//', '/')
      break
    case 'oauth2':
      url.pathname =
        path === '/'
          ? '/.well-known/oauth-authorization-server'
          : `/.well-known/oauth-authorization-server${path.replace(/\/$/, '')}`
      break
    default:
      throw argumentError(
        '"options.algorithm" must be "oidc" (default), or "oauth2"',
        'ERR_INVALID_ARG_VALUE',
      )
  }
  return url
}

/** @internal Applies discovery options to a new Configuration. */
export function applyOptions(
  config: Configuration,
  options: DiscoveryRequestOptions | undefined,
): Configuration {
  const state = internal(config)
  if (options?.[oauth.customFetch] !== undefined) state.fetch = options[oauth.customFetch]
  if (options?.timeout !== undefined) state.timeout = checkTimeout(options.timeout)
  for (const extension of options?.execute ?? []) extension(config)
  return config
}
