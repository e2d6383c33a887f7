/**
 * The loopback redirect listener of `openid-rp login` (RFC 8252 section 7.3): plain HTTP, or HTTPS
 * with a throw-away certificate; it answers only the redirect that carries the expected `state`.
 */
import * as http from 'node:http'
import * as https from 'node:https'
import type { AddressInfo } from 'node:net'
import * as jose from 'jose'
import { neutralise } from './output.ts'

export class ListenerError extends Error {}

/** No redirect with the expected state arrived in time. */
export class RedirectTimeoutError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'RedirectTimeoutError'
  }
}

export interface Listener {
  /** The redirect URI with the port actually bound. */
  readonly redirectUri: URL
  /** The CA of the throw-away certificate of an https listener. */
  readonly ca?: string
  /** Resolves with the redirect carrying `state`; rejects after `ms`. */
  callback(ms: number, timeoutMessage: string): Promise<URL>
  close(): Promise<void>
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]'])

/** Checks `uri` is a loopback http(s) redirect URI the listener can serve; returns it parsed. */
export function parseRedirectUri(uri: string): URL {
  if (!URL.canParse(uri)) throw new ListenerError(`--redirect-uri '${uri}' is not a URL`)
  const url = new URL(uri)
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ListenerError(
      '--redirect-uri must be an http: or https: URL on the loopback interface',
    )
  }
  if (!LOOPBACK.has(url.hostname)) {
    throw new ListenerError(
      `--redirect-uri must be on 127.0.0.1, [::1] or localhost (the command listens there), not ${url.hostname}`,
    )
  }
  if (url.search || url.hash)
    throw new ListenerError('--redirect-uri must have no query or fragment')
  return url
}

/**
 * Starts listening for the redirect to `redirectUri` (port 0 or none: a free one). Requests to
 * other paths get 404; requests to the path without `expectedState` get 400 and are ignored.
 */
export async function listen(redirectUri: URL, expectedState: string): Promise<Listener> {
  let deliver: (url: URL) => void = () => {}
  const received = new Promise<URL>((resolve) => (deliver = resolve))
  const secure = redirectUri.protocol === 'https:'
  let ca: string | undefined
  let tls: https.ServerOptions | undefined
  if (secure) {
    const { issuePki } = await import('./tls.ts')
    const altName =
      redirectUri.hostname === 'localhost'
        ? 'DNS:localhost'
        : `IP:${redirectUri.hostname.replace(/[[\]]/g, '')}`
    const pki = issuePki({
      caSubject: '/CN=openid-rp login (throw-away)',
      serverAltName: altName,
      clients: {},
    })
    tls = pki.server
    ca = pki.ca
  }
  let bound: URL
  const handler: http.RequestListener = (req, res) => {
    const url = new URL(req.url ?? '/', bound)
    if (url.pathname !== bound.pathname) {
      res.statusCode = 404
      res.end()
      return
    }
    res.setHeader('content-type', 'text/html; charset=utf-8')
    res.setHeader('cache-control', 'no-store')
    if (stateOf(url) !== expectedState) {
      res.statusCode = 400
      res.end(
        page(
          'Not the sign-in this command is waiting for',
          'This request does not carry the state of the sign-in in progress; the command keeps waiting.',
        ),
      )
      return
    }
    const error = url.searchParams.get('error')
    res.end(
      error
        ? page(
            'Sign-in failed',
            `The provider answered ${error}${url.searchParams.get('error_description') ? `: ${url.searchParams.get('error_description')}` : ''}. Return to the terminal.`,
          )
        : page('Signed in', 'You can close this window and return to the terminal.'),
    )
    deliver(url)
  }
  const server = secure ? https.createServer(tls!, handler) : http.createServer(handler)
  const host =
    redirectUri.hostname === 'localhost' ? '127.0.0.1' : redirectUri.hostname.replace(/[[\]]/g, '')
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        new ListenerError(
          `cannot listen on ${redirectUri.host}: ${error.code ?? error.message}${error.code === 'EADDRINUSE' ? ' (the port is taken: pick another in --redirect-uri)' : ''}`,
        ),
      ),
    )
    server.listen(Number(redirectUri.port || (secure ? 443 : 80)), host, resolve)
  })
  bound = new URL(redirectUri)
  bound.port = String((server.address() as AddressInfo).port)
  if (bound.pathname === '') bound.pathname = '/'
  return {
    redirectUri: bound,
    ca,
    callback(ms, timeoutMessage) {
      let timer: NodeJS.Timeout | undefined
      const timedOut = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new RedirectTimeoutError(timeoutMessage)), ms)
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

/** The `state` of a redirect: its parameter, or inside a JARM `response` JWT. */
function stateOf(url: URL): string | null {
  const state = url.searchParams.get('state')
  if (state !== null) return state
  const response = url.searchParams.get('response')
  if (!response) return null
  try {
    const claims = jose.decodeJwt(response)
    return typeof claims.state === 'string' ? claims.state : null
  } catch {
    return null
  }
}

function page(title: string, text: string): string {
  const escape = (value: string) =>
    neutralise(value).replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`)
  return `<!DOCTYPE html><meta charset="utf-8"><title>openid-rp: ${escape(title)}</title><h1>${escape(title)}</h1><p>${escape(text)}</p>`
}
