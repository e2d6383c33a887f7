// Export and import of what a Configuration learns at run time (server metadata, the JWKS, DPoP
// nonces) as one JSON value, so a new serverless instance starts without fetching them again.

import type * as oauth from 'oauth4webapi'

import type { Configuration, ServerMetadata } from './core/configuration.ts'
import { learnedNonces } from './core/dpop-nonces.ts'
import { argumentError } from './core/errors.ts'
import { internal } from './core/state.ts'
import type { DPoPHandle } from './core/dpop.ts'

/**
 * What {@link exportLearnedState} returns: plain JSON to keep in a store, an environment
 * variable or a file.
 *
 * @example
 * ```ts
 * const state: client.LearnedState = client.exportLearnedState(config, { DPoP })
 * await sharedStore.set('openid-rp:state', JSON.stringify(state), 3600)
 * ```
 */
export interface LearnedState {
  /** The server metadata: pass it to `new Configuration()` instead of calling `discovery()`. */
  metadata: ServerMetadata
  /** The issuer JWKS as fetched, if it was. */
  jwks?: oauth.ExportedJWKSCache
  /** The DPoP nonces the handle learned, by origin. */
  dpopNonces?: Record<string, string>
}

/**
 * Options of {@link exportLearnedState} and {@link importLearnedState}.
 *
 * @example
 * ```ts
 * const options: client.LearnedStateOptions = { DPoP }
 * ```
 */
export interface LearnedStateOptions {
  /** The DPoP handle whose nonces to export, or to give the imported nonces to. */
  DPoP?: DPoPHandle
}

/**
 * Exports what `config` has learned (server metadata, the issuer JWKS, and the DPoP nonces of
 * `options.DPoP`) as one JSON-serialisable value. A cold instance that imports it with
 * {@link importLearnedState} makes no discovery or JWKS request and no `use_dpop_nonce` retry.
 *
 * @example
 * ```ts
 * await kv.put('oidc-state', JSON.stringify(client.exportLearnedState(config, { DPoP })))
 * ```
 * @see [RFC 9449 §8](https://www.rfc-editor.org/rfc/rfc9449.html#section-8)
 */
export function exportLearnedState(
  config: Configuration,
  options: LearnedStateOptions = {},
): LearnedState {
  const state = internal(config)
  const exported: LearnedState = { metadata: structuredClone(state.as) }
  const cache = state.jwksCache
  if ('uat' in cache && typeof cache.uat === 'number') {
    exported.jwks = structuredClone({ jwks: cache.jwks, uat: cache.uat })
  }
  if (options.DPoP !== undefined) exported.dpopNonces = learnedNonces(options.DPoP)
  return exported
}

/**
 * Gives `config` (made with `new Configuration(state.metadata, ...)`) and `options.DPoP` what
 * {@link exportLearnedState} exported: the JWKS cache and the DPoP nonces. The metadata's issuer
 * must be the Configuration's.
 *
 * @example
 * ```ts
 * const state: client.LearnedState = JSON.parse((await kv.get('oidc-state'))!)
 * const config = new client.Configuration(state.metadata, clientId, clientSecret)
 * const DPoP = client.getDPoPHandle(config, keyPair)
 * client.importLearnedState(config, state, { DPoP })
 * ```
 */
export function importLearnedState(
  config: Configuration,
  learned: LearnedState,
  options: LearnedStateOptions = {},
): void {
  const state = internal(config)
  if (typeof learned !== 'object' || learned === null || typeof learned.metadata !== 'object') {
    throw argumentError('"state" must be a value returned by exportLearnedState()')
  }
  if (learned.metadata?.issuer !== state.as.issuer) {
    throw argumentError(
      `"state" was exported for the issuer ${JSON.stringify(learned.metadata?.issuer)}, not this Configuration's ${JSON.stringify(state.as.issuer)}: create the Configuration from state.metadata`,
      'ERR_INVALID_ARG_VALUE',
    )
  }
  const { jwks, dpopNonces } = learned
  if (jwks !== undefined) {
    if (typeof jwks?.uat !== 'number' || !Array.isArray(jwks.jwks?.keys)) {
      throw argumentError(
        '"state.jwks" must be the JWKS cache exportLearnedState() returned',
        'ERR_INVALID_ARG_VALUE',
      )
    }
    state.jwksCache = structuredClone({ jwks: jwks.jwks, uat: jwks.uat })
  }
  if (dpopNonces !== undefined && options.DPoP !== undefined) {
    const handle = options.DPoP as DPoPHandle & {
      cacheNonce?: (response: Response, url: URL) => void
    }
    for (const [origin, nonce] of Object.entries(dpopNonces)) {
      try {
        handle.cacheNonce?.(
          new Response(null, { headers: { 'dpop-nonce': nonce } }),
          new URL(origin),
        )
      } catch {
        throw argumentError(
          `"state.dpopNonces" holds an origin or nonce that is not valid: export it again`,
          'ERR_INVALID_ARG_VALUE',
        )
      }
    }
  }
}
