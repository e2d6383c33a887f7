/**
 * `openid-rp token <grant>`: one token request against any provider with the library's public API
 * — client credentials, refresh, device authorization, CIBA, token exchange and JWT bearer.
 */
import * as client from 'openid-rp'
import { clientAuthentication, readSecret } from './credentials.ts'
import { clientConfiguration } from './inspect.ts'
import type { Network } from './net.ts'
import { withSpinner } from './output.ts'
import { secret } from './transcript.ts'

export const GRANTS = [
  'client-credentials',
  'refresh',
  'device',
  'ciba',
  'exchange',
  'jwt-bearer',
] as const
export type Grant = (typeof GRANTS)[number]

export type Tokens = client.TokenEndpointResponse & client.TokenEndpointResponseHelpers

export interface TokenOptions {
  grant: Grant
  issuer: URL
  clientId: string
  values: Record<string, unknown>
  network: Network
  /** Where progress for the user goes (the device user code, CIBA waiting). */
  progress: (line: string) => void
}

export class TokenUsageError extends Error {}

const TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:'

/** Parameters every grant may carry: `--scope`, `--resource`, `--audience`, `--authorization-details`. */
export function commonParameters(values: Record<string, unknown>): Record<string, string> {
  const parameters: Record<string, string> = {}
  if (typeof values.scope === 'string') parameters.scope = values.scope
  if (typeof values.resource === 'string') parameters.resource = values.resource
  if (typeof values.audience === 'string') parameters.audience = values.audience
  const details = values['authorization-details']
  if (typeof details === 'string') {
    try {
      JSON.parse(details)
    } catch {
      throw new TokenUsageError('--authorization-details must be JSON (RFC 9396)')
    }
    parameters.authorization_details = details
  }
  return parameters
}

/** Runs the grant; returns the tokens and what the command knows about them. */
export async function requestToken(
  options: TokenOptions,
): Promise<{ tokens: Tokens; about: Record<string, unknown> }> {
  const { values, progress } = options
  const { auth, method } = await clientAuthentication(values, (url, what) =>
    options.network.getJson(url, what),
  )
  const config = await clientConfiguration(
    options.issuer,
    options.network,
    values,
    options.clientId,
    auth,
  )
  let DPoP: client.DPoPHandle | undefined
  if (values.dpop === true) DPoP = client.getDPoPHandle(config, await client.randomDPoPKeyPair())
  const dpop = DPoP ? { DPoP } : undefined
  const parameters = commonParameters(values)
  const pollInterval = Number(values['poll-interval'] ?? 5)
  /** The response with the interval to poll at: the server's, or --poll-interval. */
  const paced = <T extends { interval?: number }>(response: T) => ({
    ...response,
    interval: response.interval ?? pollInterval,
  })

  let tokens: Tokens
  switch (options.grant) {
    case 'client-credentials':
      tokens = await client.clientCredentialsGrant(config, parameters, dpop)
      break
    case 'refresh': {
      const refreshToken = readSecret(values, 'refresh-token', 'OPENID_RP_REFRESH_TOKEN')
      if (!refreshToken) {
        throw new TokenUsageError(
          'refresh needs --refresh-token, --refresh-token-file (a token, or the saved --json output of login) or OPENID_RP_REFRESH_TOKEN',
        )
      }
      progress(`refreshing ${secret(refreshToken)}`)
      tokens = await client.refreshTokenGrant(config, refreshToken, parameters, dpop)
      break
    }
    case 'device': {
      const response = await client.initiateDeviceAuthorization(config, parameters)
      progress(
        `To sign in, open ${response.verification_uri_complete ?? response.verification_uri} and enter the code ${response.user_code}`,
      )
      tokens = await withSpinner(
        'waiting for the user to approve (polling)',
        client.pollDeviceAuthorizationGrant(config, paced(response), undefined, dpop),
      )
      break
    }
    case 'ciba': {
      const hint = values['login-hint']
      if (typeof hint !== 'string') throw new TokenUsageError('ciba needs --login-hint')
      const request: Record<string, string> = { ...parameters, login_hint: hint }
      if (typeof values['binding-message'] === 'string') {
        request.binding_message = values['binding-message']
      }
      const response = await client.initiateBackchannelAuthentication(config, request)
      progress(`waiting for ${hint} to approve on their authentication device…`)
      tokens = await withSpinner(
        'waiting for the user to approve (polling)',
        client.pollBackchannelAuthenticationGrant(config, paced(response), undefined, dpop),
      )
      break
    }
    case 'exchange': {
      const subjectToken = readSecret(
        values,
        'subject-token',
        'OPENID_RP_SUBJECT_TOKEN',
        'access_token',
      )
      if (!subjectToken) {
        throw new TokenUsageError(
          'exchange needs --subject-token, --subject-token-file or OPENID_RP_SUBJECT_TOKEN',
        )
      }
      const request: Record<string, string> = {
        ...parameters,
        subject_token: subjectToken,
        subject_token_type: tokenType(values['subject-token-type'], 'access_token'),
      }
      const actorToken = readSecret(values, 'actor-token', 'OPENID_RP_ACTOR_TOKEN', 'access_token')
      if (actorToken) {
        request.actor_token = actorToken
        request.actor_token_type = tokenType(values['actor-token-type'], 'access_token')
      }
      if (typeof values['requested-token-type'] === 'string') {
        request.requested_token_type = tokenType(values['requested-token-type'], 'access_token')
      }
      tokens = await client.genericGrantRequest(
        config,
        'urn:ietf:params:oauth:grant-type:token-exchange',
        request,
        dpop,
      )
      break
    }
    case 'jwt-bearer': {
      const assertion = readSecret(values, 'assertion', 'OPENID_RP_ASSERTION')
      if (!assertion) {
        throw new TokenUsageError(
          'jwt-bearer needs --assertion, --assertion-file or OPENID_RP_ASSERTION',
        )
      }
      tokens = await client.genericGrantRequest(
        config,
        'urn:ietf:params:oauth:grant-type:jwt-bearer',
        { ...parameters, assertion },
        dpop,
      )
      break
    }
  }
  return {
    tokens,
    about: {
      command: 'token',
      grant: options.grant,
      issuer: config.serverMetadata().issuer,
      client_id: options.clientId,
      client_auth: method,
    },
  }
}

/** A token type URI: `access_token`, `id_token`, `jwt`… expand to the RFC 8693 URN. */
function tokenType(value: unknown, fallback: string): string {
  const name = typeof value === 'string' ? value : fallback
  return name.includes(':') ? name : `${TOKEN_TYPE}${name}`
}
