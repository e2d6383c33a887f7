/**
 * Every request the command makes: over `node:http(s)` with the user's TLS settings (`--ca`,
 * `--insecure-skip-verify`, `--cert`/`--key`), recorded in brief for error reports, and — for the
 * requests the command makes itself — the library's rules: HTTPS, no redirects, a deadline.
 */
import { readFileSync } from 'node:fs'
import * as http from 'node:http'
import * as https from 'node:https'
import { rootCertificates } from 'node:tls'
import * as client from 'openid-rp'
import { CredentialError } from './credentials.ts'
import { redact, redactUrl } from './transcript.ts'

/** How long a request the command makes itself may take, like the library's default. */
export const REQUEST_TIMEOUT_SECONDS = 30

export interface TlsSettings {
  /** Extra trusted CA certificates (PEM). */
  ca?: string
  /** Accept any server certificate: for test servers only. */
  insecureSkipVerify?: boolean
  /** Client certificate and key (PEM) presented to servers asking for one (tls_client_auth). */
  cert?: string
  key?: string
}

export interface NetworkOptions extends TlsSettings {
  /** Plain `http:` URLs allowed: a loopback issuer, or `--allow-http`. */
  allowHttp: boolean
  /** Seconds each request may take (`--request-timeout`); {@link REQUEST_TIMEOUT_SECONDS} by default. */
  timeout?: number
}

/** One request in brief: what was asked, what came back; no secret. */
export interface Exchange {
  method: string
  url: string
  status?: number
  contentType?: string
  /** The start of an unexpected body (an error status or not JSON), redacted. */
  excerpt?: string
  /** The OAuth `error` and `error_description` of a JSON error body. */
  error?: string
  errorDescription?: string
}

/** A fetch over `node:http`/`node:https` with `tls`; the response carries its `url`. */
export function nodeFetch(tls: TlsSettings = {}): client.CustomFetch {
  return (url, options) =>
    new Promise<Response>((resolve, reject) => {
      const body = options.body
      if (
        body !== null &&
        body !== undefined &&
        typeof body !== 'string' &&
        !(body instanceof Uint8Array) &&
        !(body instanceof ArrayBuffer) &&
        !(body instanceof URLSearchParams)
      ) {
        reject(new TypeError('the command sends string, URLSearchParams and byte bodies only'))
        return
      }
      const secure = new URL(url).protocol === 'https:'
      const requestOptions: https.RequestOptions = {
        method: options.method,
        headers: options.headers,
        signal: options.signal ?? undefined,
      }
      if (secure) {
        // --ca adds to the system's roots instead of replacing them
        if (tls.ca) requestOptions.ca = [...rootCertificates, tls.ca]
        if (tls.insecureSkipVerify) requestOptions.rejectUnauthorized = false
        if (tls.cert) requestOptions.cert = tls.cert
        if (tls.key) requestOptions.key = tls.key
      }
      const request = (secure ? https : http).request(url, requestOptions, (response) => {
        const chunks: Buffer[] = []
        response.on('data', (chunk: Buffer) => chunks.push(chunk))
        response.on('error', reject)
        response.on('end', () => {
          const headers = new Headers()
          for (const [name, value] of Object.entries(response.headers)) {
            for (const one of Array.isArray(value) ? value : value === undefined ? [] : [value]) {
              headers.append(name, one)
            }
          }
          const status = response.statusCode ?? 502
          const result = new Response(
            status === 204 || status === 304 ? null : Buffer.concat(chunks),
            { status, statusText: response.statusMessage, headers },
          )
          Object.defineProperty(result, 'url', { value: url })
          resolve(result)
        })
      })
      // like fetch: an aborted request rejects with the signal's reason (a TimeoutError)
      request.on('error', (error) =>
        reject(options.signal?.aborted ? (options.signal.reason as Error) : error),
      )
      request.end(
        body === null || body === undefined
          ? undefined
          : body instanceof URLSearchParams
            ? body.toString()
            : body instanceof ArrayBuffer
              ? Buffer.from(body)
              : body,
      )
    })
}

/** The network of one command run: its settings, its fetch, and the exchanges so far. */
export class Network {
  readonly exchanges: Exchange[] = []
  readonly #send: client.CustomFetch

  constructor(readonly options: NetworkOptions) {
    this.#send = nodeFetch(options)
  }

  /** Forgets the exchanges so far: what follows is not about them (waiting for a redirect). */
  forget(): void {
    this.exchanges.length = 0
  }

  /** The last request made, for error reports. */
  get last(): Exchange | undefined {
    return this.exchanges.at(-1)
  }

  /** The fetch the library uses ({@link client.customFetch}); records each exchange. */
  readonly fetch: client.CustomFetch = async (url, options) => {
    const exchange: Exchange = { method: options.method, url: redactUrl(url) }
    this.exchanges.push(exchange)
    const response = await this.#send(url, options)
    await describeResponse(exchange, response)
    return response
  }

  /** Options for `discovery()` and `new Configuration()`: this fetch, and plain HTTP if allowed. */
  configurationOptions(): client.DiscoveryRequestOptions {
    return {
      [client.customFetch]: this.fetch,
      timeout: this.timeout,
      ...(this.options.allowHttp ? { execute: [client.allowInsecureRequests] } : {}),
    }
  }

  /** Seconds each request may take. */
  get timeout(): number {
    return this.options.timeout ?? REQUEST_TIMEOUT_SECONDS
  }

  /**
   * GETs a JSON object the way the library would: `https:` only (unless plain HTTP is allowed),
   * no redirects followed, within {@link Network.timeout} seconds, status 200.
   */
  async getJson(url: URL, what: string): Promise<Record<string, unknown>> {
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && this.options.allowHttp)) {
      throw new client.ClientError(
        `refusing to fetch the ${what} from ${url.href}: only https: URLs are allowed (pass --allow-http for a test server)`,
        { code: 'OAUTH_HTTP_REQUEST_FORBIDDEN' },
      )
    }
    let response: Response
    try {
      response = await this.fetch(url.href, {
        method: 'GET',
        headers: { accept: 'application/json' },
        body: undefined,
        redirect: 'manual',
        signal: AbortSignal.timeout(this.timeout * 1000),
      })
    } catch (error) {
      if ((error as Error).name === 'TimeoutError' || (error as Error).name === 'AbortError') {
        throw new client.ClientError(
          `the ${what} at ${url.href} did not answer within ${this.timeout} s`,
          { code: 'OAUTH_TIMEOUT', cause: error },
        )
      }
      throw new client.ClientError(`cannot fetch the ${what} from ${url.href}`, { cause: error })
    }
    if (response.status >= 300 && response.status < 400) {
      throw new client.ClientError(
        `the ${what} at ${url.href} answered a redirect (HTTP ${response.status}); redirects are not followed: use the final URL`,
        { code: 'OAUTH_RESPONSE_IS_NOT_CONFORM' },
      )
    }
    if (response.status !== 200) {
      throw new client.ClientError(
        `the ${what} at ${url.href} answered HTTP ${response.status}, expected 200`,
        { code: 'OAUTH_RESPONSE_IS_NOT_CONFORM' },
      )
    }
    let body: unknown
    try {
      body = await response.json()
    } catch {
      throw new client.ClientError(`the ${what} at ${url.href} is not JSON`, {
        code: 'OAUTH_RESPONSE_IS_NOT_JSON',
      })
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new client.ClientError(`the ${what} at ${url.href} is not a JSON object`, {
        code: 'OAUTH_INVALID_RESPONSE',
      })
    }
    return body as Record<string, unknown>
  }
}

const EXCERPT_LENGTH = 200

/** Fills in status, content type and, for an unexpected body, an excerpt or the OAuth error. */
async function describeResponse(exchange: Exchange, response: Response): Promise<void> {
  exchange.status = response.status
  const contentType = response.headers.get('content-type') ?? undefined
  exchange.contentType = contentType?.split(';')[0]?.trim()
  const json = /[/+]json$/i.test(exchange.contentType ?? '')
  if (response.ok && json) return
  if (response.status === 204 || response.status === 304) return
  const text = await response.clone().text()
  if (json) {
    try {
      const body = JSON.parse(text) as Record<string, unknown>
      if (typeof body.error === 'string') {
        exchange.error = body.error
        if (typeof body.error_description === 'string') {
          exchange.errorDescription = body.error_description
        }
        return
      }
      exchange.excerpt = shorten(JSON.stringify(redactJson(body)))
      return
    } catch {
      // not JSON after all: shown as text below
    }
  }
  if (exchange.contentType?.startsWith('application/jwt')) {
    exchange.excerpt = '(a JWT)'
    return
  }
  exchange.excerpt = shorten(
    text
      .replace(/<(script|style)[\s\S]*?<\/\1>/gi, ' ')
      .replace(/<[^>]*>/g, ' ')
      .replace(/&[a-z]+;/gi, ' ')
      .replace(/\s+/g, ' ')
      .trim(),
  )
}

function shorten(text: string): string {
  if (text === '') return '(empty body)'
  return text.length > EXCERPT_LENGTH ? `${text.slice(0, EXCERPT_LENGTH)}…` : text
}

function redactJson(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactJson)
  if (value === null || typeof value !== 'object') return value
  return Object.fromEntries(
    Object.entries(value).map(([name, inner]) => [
      name,
      typeof inner === 'string' ? redact(name, inner) : redactJson(inner),
    ]),
  )
}

/** Reads a PEM or other text file named by a flag; a missing file is bad usage. */
export function readFlagFile(flag: string, path: string): string {
  try {
    return readFileSync(path, 'utf8')
  } catch (error) {
    throw new CredentialError(
      `cannot read ${flag} ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
    )
  }
}

/** Whether `url` is on the loopback interface, where plain HTTP is accepted without a flag. */
export function isLoopback(url: URL): boolean {
  return ['127.0.0.1', '[::1]', 'localhost'].includes(url.hostname)
}

/** The network settings from the common flags. */
export function networkFrom(values: Record<string, unknown>, issuer?: URL): Network {
  const file = (flag: string) =>
    typeof values[flag] === 'string' ? readFlagFile(`--${flag}`, values[flag]) : undefined
  const cert = file('cert')
  const key = file('key')
  if ((cert === undefined) !== (key === undefined)) {
    throw new CredentialError('--cert and --key go together (a client certificate and its key)')
  }
  return new Network({
    allowHttp:
      values['allow-http'] === true ||
      (issuer !== undefined && issuer.protocol === 'http:' && isLoopback(issuer)),
    ca: file('ca'),
    insecureSkipVerify: values['insecure-skip-verify'] === true,
    timeout: requestTimeout(values['request-timeout']),
    cert,
    key,
  })
}

function requestTimeout(value: unknown): number | undefined {
  if (value === undefined) return undefined
  const seconds = Number(value)
  if (!(seconds > 0))
    throw new CredentialError('--request-timeout must be a positive number of seconds')
  return seconds
}
