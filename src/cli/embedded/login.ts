/**
 * A headless browser for the front channel: follows redirects and auto-submitting forms over HTTP
 * with a cookie jar, passes through the provider's interaction handler, and stops at the first
 * navigation to the client's redirect URI, which it never contacts.
 *
 * No test-runner import here: the `demo` CLI uses this file too.
 */

export interface LoginOptions {
  /**
   * Where the client expects the response. Defaults to the `redirect_uri` (or
   * `post_logout_redirect_uri`) parameter of the start URL; needed with JAR or PAR, where it is
   * not in the URL.
   */
  redirectUri?: string | URL
  /** Let the user deny the request at the interaction (the provider answers `access_denied`). */
  deny?: boolean
  /** Cookies kept between navigations; pass the same jar to act as the same browser again. */
  jar?: CookieJar
  /** Path prefix of the interaction handler (the provider factory's `interactionPath`). */
  interactionPath?: string
  /** Most navigations to follow before giving up. */
  maxSteps?: number
  /** The fetch used for each navigation (the demo records them); the global fetch by default. */
  fetch?: typeof fetch
}

/** A page of the provider that ended the navigation instead of a redirect to the client. */
export class ProviderPageError extends Error {
  readonly status: number
  readonly url: URL
  readonly error?: string
  readonly error_description?: string

  constructor(
    status: number,
    url: URL,
    fields: { error?: string; error_description?: string },
    excerpt: string,
  ) {
    super(
      fields.error
        ? `provider answered ${status} at ${url.pathname}: ${fields.error}${fields.error_description ? ` (${fields.error_description})` : ''}`
        : `provider answered ${status} at ${url.pathname} with no redirect or form: ${excerpt}`,
    )
    this.name = 'ProviderPageError'
    this.status = status
    this.url = url
    this.error = fields.error
    this.error_description = fields.error_description
  }
}

/**
 * Navigates from an authorization (or end-session) URL as a browser would and returns the callback
 * to the client: a `URL` (with its query or fragment) for redirects, or a POST `Request` built from
 * the auto-submitting form for `response_mode=form_post`.
 */
export async function login(
  start: URL | string,
  options: LoginOptions = {},
): Promise<URL | Request> {
  const startUrl = new URL(start)
  const redirect =
    options.redirectUri ??
    startUrl.searchParams.get('redirect_uri') ??
    startUrl.searchParams.get('post_logout_redirect_uri')
  if (!redirect) {
    throw new TypeError('login(): the start URL has no redirect_uri; pass options.redirectUri')
  }
  const target = new URL(redirect)
  const jar = options.jar ?? new CookieJar()
  const interactionPath = options.interactionPath ?? '/interaction/'
  const isCallback = (url: URL) => url.origin === target.origin && url.pathname === target.pathname

  let request: { url: URL; method: 'GET' | 'POST'; body?: URLSearchParams } = {
    url: startUrl,
    method: 'GET',
  }
  for (let step = 0; step < (options.maxSteps ?? 20); step++) {
    if (request.url.origin !== startUrl.origin) {
      throw new Error(
        `login(): navigation left the provider for ${request.url.origin}${request.url.pathname}, not the redirect URI ${target.href}`,
      )
    }
    if (
      options.deny &&
      request.method === 'GET' &&
      request.url.pathname.startsWith(interactionPath)
    ) {
      request.url.searchParams.set('deny', '1')
    }
    const headers = new Headers({ accept: 'text/html,application/xhtml+xml' })
    const cookie = jar.header(request.url)
    if (cookie) headers.set('cookie', cookie)
    if (request.body) headers.set('content-type', 'application/x-www-form-urlencoded')
    const response = await (options.fetch ?? fetch)(request.url, {
      method: request.method,
      headers,
      body: request.body,
      redirect: 'manual',
    })
    jar.store(request.url, response.headers.getSetCookie())

    const location = response.headers.get('location')
    if (response.status >= 300 && response.status < 400 && location) {
      await response.body?.cancel()
      const next = new URL(location, request.url)
      if (isCallback(next)) return next
      const keepMethod = response.status === 307 || response.status === 308
      request = keepMethod ? { ...request, url: next } : { url: next, method: 'GET' }
      continue
    }

    const text = await response.text()
    const form = response.ok ? parseForm(text, request.url) : undefined
    if (form) {
      if (isCallback(form.action)) {
        return form.method === 'POST'
          ? new Request(form.action, {
              method: 'POST',
              headers: { 'content-type': 'application/x-www-form-urlencoded' },
              body: form.fields,
            })
          : withQuery(form.action, form.fields)
      }
      request =
        form.method === 'POST'
          ? { url: form.action, method: 'POST', body: form.fields }
          : { url: withQuery(form.action, form.fields), method: 'GET' }
      continue
    }
    throw new ProviderPageError(
      response.status,
      request.url,
      errorFields(text, response.headers),
      excerpt(text),
    )
  }
  throw new Error(
    `login(): no redirect to ${target.href} within ${options.maxSteps ?? 20} navigations`,
  )
}

/** Cookies by host and path, as a browser keeps them (host-only; Domain is ignored). */
export class CookieJar {
  readonly #cookies = new Map<
    string,
    { host: string; name: string; value: string; path: string; expires: number }
  >()

  /** Stores the cookies of `Set-Cookie` headers received from `url`. */
  store(url: URL, setCookies: string[]): void {
    for (const line of setCookies) {
      const [pair = '', ...attributes] = line.split(';')
      const eq = pair.indexOf('=')
      if (eq < 1) continue
      const name = pair.slice(0, eq).trim()
      const value = pair.slice(eq + 1).trim()
      let path = defaultPath(url)
      let expires = Infinity
      for (const attribute of attributes) {
        const [key = '', ...rest] = attribute.split('=')
        const attributeValue = rest.join('=').trim()
        switch (key.trim().toLowerCase()) {
          case 'path':
            if (attributeValue.startsWith('/')) path = attributeValue
            break
          case 'max-age':
            expires = Date.now() + Number(attributeValue) * 1000
            break
          case 'expires':
            if (expires === Infinity) expires = Date.parse(attributeValue)
            break
        }
      }
      const key = `${url.host};${path};${name}`
      if (expires <= Date.now()) this.#cookies.delete(key)
      else this.#cookies.set(key, { host: url.host, name, value, path, expires })
    }
  }

  /** The `Cookie` header a browser would send to `url`, or `undefined` when there is none. */
  header(url: URL): string | undefined {
    const now = Date.now()
    const matching = [...this.#cookies.values()]
      .filter(
        (cookie) =>
          cookie.host === url.host &&
          cookie.expires > now &&
          pathMatches(url.pathname, cookie.path),
      )
      .sort((a, b) => b.path.length - a.path.length)
    return matching.length
      ? matching.map(({ name, value }) => `${name}=${value}`).join('; ')
      : undefined
  }

  /** Forgets every cookie, as a new browser. */
  clear(): void {
    this.#cookies.clear()
  }
}

function defaultPath(url: URL): string {
  const last = url.pathname.lastIndexOf('/')
  return last > 0 ? url.pathname.slice(0, last) : '/'
}

function pathMatches(requestPath: string, cookiePath: string): boolean {
  if (requestPath === cookiePath) return true
  if (!requestPath.startsWith(cookiePath)) return false
  return cookiePath.endsWith('/') || requestPath[cookiePath.length] === '/'
}

function parseForm(
  html: string,
  base: URL,
): { action: URL; method: 'GET' | 'POST'; fields: URLSearchParams } | undefined {
  const open = /<form\b([^>]*)>/i.exec(html)
  if (!open) return undefined
  const close = html.indexOf('</form>', open.index)
  const inner = html.slice(open.index + open[0].length, close === -1 ? undefined : close)
  const attributes = parseAttributes(open[1] ?? '')
  const fields = new URLSearchParams()
  for (const input of inner.matchAll(/<input\b([^>]*)>/gi)) {
    const attrs = parseAttributes(input[1] ?? '')
    if (attrs.name !== undefined && (attrs.type ?? 'text').toLowerCase() !== 'submit') {
      fields.append(attrs.name, attrs.value ?? '')
    }
  }
  return {
    action: new URL(attributes.action ?? base.href, base),
    method: (attributes.method ?? 'get').toUpperCase() === 'POST' ? 'POST' : 'GET',
    fields,
  }
}

function parseAttributes(source: string): Record<string, string> {
  const attributes: Record<string, string> = {}
  for (const match of source.matchAll(/([^\s=/]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))/g)) {
    attributes[match[1]!.toLowerCase()] = decodeEntities(match[2] ?? match[3] ?? match[4] ?? '')
  }
  return attributes
}

function decodeEntities(value: string): string {
  return value.replace(/&(#x[0-9a-f]+|#[0-9]+|amp|lt|gt|quot|apos);/gi, (_, entity: string) => {
    switch (entity.toLowerCase()) {
      case 'amp':
        return '&'
      case 'lt':
        return '<'
      case 'gt':
        return '>'
      case 'quot':
        return '"'
      case 'apos':
        return "'"
      default:
        return String.fromCodePoint(
          entity[1]?.toLowerCase() === 'x'
            ? parseInt(entity.slice(2), 16)
            : parseInt(entity.slice(1), 10),
        )
    }
  })
}

function withQuery(url: URL, fields: URLSearchParams): URL {
  const next = new URL(url)
  for (const [name, value] of fields) next.searchParams.append(name, value)
  return next
}

function errorFields(
  text: string,
  headers: Headers,
): { error?: string; error_description?: string } {
  if (headers.get('content-type')?.includes('json')) {
    try {
      const body = JSON.parse(text) as { error?: unknown; error_description?: unknown }
      return {
        error: typeof body.error === 'string' ? body.error : undefined,
        error_description:
          typeof body.error_description === 'string' ? body.error_description : undefined,
      }
    } catch {
      return {}
    }
  }
  const field = (id: string) => {
    const match = new RegExp(`<pre id="${id}">([^<]*)</pre>`).exec(text)
    return match ? decodeEntities(match[1]!) : undefined
  }
  return { error: field('error'), error_description: field('error_description') }
}

function excerpt(text: string): string {
  return text
    .replace(/<[^>]*>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 200)
}
