/**
 * Client credentials and tokens for the commands that talk to a real provider: each secret comes
 * from a flag, a file (`--x-file`) or an environment variable, and is never echoed in full.
 */
import { readFileSync } from 'node:fs'
import * as jose from 'jose'
import * as client from 'openid-rp'

export class CredentialError extends Error {}

/** The first of `--name <value>`, `--name-file <path>` and the environment variable `env`. */
export function readSecret(
  values: Record<string, unknown>,
  name: string,
  env: string,
): string | undefined {
  const direct = values[name]
  if (typeof direct === 'string' && direct !== '') return direct
  const file = values[`${name}-file`]
  if (typeof file === 'string') {
    try {
      return readFileSync(file, 'utf8').trim()
    } catch (error) {
      throw new CredentialError(
        `cannot read --${name}-file ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
      )
    }
  }
  const fromEnv = process.env[env]
  return fromEnv === undefined || fromEnv === '' ? undefined : fromEnv
}

export type ClientAuthName = 'basic' | 'post' | 'secret-jwt' | 'private-key-jwt' | 'none'

/**
 * The client authentication: `private_key_jwt` with `--private-key <jwk file>`, a client secret
 * (`client_secret_basic` by default, `--client-auth post|secret-jwt`), otherwise none.
 */
export async function clientAuthentication(
  values: Record<string, unknown>,
): Promise<{ auth: client.ClientAuth; method: string }> {
  const keyFile = values['private-key']
  if (typeof keyFile === 'string') {
    let jwk: jose.JWK
    try {
      jwk = JSON.parse(readFileSync(keyFile, 'utf8')) as jose.JWK
    } catch (error) {
      throw new CredentialError(
        `cannot read --private-key ${keyFile} as a JWK: ${error instanceof Error ? error.message : String(error)}`,
      )
    }
    if (!jwk.alg) throw new CredentialError(`the JWK in ${keyFile} needs an "alg"`)
    const key = (await jose.importJWK(jwk, jwk.alg)) as CryptoKey
    return {
      auth: client.PrivateKeyJwt(jwk.kid ? { key, kid: jwk.kid } : key),
      method: 'private_key_jwt',
    }
  }
  const secret = readSecret(values, 'client-secret', 'OPENID_RP_CLIENT_SECRET')
  if (secret === undefined) return { auth: client.None(), method: 'none' }
  switch (values['client-auth'] ?? 'basic') {
    case 'basic':
      return { auth: client.ClientSecretBasic(secret), method: 'client_secret_basic' }
    case 'post':
      return { auth: client.ClientSecretPost(secret), method: 'client_secret_post' }
    case 'secret-jwt':
      return { auth: client.ClientSecretJwt(secret), method: 'client_secret_jwt' }
    default:
      throw new CredentialError(
        `--client-auth must be basic, post or secret-jwt, not '${String(values['client-auth'])}'`,
      )
  }
}
