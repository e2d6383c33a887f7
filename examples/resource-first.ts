/**
 * Resource-first OAuth with the core API: discover the authorization server from the resource
 * (RFC 9728), sign in with PKCE and DPoP, call the resource, and step up when it answers 403
 * `insufficient_scope` (or RFC 9470 `insufficient_user_authentication`).
 */
import * as client from 'openid-rp'

export interface ResourceFirstOptions {
  clientId: string
  redirectUri: string
  /** The user agent: opens the authorization URL and returns the callback it lands on. */
  browser: (authorizationUrl: URL) => Promise<URL | Request>
  /** The URL to call; defaults to the resource identifier itself. */
  call?: URL
  /** Development only: allow http:// servers. */
  allowHttp?: boolean
}

async function signIn(
  config: client.Configuration,
  options: ResourceFirstOptions,
  parameters: Record<string, string>,
  DPoP: client.DPoPHandle,
  stepUp?: client.StepUp,
) {
  const pkceCodeVerifier = client.randomPKCECodeVerifier()
  const expectedState = client.randomState()
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: options.redirectUri,
    code_challenge: await client.calculatePKCECodeChallenge(pkceCodeVerifier),
    code_challenge_method: 'S256',
    state: expectedState,
    ...parameters,
  })
  const tokens = await client.authorizationCodeGrant(
    config,
    await options.browser(url),
    { pkceCodeVerifier, expectedState, maxAge: stepUp?.maxAge },
    undefined,
    { DPoP },
  )
  if (stepUp !== undefined) client.verifyStepUp(tokens, stepUp)
  return tokens
}

export async function main(resource: URL, options: ResourceFirstOptions): Promise<unknown> {
  const config = await client.discoverProtectedResource(resource, {
    clientId: options.clientId,
    execute: options.allowHttp ? [client.allowInsecureRequests] : [],
  })
  const scope = client.getProtectedResourceMetadata(config)?.scopes_supported?.join(' ')
  // One handle for both servers: it keeps each origin's DPoP nonce apart.
  const DPoP = client.getDPoPHandle(config, await client.randomDPoPKeyPair('ES256'))
  let tokens = await signIn(config, options, scope === undefined ? {} : { scope }, DPoP)
  let stepUp: client.StepUp | undefined
  for (;;) {
    try {
      const response = await client.fetchProtectedResource(
        config,
        tokens.access_token,
        options.call ?? resource,
        'GET',
        undefined,
        undefined,
        { DPoP },
      )
      return await response.json()
    } catch (err) {
      if (!(err instanceof client.WWWAuthenticateChallengeError) || err.response.status !== 403) {
        throw err
      }
      stepUp = client.stepUpAuthorization(err, stepUp, { scope: tokens.scope ?? scope })
      tokens = await signIn(config, options, { ...stepUp.parameters }, DPoP, stepUp)
    }
  }
}
