/** OpenID Connect hybrid flow: `code id_token`, the front-channel ID Token validated first. */
import * as client from 'openid-rp'

export interface HybridExampleOptions {
  clientId: string
  clientSecret: string
  /** Hybrid clients need an https redirect URI. */
  redirectUri: string
  browser: (authorizationUrl: URL) => Promise<URL | Request>
  allowHttp?: boolean
}

export async function main(issuer: URL, options: HybridExampleOptions) {
  const config = await client.discovery(issuer, options.clientId, options.clientSecret, undefined, {
    execute: [
      ...(options.allowHttp ? [client.allowInsecureRequests] : []),
      client.useCodeIdTokenResponseType,
    ],
  })
  const codeVerifier = client.randomPKCECodeVerifier()
  const nonce = client.randomNonce()
  const state = client.randomState()
  const authorizationUrl = client.buildAuthorizationUrl(config, {
    redirect_uri: options.redirectUri,
    scope: 'openid profile email',
    nonce,
    state,
    code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
    code_challenge_method: 'S256',
    response_mode: 'form_post',
  })
  const currentUrl = await options.browser(authorizationUrl)
  const tokens = await client.authorizationCodeGrant(config, currentUrl, {
    pkceCodeVerifier: codeVerifier,
    expectedNonce: nonce,
    expectedState: state,
  })
  return { claims: tokens.claims(), accessToken: tokens.access_token }
}
