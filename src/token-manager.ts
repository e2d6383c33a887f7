// The token manager: hands out valid access tokens for a session, refreshing one at a time per
// process (single flight) and across processes (compare-and-set, lease), revoking on logout.

import type * as oauth from 'oauth4webapi'

import type { Configuration } from './core/configuration.ts'
import { argumentError, clientError } from './core/errors.ts'
import { internal } from './core/state.ts'
import type { DPoPHandle } from './core/dpop.ts'
import { refreshTokenGrant } from './grants/refresh-token.ts'
import { tokenRevocation } from './resources/revocation.ts'
import { createMemoryStore } from './store/memory.ts'
import type { Lease, SharedStore } from './store/types.ts'

/**
 * Options of {@link createTokenManager}.
 *
 * @example
 * ```ts
 * const options: client.TokenManagerOptions = { session: 'alice', initialTokens: tokens, skew: 60 }
 * ```
 */
export interface TokenManagerOptions {
  /** Names the session in the store; every instance that manages it uses the same name. */
  session: string
  /** Where the session's tokens live (default: a store in this process's memory). */
  store?: SharedStore
  /**
   * Tokens to start from (the authorization code grant's response, or the same fields from your
   * own storage), written when the store has none for the session.
   */
  initialTokens?: InitialTokens
  /** Refresh when the access token expires in this many seconds or fewer (default 30). */
  skew?: number
  /** The DPoP handle the session's tokens are bound to. */
  DPoP?: DPoPHandle
  /**
   * Milliseconds a refreshing instance holds the store's lease, so that no other instance spends
   * the same refresh token (default: the Configuration's `timeout` + 5 s, 35 s unchanged; `false`:
   * no lease, compare-and-set only). A holder that dies blocks others this long at most (Web Locks
   * in the browser are freed at once). Ignored by stores without leases.
   */
  lease?: number | false
  /** Refresh in the background before the access tokens handed out expire (default `false`). */
  backgroundRefresh?: boolean
}

/**
 * The tokens a {@link TokenManager} starts from: a token endpoint response, with or without its
 * helpers (`claims()` gives the ID Token claims later ID Tokens must continue).
 *
 * @example
 * ```ts
 * const initialTokens: client.InitialTokens = await client.authorizationCodeGrant(config, url, checks)
 * ```
 */
export interface InitialTokens {
  /** The access token. */
  access_token: string
  /** Its type: `bearer` or `dpop`. */
  token_type: string
  /** Its lifetime in seconds when it was issued (used without `expiresIn()`). */
  expires_in?: number
  /** The refresh token; without one the session ends when the access token expires. */
  refresh_token?: string
  /** The ID Token. */
  id_token?: string
  /** The granted scope. */
  scope?: string
  /** The validated ID Token claims that refreshed ID Tokens must continue. */
  claims?(): oauth.IDToken | undefined
  /** Seconds until the access token expires. */
  expiresIn?(): number | undefined
}

/**
 * Which access token {@link TokenManager.accessToken} returns: the session's own (no options),
 * or one narrowed to a `scope` or a `resource` (RFC 8707), refreshed for it.
 *
 * @example
 * ```ts
 * const token = await manager.accessToken({ resource: 'https://api.example.com' })
 * ```
 */
export interface AccessTokenOptions {
  /** The scope to narrow the token to (sent as `scope` in the refresh request). */
  scope?: string
  /** The resource indicator (RFC 8707) of the API the token is for. */
  resource?: string
}

/**
 * What {@link TokenManager.tokens} returns: the session's current tokens.
 *
 * @example
 * ```ts
 * const current: client.ManagedTokens | undefined = await manager.tokens()
 * ```
 */
export interface ManagedTokens {
  /** The access token. */
  access_token: string
  /** Its type: `bearer` or `dpop`. */
  token_type: string
  /** Milliseconds since the epoch when the access token expires, if the server said. */
  expires_at?: number
  /** The granted scope, if the server said. */
  scope?: string
  /** The session's current refresh token. */
  refresh_token?: string
  /** The session's latest ID Token. */
  id_token?: string
  /** The claims of the session's latest ID Token. */
  claims?: oauth.IDToken
}

/**
 * The events of a {@link TokenManager}: `refresh` (a new access token), `rotation` (a new refresh
 * token), `expiry` (the server refused the refresh token: the session is over) and `revocation`
 * (`revoke()` ended the session). They carry no token.
 *
 * @example
 * ```ts
 * manager.on('expiry', ({ session }) => redirectToLogin(session))
 * ```
 */
export interface TokenManagerEvent {
  /** What happened. */
  type: 'refresh' | 'rotation' | 'expiry' | 'revocation'
  /** The session's name. */
  session: string
  /** The scope of the refreshed token (`refresh` only). */
  scope?: string
  /** The resource of the refreshed token (`refresh` only). */
  resource?: string
}

/**
 * A session's tokens, refreshed on demand; create it with {@link createTokenManager}.
 *
 * @example
 * ```ts
 * const manager: client.TokenManager = client.createTokenManager(config, { session: 'alice' })
 * ```
 */
export interface TokenManager {
  /**
   * A valid access token: the cached one, or a refreshed one when it expires within `skew`
   * seconds. Concurrent callers share one refresh.
   */
  accessToken(options?: AccessTokenOptions): Promise<string>
  /** The session's current tokens, or undefined when it has none (signed out, expired). */
  tokens(): Promise<ManagedTokens | undefined>
  /** Ends the session: removes its tokens from the store, then revokes them (RFC 7009). */
  revoke(): Promise<void>
  /** Calls `listener` on every event of `type`; returns a function that removes it. */
  on(type: TokenManagerEvent['type'], listener: (event: TokenManagerEvent) => void): () => void
  /** Stops background refreshes. */
  close(): void
}

interface Grant {
  access_token: string
  token_type: string
  expires_at?: number
  scope?: string
}

interface SessionRecord {
  refresh_token?: string
  id_token?: string
  claims?: oauth.IDToken
  grants: Record<string, Grant>
}

interface Loaded {
  version: number
  record: SessionRecord | undefined
}

const MAX_ATTEMPTS = 20
/** Milliseconds a refused instance without a lease waits for the winner's write. */
const GRACE = 2000

function parseRecord(value: string | undefined): SessionRecord | undefined {
  if (value === undefined) return undefined
  try {
    const record = JSON.parse(value) as SessionRecord
    if (typeof record === 'object' && record !== null && typeof record.grants === 'object') {
      return record
    }
  } catch {}
  throw clientError(
    'the stored session is not a token manager record: another program wrote to its key; use a session name of its own',
    'OAUTH_PARSE_ERROR',
  )
}

function isInvalidGrant(err: unknown): boolean {
  return (err as { error?: unknown } | null)?.error === 'invalid_grant'
}

function grantOf(tokens: InitialTokens): Grant {
  const expiresIn = typeof tokens.expiresIn === 'function' ? tokens.expiresIn() : tokens.expires_in
  const grant: Grant = { access_token: tokens.access_token, token_type: tokens.token_type }
  if (typeof expiresIn === 'number') grant.expires_at = Date.now() + expiresIn * 1000
  if (typeof tokens.scope === 'string') grant.scope = tokens.scope
  return grant
}

function checkString(value: unknown, name: string): string | undefined {
  if (value !== undefined && (typeof value !== 'string' || value.length === 0)) {
    throw argumentError(`"${name}" must be a non-empty string`)
  }
  return value
}

/**
 * Manages one session's tokens: {@link TokenManager.accessToken} returns a valid access token,
 * refreshing it when it expires within `skew` seconds. One refresh runs at a time: callers in
 * this process share it (keyed by session, scope, resource and DPoP key), and instances sharing
 * the store take its lease and write with compare-and-set, so a rotated refresh token is never
 * spent twice. An instance that loses a race anyway (`invalid_grant`) adopts the winner's tokens;
 * only a refresh token the server refused while it is still the stored one ends the session.
 * A refreshed ID Token must continue the session's (OIDC Core 12.2).
 *
 * @example
 * ```ts
 * const manager = client.createTokenManager(config, {
 *   session: 'alice',
 *   initialTokens: await client.authorizationCodeGrant(config, currentUrl, checks),
 * })
 * const response = await fetch(api, {
 *   headers: { authorization: `Bearer ${await manager.accessToken()}` },
 * })
 * ```
 * @see [RFC 6749 §6](https://www.rfc-editor.org/rfc/rfc6749.html#section-6)
 * @see [RFC 7009](https://www.rfc-editor.org/rfc/rfc7009.html)
 * @see [OpenID Connect Core §12.2](https://openid.net/specs/openid-connect-core-1_0.html#RefreshTokenResponse)
 */
export function createTokenManager(
  config: Configuration,
  options: TokenManagerOptions,
): TokenManager {
  internal(config)
  if (typeof options !== 'object' || options === null) {
    throw argumentError('"options" must be an object with a "session" name')
  }
  const session = checkString(options.session, 'options.session')
  if (session === undefined) throw argumentError('"options.session" must be a non-empty string')
  const skew = options.skew ?? 30
  if (typeof skew !== 'number' || !Number.isFinite(skew) || skew < 0) {
    throw argumentError(
      '"options.skew" must be a number of seconds, 0 or more',
      'ERR_INVALID_ARG_VALUE',
    )
  }
  // by default a lease outlives the longest token request, so no holder is overtaken mid-refresh
  const leaseTtl = options.lease ?? (internal(config).timeout || 30) * 1000 + 5000
  if (leaseTtl !== false && (typeof leaseTtl !== 'number' || !(leaseTtl > 0))) {
    throw argumentError(
      '"options.lease" must be a number of milliseconds or false',
      'ERR_INVALID_ARG_VALUE',
    )
  }
  const store = options.store ?? createMemoryStore()
  const { DPoP, initialTokens } = options
  const recordKey = `openid-rp:session:${session}`
  const leaseKey = `openid-rp:lease:${session}`

  const listeners = new Map<TokenManagerEvent['type'], Set<(event: TokenManagerEvent) => void>>()
  const emit = (type: TokenManagerEvent['type'], extra: AccessTokenOptions = {}) => {
    for (const listener of listeners.get(type) ?? []) {
      try {
        listener({ type, session, ...extra })
      } catch {}
    }
  }

  /** Access tokens known to be current, by grant key: the warm path reads only this. */
  const local = new Map<string, Grant>()
  const flights = new Map<string, Promise<string>>()
  const timers = new Map<string, ReturnType<typeof setTimeout>>()
  let jkt: string | undefined = DPoP === undefined ? '' : undefined
  let tail: Promise<unknown> = Promise.resolve()
  let seeding: Promise<void> | undefined

  const skewMs = skew * 1000
  const fresh = (grant: Grant) =>
    grant.expires_at === undefined || grant.expires_at - skewMs > Date.now()

  const load = async (): Promise<Loaded> => {
    const { version, value } = await store.read(recordKey)
    return { version, record: parseRecord(value) }
  }

  /** The grant key of `accessToken()` without options, once the DPoP thumbprint is known. */
  let defaultKey = jkt === undefined ? undefined : `\n\n${jkt}`
  const thumbprint = async (): Promise<void> => {
    jkt ??= await DPoP!.calculateThumbprint()
    defaultKey = `\n\n${jkt}`
  }

  const seed = (): Promise<void> =>
    (seeding ??= (async () => {
      await thumbprint()
      if (initialTokens === undefined) return
      const { version, value } = await store.read(recordKey)
      if (value !== undefined) return
      const record: SessionRecord = { grants: { [grantKey({})]: grantOf(initialTokens) } }
      if (initialTokens.refresh_token !== undefined)
        record.refresh_token = initialTokens.refresh_token
      if (initialTokens.id_token !== undefined) record.id_token = initialTokens.id_token
      const claims = typeof initialTokens.claims === 'function' ? initialTokens.claims() : undefined
      if (claims !== undefined) record.claims = claims
      await store.compareAndSet(recordKey, version, JSON.stringify(record))
    })())

  function grantKey(request: AccessTokenOptions): string {
    return `${request.scope ?? ''}\n${request.resource ?? ''}\n${jkt}`
  }

  const remember = (key: string, grant: Grant, request: AccessTokenOptions) => {
    local.set(key, grant)
    if (options.backgroundRefresh !== true || grant.expires_at === undefined) return
    clearTimeout(timers.get(key))
    const delay = Math.max(0, grant.expires_at - skewMs - Date.now() + 1)
    const timer = setTimeout(() => {
      timers.delete(key)
      manager.accessToken(request).catch(() => {})
    }, delay)
    ;(timer as { unref?: () => void }).unref?.()
    timers.set(key, timer)
  }

  const takeLease = async (version: number): Promise<Lease | 'changed' | undefined> => {
    if (leaseTtl === false || store.lease === undefined) return undefined
    for (let wait = 10; ; wait = Math.min(wait * 2, 200)) {
      const lease = await store.lease(leaseKey, leaseTtl)
      if (lease !== undefined) return lease
      await new Promise((resolve) => setTimeout(resolve, wait))
      if ((await store.read(recordKey)).version !== version) return 'changed'
    }
  }

  /**
   * The session after the server refused its refresh token. Without a lease, the instance that
   * won the race may not have written its tokens yet: wait up to GRACE ms for the record to change.
   */
  const rereadAfterRefusal = async (version: number, leased: boolean): Promise<Loaded> => {
    const deadline = Date.now() + (leased ? 0 : GRACE)
    for (;;) {
      const latest = await load()
      if (latest.version !== version || Date.now() >= deadline) return latest
      await new Promise((resolve) => setTimeout(resolve, 25))
    }
  }

  const end = async (): Promise<Loaded> => {
    for (;;) {
      const current = await load()
      if (current.record === undefined) return current
      if (await store.compareAndSet(recordKey, current.version, undefined)) return current
    }
  }

  const refresh = async (key: string, request: AccessTokenOptions): Promise<string> => {
    await seed()
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const { version, record } = await load()
      if (record === undefined) {
        throw clientError(
          `the session ${JSON.stringify(session)} has no tokens (never signed in, signed out, or its refresh token expired): sign the user in again`,
          'OAUTH_INVALID_REQUEST',
          { session },
        )
      }
      const stored = record.grants[key]
      if (stored !== undefined && fresh(stored)) {
        remember(key, stored, request)
        return stored.access_token
      }
      const used = record.refresh_token
      if (used === undefined) {
        throw clientError(
          `the access token of session ${JSON.stringify(session)} expired and the session has no refresh token: sign the user in again (request the offline_access scope or the refresh_token grant to stay signed in)`,
          'OAUTH_INVALID_REQUEST',
          { session },
        )
      }
      const lease = await takeLease(version)
      if (lease === 'changed') continue
      try {
        if (lease !== undefined && (await store.read(recordKey)).version !== version) continue
        const parameters: Record<string, string> = {}
        if (request.scope !== undefined) parameters.scope = request.scope
        if (request.resource !== undefined) parameters.resource = request.resource
        let response: Awaited<ReturnType<typeof refreshTokenGrant>>
        try {
          response = await refreshTokenGrant(config, used, parameters, {
            DPoP,
            previousIdTokenClaims: record.claims,
          })
        } catch (err) {
          if (!isInvalidGrant(err)) throw err
          const latest = await rereadAfterRefusal(version, lease !== undefined)
          if (latest.record !== undefined && latest.record.refresh_token !== used) continue
          if (latest.record !== undefined) {
            // only the record that still holds the refused token goes; a newer one is adopted
            if (!(await store.compareAndSet(recordKey, latest.version, undefined))) continue
            local.clear()
            emit('expiry')
          }
          throw err
        }
        const grant = grantOf(response)
        for (let current: Loaded = { version, record }; ; current = await load()) {
          const base = current.record ?? record
          const next: SessionRecord = { ...base, grants: { ...base.grants, [key]: grant } }
          const rotated = response.refresh_token !== undefined && response.refresh_token !== used
          if (rotated && base.refresh_token === used) next.refresh_token = response.refresh_token
          if (response.id_token !== undefined) {
            next.id_token = response.id_token
            const claims = response.claims()
            if (claims !== undefined) next.claims = claims
          }
          if (await store.compareAndSet(recordKey, current.version, JSON.stringify(next))) {
            remember(key, grant, request)
            emit('refresh', request)
            if (rotated) emit('rotation')
            return grant.access_token
          }
        }
      } finally {
        if (lease !== undefined) await lease.release()
      }
    }
    throw clientError(
      `the session ${JSON.stringify(session)} kept changing while refreshing (${MAX_ATTEMPTS} attempts): another instance writes to it in a loop; check that every instance uses the same store`,
      'OAUTH_INVALID_RESPONSE',
      { session },
    )
  }

  const slow = async (request: AccessTokenOptions): Promise<string> => {
    await thumbprint()
    const key = grantKey(request)
    const known = local.get(key)
    if (known !== undefined && fresh(known)) return known.access_token
    let flight = flights.get(key)
    if (flight === undefined) {
      const run = tail.then(() => refresh(key, request))
      tail = run.catch(() => {})
      flight = run.finally(() => flights.delete(key))
      flights.set(key, flight)
    }
    return flight
  }

  const manager: TokenManager = {
    accessToken(request: AccessTokenOptions = {}) {
      if (defaultKey !== undefined && typeof request === 'object' && request !== null) {
        const known = local.get(
          request.scope === undefined && request.resource === undefined
            ? defaultKey
            : `${request.scope ?? ''}\n${request.resource ?? ''}\n${jkt}`,
        )
        if (known !== undefined && fresh(known)) return Promise.resolve(known.access_token)
      }
      try {
        if (typeof request !== 'object' || request === null) {
          throw argumentError('"options" must be an object with optional "scope" and "resource"')
        }
        checkString(request.scope, 'options.scope')
        checkString(request.resource, 'options.resource')
      } catch (err) {
        return Promise.reject(err)
      }
      return slow({ scope: request.scope, resource: request.resource })
    },

    async tokens() {
      await seed()
      const { record } = await load()
      if (record === undefined) return undefined
      const grant = record.grants[grantKey({})]
      if (grant === undefined) return undefined
      const tokens: ManagedTokens = { ...grant }
      if (record.refresh_token !== undefined) tokens.refresh_token = record.refresh_token
      if (record.id_token !== undefined) tokens.id_token = record.id_token
      if (record.claims !== undefined) tokens.claims = record.claims
      return tokens
    },

    async revoke() {
      await seed()
      manager.close()
      local.clear()
      const { record } = await end()
      emit('revocation')
      if (record === undefined || config.serverMetadata().revocation_endpoint === undefined) return
      const revocations: Promise<void>[] = []
      if (record.refresh_token !== undefined) {
        revocations.push(
          tokenRevocation(config, record.refresh_token, { token_type_hint: 'refresh_token' }),
        )
      }
      for (const grant of Object.values(record.grants)) {
        revocations.push(
          tokenRevocation(config, grant.access_token, { token_type_hint: 'access_token' }),
        )
      }
      const failed = (await Promise.allSettled(revocations)).find(
        (result): result is PromiseRejectedResult => result.status === 'rejected',
      )
      if (failed !== undefined) throw failed.reason
    },

    on(type, listener) {
      if (typeof listener !== 'function') throw argumentError('"listener" must be a function')
      let set = listeners.get(type)
      if (set === undefined) listeners.set(type, (set = new Set()))
      set.add(listener)
      return () => set.delete(listener)
    },

    close() {
      for (const timer of timers.values()) clearTimeout(timer)
      timers.clear()
    },
  }
  return manager
}
