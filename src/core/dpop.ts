// DPoP handles as the request layer uses them: the public DPoPHandle and DPoPOptions types, and
// the check that a handle came from getDPoPHandle before it is handed a request URL.

import type * as oauth from 'oauth4webapi'

import { argumentError, clientError } from './errors.ts'
import type { RequestHeaders } from './http.ts'

/**
 * A DPoP key pair bound to a Configuration; create it with `getDPoPHandle`.
 *
 * @example
 * ```ts
 * const DPoP: client.DPoPHandle = client.getDPoPHandle(config, await client.randomDPoPKeyPair())
 * ```
 * @see [RFC 9449 §4](https://www.rfc-editor.org/rfc/rfc9449.html#section-4)
 * @group Grants
 */
export interface DPoPHandle extends oauth.DPoPHandle {}

/**
 * The `DPoP` option of operations that can send DPoP proofs.
 *
 * @example
 * ```ts
 * const options: client.DPoPOptions = { DPoP: client.getDPoPHandle(config, keyPair) }
 * const tokens = await client.refreshTokenGrant(config, refreshToken, undefined, options)
 * ```
 * @see [RFC 9449 §5](https://www.rfc-editor.org/rfc/rfc9449.html#section-5)
 * @group Grants
 */
export interface DPoPOptions {
  /** Sender-constrains the request (and the tokens it returns) with this DPoP handle. */
  DPoP?: DPoPHandle
}

/** @internal The parts of an oauth4webapi DPoP handle that attach proofs and learn nonces. */
export interface DPoPProofs {
  addProof(url: URL, headers: RequestHeaders, htm: string, accessToken?: string): Promise<void>
  cacheNonce(response: Response, url: URL): void
}

const dpopHandles = new WeakSet<object>()

/**
 * @internal Marks a handle made by `getDPoPHandle`, the only kind the request layer accepts. Its
 * proof methods are not in oauth4webapi's types, so their presence is checked here, once.
 */
export function dpopHandle<T extends oauth.DPoPHandle>(handle: T): T {
  const proofs = handle as unknown as Partial<DPoPProofs>
  if (typeof proofs.addProof !== 'function' || typeof proofs.cacheNonce !== 'function') {
    throw clientError(
      'this oauth4webapi version has no DPoP addProof/cacheNonce methods: install the version openid-rp depends on',
      'OAUTH_UNSUPPORTED_OPERATION',
    )
  }
  dpopHandles.add(handle)
  return handle
}

/**
 * @internal The DPoP handle's proof methods; a TypeError for anything but a handle from
 * `getDPoPHandle` (it is given the request URL, so no other object may stand in for one).
 */
export function dpopProofs(handle: oauth.DPoPHandle | undefined): DPoPProofs | undefined {
  if (handle === undefined) return undefined
  if (!dpopHandles.has(handle)) {
    throw argumentError(
      '"options.DPoP" is not a valid DPoPHandle: create it with getDPoPHandle()',
      'ERR_INVALID_ARG_VALUE',
    )
  }
  return handle as unknown as DPoPProofs
}
