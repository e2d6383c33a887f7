/**
 * `openid-rp discover <issuer>` and `openid-rp decode <jwt>`: read-only commands for any provider,
 * with the library's public API (discovery) and `jose` for displaying and verifying a JWT.
 */
import * as client from 'openid-rp'
import * as jose from 'jose'
import { redactClaims } from './transcript.ts'

const CLIENT_ID = 'openid-rp-cli'

/** Discovery options: plain HTTP is allowed only for loopback issuers. */
export function discoveryOptions(issuer: URL): client.DiscoveryRequestOptions | undefined {
  const loopback = ['127.0.0.1', '[::1]', 'localhost'].includes(issuer.hostname)
  return issuer.protocol === 'http:' && loopback
    ? { execute: [client.allowInsecureRequests] }
    : undefined
}

/** Discovers `issuer` for `clientId` with the loopback-aware {@link discoveryOptions}. */
export function discoverClient(
  issuer: URL,
  clientId = CLIENT_ID,
  auth: client.ClientAuth = client.None(),
): Promise<client.Configuration> {
  return client.discovery(issuer, clientId, undefined, auth, discoveryOptions(issuer))
}

const list = (values: readonly string[] | undefined) => (values?.length ? values.join(' ') : 'no')

/** Fetches and validates an issuer's metadata and summarises what the server supports. */
export async function discover(issuer: URL): Promise<Record<string, unknown>> {
  const config = await discoverClient(issuer)
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
  }
}

/** Header and claims of a JWT; with `issuer`, its signature is verified against the issuer's JWKS. */
export async function decode(token: string, issuer?: URL): Promise<Record<string, unknown>> {
  const parts = token.split('.')
  const header = jose.decodeProtectedHeader(token)
  if (parts.length === 5) {
    return { header, note: 'an encrypted JWT (JWE): only its header can be shown without the key' }
  }
  const claims = jose.decodeJwt(token)
  if (!issuer) {
    return { header, claims: redactClaims(claims), signature: 'not verified (pass --issuer)' }
  }
  const config = await discoverClient(issuer)
  const jwksUri = config.serverMetadata().jwks_uri
  if (!jwksUri) throw new Error(`${issuer.href} publishes no jwks_uri to verify against`)
  await jose.jwtVerify(token, jose.createRemoteJWKSet(new URL(jwksUri)), {
    issuer: config.serverMetadata().issuer,
  })
  return { header, claims: redactClaims(claims), signature: `verified with ${jwksUri}` }
}
