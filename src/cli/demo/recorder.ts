/**
 * The demo's recorder: every HTTP exchange of the client and of the login driver, in brief and
 * with secrets shortened, for the step that made it.
 */
import type * as client from 'openid-rp'
import { CookieJar } from '../embedded/login.ts'
import { type HttpExchange, redact, redactUrl, secret } from '../transcript.ts'

/** The provider sends no `interval`; the demo polls every 100 ms instead of every 5 s. */
const POLL_INTERVAL = 0.1

/** Records each HTTP exchange of the client and of the login driver, in brief. */
export class Recorder {
  #exchanges: HttpExchange[] = []
  /** Rewrites the `interval` of device and backchannel authorization responses. */
  shortenPolling = false
  /** How requests go out; the mtls profile sends them over TLS with a client certificate. */
  transport: client.CustomFetch = (url, options) => fetch(url, options as RequestInit)

  readonly fetch: client.CustomFetch = async (url, options) => {
    const response = await this.transport(url, options)
    const exchange = this.#record(
      url,
      options.method,
      new Headers(options.headers),
      options.body,
      response,
    )
    if (!response.ok && exchange.contentType === 'application/json') {
      try {
        const body = (await response.clone().json()) as { error?: unknown }
        if (typeof body.error === 'string') exchange.error = body.error
      } catch {
        // not JSON after all: the status says enough
      }
      this.#notify()
    }
    if (this.shortenPolling && response.ok && /device|backchannel/.test(new URL(url).pathname)) {
      const body = (await response.json()) as Record<string, unknown>
      const headers = new Headers(response.headers)
      headers.delete('content-length')
      return Response.json(
        { ...body, interval: POLL_INTERVAL },
        { status: response.status, headers },
      )
    }
    return response
  }

  /** The browser's cookies: the provider's session from login to logout. */
  readonly jar = new CookieJar()

  /** The fetch for the login driver's navigations. */
  readonly browser: typeof fetch = async (input, init) => {
    const url = input instanceof Request ? input.url : String(input)
    const response = await fetch(input, init)
    this.#record(url, init?.method ?? 'GET', new Headers(), init?.body, response)
    return response
  }

  #waiting: { error: string; resolve: () => void }[] = []
  #seen = new Set<string>()

  /** Resolves once a response with the OAuth `error` has been recorded (at any time). */
  seen(error: string): Promise<void> {
    if (this.#seen.has(error)) return Promise.resolve()
    return new Promise((resolve) => this.#waiting.push({ error, resolve }))
  }

  #notify() {
    for (const exchange of this.#exchanges) if (exchange.error) this.#seen.add(exchange.error)
    this.#waiting = this.#waiting.filter((waiter) => {
      if (!this.#seen.has(waiter.error)) return true
      waiter.resolve()
      return false
    })
  }

  #record(
    url: string,
    method: string,
    headers: Headers,
    body: unknown,
    response: Response,
  ): HttpExchange {
    const request: Record<string, string> = {}
    const authorization = headers.get('authorization')
    if (authorization) {
      const [scheme = '', value = ''] = authorization.split(' ', 2)
      request.authorization = `${scheme} ${secret(value)}`
    }
    if (headers.has('dpop')) request.dpop = `proof ${secret(headers.get('dpop')!)}`
    if (typeof body === 'string' || body instanceof URLSearchParams) {
      for (const [name, value] of new URLSearchParams(body)) request[name] = redact(name, value)
    }
    const exchange: HttpExchange = {
      method,
      url: redactUrl(url),
      request,
      status: response.status,
      contentType: response.headers.get('content-type')?.split(';')[0],
    }
    this.#exchanges.push(exchange)
    return exchange
  }

  /** The exchanges since the last call. */
  take(): HttpExchange[] {
    const taken = this.#exchanges
    this.#exchanges = []
    return taken
  }
}
