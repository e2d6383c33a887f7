/**
 * `openid-rp login`: the authorization code flow with PKCE against any provider, through a
 * loopback redirect listener (RFC 8252 section 7.3), with the library's public API.
 */
import { spawn } from 'node:child_process'
import * as client from 'openid-rp'
import { clientAuthentication, readKeyOptions, readPrivateKey } from './credentials.ts'
import { clientConfiguration } from './inspect.ts'
import { listen, parseRedirectUri } from './listener.ts'
import type { Network } from './net.ts'
import { commonParameters, type Tokens } from './token.ts'
import { redactUrl } from './transcript.ts'

export interface LoginOptions {
  /** The issuer; without it, `resource` names the protected resource to start from (RFC 9728). */
  issuer: URL | undefined
  resource?: URL
  clientId: string
  values: Record<string, unknown>
  network: Network
  /** Where the URL to open and other progress for the user goes. */
  progress: (line: string) => void
}

export class LoginUsageError extends Error {}

/** An error the provider sent back in the redirect, as the failure report reads it. */
class AuthorizationRedirectError extends Error {
  constructor(
    readonly error: string,
    readonly error_description: string | undefined,
  ) {
    super(
      `the provider answered the authorization request with ${error}${error_description ? `: ${error_description}` : ''}`,
    )
    this.name = 'AuthorizationRedirectError'
  }
}

/** Flags that map one to one to authorization request parameters. */
const AUTHORIZATION_FLAGS = {
  prompt: 'prompt',
  'max-age': 'max_age',
  'acr-values': 'acr_values',
  claims: 'claims',
  'id-token-hint': 'id_token_hint',
  'login-hint': 'login_hint',
  'ui-locales': 'ui_locales',
} as const

/** The redirect URI from `--redirect-uri` or `--redirect-port`; a free port by default. */
function redirectUriFrom(values: Record<string, unknown>): URL {
  if (typeof values['redirect-uri'] === 'string') return parseRedirectUri(values['redirect-uri'])
  return new URL(`http://127.0.0.1:${Number(values['redirect-port'] ?? 0)}/callback`)
}

/** Runs the flow; returns the tokens and what the command knows about them. */
export async function runLogin(
  options: LoginOptions,
): Promise<{ tokens: Tokens; about: Record<string, unknown> }> {
  const { values, progress, network } = options
  const { auth, method } = await clientAuthentication(values, (url, what) =>
    options.network.getJson(url, what),
  )
  if (values.jar === true && method !== 'private_key_jwt') {
    throw new LoginUsageError('--jar signs the request object with --private-key <key file>')
  }
  if (typeof values.claims === 'string') {
    try {
      JSON.parse(values.claims)
    } catch {
      throw new LoginUsageError('--claims must be JSON (OpenID Connect Core section 5.5)')
    }
  }
  const maxAge = values['max-age'] === undefined ? undefined : Number(values['max-age'])
  if (maxAge !== undefined && !(Number.isInteger(maxAge) && maxAge >= 0)) {
    throw new LoginUsageError('--max-age must be a whole number of seconds')
  }
  const requested = redirectUriFrom(values)
  const config =
    options.issuer === undefined
      ? await client.discoverProtectedResource(options.resource!, {
          clientId: options.clientId,
          clientAuthentication: auth,
          ...network.configurationOptions(),
        })
      : await clientConfiguration(options.issuer, network, values, options.clientId, auth)
  const protectedResource = client.getProtectedResourceMetadata(config)
  if (values.jarm === true) client.useJwtResponseMode(config)
  const DPoP =
    values.dpop === true
      ? client.getDPoPHandle(config, await client.randomDPoPKeyPair())
      : undefined

  const pkceCodeVerifier = client.randomPKCECodeVerifier()
  const expectedState = client.randomState()
  const expectedNonce = client.randomNonce()
  const listener = await listen(requested, expectedState)
  try {
    const redirectUri = listener.redirectUri.href
    const parameters: Record<string, string> = {
      redirect_uri: redirectUri,
      scope:
        typeof values.scope === 'string'
          ? values.scope
          : ['openid', ...(protectedResource?.scopes_supported ?? [])].join(' '),
      code_challenge: await client.calculatePKCECodeChallenge(pkceCodeVerifier),
      code_challenge_method: 'S256',
      state: expectedState,
      nonce: expectedNonce,
      // from a protected resource, the Configuration sends its `resource` itself
      ...commonParameters({
        ...values,
        scope: undefined,
        resource: options.issuer === undefined ? undefined : values.resource,
      }),
    }
    for (const [flag, name] of Object.entries(AUTHORIZATION_FLAGS)) {
      if (typeof values[flag] === 'string') parameters[name] = values[flag]
    }

    let url: URL
    if (values.jar === true) {
      const key = await readPrivateKey(
        String(values['private-key']),
        readKeyOptions(values),
        (url, what) => network.getJson(url, what),
      )
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

    progress(
      `Redirect URI (register exactly this for client ${options.clientId}):\n  ${redirectUri}`,
    )
    if (listener.ca) {
      progress(
        'The listener uses a throw-away certificate: the browser will warn about it once; accept it to finish the sign-in.',
      )
    }
    // a PAR request_uri is single-use: only a plain authorization URL is checked beforehand
    if (values.par !== true) await preflight(network, url, redirectUri)
    progress(`Open this URL to sign in:\n${url.href}`)
    if (values.browser !== false && process.stderr.isTTY) openBrowser(url)
    const timeout = Number(values.timeout ?? 300)
    network.forget()
    const callback = await listener.callback(
      timeout * 1000,
      `no redirect with this sign-in's state reached ${redirectUri} within ${timeout} s. If the browser shows an error page from the provider instead of returning here, check that ${redirectUri} is registered exactly (scheme, host, port and path) for client ${options.clientId}, and that the client may use the authorization code flow with scope "${parameters.scope}"`,
    )
    const error = callback.searchParams.get('error')
    if (error) {
      throw new AuthorizationRedirectError(
        error,
        callback.searchParams.get('error_description') ?? undefined,
      )
    }
    const tokens = await client.authorizationCodeGrant(
      config,
      callback,
      { pkceCodeVerifier, expectedState, expectedNonce, maxAge },
      undefined,
      DPoP ? { DPoP } : undefined,
    )
    return {
      tokens,
      about: {
        command: 'login',
        issuer: config.serverMetadata().issuer,
        resource: protectedResource?.resource,
        client_id: options.clientId,
        client_auth: method,
        redirect_uri: redirectUri,
        callback: redactUrl(callback),
      },
    }
  } finally {
    await listener.close()
  }
}

/**
 * Requests the authorization URL once without following redirects: an error page (HTTP 4xx/5xx)
 * or a redirect straight back with an `error` is reported before the user is sent there.
 */
async function preflight(network: Network, url: URL, redirectUri: string): Promise<void> {
  let response: Response
  try {
    response = await network.fetch(url.href, {
      method: 'GET',
      headers: { accept: 'text/html' },
      body: undefined,
      redirect: 'manual',
      signal: AbortSignal.timeout(network.timeout * 1000),
    })
  } catch (error) {
    throw new client.ClientError(
      `cannot reach the authorization endpoint ${url.origin}${url.pathname}`,
      {
        cause: error,
      },
    )
  }
  const location = response.headers.get('location')
  if (response.status >= 300 && response.status < 400 && location?.startsWith(redirectUri)) {
    const back = new URL(location)
    const error = back.searchParams.get('error')
    if (error) {
      throw new AuthorizationRedirectError(
        error,
        back.searchParams.get('error_description') ?? undefined,
      )
    }
  }
  if (response.status >= 400) {
    throw new client.ClientError(
      `the provider answered the authorization request with an error page (HTTP ${response.status}) instead of a sign-in page or a redirect: check that ${redirectUri} is registered exactly for this client, and the client id, scope and response type`,
      { code: 'OAUTH_INVALID_REQUEST' },
    )
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
