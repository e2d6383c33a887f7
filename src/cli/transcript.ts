/**
 * The record of a command run, step by step, and its two renderings: readable text and JSON.
 * Secrets (tokens, codes, assertions, keys) enter the record already shortened by {@link secret}.
 */
import * as jose from 'jose'
import type * as client from 'openid-rp'
import { neutralise } from './output.ts'

/** One HTTP request the client made and the answer it got, in brief. */
export interface HttpExchange {
  method: string
  url: string
  /** Request parameters and the notable headers, with secret values shortened. */
  request: Record<string, string>
  status: number
  contentType?: string
  /** The OAuth `error` of an error response (`authorization_pending`, `use_dpop_nonce`). */
  error?: string
}

export interface StepRecord {
  id: string
  title: string
  /** Why the flow has this step. */
  why?: string
  /** The library call that made it. */
  call?: string
  ok: boolean
  ms: number
  http: HttpExchange[]
  details: Record<string, unknown>
  error?: { name: string; message: string; code?: string; error?: string; status?: number }
}

export interface RunRecord {
  command: string
  profile: string
  ok: boolean
  ms: number
  /** Steps the run has; fewer are recorded when one fails. */
  total: number
  issuer?: string
  steps: StepRecord[]
}

/** Names of parameters and fields whose values are secrets or single-use credentials. */
const SECRET_NAMES = new Set([
  'access_token',
  'refresh_token',
  'id_token',
  'code',
  'code_verifier',
  'device_code',
  'auth_req_id',
  'client_secret',
  'client_assertion',
  'request',
  'request_uri',
  'response',
  'token',
  'id_token_hint',
  'logout_token',
  'dpop',
  'authorization',
  'cookie',
  'set-cookie',
  'd',
  'xsrf',
])

/** The first 6 characters of a secret and an ellipsis; short secrets are hidden entirely. */
export function secret(value: string): string {
  return value.length > 12 ? `${value.slice(0, 6)}…` : '…'
}

/** `value` shortened when `name` says it is a secret. */
export function redact(name: string, value: string): string {
  return SECRET_NAMES.has(name.toLowerCase()) ? secret(value) : value
}

/** A URL with the values of secret query and fragment parameters shortened. */
export function redactUrl(url: URL | string): string {
  const copy = new URL(url)
  for (const [name, value] of [...copy.searchParams])
    copy.searchParams.set(name, redact(name, value))
  if (copy.hash.length > 1) {
    const fragment = new URLSearchParams(copy.hash.slice(1))
    for (const [name, value] of [...fragment]) fragment.set(name, redact(name, value))
    copy.hash = fragment.toString()
  }
  return decodeURIComponent(copy.href)
}

/** Header and claims of a JWS, for display; a JWE shows its header only. */
export function decodeJwt(token: string): { header: unknown; claims?: Record<string, unknown> } {
  const header = jose.decodeProtectedHeader(token)
  if (token.split('.').length === 5) return { header }
  return { header, claims: redactClaims(jose.decodeJwt(token)) }
}

/** Claims with secret-valued members (a JARM `code`, an `access_token`) shortened. */
export function redactClaims(claims: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(claims).map(([name, value]) => [
      name,
      typeof value === 'string' ? redact(name, value) : value,
    ]),
  )
}

/** The run as indented JSON. */
export function renderJson(run: RunRecord): string {
  return JSON.stringify(run, null, 2)
}

/** Colours for the transcript; identity functions when there is no colour. */
export interface Paint {
  ok(text: string): string
  failed(text: string): string
  title(text: string): string
  dim(text: string): string
}

const PLAIN: Paint = { ok: (t) => t, failed: (t) => t, title: (t) => t, dim: (t) => t }

/** The progress line of a finished step: `✔ [3/10] login and consent (41 ms)`. */
export function renderProgress(
  step: StepRecord,
  index: number,
  total: number,
  paint: Paint = PLAIN,
): string {
  const mark = step.ok ? paint.ok('✔') : paint.failed('✘')
  return `${mark} [${index}/${total}] ${paint.title(neutralise(step.title))} ${paint.dim(`(${Math.round(step.ms)} ms)`)}`
}

/** A finished step in readable form: its progress line, HTTP exchanges and details. */
export function renderStep(
  step: StepRecord,
  index: number,
  total: number,
  paint: Paint = PLAIN,
): string {
  const lines: string[] = []
  if (step.why) lines.push(`    why:  ${step.why}`)
  if (step.call) lines.push(`    call: ${step.call}`)
  for (const exchange of step.http) {
    const parameters = Object.entries(exchange.request)
      .map(([name, value]) => `${name}=${value}`)
      .join(' ')
    lines.push(
      `    ${exchange.method} ${exchange.url}${parameters ? `  ${parameters}` : ''}`,
      `      ← ${exchange.status}${exchange.contentType ? ` ${exchange.contentType}` : ''}${exchange.error ? ` ${exchange.error}` : ''}`,
    )
  }
  for (const [name, value] of Object.entries(step.details)) {
    lines.push(...renderValue(name, value, '    '))
  }
  if (step.error) {
    const { name, message, code, error } = step.error
    lines.push(
      `    error: ${name}${code ? ` [${code}]` : ''}${error ? ` (${error})` : ''}: ${message}`,
    )
  }
  const body = lines
    .map(neutralise)
    .map((line) => (/^ {4}(why|call):/.test(line) ? paint.dim(line) : line))
  return [renderProgress(step, index, total, paint), ...body].join('\n')
}

/** Nested details as indented `name: value` lines. */
export function renderDetails(details: Record<string, unknown>, indent = ''): string {
  return Object.entries(details)
    .flatMap(([name, value]) => renderValue(name, value, indent))
    .map(neutralise)
    .join('\n')
}

function renderValue(name: string, value: unknown, indent: string): string[] {
  if (value === undefined) return []
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const entries = Object.entries(value)
    if (entries.length === 0) return [`${indent}${name}: {}`]
    return [
      `${indent}${name}:`,
      ...entries.flatMap(([key, inner]) => renderValue(key, inner, `${indent}  `)),
    ]
  }
  const text = typeof value === 'string' ? value : JSON.stringify(value)
  const date =
    TIMESTAMPS.has(name) && typeof value === 'number' && Number.isFinite(value)
      ? ` (${isoDate(value)})`
      : ''
  return [`${indent}${name}: ${text}${date}`]
}

/** The closing lines of a readable transcript. */
export function renderSummary(run: RunRecord): string {
  const passed = run.steps.filter((step) => step.ok).length
  return run.ok
    ? `\n${run.command} ${run.profile}: all ${passed} steps succeeded in ${Math.round(run.ms)} ms`
    : `\n${run.command} ${run.profile}: FAILED after ${passed} of ${run.total} steps (${Math.round(run.ms)} ms)`
}

type Tokens = client.TokenEndpointResponse & client.TokenEndpointResponseHelpers

/** A token endpoint response for display: tokens shortened, the ID Token decoded. */
export function tokenSummary(tokens: Tokens) {
  const claims = tokens.claims()
  return {
    token_type: tokens.token_type,
    expires_in: tokens.expires_in,
    scope: tokens.scope,
    access_token: secret(tokens.access_token),
    refresh_token: tokens.refresh_token && secret(tokens.refresh_token),
    id_token: tokens.id_token && {
      value: secret(tokens.id_token),
      header: jose.decodeProtectedHeader(tokens.id_token),
      claims: claims && redactClaims(claims),
    },
  }
}

/**
 * What `login` and `token` print with `--json`: the token endpoint response exactly as the server
 * sent it, every member in full, plus an `openid_rp` member with what the command knows besides
 * (see docs/cli.md).
 */
export function tokenOutput(
  tokens: Tokens,
  about: Record<string, unknown>,
): Record<string, unknown> {
  const response = Object.fromEntries(
    Object.entries(tokens).filter(([, value]) => typeof value !== 'function'),
  )
  const expiresIn = tokens.expiresIn()
  return {
    ...response,
    openid_rp: {
      ...about,
      expires_at:
        expiresIn === undefined ? undefined : new Date(Date.now() + expiresIn * 1000).toISOString(),
      id_token_claims: tokens.claims(),
    },
  }
}

/** Members whose number is a time in seconds since the epoch, shown with the date beside it. */
const TIMESTAMPS = new Set(['exp', 'iat', 'nbf', 'auth_time', 'updated_at'])

/** `seconds` since the epoch as an ISO 8601 date (UTC). */
export function isoDate(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace('.000Z', 'Z')
}
