// The issuer JWKS cache of a Configuration: export it with getJwksCache() and restore it with
// setJwksCache() in a cold process.

import type * as oauth from 'oauth4webapi'

import type { Configuration } from '../core/configuration.ts'
import { argumentError } from '../core/errors.ts'
import { internal } from '../core/state.ts'

/**
 * The issuer JWKS this Configuration has fetched, as plain JSON data to store (Redis, KV, a
 * file) and restore with {@link setJwksCache} in a cold process, saving the `jwks_uri` fetch.
 * Undefined until keys were fetched.
 *
 * @example
 * ```ts
 * const cache = client.getJwksCache(config)
 * if (cache) await kv.put('jwks', JSON.stringify(cache))
 * ```
 * @see [OpenID Connect Core §10.1.1](https://openid.net/specs/openid-connect-core-1_0.html#RotateSigKeys)
 * @group Advanced security
 */
export function getJwksCache(config: Configuration): oauth.ExportedJWKSCache | undefined {
  const cache = internal(config).jwksCache
  if (!('uat' in cache) || typeof cache.uat !== 'number') return undefined
  return structuredClone({ jwks: cache.jwks, uat: cache.uat })
}

/**
 * Restores a JWKS cache exported with {@link getJwksCache}. A fresh cache (under 5 minutes old)
 * is used without fetching; an unknown `kid` still triggers a refetch (key rotation).
 *
 * @example
 * ```ts
 * const stored = await kv.get('jwks')
 * if (stored) client.setJwksCache(config, JSON.parse(stored))
 * ```
 * @see [OpenID Connect Core §10.1.1](https://openid.net/specs/openid-connect-core-1_0.html#RotateSigKeys)
 * @group Advanced security
 */
export function setJwksCache(config: Configuration, jwksCache: oauth.ExportedJWKSCache): void {
  const state = internal(config)
  if (
    typeof jwksCache !== 'object' ||
    jwksCache === null ||
    typeof jwksCache.uat !== 'number' ||
    typeof jwksCache.jwks !== 'object' ||
    jwksCache.jwks === null ||
    !Array.isArray(jwksCache.jwks.keys)
  ) {
    throw argumentError(
      '"jwksCache" must be a value returned by getJwksCache()',
      'ERR_INVALID_ARG_VALUE',
    )
  }
  state.jwksCache = structuredClone({ jwks: jwksCache.jwks, uat: jwksCache.uat })
}
