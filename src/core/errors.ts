// The error contract: ClientError and its ErrorCode list, argument TypeErrors, and
// normalizeError(), which brings any failure to that contract with a hint on what to do.

import * as oauth from 'oauth4webapi'

import { redact } from './redact.ts'

/** @internal Every code of {@link ErrorCode}, the one list the union is built from. */
export const ERROR_CODES = [
  'ERR_INVALID_ARG_TYPE',
  'ERR_INVALID_ARG_VALUE',
  'OAUTH_TIMEOUT',
  'OAUTH_ABORT',
  'OAUTH_INVALID_REQUEST',
  'OAUTH_INVALID_RESPONSE',
  'OAUTH_RESPONSE_IS_NOT_JSON',
  'OAUTH_RESPONSE_IS_NOT_CONFORM',
  'OAUTH_PARSE_ERROR',
  'OAUTH_HTTP_REQUEST_FORBIDDEN',
  'OAUTH_REQUEST_PROTOCOL_FORBIDDEN',
  'OAUTH_JWT_TIMESTAMP_CHECK_FAILED',
  'OAUTH_JWT_CLAIM_COMPARISON_FAILED',
  'OAUTH_JSON_ATTRIBUTE_COMPARISON_FAILED',
  'OAUTH_KEY_SELECTION_FAILED',
  'OAUTH_MISSING_SERVER_METADATA',
  'OAUTH_INVALID_SERVER_METADATA',
  'OAUTH_JWT_USERINFO_EXPECTED',
  'OAUTH_UNSUPPORTED_OPERATION',
  'OAUTH_DECRYPTION_FAILED',
  'OAUTH_RESPONSE_BODY_ERROR',
  'OAUTH_AUTHORIZATION_RESPONSE_ERROR',
  'OAUTH_WWW_AUTHENTICATE_CHALLENGE',
] as const

/**
 * Every `code` a {@link ClientError} or argument `TypeError` of this library can carry. The
 * `OAUTH_*` codes are the reference's (most come from `oauth4webapi`).
 *
 * @example
 * ```ts
 * function retryable(code: client.ErrorCode): boolean {
 *   return code === 'OAUTH_TIMEOUT'
 * }
 * ```
 * @useDeclaredType
 * @group Errors
 */
export type ErrorCode = (typeof ERROR_CODES)[number]

/**
 * Thrown when a response fails a check, a request cannot be made, or an operation is not
 * supported. `code` is stable (see {@link ErrorCode}); `cause` holds the checked values.
 *
 * @example
 * ```ts
 * try {
 *   await client.authorizationCodeGrant(config, currentUrl, checks)
 * } catch (err) {
 *   if (err instanceof client.ClientError && err.code === 'OAUTH_JWT_CLAIM_COMPARISON_FAILED') {
 *     // an ID Token claim did not match, see err.cause
 *   }
 * }
 * ```
 * @group Errors
 */
export class ClientError extends Error {
  /** A stable machine-readable identifier of the failure, one of {@link ErrorCode}. */
  code?: ErrorCode

  /** @ignore */
  constructor(message?: string, options?: { cause?: unknown; code?: string }) {
    super(message, options)
    this.name = this.constructor.name
    this.code = options?.code as ErrorCode | undefined
  }
}

/** @internal A TypeError carrying a Node.js-style argument error code. */
export function argumentError(
  message: string,
  code: 'ERR_INVALID_ARG_TYPE' | 'ERR_INVALID_ARG_VALUE' = 'ERR_INVALID_ARG_TYPE',
): TypeError {
  const err = new TypeError(message, { cause: { code } })
  ;(err as TypeError & { code: string }).code = code
  return err
}

/** @internal */
export function clientError(message: string, code: ErrorCode, cause?: unknown): ClientError {
  return new ClientError(message, { code, cause })
}

/** @internal What to say when the server metadata lacks a value an operation needs. */
export function missingMetadata(attribute: unknown): string {
  return `the server metadata has no ${attribute ? `"${String(attribute)}"` : 'value needed for this operation'}: the server does not support it or the metadata is incomplete`
}

/** @internal What to do about a JWT timestamp check that failed. */
export const CLOCK_HINT =
  'check the local clock or set the [clockSkew]/[clockTolerance] client metadata'

const NOT_ISSUED_TO_CLIENT = 'the token was not issued to this client_id'
const CLAIM_HINTS = new Map<unknown, string>([
  ['nonce', 'pass the nonce you sent in the authorization request as `expectedNonce`'],
  ['iss', 'the token was not issued by the configured issuer'],
  ['aud', NOT_ISSUED_TO_CLIENT],
  ['azp', NOT_ISSUED_TO_CLIENT],
  ['sub', 'the subject differs from the expected one'],
])

const hints: Partial<Record<string, string | ((cause: any) => string | undefined)>> = {
  OAUTH_HTTP_REQUEST_FORBIDDEN:
    'use an https: endpoint, or call allowInsecureRequests(config) for local development only',
  OAUTH_REQUEST_PROTOCOL_FORBIDDEN: 'the endpoint URL must use https: or http:',
  OAUTH_MISSING_SERVER_METADATA: (cause) => missingMetadata(cause?.attribute),
  OAUTH_JWT_CLAIM_COMPARISON_FAILED: (cause) => CLAIM_HINTS.get(cause?.claim),
  OAUTH_JWT_TIMESTAMP_CHECK_FAILED: CLOCK_HINT,
  OAUTH_KEY_SELECTION_FAILED:
    'no single key in the issuer JWKS matches the JWT header (kid, alg, kty)',
}

function withHint(message: string, code: string | undefined, cause: unknown): string {
  if (!code) return message
  const hint = hints[code]
  const text = typeof hint === 'function' ? hint(cause) : hint
  return text ? `${message}: ${text}` : message
}

/**
 * What a response said about itself, for an error message: its status, content type and URL
 * without query or fragment (which may carry codes or tokens). `undefined` for anything else.
 */
function responseFacts(cause: unknown): string | undefined {
  if (typeof cause !== 'object' || cause === null) return undefined
  const { status, url, headers } = cause as Partial<Response>
  if (typeof status !== 'number' || typeof headers?.get !== 'function') return undefined
  const type = headers.get('content-type')?.split(';')[0]?.trim()
  const where = typeof url === 'string' && URL.canParse(url) ? new URL(url) : undefined
  return `HTTP ${status}${type ? ` ${type}` : ''}${where ? ` from ${where.origin}${where.pathname}` : ''}`
}

/**
 * @internal Brings any failure to the reference's contract: the three response errors and
 * argument TypeErrors pass through; everything else becomes a ClientError with a code.
 */
export function normalizeError(err: unknown): Error {
  if (
    err instanceof ClientError ||
    err instanceof oauth.ResponseBodyError ||
    err instanceof oauth.AuthorizationResponseError ||
    err instanceof oauth.WWWAuthenticateChallengeError
  ) {
    return err
  }
  if (
    err instanceof oauth.OperationProcessingError ||
    err instanceof oauth.UnsupportedOperationError
  ) {
    const code = (err as { code?: ErrorCode }).code
    const facts = responseFacts(err.cause)
    const message = facts ? `${err.message} (${facts})` : err.message
    return new ClientError(withHint(message, code, err.cause), {
      cause: redact(err.cause),
      code,
    })
  }
  if (err instanceof TypeError) {
    return err
  }
  if (err instanceof Error) {
    switch (err.name) {
      case 'TimeoutError':
        return clientError(
          'the request timed out: raise `config.timeout` (seconds) if the server is slow',
          'OAUTH_TIMEOUT',
          err,
        )
      case 'AbortError':
        return clientError('the operation was aborted by its AbortSignal', 'OAUTH_ABORT', err)
      case 'OperationError':
      case 'NotSupportedError':
        return clientError(
          `the runtime's WebCrypto refused the operation: ${err.message}`,
          'OAUTH_UNSUPPORTED_OPERATION',
          err,
        )
    }
  }
  return new ClientError('the request failed or returned an unusable response, see `cause`', {
    cause: err,
  })
}
