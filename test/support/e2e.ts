/** Helpers shared by the end-to-end suites (test/e2e) and the runtime scenarios. */
import assert from 'node:assert/strict'
import type { CustomFetch } from 'openid-client'
import type { ClientMetadata } from 'oidc-provider'
import type { Client } from './implementations.ts'
import { login } from './login.ts'
import type { TestProvider } from './provider.ts'

export const redirectUri = 'https://client.example/cb'
export const secret = (name: string) => `${name}-secret-0123456789abcdefghijklmnopqrstuvwxyz`

export type ErrorLike = Error & {
  code?: string
  error?: string
  error_description?: string
  status?: number
  cause?: unknown
}

/** Closes the provider, then asserts it saw no server errors (an `after` hook of each suite). */
export async function closeProvider(op: TestProvider): Promise<void> {
  await op.close()
  assert.deepEqual(op.serverErrors, [], 'the provider saw no server errors')
}

/** The secret of the `rp-web` client of {@link webAndServiceClients}. */
export const webSecret = 'rp-web-secret-0123456789abcdefghijklmnopqrstuvwxyz'
/** The secret of the `rp-service` client of {@link webAndServiceClients}. */
export const serviceSecret = 'rp-service-secret-0123456789abcdefghijklmnopqrstuv'

/**
 * Provider metadata of two clients: `rp-web` (code flow and refresh tokens, client_secret_basic)
 * and `rp-service` (client credentials, client_secret_post), `service` merged over the latter.
 */
export function webAndServiceClients(service: Partial<ClientMetadata> = {}): ClientMetadata[] {
  return [
    {
      client_id: 'rp-web',
      client_secret: webSecret,
      redirect_uris: [redirectUri],
      grant_types: ['authorization_code', 'refresh_token'],
      token_endpoint_auth_method: 'client_secret_basic',
    },
    {
      client_id: 'rp-service',
      client_secret: serviceSecret,
      redirect_uris: [],
      response_types: [],
      grant_types: ['client_credentials'],
      token_endpoint_auth_method: 'client_secret_post',
      ...service,
    },
  ]
}

type Configuration = InstanceType<Client['Configuration']>

/** Configurations of the {@link webAndServiceClients} at `op`, over plain HTTP. */
export async function discoverWebAndService(
  client: Client,
  op: TestProvider,
): Promise<{ web: Configuration; service: Configuration }> {
  const options = { execute: [client.allowInsecureRequests] }
  const web = await client.discovery(
    op.issuer,
    'rp-web',
    undefined,
    client.ClientSecretBasic(webSecret),
    options,
  )
  const service = await client.discovery(op.issuer, 'rp-service', serviceSecret, undefined, options)
  return { web, service }
}

/**
 * Logs in through the front channel with PKCE (no state, no nonce) and returns the code grant's
 * tokens; `checks` go to `authorizationCodeGrant` besides the PKCE verifier.
 */
export async function signInWithPKCE(
  client: Client,
  config: Configuration,
  scope = 'openid email profile',
  checks: { idTokenExpected?: boolean } = {},
) {
  const pkceCodeVerifier = client.randomPKCECodeVerifier()
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri,
    scope,
    code_challenge: await client.calculatePKCECodeChallenge(pkceCodeVerifier),
    code_challenge_method: 'S256',
  })
  const callback = await login(url)
  assert.ok(callback instanceof URL)
  return client.authorizationCodeGrant(config, callback, { pkceCodeVerifier, ...checks })
}

/** Asserts `error` is a `ClientError` of `client` with `code`. */
export function assertClientError(
  client: Client,
  error: ErrorLike,
  code: string,
): asserts error is InstanceType<Client['ClientError']> {
  assert.ok(error instanceof client.ClientError, `got ${error.name}: ${error.message}`)
  assert.equal(error.code, code)
}

/** Awaits a promise that must reject and returns its Error. */
export async function rejection(promise: Promise<unknown>): Promise<ErrorLike> {
  try {
    await promise
  } catch (error) {
    assert.ok(error instanceof Error, `rejected with an Error, got ${String(error)}`)
    return error as ErrorLike
  }
  assert.fail('expected the promise to reject')
}

/** PKCE + state + nonce parameters for an authorization request, and the matching checks. */
export async function pkceRequest(client: Client, extra: Record<string, string> = {}) {
  const pkceCodeVerifier = client.randomPKCECodeVerifier()
  const expectedState = client.randomState()
  const expectedNonce = client.randomNonce()
  const parameters: Record<string, string> = {
    redirect_uri: redirectUri,
    scope: 'openid email',
    code_challenge: await client.calculatePKCECodeChallenge(pkceCodeVerifier),
    code_challenge_method: 'S256',
    state: expectedState,
    nonce: expectedNonce,
    ...extra,
  }
  return { parameters, checks: { pkceCodeVerifier, expectedState, expectedNonce } }
}

/** The decoded payload of a compact JWS (no verification: for asserting what was sent). */
export function jwtPayload(jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString('utf8'))
}

/** The decoded protected header of a compact JWS or JWE. */
export function jwtHeader(jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split('.')[0]!, 'base64url').toString('utf8'))
}

export interface Exchange {
  url: string
  method: string
  status: number
  contentType: string | null
  requestHeaders: Headers
}

/** A fetch-like function a [customFetch] can delegate to. */
export type Transport = (url: string, options: RequestInit) => Promise<Response>

/** A [customFetch] that records every exchange (request line, status, content type). */
export function recordingFetch(log: Exchange[], inner: Transport = fetch): CustomFetch {
  return async (url, init) => {
    const options = init as RequestInit
    const response = await inner(url, options)
    log.push({
      url,
      method: options.method ?? 'GET',
      status: response.status,
      contentType: response.headers.get('content-type'),
      requestHeaders: new Headers(options.headers),
    })
    return response
  }
}

/** Lets the provider encrypt with ECDH-ES+A256KW and RSA-OAEP-256 everywhere it encrypts. */
export const encryptionAlgorithms = [
  'ECDH-ES',
  'ECDH-ES+A256KW',
  'RSA-OAEP',
  'RSA-OAEP-256',
] as const

export const enabledJWA = {
  idTokenEncryptionAlgValues: encryptionAlgorithms,
  userinfoEncryptionAlgValues: encryptionAlgorithms,
  introspectionEncryptionAlgValues: encryptionAlgorithms,
  authorizationEncryptionAlgValues: encryptionAlgorithms,
}

export interface EncryptionKey {
  alg: 'ECDH-ES+A256KW' | 'RSA-OAEP-256'
  kid: string
  privateKey: CryptoKey
  /** The public key as registered in the client's `jwks`. */
  jwk: Record<string, unknown>
}

/** A client encryption key pair with its public JWK (use enc, alg and kid set). */
export async function encryptionKey(
  alg: EncryptionKey['alg'],
  kid: string,
): Promise<EncryptionKey> {
  const { generateKeyPair, exportJWK } = await import('jose')
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true })
  return { alg, kid, privateKey, jwk: { ...(await exportJWK(publicKey)), alg, kid, use: 'enc' } }
}
