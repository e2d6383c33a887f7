/**
 * The shape of a Client ID Metadata Document URL, shared by the document helper and discovery.
 */
import { argumentError } from './errors.ts'

/** @internal A Client ID Metadata Document URL: HTTPS with a path (CIMD §3). */
export function checkDocumentUrl(url: URL): void {
  if (
    url.protocol !== 'https:' ||
    url.pathname === '/' ||
    url.hash !== '' ||
    url.username !== '' ||
    url.password !== ''
  ) {
    throw argumentError(
      'a Client ID Metadata Document URL must be an https: URL with a path, and no fragment or credentials',
      'ERR_INVALID_ARG_VALUE',
    )
  }
}
