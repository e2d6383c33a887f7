// allowInsecureRequests(): the one switch that lets a Configuration (and its discovery) use
// plain http: endpoints.

import { internal } from './state.ts'
import type { Configuration } from './configuration.ts'

/**
 * Allows plain `http:` endpoints for this Configuration. Refused by default with
 * `OAUTH_HTTP_REQUEST_FORBIDDEN`; use only for local development and tests. Pass it in
 * `discovery`'s `execute` to allow the discovery request itself.
 *
 * @example
 * ```ts
 * const config = await client.discovery(new URL('http://localhost:3000'), 'id', 'secret',
 *   undefined, { execute: [client.allowInsecureRequests] })
 * ```
 * @see [RFC 6749 §3.2](https://www.rfc-editor.org/rfc/rfc6749.html#section-3.2)
 * @group Advanced security
 */
export function allowInsecureRequests(config: Configuration): void {
  internal(config).tlsOnly = false
}
