// `expires_in` as RFC 6749 §5.1 and RFC 9126 §2.2 define it, a JSON number, checked before
// oauth4webapi reads it (it would `parseFloat` a string); `allowStringExpiresIn` relaxes it.
import type { Configuration } from './configuration.ts'
import { clientError } from './errors.ts'
import { internal, type State } from './state.ts'

const DECIMAL = /^[0-9]+$/

/**
 * Accepts an `expires_in` sent as a string of decimal digits (`"3599"`) in token, pushed
 * authorization, device and CIBA responses, as Microsoft Entra ID's v1.0 endpoints and AD FS
 * send it. By default only a JSON number is accepted (RFC 6749 §5.1: "Numerical values are
 * included as JSON numbers"); a string with anything else (`"3600 seconds"`) is always refused.
 *
 * @example
 * ```ts
 * const config = await client.discovery(issuer, 'id', 'secret', undefined, {
 *   execute: [client.allowStringExpiresIn],
 * })
 * ```
 * @see [RFC 6749 §5.1](https://www.rfc-editor.org/rfc/rfc6749.html#section-5.1)
 */
export function allowStringExpiresIn(config: Configuration): void {
  internal(config).stringExpiresIn = true
}

/** Why a response body's `expires_in` is refused, or undefined. */
function expiresInProblem(
  body: unknown,
  stringsAllowed: boolean,
  endpoint: string,
): Error | undefined {
  if (typeof body !== 'object' || body === null || !Object.hasOwn(body, 'expires_in')) return
  const value = (body as { expires_in?: unknown }).expires_in
  if (typeof value === 'number') return
  const digits = typeof value === 'string' && DECIMAL.test(value)
  if (digits && stringsAllowed) return
  return clientError(
    digits
      ? `the ${endpoint} response "expires_in" is the string ${JSON.stringify(value)}, not a JSON number (RFC 6749 §5.1): call allowStringExpiresIn(config) for a server known to send it so`
      : `the ${endpoint} response "expires_in" ${JSON.stringify(value)} is not a number of seconds (RFC 6749 §5.1): the server's response is malformed`,
    'OAUTH_INVALID_RESPONSE',
    { attribute: 'expires_in', expires_in: value },
  )
}

/**
 * @internal Runs `processResponse` (an oauth4webapi response processor) on `response`, refusing an
 * `expires_in` that is not a JSON number (oauth4webapi would `parseFloat` a string). The body is
 * seen through an own `json` property shadowing `Response.prototype.json`, so nothing is copied;
 * the refusal comes once `processResponse` has settled, so oauth4webapi's own errors come first.
 */
export async function withStrictExpiresIn<T>(
  state: Pick<State, 'stringExpiresIn'>,
  response: Response,
  endpoint: string,
  processResponse: (response: Response) => Promise<T>,
): Promise<T> {
  const json = response.json
  let problem: Error | undefined
  Object.defineProperty(response, 'json', {
    configurable: true,
    value: async function (this: Response) {
      const body: unknown = await json.call(this)
      problem = expiresInProblem(body, state.stringExpiresIn === true, endpoint)
      return body
    },
  })
  const result = await processResponse(response)
  if (problem !== undefined) throw problem
  return result
}
