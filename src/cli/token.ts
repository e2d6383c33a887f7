/**
 * `openid-rp token <grant>`: one token request against any provider with the library's public API
 * — client credentials, refresh, device authorization (prints the user code) and CIBA.
 */
import * as client from 'openid-rp'
import { clientAuthentication, readSecret } from './credentials.ts'
import { discoverClient } from './inspect.ts'
import { secret, tokenSummary } from './transcript.ts'

export const GRANTS = ['client-credentials', 'refresh', 'device', 'ciba'] as const
export type Grant = (typeof GRANTS)[number]

export interface TokenOptions {
  grant: Grant
  issuer: URL
  clientId: string
  values: Record<string, unknown>
  /** Where progress for the user goes (the device user code, CIBA waiting). */
  progress: (line: string) => void
}

export class TokenUsageError extends Error {}

/** Runs the grant and returns the token response for display. */
export async function requestToken(options: TokenOptions): Promise<Record<string, unknown>> {
  const { values, progress } = options
  const { auth, method } = await clientAuthentication(values)
  const config = await discoverClient(options.issuer, options.clientId, auth)
  let DPoP: client.DPoPHandle | undefined
  if (values.dpop === true) DPoP = client.getDPoPHandle(config, await client.randomDPoPKeyPair())
  const dpop = DPoP ? { DPoP } : undefined
  const parameters: Record<string, string> = {}
  if (typeof values.scope === 'string') parameters.scope = values.scope
  if (typeof values.resource === 'string') parameters.resource = values.resource
  const pollInterval = Number(values['poll-interval'] ?? 5)
  /** The response with the interval to poll at: the server's, or --poll-interval. */
  const paced = <T extends { interval?: number }>(response: T) => ({
    ...response,
    interval: response.interval ?? pollInterval,
  })

  let tokens: Awaited<ReturnType<typeof client.clientCredentialsGrant>>
  switch (options.grant) {
    case 'client-credentials':
      tokens = await client.clientCredentialsGrant(config, parameters, dpop)
      break
    case 'refresh': {
      const refreshToken = readSecret(values, 'refresh-token', 'OPENID_RP_REFRESH_TOKEN')
      if (!refreshToken) {
        throw new TokenUsageError(
          'refresh needs --refresh-token, --refresh-token-file or OPENID_RP_REFRESH_TOKEN',
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
      tokens = await client.pollDeviceAuthorizationGrant(config, paced(response), undefined, dpop)
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
      tokens = await client.pollBackchannelAuthenticationGrant(
        config,
        paced(response),
        undefined,
        dpop,
      )
      break
    }
  }
  return { grant: options.grant, client_auth: method, ...tokenSummary(tokens) }
}
