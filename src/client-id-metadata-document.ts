/**
 * Client ID Metadata Documents: the JSON document a client hosts at the HTTPS URL it uses as its
 * `client_id` (draft-ietf-oauth-client-id-metadata-document).
 */
import type { ClientMetadata } from './core/configuration.ts'
import { argumentError } from './core/errors.ts'
import { checkDocumentUrl } from './core/client-id-document.ts'

/**
 * The metadata document to serve (as `application/json`) at `url`, the client's `client_id`:
 * `client_id` set to `url`, `token_endpoint_auth_method` `none` unless `private_key_jwt` (which
 * needs `jwks` or `jwks_uri`); a client secret is refused, since anyone can read the document.
 *
 * @param url The HTTPS URL the document is served at.
 * @param metadata Client metadata, e.g. `client_name` and `redirect_uris`.
 * @example
 * ```ts
 * const document = client.clientIdMetadataDocument(new URL('https://app.example.com/client.json'), {
 *   client_name: 'Example app',
 *   redirect_uris: ['http://127.0.0.1:33418/callback'],
 * })
 * // serve JSON.stringify(document) at https://app.example.com/client.json
 * ```
 * @see [OAuth Client ID Metadata Document §4](https://datatracker.ietf.org/doc/draft-ietf-oauth-client-id-metadata-document/)
 */
export function clientIdMetadataDocument(
  url: URL,
  metadata: Partial<ClientMetadata>,
): Record<string, unknown> {
  if (!(url instanceof URL)) throw argumentError('"url" must be an instance of URL')
  checkDocumentUrl(url)
  if (typeof metadata !== 'object' || metadata === null) {
    throw argumentError('"metadata" must be an object')
  }
  if ('client_secret' in metadata || 'client_secret_expires_at' in metadata) {
    throw argumentError(
      'a Client ID Metadata Document is public: it must not hold a "client_secret"',
      'ERR_INVALID_ARG_VALUE',
    )
  }
  if (metadata.client_id !== undefined && metadata.client_id !== url.href) {
    throw argumentError('"metadata.client_id" must be the document URL', 'ERR_INVALID_ARG_VALUE')
  }
  const method = metadata.token_endpoint_auth_method ?? 'none'
  if (method !== 'none' && method !== 'private_key_jwt') {
    throw argumentError(
      '"token_endpoint_auth_method" of a Client ID Metadata Document must be "none" or "private_key_jwt"',
      'ERR_INVALID_ARG_VALUE',
    )
  }
  if (
    method === 'private_key_jwt' &&
    metadata.jwks === undefined &&
    metadata.jwks_uri === undefined
  ) {
    throw argumentError(
      'a "private_key_jwt" Client ID Metadata Document must publish its public keys in "jwks" or "jwks_uri"',
      'ERR_INVALID_ARG_VALUE',
    )
  }
  const document: Record<string, unknown> = JSON.parse(JSON.stringify(metadata))
  delete document.use_mtls_endpoint_aliases
  return { ...document, client_id: url.href, token_endpoint_auth_method: method }
}
