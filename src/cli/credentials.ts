/**
 * Client credentials and tokens for the commands that talk to a real provider: each secret comes
 * from a flag, a file (`--x-file`) or an environment variable, and is never echoed in full.
 */
import { createPrivateKey } from 'node:crypto'
import { readFileSync } from 'node:fs'
import * as jose from 'jose'
import * as client from 'openid-rp'

export class CredentialError extends Error {}

/**
 * The first of `--name <value>`, `--name-file <path>` and the environment variable `env`. A file
 * holding a JSON object (the saved `--json` output of `login` or `token`) yields its `field`.
 */
export function readSecret(
  values: Record<string, unknown>,
  name: string,
  env: string,
  field = name.replaceAll('-', '_'),
): string | undefined {
  const direct = values[name]
  if (typeof direct === 'string' && direct !== '') return direct
  const file = values[`${name}-file`]
  if (typeof file === 'string') {
    let text: string
    try {
      text = readFileSync(file === '-' ? 0 : file, 'utf8').trim()
    } catch (error) {
      throw new CredentialError(
        `cannot read --${name}-file ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
      )
    }
    if (!text.startsWith('{')) return text
    let saved: unknown
    try {
      saved = JSON.parse(text)
    } catch {
      throw new CredentialError(`--${name}-file ${file} starts with { but is not JSON`)
    }
    const value = (saved as Record<string, unknown>)[field]
    if (typeof value !== 'string' || value === '') {
      throw new CredentialError(`--${name}-file ${file} is JSON without a "${field}" member`)
    }
    return value
  }
  const fromEnv = process.env[env]
  return fromEnv === undefined || fromEnv === '' ? undefined : fromEnv
}

export type ClientAuthName = 'basic' | 'post' | 'secret-jwt' | 'private-key-jwt' | 'none'

/** Algorithms inferred for a PEM key without an `alg`. */
function inferAlg(jwk: jose.JWK): string | undefined {
  if (jwk.kty === 'RSA') return 'RS256'
  if (jwk.kty === 'EC') return { 'P-256': 'ES256', 'P-384': 'ES384', 'P-521': 'ES512' }[jwk.crv!]
  if (jwk.kty === 'OKP') return 'EdDSA'
  return undefined
}

/**
 * A private key from `source`: a PEM file (PKCS#8, SEC1 or PKCS#1), a JWK file, or a JWKS file
 * or URL (the key `kid`, or its only private key). `alg` overrides the JWK's or the inferred one.
 */
export async function readPrivateKey(
  source: string,
  options: { alg?: string; kid?: string } = {},
  fetchJson?: (url: URL, what: string) => Promise<Record<string, unknown>>,
): Promise<client.PrivateKey & { alg: string; jwk: jose.JWK }> {
  let text: string
  if (/^https?:\/\//.test(source) && URL.canParse(source)) {
    if (!fetchJson) throw new CredentialError('--private-key <url> needs a network')
    text = JSON.stringify(await fetchJson(new URL(source), 'private JWKS'))
  } else {
    try {
      text = readFileSync(source, 'utf8').trim()
    } catch (error) {
      throw new CredentialError(
        `cannot read --private-key ${source}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
      )
    }
  }
  let jwk: jose.JWK
  if (text.startsWith('-----BEGIN')) {
    try {
      jwk = createPrivateKey(text).export({ format: 'jwk' }) as jose.JWK
    } catch (error) {
      throw new CredentialError(
        `--private-key ${source} is not a private key in PEM: ${(error as Error).message}`,
      )
    }
  } else {
    let parsed: { keys?: jose.JWK[] } & jose.JWK
    try {
      parsed = JSON.parse(text) as typeof parsed
    } catch (error) {
      throw new CredentialError(
        `cannot read --private-key ${source} as PEM, a JWK or a JWKS: ${(error as Error).message}`,
      )
    }
    if (Array.isArray(parsed.keys)) {
      const candidates = parsed.keys.filter(
        (key) => typeof key.d === 'string' && (!options.kid || key.kid === options.kid),
      )
      if (candidates.length !== 1) {
        throw new CredentialError(
          `the JWKS in ${source} has ${candidates.length} private keys${options.kid ? ` with kid ${options.kid}` : ''}: name one with --kid`,
        )
      }
      jwk = candidates[0]!
    } else {
      jwk = parsed
    }
  }
  if (typeof jwk.d !== 'string')
    throw new CredentialError(`--private-key ${source} holds no private key`)
  const alg = options.alg ?? jwk.alg ?? inferAlg(jwk)
  if (!alg) throw new CredentialError(`name the algorithm of ${source} with --alg`)
  const key = (await jose.importJWK(jwk, alg)) as CryptoKey
  const kid = options.kid ?? jwk.kid
  return { key, ...(kid ? { kid } : {}), alg, jwk }
}

/**
 * The client authentication: `private_key_jwt` with `--private-key <pem|jwk|jwks file>`,
 * `tls_client_auth` with `--cert`/`--key` and no secret, a client secret (`client_secret_basic`
 * by default, `--client-auth post|secret-jwt`), otherwise none. `--assertion-audience` sets the
 * `aud` of a client assertion.
 */
export async function clientAuthentication(
  values: Record<string, unknown>,
  fetchJson?: (url: URL, what: string) => Promise<Record<string, unknown>>,
): Promise<{ auth: client.ClientAuth; method: string }> {
  const audience = values['assertion-audience']
  const assertionOptions =
    typeof audience === 'string'
      ? {
          [client.modifyAssertion]: (_header: unknown, payload: Record<string, unknown>) => {
            payload.aud = audience
          },
        }
      : undefined
  const keyFile = values['private-key']
  if (typeof keyFile === 'string') {
    const { key, kid } = await readPrivateKey(keyFile, readKeyOptions(values), fetchJson)
    return {
      auth: client.PrivateKeyJwt(kid ? { key, kid } : key, assertionOptions),
      method: 'private_key_jwt',
    }
  }
  const secret = readSecret(values, 'client-secret', 'OPENID_RP_CLIENT_SECRET')
  if (secret === undefined) {
    if (
      values['client-auth'] === 'tls' ||
      (values.cert !== undefined && values['client-auth'] === undefined)
    ) {
      return { auth: client.TlsClientAuth(), method: 'tls_client_auth' }
    }
    return { auth: client.None(), method: 'none' }
  }
  switch (values['client-auth'] ?? 'basic') {
    case 'basic':
      return { auth: client.ClientSecretBasic(secret), method: 'client_secret_basic' }
    case 'post':
      return { auth: client.ClientSecretPost(secret), method: 'client_secret_post' }
    case 'secret-jwt':
      return { auth: client.ClientSecretJwt(secret, assertionOptions), method: 'client_secret_jwt' }
    default:
      throw new CredentialError(
        `--client-auth must be basic, post, secret-jwt or tls, not '${String(values['client-auth'])}'`,
      )
  }
}

/** `--alg` and `--kid` for {@link readPrivateKey}. */
export function readKeyOptions(values: Record<string, unknown>): { alg?: string; kid?: string } {
  return {
    alg: typeof values.alg === 'string' ? values.alg : undefined,
    kid: typeof values.kid === 'string' ? values.kid : undefined,
  }
}
