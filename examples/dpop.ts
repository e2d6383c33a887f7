/**
 * DPoP (RFC 9449): sender-constrained tokens from the authorization code grant, used at a
 * protected resource and refreshed with the same key.
 */
import * as client from 'openid-rp'

export interface DPoPExampleOptions {
  clientId: string
  clientSecret: string
  redirectUri: string
  /** The user agent: opens the authorization URL and returns the callback it lands on. */
  browser: (authorizationUrl: URL) => Promise<URL | Request>
  /** A protected resource that accepts DPoP-bound tokens. */
  resource: URL
  /** Development only: allow an http:// issuer. */
  allowHttp?: boolean
}

export async function main(issuer: URL, options: DPoPExampleOptions) {
  const config = await client.discovery(
    issuer,
    options.clientId,
    options.clientSecret,
    undefined,
    options.allowHttp ? { execute: [client.allowInsecureRequests] } : undefined,
  )
  const dpopKeyPair = await client.randomDPoPKeyPair('ES256')
  const DPoP = client.getDPoPHandle(config, dpopKeyPair)

  const codeVerifier = client.randomPKCECodeVerifier()
  const state = client.randomState()
  const authorizationUrl = client.buildAuthorizationUrl(config, {
    redirect_uri: options.redirectUri,
    scope: 'openid email',
    code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
    code_challenge_method: 'S256',
    state,
  })
  const currentUrl = await options.browser(authorizationUrl)

  const tokens = await client.authorizationCodeGrant(
    config,
    currentUrl,
    { pkceCodeVerifier: codeVerifier, expectedState: state },
    undefined,
    { DPoP },
  )
  const response = await client.fetchProtectedResource(
    config,
    tokens.access_token,
    options.resource,
    'GET',
    undefined,
    undefined,
    { DPoP },
  )
  const refreshed = tokens.refresh_token
    ? await client.refreshTokenGrant(config, tokens.refresh_token, undefined, { DPoP })
    : undefined
  return {
    tokenType: tokens.token_type,
    resourceStatus: response.status,
    refreshedTokenType: refreshed?.token_type,
  }
}
