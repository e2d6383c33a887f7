// Explicit typing (RFC 8725 §3.11): a JWT whose `typ` names another kind of token is refused
// wherever an ID Token, a UserInfo response or a JARM response is validated.
import { clientError } from './errors.ts'

/** @internal The kinds of JWT a relying party validates that have no explicit type of their own. */
export type UntypedJwtKind = 'ID Token' | 'UserInfo response' | 'JARM response'

/** @internal The protected header of a compact JWS or JWE, or undefined when it cannot be read. */
export function protectedHeader(jws: string): Record<string, unknown> | undefined {
  const encoded = jws.split('.')[0]
  if (encoded === undefined) return undefined
  try {
    const base64 = encoded.replace(/-/g, '+').replace(/_/g, '/')
    const json = new TextDecoder().decode(Uint8Array.from(atob(base64), (ch) => ch.charCodeAt(0)))
    const header: unknown = JSON.parse(json)
    return typeof header === 'object' && header !== null
      ? (header as Record<string, unknown>)
      : undefined
  } catch {
    return undefined
  }
}

/** Explicit types that name the kind itself (Glewlwyd 2.7 types its signed UserInfo). */
const OWN_TYPES: Partial<Record<UntypedJwtKind, string>> = {
  'UserInfo response': 'token-userinfo+jwt',
}

/**
 * @internal Refuses a JWT of `kind` whose `typ` header names another kind of JWT: a media type
 * with a structured syntax suffix (`at+jwt`, `dpop+jwt`, `logout+jwt`, `token-introspection+jwt`,
 * `secevent+jwt`, `oauth-authz-req+jwt`, `vc+sd-jwt`, ...), compared as RFC 8725 §3.11 says
 * (case-insensitive, `application/` optional). An absent `typ` and `JWT` stay accepted: OpenID
 * Connect and JARM define no explicit type for these tokens; so does a type naming `kind` itself
 * (`token-userinfo+jwt` for a UserInfo response only).
 */
export function checkExplicitType(jws: string | null | undefined, kind: UntypedJwtKind): void {
  if (typeof jws !== 'string') return
  const typ = protectedHeader(jws)?.typ
  if (typ === undefined) return
  const type = typeof typ === 'string' ? typ.toLowerCase().replace(/^application\//, '') : typ
  if (type === 'jwt' || type === OWN_TYPES[kind]) return
  if (typeof type !== 'string' || type.includes('+')) {
    throw clientError(
      `the ${kind} has the JWT "typ" ${JSON.stringify(typ)}, which names another kind of token (RFC 8725 §3.11): a token issued for another purpose is never accepted as ${kind === 'ID Token' ? 'an' : 'a'} ${kind}`,
      'OAUTH_INVALID_RESPONSE',
      { header: 'typ', typ, expected: 'JWT or none' },
    )
  }
}
