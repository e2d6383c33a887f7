// Dynamic client registration (RFC 7591): discovers the server, registers the client and returns
// a Configuration for it.

import {
  type ClientAuth,
  type ClientMetadata,
  type Configuration,
  ownServerMetadata,
} from './core/configuration.ts'
import {
  applyOptions,
  type DiscoveryRequestOptions,
  fetchServerMetadata,
} from './core/discovery-request.ts'
import { registerClient } from './core/registration-request.ts'
import type { DPoPOptions } from './core/dpop.ts'

/**
 * Options of {@link dynamicClientRegistration}.
 *
 * @example
 * ```ts
 * const options: client.DynamicClientRegistrationRequestOptions = { initialAccessToken, timeout: 10 }
 * ```
 * @see [RFC 7591 §3](https://www.rfc-editor.org/rfc/rfc7591.html#section-3)
 * @group Configuration
 */
export interface DynamicClientRegistrationRequestOptions
  extends DiscoveryRequestOptions, DPoPOptions {
  /** An initial access token the registration endpoint requires (RFC 7591 §3). */
  initialAccessToken?: string
}

/**
 * Discovers the server, registers a new client at its `registration_endpoint` and returns a
 * Configuration for it.
 *
 * @param server The issuer identifier.
 * @param metadata The client metadata to register (`redirect_uris`, `token_endpoint_auth_method`...).
 * @param clientAuthentication Client authentication for the registered client, when the default
 *   (from the returned `client_secret`) does not fit.
 * @example
 * ```ts
 * const config = await client.dynamicClientRegistration(new URL('https://op.example.com'), {
 *   redirect_uris: ['https://rp.example.com/cb'],
 * }, undefined, { initialAccessToken })
 * ```
 * @see [RFC 7591 §3](https://www.rfc-editor.org/rfc/rfc7591.html#section-3)
 * @group Configuration
 */
export async function dynamicClientRegistration(
  server: URL,
  metadata: Partial<ClientMetadata>,
  clientAuthentication?: ClientAuth,
  options?: DynamicClientRegistrationRequestOptions,
): Promise<Configuration> {
  const as = ownServerMetadata(await fetchServerMetadata(server, options))
  const config = await registerClient(as, metadata, clientAuthentication, options)
  return applyOptions(config, options)
}
