/**
 * Keys, metadata and the in-process fake authorization server of the benchmark suite. Every
 * response body is computed (and every JWT signed or encrypted) before a timed batch starts; the
 * fake server only wraps a prepared body in a `Response`.
 */
import * as jose from 'jose'
import type * as Reference from 'openid-client'

/** The public API both implementations share: the reference's type is the contract. */
export type Client = typeof Reference
export type Config = Reference.Configuration

export const issuer = 'https://op.example.com'
export const clientId = 'bench-client'
export const clientSecret = 'bench-client-secret-0123456789abcdefghijklmnopqrstuvwxyz'
export const redirectUri = 'https://rp.example.com/cb'
export const resourceUrl = 'https://api.example.com/accounts'
export const subject = 'user-4c9b2e'

/** A discovery document of realistic size (about 2.5 KiB, as a production OP publishes). */
export const serverMetadata = {
  issuer,
  authorization_endpoint: `${issuer}/authorize`,
  token_endpoint: `${issuer}/token`,
  userinfo_endpoint: `${issuer}/userinfo`,
  jwks_uri: `${issuer}/jwks`,
  pushed_authorization_request_endpoint: `${issuer}/par`,
  end_session_endpoint: `${issuer}/logout`,
  introspection_endpoint: `${issuer}/introspect`,
  revocation_endpoint: `${issuer}/revoke`,
  device_authorization_endpoint: `${issuer}/device`,
  backchannel_authentication_endpoint: `${issuer}/ciba`,
  registration_endpoint: `${issuer}/register`,
  scopes_supported: [
    'openid',
    'offline_access',
    'email',
    'profile',
    'phone',
    'address',
    'api:read',
    'api:write',
  ],
  response_types_supported: ['code', 'id_token', 'code id_token'],
  response_modes_supported: [
    'query',
    'fragment',
    'form_post',
    'jwt',
    'query.jwt',
    'fragment.jwt',
    'form_post.jwt',
  ],
  grant_types_supported: [
    'authorization_code',
    'refresh_token',
    'client_credentials',
    'urn:ietf:params:oauth:grant-type:device_code',
    'urn:openid:params:grant-type:ciba',
  ],
  subject_types_supported: ['public', 'pairwise'],
  id_token_signing_alg_values_supported: ['ES256', 'RS256', 'PS256', 'EdDSA'],
  id_token_encryption_alg_values_supported: ['ECDH-ES', 'ECDH-ES+A256KW', 'RSA-OAEP-256'],
  id_token_encryption_enc_values_supported: ['A128GCM', 'A256GCM', 'A128CBC-HS256'],
  userinfo_signing_alg_values_supported: ['ES256', 'RS256'],
  userinfo_encryption_alg_values_supported: ['ECDH-ES', 'ECDH-ES+A256KW', 'RSA-OAEP-256'],
  userinfo_encryption_enc_values_supported: ['A128GCM', 'A256GCM', 'A128CBC-HS256'],
  authorization_signing_alg_values_supported: ['ES256', 'RS256'],
  request_object_signing_alg_values_supported: ['ES256', 'RS256', 'PS256'],
  token_endpoint_auth_methods_supported: [
    'client_secret_basic',
    'client_secret_post',
    'client_secret_jwt',
    'private_key_jwt',
    'tls_client_auth',
    'none',
  ],
  token_endpoint_auth_signing_alg_values_supported: ['ES256', 'RS256', 'PS256', 'HS256'],
  dpop_signing_alg_values_supported: ['ES256', 'PS256', 'EdDSA'],
  code_challenge_methods_supported: ['S256'],
  claims_supported: [
    'sub',
    'iss',
    'auth_time',
    'acr',
    'amr',
    'sid',
    'email',
    'email_verified',
    'name',
    'given_name',
    'family_name',
    'locale',
    'phone_number',
    'phone_number_verified',
    'address',
    'updated_at',
  ],
  claim_types_supported: ['normal'],
  claims_parameter_supported: true,
  request_parameter_supported: true,
  request_uri_parameter_supported: false,
  require_pushed_authorization_requests: false,
  authorization_response_iss_parameter_supported: true,
  backchannel_logout_supported: true,
  backchannel_logout_session_supported: true,
  frontchannel_logout_supported: true,
  frontchannel_logout_session_supported: true,
  tls_client_certificate_bound_access_tokens: true,
  backchannel_token_delivery_modes_supported: ['poll', 'ping'],
  backchannel_user_code_parameter_supported: false,
  mtls_endpoint_aliases: {
    token_endpoint: 'https://mtls.op.example.com/token',
    userinfo_endpoint: 'https://mtls.op.example.com/userinfo',
    introspection_endpoint: 'https://mtls.op.example.com/introspect',
    revocation_endpoint: 'https://mtls.op.example.com/revoke',
    pushed_authorization_request_endpoint: 'https://mtls.op.example.com/par',
  },
}

export interface Keys {
  es256: CryptoKeyPair
  rs256: CryptoKeyPair
  /** A key of the right type that is not the issuer's: its signatures are forgeries. */
  forger: CryptoKeyPair
  /** The client's ECDH-ES decryption key. */
  enc: CryptoKeyPair
  /** The client's JAR signing key. */
  jar: CryptoKeyPair
  /** The client's DPoP key pair (non-extractable private key). */
  dpop: CryptoKeyPair
  jwks: { keys: jose.JWK[] }
}

export async function generateKeys(): Promise<Keys> {
  const es256 = await jose.generateKeyPair('ES256', { extractable: true })
  const rs256 = await jose.generateKeyPair('RS256', { extractable: true, modulusLength: 2048 })
  const forger = await jose.generateKeyPair('ES256')
  const enc = await jose.generateKeyPair('ECDH-ES+A256KW', { crv: 'P-256' })
  const jar = await jose.generateKeyPair('ES256')
  const dpop = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, [
    'sign',
    'verify',
  ])) as CryptoKeyPair
  const jwks = {
    keys: [
      { ...(await jose.exportJWK(es256.publicKey)), kid: 'es-1', alg: 'ES256', use: 'sig' },
      { ...(await jose.exportJWK(rs256.publicKey)), kid: 'rs-1', alg: 'RS256', use: 'sig' },
    ],
  }
  return { es256, rs256, forger, enc, jar, dpop, jwks }
}

const now = () => Math.floor(Date.now() / 1000)

/** Signs a JWT with the issuer's key for `alg`; `forge` signs with a stranger's key instead. */
export async function sign(
  keys: Keys,
  alg: 'ES256' | 'RS256',
  payload: jose.JWTPayload,
  options: { forge?: boolean; typ?: string } = {},
): Promise<string> {
  const key = options.forge
    ? keys.forger.privateKey
    : alg === 'ES256'
      ? keys.es256.privateKey
      : keys.rs256.privateKey
  return new jose.SignJWT(payload)
    .setProtectedHeader({
      alg: options.forge ? 'ES256' : alg,
      kid: alg === 'ES256' ? 'es-1' : 'rs-1',
      typ: options.typ,
    })
    .sign(key)
}

/** The claims of an ID Token for this client, valid for ten minutes from now. */
export function idTokenClaims(nonce: string): jose.JWTPayload {
  const iat = now()
  return {
    iss: issuer,
    aud: clientId,
    sub: subject,
    iat,
    exp: iat + 600,
    auth_time: iat - 5,
    nonce,
    sid: 'sid-1',
  }
}

/** The claims of a JARM response carrying `code` and `state`. */
export function jarmClaims(code: string, state: string): jose.JWTPayload {
  return { iss: issuer, aud: clientId, exp: now() + 600, code, state }
}

/** A signed-then-encrypted (ECDH-ES+A256KW, A256GCM) UserInfo response. */
export async function encryptedUserinfo(keys: Keys, sub = subject): Promise<string> {
  const signed = await sign(keys, 'ES256', {
    iss: issuer,
    aud: clientId,
    sub,
    email: 'jane.doe@example.com',
    email_verified: true,
    name: 'Jane Doe',
  })
  return new jose.CompactEncrypt(new TextEncoder().encode(signed))
    .setProtectedHeader({ alg: 'ECDH-ES+A256KW', enc: 'A256GCM', cty: 'JWT', kid: 'enc-1' })
    .encrypt(keys.enc.publicKey)
}

export interface Prepared {
  status: number
  headers: Record<string, string>
  body: string
}

export interface SeenRequest {
  url: string
  method: string
  headers: Headers
  body: string
}

export const json = (
  value: unknown,
  status = 200,
  headers: Record<string, string> = {},
): Prepared => ({
  status,
  headers: { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers },
  body: JSON.stringify(value),
})

/**
 * The fake server: answers each `METHOD url` (query ignored) with its prepared response. With
 * `record` on it keeps every request for the correctness checks; off (in timed batches) it only
 * counts them.
 */
export class FakeServer {
  readonly routes = new Map<string, Prepared | ((request: SeenRequest) => Prepared)>()
  record = false
  readonly seen: SeenRequest[] = []
  count = 0

  set(
    method: string,
    url: string,
    response: Prepared | ((request: SeenRequest) => Prepared),
  ): void {
    this.routes.set(`${method} ${url}`, response)
  }

  readonly fetch = async (url: string, options: RequestInit): Promise<Response> => {
    this.count++
    const method = options.method ?? 'GET'
    const queryAt = url.indexOf('?')
    const route = this.routes.get(`${method} ${queryAt === -1 ? url : url.slice(0, queryAt)}`)
    if (route === undefined) throw new Error(`fake server: no route for ${method} ${url}`)
    let prepared: Prepared
    if (this.record || typeof route === 'function') {
      const request: SeenRequest = {
        url,
        method,
        headers: new Headers(options.headers as HeadersInit),
        body: options.body == null ? '' : String(options.body),
      }
      if (this.record) this.seen.push(request)
      prepared = typeof route === 'function' ? route(request) : route
    } else {
      prepared = route
    }
    return new Response(prepared.body, { status: prepared.status, headers: prepared.headers })
  }

  last(): SeenRequest {
    const request = this.seen.at(-1)
    if (!request) throw new Error('fake server: no request recorded')
    return request
  }

  reset(): void {
    this.seen.length = 0
    this.count = 0
  }
}
