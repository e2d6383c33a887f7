// Client authentication at the token and other client-authenticated endpoints: the ClientAuth
// functions (client secret, private key JWT, mTLS, none), oauth4webapi's behind checked arguments.

import * as oauth from 'oauth4webapi'

import type { ClientAuth, EndpointAwareClientAuth } from './core/configuration.ts'
import { argumentError, clientError } from './core/errors.ts'

/**
 * Options of {@link ClientSecretBasic}.
 *
 * @example
 * ```ts
 * // Glewlwyd 2.7 does not form-urldecode Basic credentials (see docs/providers.md)
 * const options: client.ClientSecretBasicOptions = { encoding: 'none' }
 * const auth = client.ClientSecretBasic('my-client-secret', options)
 * ```
 * @group Client authentication
 */
export interface ClientSecretBasicOptions {
  /**
   * How the client id and secret are encoded before base64: `'form-urlencoded'` (default, RFC
   * 6749 §2.3.1) or `'none'` (UTF-8 as they are, RFC 7617) for servers that do not decode them.
   * With `'none'` a client id containing `:` is refused.
   */
  encoding?: 'form-urlencoded' | 'none'
}

/**
 * Options of {@link ClientSecretJwt} and {@link PrivateKeyJwt}: `[modifyAssertion]` and the
 * assertion's audience.
 *
 * @example
 * ```ts
 * // Glewlwyd 2.7 accepts only the URL of the endpoint as the assertion's "aud"
 * const options: client.ClientAssertionOptions = { assertionAudience: 'endpoint' }
 * const auth = client.ClientSecretJwt('my-client-secret', options)
 * ```
 * @group Client authentication
 */
export interface ClientAssertionOptions extends oauth.ModifyAssertionOptions {
  /**
   * The assertion's `aud`: `'issuer'` (default, as RFC 7523bis asks), `'endpoint'` (the URL of
   * the endpoint the request is sent to, a single string), or `'both'` (an array of the two).
   */
  assertionAudience?: 'issuer' | 'endpoint' | 'both'
}

const audiences = ['issuer', 'endpoint', 'both'] as const

function checkAssertionOptions(options: ClientAssertionOptions | undefined): void {
  const audience = options?.assertionAudience
  if (audience !== undefined && !audiences.includes(audience)) {
    throw argumentError('"options.assertionAudience" must be "issuer", "endpoint" or "both"')
  }
}

/** Options for oauth4webapi's assertion methods with the audience the caller chose. */
function assertionOptions(
  as: oauth.AuthorizationServer,
  options: ClientAssertionOptions | undefined,
  endpoint: URL | undefined,
): oauth.ModifyAssertionOptions | undefined {
  const audience = options?.assertionAudience ?? 'issuer'
  if (audience === 'issuer') return options
  if (endpoint === undefined) {
    throw clientError(
      `"assertionAudience: ${audience}" needs the endpoint URL, which this request does not provide`,
      'OAUTH_UNSUPPORTED_OPERATION',
    )
  }
  const modify = options?.[oauth.modifyAssertion]
  return {
    [oauth.modifyAssertion](header, payload) {
      payload.aud = audience === 'endpoint' ? endpoint.href : [as.issuer, endpoint.href]
      modify?.(header, payload)
    },
  }
}

const base64 = (text: string) => {
  let binary = ''
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte)
  return btoa(binary)
}

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
 * @group Client authentication
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
 * @group Client authentication
 */
export function ClientSecretBasic(
  clientSecret?: string,
  options?: ClientSecretBasicOptions,
): ClientAuth {
  checkSecretArgument(clientSecret)
  const encoding = options?.encoding ?? 'form-urlencoded'
  if (encoding !== 'form-urlencoded' && encoding !== 'none') {
    throw argumentError('"options.encoding" must be "form-urlencoded" or "none"')
  }
  if (encoding === 'form-urlencoded') {
    return (as, client, body, headers) =>
      oauth.ClientSecretBasic(secretOf(clientSecret, client))(as, client, body, headers)
  }
  return (_as, client, _body, headers) => {
    const secret = secretOf(clientSecret, client)
    if (client.client_id.includes(':')) {
      throw argumentError(
        'a client_id containing ":" cannot be sent unencoded in HTTP Basic credentials: use encoding "form-urlencoded" or ClientSecretPost',
        'ERR_INVALID_ARG_VALUE',
      )
    }
    headers.set('authorization', `Basic ${base64(`${client.client_id}:${secret}`)}`)
  }
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
 * @group Client authentication
 */
export function ClientSecretJwt(
  clientSecret?: string,
  options?: ClientAssertionOptions,
): ClientAuth {
  checkSecretArgument(clientSecret)
  checkAssertionOptions(options)
  const auth: EndpointAwareClientAuth = (as, client, body, headers, endpoint) =>
    oauth.ClientSecretJwt(secretOf(clientSecret, client), assertionOptions(as, options, endpoint))(
      as,
      client,
      body,
      headers,
    )
  return auth
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
 * @group Client authentication
 */
export function PrivateKeyJwt(
  clientPrivateKey: oauth.CryptoKey | oauth.PrivateKey,
  options?: ClientAssertionOptions,
): ClientAuth {
  checkAssertionOptions(options)
  if ((options?.assertionAudience ?? 'issuer') === 'issuer') {
    return oauth.PrivateKeyJwt(clientPrivateKey, options) as ClientAuth
  }
  const auth: EndpointAwareClientAuth = (as, client, body, headers, endpoint) =>
    oauth.PrivateKeyJwt(clientPrivateKey, assertionOptions(as, options, endpoint))(
      as,
      client,
      body,
      headers,
    )
  return auth
}

/**
 * `none`: a public client that sends only its `client_id`.
 *
 * @example
 * ```ts
 * const config = await client.discovery(issuer, 'spa', undefined, client.None())
 * ```
 * @see [RFC 7591 §2](https://www.rfc-editor.org/rfc/rfc7591.html#section-2)
 * @group Client authentication
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
 * @group Client authentication
 */
export function TlsClientAuth(): ClientAuth {
  return oauth.TlsClientAuth() as ClientAuth
}
