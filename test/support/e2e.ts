/** Helpers shared by the end-to-end suites (test/e2e) and the runtime scenarios. */
import assert from 'node:assert/strict'
import type { CustomFetch } from 'openid-client'
import type { Client } from './implementations.ts'

export const redirectUri = 'https://client.example/cb'
export const secret = (name: string) => `${name}-secret-0123456789abcdefghijklmnopqrstuvwxyz`

export type ErrorLike = Error & {
  code?: string
  error?: string
  error_description?: string
  status?: number
  cause?: unknown
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
