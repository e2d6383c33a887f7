import * as oauth from 'oauth4webapi'

import type { ClientAuth } from './core/configuration.ts'
import { argumentError } from './core/errors.ts'

function secretOf(given: string | undefined, client: oauth.Client): string {
  const secret = given ?? client.client_secret
  if (typeof secret !== 'string' || secret.length === 0) {
    throw argumentError(
      'a client secret is required: pass it to the client authentication function or as "client_secret" metadata',
      'ERR_INVALID_ARG_VALUE',
    )
  }
  return secret
}

function checkSecretArgument(clientSecret: unknown): void {
  if (
    clientSecret !== undefined &&
    (typeof clientSecret !== 'string' || clientSecret.length === 0)
  ) {
    throw argumentError('"clientSecret" must be a non-empty string')
  }
}

/**
 * `client_secret_post`: the client id and secret in the request body. The default when a
 * secret is known.
 *
 * @param clientSecret Defaults to the `client_secret` client metadata.
 * @example
 * ```ts
 * const config = await client.discovery(issuer, 'id', undefined, client.ClientSecretPost('secret'))
 * ```
 * @see [RFC 6749 §2.3.1](https://www.rfc-editor.org/rfc/rfc6749.html#section-2.3.1)
 */
export function ClientSecretPost(clientSecret?: string): ClientAuth {
  checkSecretArgument(clientSecret)
  return (as, client, body, headers) =>
    oauth.ClientSecretPost(secretOf(clientSecret, client))(as, client, body, headers)
}

/**
 * `client_secret_basic`: the client id and secret (form-urlencoded) in HTTP Basic authorization.
 *
 * @param clientSecret Defaults to the `client_secret` client metadata.
 * @example
 * ```ts
 * const config = await client.discovery(issuer, 'id', 'secret', client.ClientSecretBasic())
 * ```
 * @see [RFC 6749 §2.3.1](https://www.rfc-editor.org/rfc/rfc6749.html#section-2.3.1)
 */
export function ClientSecretBasic(clientSecret?: string): ClientAuth {
  checkSecretArgument(clientSecret)
  return (as, client, body, headers) =>
    oauth.ClientSecretBasic(secretOf(clientSecret, client))(as, client, body, headers)
}

/**
 * `client_secret_jwt`: an HMAC-signed client assertion keyed with the client secret.
 *
 * @param clientSecret Defaults to the `client_secret` client metadata.
 * @param options `[modifyAssertion]` to change the assertion before it is signed.
 * @example
 * ```ts
 * const config = await client.discovery(issuer, 'id', 'secret', client.ClientSecretJwt())
 * ```
 * @see [OpenID Connect Core §9](https://openid.net/specs/openid-connect-core-1_0.html#ClientAuthentication)
 */
export function ClientSecretJwt(
  clientSecret?: string,
  options?: oauth.ModifyAssertionOptions,
): ClientAuth {
  checkSecretArgument(clientSecret)
  return (as, client, body, headers) =>
    oauth.ClientSecretJwt(secretOf(clientSecret, client), options)(as, client, body, headers)
}

/**
 * `private_key_jwt`: a client assertion signed with the client's private key.
 *
 * @param clientPrivateKey A private `CryptoKey`, or `{ key, kid }` to set the assertion's `kid`.
 * @param options `[modifyAssertion]` to change the assertion before it is signed.
 * @example
 * ```ts
 * const { privateKey } = await crypto.subtle.generateKey(
 *   { name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify'])
 * const config = await client.discovery(issuer, 'id', undefined,
 *   client.PrivateKeyJwt({ key: privateKey, kid: 'k1' }))
 * ```
 * @see [RFC 7523 §2.2](https://www.rfc-editor.org/rfc/rfc7523.html#section-2.2)
 */
export function PrivateKeyJwt(
  clientPrivateKey: oauth.CryptoKey | oauth.PrivateKey,
  options?: oauth.ModifyAssertionOptions,
): ClientAuth {
  return oauth.PrivateKeyJwt(clientPrivateKey, options) as ClientAuth
}

/**
 * `none`: a public client that sends only its `client_id`.
 *
 * @example
 * ```ts
 * const config = await client.discovery(issuer, 'spa', undefined, client.None())
 * ```
 * @see [RFC 7591 §2](https://www.rfc-editor.org/rfc/rfc7591.html#section-2)
 */
export function None(): ClientAuth {
  return oauth.None() as ClientAuth
}

/**
 * `tls_client_auth` / `self_signed_tls_client_auth`: the client authenticates with its TLS
 * certificate, which the `[customFetch]` transport presents.
 *
 * @example
 * ```ts
 * const config = await client.discovery(issuer, 'id', { use_mtls_endpoint_aliases: true },
 *   client.TlsClientAuth(), { [client.customFetch]: mtlsFetch })
 * ```
 * @see [RFC 8705 §2](https://www.rfc-editor.org/rfc/rfc8705.html#section-2)
 */
export function TlsClientAuth(): ClientAuth {
  return oauth.TlsClientAuth() as ClientAuth
}
