/** JARM: the authorization response arrives as a signed JWT (`response_mode=jwt`). */
import * as client from 'openid-rp'

export interface JarmExampleOptions {
  clientId: string
  clientSecret: string
  redirectUri: string
  browser: (authorizationUrl: URL) => Promise<URL | Request>
  allowHttp?: boolean
}

export async function main(issuer: URL, options: JarmExampleOptions) {
  const config = await client.discovery(issuer, options.clientId, options.clientSecret, undefined, {
    execute: [
      ...(options.allowHttp ? [client.allowInsecureRequests] : []),
      client.useJwtResponseMode,
    ],
  })
  const codeVerifier = client.randomPKCECodeVerifier()
  const authorizationUrl = client.buildAuthorizationUrl(config, {
    redirect_uri: options.redirectUri,
    scope: 'openid profile',
    code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
    code_challenge_method: 'S256',
  })
  // response_mode=jwt was added by useJwtResponseMode
  const responseMode = authorizationUrl.searchParams.get('response_mode')
  const currentUrl = await options.browser(authorizationUrl)
  const tokens = await client.authorizationCodeGrant(config, currentUrl, {
    pkceCodeVerifier: codeVerifier,
  })
  return { responseMode, sub: tokens.claims()?.sub }
}
