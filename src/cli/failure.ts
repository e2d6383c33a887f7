/**
 * Failure reports of the commands that talk to a server: what was requested, what came back
 * (status, content type, OAuth error or a redacted excerpt), the `cause` chain and what to try.
 */
import type { Exchange, Network } from './net.ts'
import { neutralise } from './output.ts'

/** A failure as `--json` prints it (stable; see docs/cli.md). */
export interface FailureReport {
  /** `error`, so a script can tell a failure from a result by one member. */
  status: 'error'
  command: string
  /** One-sentence summary: the error's name, code and message. */
  message: string
  name: string
  code?: string
  /** The last HTTP request made, with secret query values shortened. */
  request?: { method: string; url: string }
  /** What that request got back; absent when it got no answer. */
  response?: {
    status: number
    content_type?: string
    /** The start of an unexpected body (no OAuth error in it), redacted. */
    excerpt?: string
  }
  /** The OAuth `error` code, from the response body, a challenge or the redirect. */
  error?: string
  error_description?: string
  /** The `cause` chain, outermost first: `Name [code]: message`. */
  causes: string[]
  /** What to try next. */
  remedy: string
}

interface ErrorFields {
  name?: string
  message?: string
  code?: unknown
  error?: unknown
  error_description?: unknown
  status?: unknown
  cause?: unknown
}

/** The report for `error`, thrown by `command` after the requests recorded in `network`. */
export function describeFailure(
  command: string,
  error: unknown,
  network?: Network,
  context: { clientId?: string; issuer?: string } = {},
): FailureReport {
  const fields = (error ?? {}) as ErrorFields
  const name = typeof fields.name === 'string' ? fields.name : 'Error'
  const code = typeof fields.code === 'string' ? fields.code : undefined
  const last = network?.last
  const oauth =
    oauthError(error) ??
    (last?.error ? { error: last.error, description: last.errorDescription } : undefined)
  const response: FailureReport['response'] =
    last?.status !== undefined
      ? {
          status: last.status,
          content_type: last.contentType,
          excerpt: oauth ? undefined : last.excerpt,
        }
      : undefined
  const causes = causeChain(error)
  return {
    status: 'error',
    command,
    name,
    code,
    message: String(fields.message ?? error),
    request: last ? { method: last.method, url: last.url } : undefined,
    response,
    error: oauth?.error,
    error_description: oauth?.description,
    causes,
    remedy: remedyFor({ name, code, oauth: oauth?.error, last, causes, command, ...context }),
  }
}

/** The report as human-readable lines (for stderr), control characters neutralised. */
export function renderFailure(report: FailureReport): string {
  const lines = [`openid-rp ${report.command}: ${report.message}`]
  if (report.request) lines.push(`  request:  ${report.request.method} ${report.request.url}`)
  if (report.response) {
    const { status, content_type, excerpt } = report.response
    lines.push(`  response: HTTP ${status}${content_type ? ` ${content_type}` : ''}`)
    if (excerpt) lines.push(`  body:     ${excerpt}`)
  } else if (report.request) {
    lines.push('  response: none')
  }
  if (report.error) {
    const description = report.error_description ? `: ${report.error_description}` : ''
    lines.push(`  error:    ${report.error}${description}`)
  }
  report.causes.forEach((cause, index) =>
    lines.push(`  ${index === 0 ? 'cause:   ' : '          '} ${cause}`),
  )
  lines.push(`  try:      ${report.remedy}`)
  return lines.map(neutralise).join('\n')
}

function oauthError(error: unknown): { error: string; description?: string } | undefined {
  const fields = error as ErrorFields
  if (typeof fields?.error === 'string') {
    return {
      error: fields.error,
      description:
        typeof fields.error_description === 'string' ? fields.error_description : undefined,
    }
  }
  // WWWAuthenticateChallengeError: the error is in the challenge parameters
  if (Array.isArray(fields?.cause)) {
    for (const challenge of fields.cause as { parameters?: Record<string, string> }[]) {
      const parameters = challenge?.parameters
      if (typeof parameters?.error === 'string') {
        return { error: parameters.error, description: parameters.error_description }
      }
    }
  }
  return undefined
}

function causeChain(error: unknown): string[] {
  const chain: string[] = []
  let current = (error as ErrorFields | undefined)?.cause
  for (let depth = 0; depth < 6 && current instanceof Error; depth++) {
    const fields = current as Error & ErrorFields
    const code = typeof fields.code === 'string' ? ` [${fields.code}]` : ''
    chain.push(`${current.name}${code}: ${current.message}`)
    current = fields.cause
  }
  return chain
}

const TLS_CODES =
  /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER|ERR_TLS|EPROTO|HOSTNAME_MISMATCH/

function remedyFor(facts: {
  name: string
  code?: string
  oauth?: string
  last?: Exchange
  causes: string[]
  command: string
  clientId?: string
  issuer?: string
}): string {
  const { code, oauth, last, causes } = facts
  const causeText = causes.join(' ')
  const origin = last ? safeOrigin(last.url) : facts.issuer
  if (/ECONNREFUSED/.test(causeText)) {
    return `nothing accepts connections at ${origin ?? 'that address'}: check the URL and port, and that the server is running`
  }
  if (/ENOTFOUND|EAI_AGAIN/.test(causeText)) {
    return `the host of ${origin ?? 'the URL'} is not found: check the spelling and your DNS`
  }
  if (/ECONNRESET|socket hang up/.test(causeText)) {
    return `the server closed the connection: check that ${origin ?? 'the URL'} speaks the protocol in the URL (https: or http:)`
  }
  if (/ERR_TLS_CERT_ALTNAME_INVALID|HOSTNAME_MISMATCH/.test(causeText)) {
    return 'the server certificate does not name this host: use the host name it was issued for'
  }
  if (TLS_CODES.test(causeText)) {
    return 'the server certificate is not trusted: pass the issuing CA with --ca <pem>, or --insecure-skip-verify for a test server only'
  }
  if (code === 'OAUTH_HTTP_REQUEST_FORBIDDEN') {
    return 'use https: URLs; for a test server on another host pass --allow-http (plain HTTP is accepted on 127.0.0.1 and localhost)'
  }
  if (code === 'OAUTH_TIMEOUT') {
    return `the server did not answer in time: check that ${origin ?? 'it'} is reachable and not overloaded`
  }
  const client = facts.clientId ? ` '${facts.clientId}'` : ''
  if (facts.name === 'RedirectTimeoutError') {
    return 'open the printed URL in a browser and finish the sign-in; if the provider shows an error page, register the printed redirect URI for the client or pass the registered one with --redirect-uri'
  }
  if (
    facts.command === 'login' &&
    last?.method === 'GET' &&
    last.status !== undefined &&
    last.status >= 400 &&
    last.status < 500
  ) {
    return `the provider shows an error page instead of the sign-in: register the printed redirect URI for client${client} exactly (scheme, host, port, path) or pass the registered one with --redirect-uri; check the client id and --scope`
  }
  switch (oauth) {
    case 'invalid_client':
      return `the server did not accept the client${client}: check --client-id, the secret (--client-secret, --client-secret-file or OPENID_RP_CLIENT_SECRET) and --client-auth basic|post|secret-jwt (the method the client is registered with)`
    case 'invalid_grant':
      return 'the grant (code, refresh token or device code) is invalid, expired, already used or revoked: sign in again with `openid-rp login`'
    case 'unauthorized_client':
      return `the client${client} is not allowed this grant type: enable it in the client's registration`
    case 'unsupported_grant_type':
      return 'the server does not support this grant type: check grant_types_supported with `openid-rp discover`'
    case 'invalid_scope':
      return 'ask only for scopes the server and client allow (--scope); see scopes_supported with `openid-rp discover`'
    case 'access_denied':
      return 'the user or the server refused the request: sign in again and approve it, or check the client’s permissions'
    case 'invalid_request':
      return 'the server rejected a parameter: check the flags against the client’s registration (redirect URI, scope, resource)'
    case 'invalid_target':
      return 'the server does not know the --resource / --audience: check the value it expects'
    case 'invalid_token':
      return 'the token is invalid or expired: get a new one'
  }
  const status = last?.status
  if (status === 400 && last?.excerpt === '(empty body)') {
    return 'the server refused the request without saying why (HTTP 400, empty body): a refresh token may be spent, expired or revoked (sign in again with `openid-rp login`); otherwise check the flags against the client registration'
  }
  if (status === 401 || status === 403) {
    return `the server refused the request (HTTP ${status}): check the client credentials and the client's permissions`
  }
  if (status === 404) {
    return `nothing is served at ${last!.url}: check the issuer URL (discovery is read from <issuer>/.well-known/openid-configuration) or the endpoint`
  }
  if (status !== undefined && status >= 500) {
    return 'the server failed: look at its log, then try again'
  }
  if (code === 'OAUTH_RESPONSE_IS_NOT_JSON' || code === 'OAUTH_RESPONSE_IS_NOT_CONFORM') {
    return 'the server answered something other than the OAuth response expected: check the endpoint URL and the client credentials; the body excerpt above says what it sent'
  }
  if (code === 'OAUTH_JWT_TIMESTAMP_CHECK_FAILED') return 'check the local clock'
  return 'check the issuer URL, the client registration and the flags; run with --json for the whole report'
}

function safeOrigin(url: string): string | undefined {
  return URL.canParse(url) ? new URL(url).origin : undefined
}
