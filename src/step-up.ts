/**
 * Step-up authorization from a resource's challenge: `insufficient_scope` (RFC 6750 §3.1) and
 * `insufficient_user_authentication` (RFC 9470), with bounded retries and the ID Token check.
 */
import * as oauth from 'oauth4webapi'

import { argumentError, clientError } from './core/errors.ts'

/**
 * The next authorization request after a step-up challenge: pass `parameters` to
 * `buildAuthorizationUrl`, `maxAge` to `authorizationCodeGrant`, then the tokens and this object
 * to {@link verifyStepUp}; pass it as `previous` to the next {@link stepUpAuthorization}.
 *
 * @example
 * ```ts
 * const stepUp: client.StepUp = client.stepUpAuthorization(challengeError)
 * const url = client.buildAuthorizationUrl(config, { ...parameters, ...stepUp.parameters })
 * ```
 * @see [RFC 9470 §3](https://www.rfc-editor.org/rfc/rfc9470.html#section-3)
 */
export interface StepUp {
  /** `scope`, `acr_values` and `max_age` for the next authorization request. */
  readonly parameters: Readonly<Record<string, string>>
  /** The `acr` values the server asked for, if it asked. */
  readonly acrValues?: readonly string[]
  /** The `max_age` the server asked for, in seconds, if it asked. */
  readonly maxAge?: number
  /** How many step-ups have led here, this one included. */
  readonly attempts: number
}

/**
 * Options of {@link stepUpAuthorization}.
 *
 * @example
 * ```ts
 * const options: client.StepUpOptions = { maxAttempts: 2, scope: 'openid files:read' }
 * ```
 */
export interface StepUpOptions {
  /** Step-ups allowed in a row before giving up with a `ClientError` (default 3). */
  maxAttempts?: number
  /** The scope of the token that was refused, when there is no `previous` step-up. */
  scope?: string
}

const ERRORS = new Set(['insufficient_scope', 'insufficient_user_authentication'])

function words(value: string | undefined): string[] {
  return value === undefined ? [] : value.split(' ').filter((word) => word !== '')
}

function stepUpChallenge(
  error: oauth.WWWAuthenticateChallengeError,
): oauth.WWWAuthenticateChallenge {
  const challenge = error.cause.find((candidate) => ERRORS.has(candidate.parameters.error ?? ''))
  if (challenge === undefined) {
    throw clientError(
      'the resource\'s challenge is not a step-up challenge (neither "insufficient_scope" nor "insufficient_user_authentication"): it cannot be answered with a new authorization request',
      'OAUTH_WWW_AUTHENTICATE_CHALLENGE',
      error,
    )
  }
  return challenge
}

/**
 * The next authorization request's parameters for a resource's step-up challenge.
 * `insufficient_scope` asks for the union of the scope already held and the challenge's `scope`;
 * `insufficient_user_authentication` (RFC 9470) adds its `acr_values` and `max_age`. Rejects
 * with `OAUTH_WWW_AUTHENTICATE_CHALLENGE` when the challenge asks for nothing new (the same
 * request again would loop) or after `maxAttempts` step-ups in a row.
 *
 * @param error The challenge a request to the resource was rejected with.
 * @param previous The step-up that produced the refused token, if any.
 * @example
 * ```ts
 * try {
 *   await client.fetchProtectedResource(config, accessToken, url, 'GET')
 * } catch (err) {
 *   if (!(err instanceof client.WWWAuthenticateChallengeError)) throw err
 *   const stepUp = client.stepUpAuthorization(err, undefined, { scope: 'files:read' })
 *   redirectTo(client.buildAuthorizationUrl(config, { ...parameters, ...stepUp.parameters }))
 * }
 * ```
 * @see [RFC 6750 §3.1](https://www.rfc-editor.org/rfc/rfc6750.html#section-3.1)
 * @see [RFC 9470 §3](https://www.rfc-editor.org/rfc/rfc9470.html#section-3)
 */
export function stepUpAuthorization(
  error: oauth.WWWAuthenticateChallengeError,
  previous?: StepUp,
  options?: StepUpOptions,
): StepUp {
  if (!(error instanceof oauth.WWWAuthenticateChallengeError)) {
    throw argumentError('"error" must be an instance of WWWAuthenticateChallengeError')
  }
  const maxAttempts = options?.maxAttempts ?? 3
  if (!Number.isSafeInteger(maxAttempts) || maxAttempts < 1) {
    throw argumentError('"options.maxAttempts" must be a positive integer', 'ERR_INVALID_ARG_VALUE')
  }
  const attempts = (previous?.attempts ?? 0) + 1
  if (attempts > maxAttempts) {
    throw clientError(
      `the resource still refuses the token after ${maxAttempts} step-up authorization(s): giving up (raise "maxAttempts" if more are expected)`,
      'OAUTH_WWW_AUTHENTICATE_CHALLENGE',
      error,
    )
  }
  const challenge = stepUpChallenge(error)
  const held = words(previous?.parameters.scope ?? options?.scope)
  const parameters: Record<string, string> = { ...previous?.parameters }
  let acrValues = previous?.acrValues
  let maxAge = previous?.maxAge
  let asksMore: boolean
  if (challenge.parameters.error === 'insufficient_scope') {
    const required = words(challenge.parameters.scope)
    const scope = [...new Set([...held, ...required])]
    asksMore = previous === undefined || scope.length > held.length
    if (scope.length !== 0) parameters.scope = scope.join(' ')
  } else {
    const acr = words(challenge.parameters.acr_values)
    const age = challenge.parameters.max_age
    const seconds = age === undefined ? undefined : Number(age)
    if (seconds !== undefined && !(Number.isSafeInteger(seconds) && seconds >= 0)) {
      throw clientError(
        `the challenge's "max_age" ${JSON.stringify(age)} is not a number of seconds: the resource server is misconfigured`,
        'OAUTH_WWW_AUTHENTICATE_CHALLENGE',
        error,
      )
    }
    if (acr.length === 0 && seconds === undefined) {
      throw clientError(
        'the "insufficient_user_authentication" challenge has neither "acr_values" nor "max_age": there is nothing to ask the authorization server for',
        'OAUTH_WWW_AUTHENTICATE_CHALLENGE',
        error,
      )
    }
    asksMore =
      previous === undefined ||
      acr.join(' ') !== (acrValues ?? []).join(' ') ||
      seconds !== maxAge ||
      seconds === 0
    if (acr.length !== 0) {
      acrValues = acr
      parameters.acr_values = acr.join(' ')
    }
    if (seconds !== undefined) {
      maxAge = seconds
      parameters.max_age = String(seconds)
    }
    if (held.length !== 0 && parameters.scope === undefined) parameters.scope = held.join(' ')
  }
  if (!asksMore) {
    throw clientError(
      'the resource refuses the token obtained for exactly what its challenge asked: another authorization request would loop',
      'OAUTH_WWW_AUTHENTICATE_CHALLENGE',
      error,
    )
  }
  return Object.freeze({
    parameters: Object.freeze(parameters),
    ...(acrValues === undefined ? {} : { acrValues: Object.freeze([...acrValues]) }),
    ...(maxAge === undefined ? {} : { maxAge }),
    attempts,
  })
}

/**
 * Checks that the ID Token of the step-up's token response meets what the resource asked for:
 * its `acr` is one of the requested `acr_values`, and its `auth_time` is within `max_age`
 * (RFC 9470 §3). Rejects with `OAUTH_JWT_CLAIM_COMPARISON_FAILED`.
 *
 * @param tokens The token response of the step-up authorization (with its ID Token).
 * @example
 * ```ts
 * const tokens = await client.authorizationCodeGrant(config, callbackUrl, {
 *   pkceCodeVerifier, expectedState, maxAge: stepUp.maxAge,
 * })
 * client.verifyStepUp(tokens, stepUp)
 * ```
 * @see [RFC 9470 §3](https://www.rfc-editor.org/rfc/rfc9470.html#section-3)
 */
export function verifyStepUp(
  tokens: { claims(): oauth.IDToken | undefined },
  stepUp: StepUp,
  clockTolerance = 30,
): void {
  if (typeof tokens?.claims !== 'function') {
    throw argumentError('"tokens" must be a token endpoint response from this library')
  }
  if (stepUp.acrValues === undefined && stepUp.maxAge === undefined) return
  const claims = tokens.claims()
  if (claims === undefined) {
    throw clientError(
      'the step-up token response has no ID Token: request the "openid" scope so "acr" and "auth_time" can be checked',
      'OAUTH_JWT_CLAIM_COMPARISON_FAILED',
      { claim: 'acr' },
    )
  }
  if (stepUp.acrValues !== undefined && !stepUp.acrValues.includes(claims.acr as string)) {
    throw clientError(
      `the ID Token "acr" ${JSON.stringify(claims.acr)} is not one of the requested acr_values ${JSON.stringify(stepUp.acrValues)}: the user did not authenticate as the resource requires`,
      'OAUTH_JWT_CLAIM_COMPARISON_FAILED',
      { claim: 'acr', expected: [...stepUp.acrValues], actual: claims.acr },
    )
  }
  if (stepUp.maxAge !== undefined) {
    const authTime = claims.auth_time
    const now = Math.floor(Date.now() / 1000)
    if (typeof authTime !== 'number' || now - authTime > stepUp.maxAge + clockTolerance) {
      throw clientError(
        `the ID Token "auth_time" ${JSON.stringify(authTime)} is missing or older than the requested max_age of ${stepUp.maxAge} s: the user did not authenticate again`,
        'OAUTH_JWT_CLAIM_COMPARISON_FAILED',
        { claim: 'auth_time', expected: stepUp.maxAge, actual: authTime },
      )
    }
  }
}
