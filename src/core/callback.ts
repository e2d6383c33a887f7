// The redirect back from the authorization server: its parameters from a URL (query or fragment)
// or a form_post Request, and the redirect_uri it was sent to.

import { isURL, ownURL } from './brand.ts'
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
