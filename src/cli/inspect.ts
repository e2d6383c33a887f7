/**
 * `openid-rp discover <issuer>` and `openid-rp decode <jwt>`, and the client Configuration every
 * command starts from: discovery, a metadata file, or endpoints given by flags.
 */
import * as client from 'openid-rp'
import * as jose from 'jose'
import { CredentialError } from './credentials.ts'
import { type Network, readFlagFile } from './net.ts'

const CLIENT_ID = 'openid-rp-cli'

/** Flags naming endpoints by hand, for a server without discovery, with their metadata names. */
export const ENDPOINT_FLAGS = {
  'authorization-endpoint': 'authorization_endpoint',
  'token-endpoint': 'token_endpoint',
  'jwks-uri': 'jwks_uri',
  'userinfo-endpoint': 'userinfo_endpoint',
  'device-authorization-endpoint': 'device_authorization_endpoint',
  'par-endpoint': 'pushed_authorization_request_endpoint',
} as const

/**
 * The client's Configuration: from `--server-metadata <file>` or endpoint flags when given,
 * otherwise by discovery of `issuer`. Requests go through `network`.
 */
export async function clientConfiguration(
  issuer: URL,
  network: Network,
  values: Record<string, unknown> = {},
  clientId = CLIENT_ID,
  auth: client.ClientAuth = client.None(),
): Promise<client.Configuration> {
  const manual = manualMetadata(issuer, values)
  if (!manual) {
    return client.discovery(issuer, clientId, undefined, auth, network.configurationOptions())
  }
  const config = new client.Configuration(manual, clientId, undefined, auth)
  config[client.customFetch] = network.fetch
  config.timeout = network.timeout
  if (network.options.allowHttp) client.allowInsecureRequests(config)
  return config
}

function manualMetadata(
  issuer: URL,
  values: Record<string, unknown>,
): client.ServerMetadata | undefined {
  let metadata: Record<string, unknown> | undefined
  if (typeof values['server-metadata'] === 'string') {
    const path = values['server-metadata']
    try {
      metadata = JSON.parse(readFlagFile('--server-metadata', path)) as Record<string, unknown>
    } catch (error) {
      if (error instanceof CredentialError) throw error
      throw new CredentialError(
        `--server-metadata ${path} is not JSON: ${(error as Error).message}`,
      )
    }
    if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) {
      throw new CredentialError(`--server-metadata ${path} must hold a JSON object`)
    }
  }
  for (const [flag, name] of Object.entries(ENDPOINT_FLAGS)) {
    const value = values[flag]
    if (typeof value !== 'string') continue
    if (!URL.canParse(value)) throw new CredentialError(`--${flag} must be a URL`)
    metadata = { ...metadata, [name]: value }
  }
  if (!metadata) return undefined
  return {
    ...metadata,
    issuer: typeof metadata.issuer === 'string' ? metadata.issuer : issuer.href,
  }
}

const list = (values: readonly string[] | undefined) => (values?.length ? values.join(' ') : 'no')

/** Fetches and validates an issuer's metadata; summarises what the server supports. */
export async function discover(issuer: URL, network: Network): Promise<Record<string, unknown>> {
  const config = await clientConfiguration(issuer, network)
  const m = config.serverMetadata()
  return {
    issuer: m.issuer,
    endpoints: {
      authorization: m.authorization_endpoint,
      token: m.token_endpoint,
      userinfo: m.userinfo_endpoint,
      jwks: m.jwks_uri,
      par: m.pushed_authorization_request_endpoint,
      device_authorization: m.device_authorization_endpoint,
      backchannel_authentication: m.backchannel_authentication_endpoint,
      introspection: m.introspection_endpoint,
      revocation: m.revocation_endpoint,
      end_session: m.end_session_endpoint,
      registration: m.registration_endpoint,
    },
    supports: {
      response_types: list(m.response_types_supported),
      grant_types: list(m.grant_types_supported),
      scopes: list(m.scopes_supported),
      pkce: list(m.code_challenge_methods_supported),
      par: m.pushed_authorization_request_endpoint
        ? m.require_pushed_authorization_requests
          ? 'required'
          : 'yes'
        : 'no',
      jar: list(m.request_object_signing_alg_values_supported),
      jarm: list(m.authorization_signing_alg_values_supported),
      dpop: list(m.dpop_signing_alg_values_supported),
      mtls_endpoint_aliases: m.mtls_endpoint_aliases
        ? Object.keys(m.mtls_endpoint_aliases).join(' ')
        : 'no',
      tls_client_certificate_bound_access_tokens:
        m.tls_client_certificate_bound_access_tokens ?? false,
      token_endpoint_auth: list(m.token_endpoint_auth_methods_supported),
      id_token_signing: list(m.id_token_signing_alg_values_supported),
      id_token_encryption: list(m.id_token_encryption_alg_values_supported),
      userinfo_signing: list(m.userinfo_signing_alg_values_supported),
      userinfo_encryption: list(m.userinfo_encryption_alg_values_supported),
      authorization_encryption: list(m.authorization_encryption_alg_values_supported),
      introspection_encryption: list(m.introspection_encryption_alg_values_supported),
      backchannel_logout: m.backchannel_logout_supported ?? false,
      backchannel_logout_session: m.backchannel_logout_session_supported ?? false,
      frontchannel_logout: m.frontchannel_logout_supported ?? false,
    },
    metadata: { ...m },
  }
}

/**
 * Header and claims of a JWT, in full; with `issuer`, its signature is verified against the
 * issuer's JWKS, fetched under the library's rules (HTTPS, no redirects, a deadline).
 */
export async function decode(
  token: string,
  issuer: URL | undefined,
  network: Network,
): Promise<Record<string, unknown>> {
  const header = jose.decodeProtectedHeader(token)
  if (token.split('.').length === 5) {
    return { header, note: 'an encrypted JWT (JWE): only its header can be shown without the key' }
  }
  const claims = jose.decodeJwt(token)
  if (!issuer) return { header, claims, signature: 'not verified (pass --issuer)' }
  const config = await clientConfiguration(issuer, network)
  const metadata = config.serverMetadata()
  const jwksUri = metadata.jwks_uri
  if (!jwksUri) {
    throw new client.ClientError(
      `${issuer.href} publishes no jwks_uri to verify against: pass --jwks-uri <url>`,
      { code: 'OAUTH_MISSING_SERVER_METADATA' },
    )
  }
  const jwks = await network.getJson(new URL(jwksUri), 'JWKS')
  try {
    await jose.jwtVerify(token, jose.createLocalJWKSet(jwks as unknown as jose.JSONWebKeySet), {
      issuer: metadata.issuer,
    })
  } catch (error) {
    throw new client.ClientError(
      `the JWT does not verify against ${jwksUri}: ${(error as Error).message}`,
      { code: 'OAUTH_INVALID_RESPONSE', cause: error },
    )
  }
  return { header, claims, signature: `verified with ${jwksUri}` }
}
