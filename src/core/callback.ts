// The redirect back from the authorization server: its parameters from a URL (query or fragment)
// or a form_post Request, and the redirect_uri it was sent to.

import { hasBrand, isURL, ownURL } from './brand.ts'
import { argumentError } from './errors.ts'

/** @internal Whether a value is a fetch `Request`, across realms. */
export function isRequest(value: unknown): value is Request {
  return (
    value instanceof Request ||
    (typeof value === 'object' &&
      value !== null &&
      (value as object)[Symbol.toStringTag as never] === 'Request')
  )
}

/**
 * @internal The callback argument as the grant reads it, or undefined when it is neither a URL
 * nor a Request: a URL from another realm has its `href` read once and parsed into this realm's
 * URL, so the `redirect_uri` sent and the parameters checked come from the same value.
 */
export function callbackInput(value: unknown): URL | Request | undefined {
  if (value instanceof URL || isRequest(value)) return value
  if (!hasBrand(value, 'URL')) return undefined
  const href: unknown = (value as { href?: unknown }).href
  if (typeof href !== 'string') return undefined
  try {
    return new URL(href)
  } catch {
    return undefined
  }
}

/** @internal The callback URL without its query and fragment: the `redirect_uri` that was used. */
export function redirectUriOf(currentUrl: URL | Request): string {
  const href = isRequest(currentUrl) ? currentUrl.url : currentUrl.href
  const end = href.search(/[?#]/)
  return end === -1 ? href : href.slice(0, end)
}

/**
 * @internal The authorization response parameters of a callback: the form body of a form_post
 * POST request; otherwise the query, or with `fragment` (implicit and hybrid responses, which
 * must never travel in the query) the fragment.
 */
export async function callbackParameters(
  currentUrl: URL | Request,
  fragment = false,
): Promise<URLSearchParams> {
  if (isURL(currentUrl)) {
    const url = ownURL(currentUrl)
    return fragment ? new URLSearchParams(url.hash.slice(1)) : url.searchParams
  }
  switch (currentUrl.method) {
    case 'GET':
      return callbackParameters(new URL(currentUrl.url), fragment)
    case 'POST': {
      const type = currentUrl.headers.get('content-type')?.split(';')[0]?.trim().toLowerCase()
      if (type !== 'application/x-www-form-urlencoded') {
        throw argumentError(
          'a form_post callback Request must have an application/x-www-form-urlencoded body',
          'ERR_INVALID_ARG_VALUE',
        )
      }
      return new URLSearchParams(await currentUrl.text())
    }
    default:
      throw argumentError(
        `unexpected callback Request method ${JSON.stringify(currentUrl.method)}: expected GET or POST`,
        'ERR_INVALID_ARG_VALUE',
      )
  }
}
