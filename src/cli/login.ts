/**
 * `openid-rp login`: the authorization code flow with PKCE against any provider, through a
 * loopback redirect listener (RFC 8252 section 7.3), with the library's public API.
 */
import { spawn } from 'node:child_process'
import * as http from 'node:http'
import type { AddressInfo } from 'node:net'
import * as jose from 'jose'
import * as client from 'openid-rp'
import { clientAuthentication } from './credentials.ts'
import { discoverClient, discoveryOptions } from './inspect.ts'
import { redactUrl, tokenSummary } from './transcript.ts'

export interface LoginOptions {
  /** The issuer; without it, `resource` names the protected resource to start from. */
  issuer: URL | undefined
  resource?: URL
  clientId: string
  values: Record<string, unknown>
  /** Where the URL to open and other progress for the user goes. */
  progress: (line: string) => void
}

export class LoginUsageError extends Error {}

const CALLBACK_PATH = '/callback'

/** Runs the flow and returns the tokens and validated claims for display. */
export async function runLogin(options: LoginOptions): Promise<Record<string, unknown>> {
  const { values, progress } = options
  const { auth, method } = await clientAuthentication(values)
  if (values.jar === true && method !== 'private_key_jwt') {
    throw new LoginUsageError('--jar signs the request object with --private-key <jwk file>')
  }
  const config =
    options.issuer === undefined
      ? await client.discoverProtectedResource(options.resource!, {
          clientId: options.clientId,
          clientAuthentication: auth,
          ...discoveryOptions(options.resource!),
        })
      : await discoverClient(options.issuer, options.clientId, auth)
  const resourceScopes = client.getProtectedResourceMetadata(config)?.scopes_supported
  if (values.jarm === true) client.useJwtResponseMode(config)
  const DPoP =
    values.dpop === true
      ? client.getDPoPHandle(config, await client.randomDPoPKeyPair())
      : undefined

  const listener = await listen(Number(values['redirect-port'] ?? 0))
  try {
    const redirectUri = `http://127.0.0.1:${listener.port}${CALLBACK_PATH}`
    const pkceCodeVerifier = client.randomPKCECodeVerifier()
    const expectedState = client.randomState()
    const expectedNonce = client.randomNonce()
    const parameters: Record<string, string> = {
      redirect_uri: redirectUri,
      scope:
        typeof values.scope === 'string'
          ? values.scope
          : ['openid', ...(resourceScopes ?? [])].join(' '),
      code_challenge: await client.calculatePKCECodeChallenge(pkceCodeVerifier),
      code_challenge_method: 'S256',
      state: expectedState,
      nonce: expectedNonce,
    }
    if (typeof values.resource === 'string' && options.issuer !== undefined) {
      parameters.resource = values.resource
    }

    let url: URL
    if (values.jar === true) {
      const key = await signingKey(values)
      const jar = await client.buildAuthorizationUrlWithJAR(config, parameters, key)
      url =
        values.par === true
          ? await client.buildAuthorizationUrlWithPAR(config, jar.searchParams, { DPoP })
          : jar
    } else {
      url =
        values.par === true
          ? await client.buildAuthorizationUrlWithPAR(config, parameters, { DPoP })
          : client.buildAuthorizationUrl(config, parameters)
    }

    progress(`Open this URL to sign in:\n${url.href}`)
    if (values.browser !== false && process.stdout.isTTY) openBrowser(url)
    const timeout = Number(values.timeout ?? 300)
    const callback = await listener.callback(timeout * 1000)

    const tokens = await client.authorizationCodeGrant(
      config,
      callback,
      { pkceCodeVerifier, expectedState, expectedNonce },
      undefined,
      DPoP ? { DPoP } : undefined,
    )
    return {
      ...(options.issuer === undefined
        ? {
            issuer: config.serverMetadata().issuer,
            resource: client.getProtectedResourceMetadata(config)?.resource,
          }
        : {}),
      client_auth: method,
      redirect_uri: redirectUri,
      callback: redactUrl(callback),
      ...tokenSummary(tokens),
    }
  } finally {
    await listener.close()
  }
}

async function signingKey(values: Record<string, unknown>): Promise<client.PrivateKey> {
  const { readFileSync } = await import('node:fs')
  const jwk = JSON.parse(readFileSync(String(values['private-key']), 'utf8')) as jose.JWK
  const key = (await jose.importJWK(jwk, jwk.alg)) as CryptoKey
  return { key, kid: jwk.kid }
}

/** A loopback HTTP listener that resolves with the first request to the callback path. */
async function listen(port: number) {
  let deliver: (url: URL) => void = () => {}
  const received = new Promise<URL>((resolve) => (deliver = resolve))
  const server = http.createServer((req, res) => {
    const url = new URL(
      req.url ?? '/',
      `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    )
    if (url.pathname !== CALLBACK_PATH) {
      res.statusCode = 404
      res.end()
      return
    }
    res.setHeader('content-type', 'text/html; charset=utf-8')
    res.end(
      '<!DOCTYPE html><title>openid-rp</title><p>Signed in. You can close this window and return to the terminal.</p>',
    )
    deliver(url)
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, '127.0.0.1', resolve)
  })
  return {
    port: (server.address() as AddressInfo).port,
    callback(ms: number): Promise<URL> {
      let timer: NodeJS.Timeout | undefined
      const timedOut = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`no redirect to the loopback listener within ${ms / 1000} s`)),
          ms,
        )
      })
      return Promise.race([received, timedOut]).finally(() => clearTimeout(timer))
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}

/** Opens the system browser when there is one; the URL is printed either way. */
function openBrowser(url: URL): void {
  const [command, args] =
    process.platform === 'darwin'
      ? ['open', [url.href]]
      : process.platform === 'win32'
        ? ['cmd', ['/c', 'start', '""', url.href]]
        : ['xdg-open', [url.href]]
  try {
    const child = spawn(command, args as string[], { stdio: 'ignore', detached: true })
    child.on('error', () => {})
    child.unref()
  } catch {
    // no browser: the printed URL is the way
  }
}
