// discovery(): fetches the server's metadata and returns a Configuration for the client.
// The request itself lives in core/discovery-request.ts, which registration shares.

import {
  type ClientAuth,
  type ClientMetadata,
  Configuration,
  ownServerMetadata,
} from './core/configuration.ts'
import {
  applyOptions,
  type DiscoveryRequestOptions,
  fetchServerMetadata,
} from './core/discovery-request.ts'

export type { DiscoveryRequestOptions }

/**
 * Discovers the authorization server's metadata and returns a Configuration for the client.
 * The discovered `issuer` must equal `server` (except for a URL that names the metadata
 * document itself, and Microsoft Entra ID's multi-tenant `{tenantid}` issuers).
 *
 * @param server The issuer identifier, or the full URL of the metadata document.
 * @param clientId The client identifier.
 * @param metadata Client metadata, or the client secret.
 * @param clientAuthentication Defaults to `ClientSecretPost` with a secret, `None` without.
 * @example
 * ```ts
 * const config = await client.discovery(new URL('https://op.example.com'), 'id', 'secret')
 * ```
 * @see [OpenID Connect Discovery §4](https://openid.net/specs/openid-connect-discovery-1_0.html#ProviderConfig)
 * @group Configuration
 */
export async function discovery(
  server: URL,
  clientId: string,
  metadata?: Partial<ClientMetadata> | string,
  clientAuthentication?: ClientAuth,
  options?: DiscoveryRequestOptions,
): Promise<Configuration> {
  const as = await fetchServerMetadata(server, options)
  const config = new Configuration(ownServerMetadata(as), clientId, metadata, clientAuthentication)
  return applyOptions(config, options)
}
