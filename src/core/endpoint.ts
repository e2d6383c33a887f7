// Server endpoints as URLs: a metadata value resolved through mtls_endpoint_aliases, parsed once
// per metadata document, refused when missing, invalid or (by default) plain HTTP.

import * as oauth from 'oauth4webapi'

import { clientError, missingMetadata, normalizeError } from './errors.ts'
import type { State } from './state.ts'

/** Parsed endpoint URLs per server metadata document (never mutated once parsed). */
const endpoints = new WeakMap<object, Map<string, URL>>()

/**
 * @internal A server endpoint as a URL, through `mtls_endpoint_aliases` when the client uses
 * them and `aliased` (false for front-channel endpoints and the JWKS); refuses a missing or
 * invalid value and (by default) plain HTTP. The URL is cached: never change it.
 */
export function serverEndpoint(
  state: Pick<State, 'as' | 'c' | 'tlsOnly'>,
  name: keyof oauth.AuthorizationServer & string,
  aliased = true,
): URL {
  const aliases =
    aliased && state.c.use_mtls_endpoint_aliases ? state.as.mtls_endpoint_aliases : undefined
  if (aliases !== undefined && aliases !== null && typeof aliases !== 'object') {
    throw clientError(
      'the server metadata "mtls_endpoint_aliases" is not a JSON object: the server\'s metadata is broken',
      'OAUTH_INVALID_SERVER_METADATA',
      { attribute: 'mtls_endpoint_aliases' },
    )
  }
  // A null alias object is no aliases, as in oauth4webapi's resolveEndpoint().
  const alias = aliases != null && name in aliases
  const attribute = alias ? `mtls_endpoint_aliases.${name}` : name
  let parsed = endpoints.get(state.as)
  if (parsed === undefined) endpoints.set(state.as, (parsed = new Map()))
  let url = parsed.get(attribute)
  if (url === undefined) {
    const value = alias ? aliases![name as keyof typeof aliases] : state.as[name]
    try {
      url = new URL(value as string)
    } catch {}
    if (typeof value !== 'string' || url === undefined) {
      throw clientError(
        value === undefined
          ? missingMetadata(attribute)
          : `the server metadata "${attribute}" is not a valid URL: the server's metadata is broken`,
        value === undefined ? 'OAUTH_MISSING_SERVER_METADATA' : 'OAUTH_INVALID_SERVER_METADATA',
        { attribute },
      )
    }
    parsed.set(attribute, url)
  }
  try {
    oauth.checkProtocol(url, state.tlsOnly)
  } catch (err) {
    // oauth4webapi's error carries the URL as its cause: hand out a copy, never the cached one.
    ;(err as { cause?: unknown }).cause = new URL(url.href)
    throw normalizeError(err)
  }
  return url
}
