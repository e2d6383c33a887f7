// JWT-secured authorization requests (JAR): the signed (and, with jar-encryption, encrypted)
// request object and the authorization URL that carries it.

import * as oauth from 'oauth4webapi'

import { authorizationParameters, authorizationUrl } from './core/authorization-request.ts'
import type { Configuration } from './core/configuration.ts'
import { argumentError, clientError, normalizeError } from './core/errors.ts'
import { internal, type State } from './core/state.ts'

/**
 * Encrypts the signed request object when the client registered `request_object_encryption_alg`
 * (RFC 9101 §6.1); fails closed when `openid-rp/jar-encryption` was not enabled for it.
 */
async function encryptRequestObject(state: State, requestObject: string): Promise<string> {
  if (state.c.request_object_encryption_alg === undefined) return requestObject
  if (state.encryptRequestObject === undefined) {
    throw clientError(
      "the client registered request_object_encryption_alg, so its request objects must be encrypted: import { enableRequestObjectEncryption } from 'openid-rp/jar-encryption' and call enableRequestObjectEncryption(config) first",
      'OAUTH_UNSUPPORTED_OPERATION',
      { attribute: 'request_object_encryption_alg' },
    )
  }
  return state.encryptRequestObject(state, requestObject)
}

const hmacAlgorithms: Record<string, HmacAlgorithm> = {
  'SHA-256': 'HS256',
  'SHA-384': 'HS384',
  'SHA-512': 'HS512',
}
/** The JWS algorithms of request objects signed with the client secret. */
export type HmacAlgorithm = 'HS256' | 'HS384' | 'HS512'

/** RFC 7518 §3.2: an HMAC key must be at least as long as the hash output. */
const minimumOctets = { HS256: 32, HS384: 48, HS512: 64 } as const

const shortKey = (alg: HmacAlgorithm, what: string) =>
  argumentError(
    `${what} is too short for ${alg}: RFC 7518 §3.2 requires a key of at least ${minimumOctets[alg]} octets; register a longer client secret, choose a shorter hash, or sign with a private key`,
    'ERR_INVALID_ARG_VALUE',
  )

const keyOf = (signingKey: oauth.CryptoKey | oauth.PrivateKey) =>
  'algorithm' in signingKey ? { key: signingKey, kid: undefined } : signingKey

/** The JWS `alg` of an HMAC signing key, or undefined for any other key. */
function hmacAlgorithm(key: CryptoKey): HmacAlgorithm | undefined {
  if (key.algorithm?.name !== 'HMAC') return undefined
  const hash = (key.algorithm as HmacKeyAlgorithm).hash?.name
  const alg = hmacAlgorithms[hash as keyof typeof hmacAlgorithms]
  if (alg === undefined || key.type !== 'secret' || !key.usages.includes('sign')) {
    throw argumentError(
      '"signingKey" is an HMAC key: it must be a secret key for "sign" with SHA-256, SHA-384 or SHA-512, see clientSecretSigningKey()',
      'ERR_INVALID_ARG_VALUE',
    )
  }
  const bits = (key.algorithm as HmacKeyAlgorithm).length
  if (!(bits >= minimumOctets[alg] * 8)) throw shortKey(alg, 'the HMAC "signingKey"')
  return alg
}

const base64url = (bytes: Uint8Array) =>
  btoa(String.fromCharCode(...bytes))
    .replace(/=+$/, '')
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
const encodeJson = (value: unknown) => base64url(new TextEncoder().encode(JSON.stringify(value)))

let claimsKey: Promise<CryptoKey> | undefined

/**
 * A request object signed with an HMAC key (OIDC Core §10.1). oauth4webapi signs with private
 * keys only, so it builds the header and claims (its own parameter rules, `[modifyAssertion]`
 * included) around a throw-away key; they are then signed here with the HMAC key.
 */
async function hmacRequestObject(
  state: State,
  params: URLSearchParams,
  key: CryptoKey,
  kid: string | undefined,
  alg: HmacAlgorithm,
  options: oauth.ModifyAssertionOptions | undefined,
): Promise<string> {
  claimsKey ??= crypto.subtle
    .generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign'])
    .then(
      (pair) => (pair as CryptoKeyPair).privateKey,
      (err: unknown) => {
        claimsKey = undefined
        throw err
      },
    )
  let header: Record<string, oauth.JsonValue | undefined> | undefined
  let payload: Record<string, oauth.JsonValue | undefined> | undefined
  await oauth.issueRequestObject(state.as, state.c, params, await claimsKey, {
    [oauth.modifyAssertion](h, p) {
      options?.[oauth.modifyAssertion]?.(h, p)
      header = h
      payload = p
    },
  })
  const { kid: _ignored, ...rest } = header!
  const input = `${encodeJson({ ...rest, alg, ...(kid === undefined ? {} : { kid }) })}.${encodeJson(payload)}`
  const signature = await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(input))
  return `${input}.${base64url(new Uint8Array(signature))}`
}

/**
 * An HMAC key made from the client secret (the octets of its UTF-8 form, OpenID Connect Core
 * §10.1), for request objects signed with `HS256`, `HS384` or `HS512`: pass it to
 * {@link buildAuthorizationUrlWithJAR} as the signing key. For providers that accept only
 * symmetric request objects (LemonLDAP::NG 2.16); prefer a private key where the server allows one.
 * A secret shorter than the hash (32, 48 or 64 octets) is refused, as RFC 7518 §3.2 requires.
 *
 * @param alg `HS256` (default), `HS384` or `HS512`.
 * @example
 * ```ts
 * const key = await client.clientSecretSigningKey(config, 'HS256')
 * const url = await client.buildAuthorizationUrlWithJAR(config, {
 *   redirect_uri: 'https://rp.example.com/cb', scope: 'openid', nonce,
 * }, key)
 * ```
 * @see [OpenID Connect Core §10.1](https://openid.net/specs/openid-connect-core-1_0.html#Signing)
 * @group Authorization requests
 */
export async function clientSecretSigningKey(
  config: Configuration,
  alg: HmacAlgorithm = 'HS256',
): Promise<CryptoKey> {
  const state = internal(config)
  const hash = Object.entries(hmacAlgorithms).find(([, name]) => name === alg)?.[0]
  if (hash === undefined) throw argumentError('"alg" must be "HS256", "HS384" or "HS512"')
  const secret = state.c.client_secret
  if (typeof secret !== 'string' || secret.length === 0) {
    throw argumentError(
      'the client has no "client_secret" metadata: pass the secret as client metadata to discovery() or the Configuration',
      'ERR_INVALID_ARG_VALUE',
    )
  }
  const octets = new TextEncoder().encode(secret)
  if (octets.length < minimumOctets[alg]) throw shortKey(alg, 'the client secret')
  return crypto.subtle.importKey('raw', octets, { name: 'HMAC', hash }, false, ['sign'])
}

/**
 * The authorization URL with the request parameters in a signed request object (JAR): the URL
 * carries `client_id` and `request`, and, for an OpenID request (`scope` containing `openid`),
 * `response_type` and `scope` again as OpenID Connect Core §6.1 requires (RFC 9101 servers
 * ignore the repeats). When the client registered
 * `request_object_encryption_alg`, the signed request object is also encrypted to the server's key:
 * this needs `enableRequestObjectEncryption(config)` from `openid-rp/jar-encryption`, and without
 * it the call rejects (`OAUTH_UNSUPPORTED_OPERATION`) rather than send it unencrypted.
 *
 * @param signingKey The client's private key (`{ key, kid }` to set the `kid` header), or an HMAC
 *   key from {@link clientSecretSigningKey}.
 * @param options `[modifyAssertion]` to change the request object before it is signed.
 * @example
 * ```ts
 * const url = await client.buildAuthorizationUrlWithJAR(config, {
 *   redirect_uri: 'https://rp.example.com/cb', scope: 'openid',
 *   code_challenge, code_challenge_method: 'S256',
 * }, { key: privateKey, kid: 'rp-signing-1' })
 * ```
 * @see [RFC 9101 §4](https://www.rfc-editor.org/rfc/rfc9101.html#section-4)
 * @group Authorization requests
 */
export async function buildAuthorizationUrlWithJAR(
  config: Configuration,
  parameters: URLSearchParams | Record<string, string>,
  signingKey: oauth.CryptoKey | oauth.PrivateKey,
  options?: oauth.ModifyAssertionOptions,
): Promise<URL> {
  const state = internal(config)
  if (!signingKey) {
    throw argumentError('"signingKey" must be provided', 'ERR_INVALID_ARG_VALUE')
  }
  try {
    const params = authorizationParameters(state, parameters)
    state.profile?.authorizationRequest(state, params, 'jar')
    const { key, kid } = keyOf(signingKey)
    const hmac = hmacAlgorithm(key)
    // The §6.1 repeats are copied from the claims as signed (after [modifyAssertion], with
    // oauth4webapi's choice among repeated parameters), so the query can never disagree.
    let signed: Record<string, oauth.JsonValue | undefined> = {}
    const capturing: oauth.ModifyAssertionOptions = {
      [oauth.modifyAssertion](header, payload) {
        options?.[oauth.modifyAssertion]?.(header, payload)
        signed = payload
      },
    }
    const requestObject =
      hmac === undefined
        ? await oauth.issueRequestObject(state.as, state.c, params, signingKey, capturing)
        : await hmacRequestObject(state, params, key, kid, hmac, capturing)
    state.profile?.jwt(requestObject, 'request object')
    const request = await encryptRequestObject(state, requestObject)
    const query = new URLSearchParams({ client_id: state.c.client_id, request })
    const { scope, response_type: responseType } = signed
    if (typeof scope === 'string' && scope.split(' ').includes('openid')) {
      if (typeof responseType === 'string') query.set('response_type', responseType)
      query.set('scope', scope)
    }
    return authorizationUrl(state, query)
  } catch (err) {
    throw normalizeError(err)
  }
}
