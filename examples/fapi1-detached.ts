/** FAPI 1.0 Advanced: the hybrid ID Token as a detached signature (`c_hash` and `s_hash`). */
import * as client from 'openid-rp'

export interface Fapi1ExampleOptions {
  clientId: string
  clientSecret: string
  redirectUri: string
  browser: (authorizationUrl: URL) => Promise<URL | Request>
  allowHttp?: boolean
}

export async function main(issuer: URL, options: Fapi1ExampleOptions) {
  const config = await client.discovery(issuer, options.clientId, options.clientSecret, undefined, {
    execute: [
      ...(options.allowHttp ? [client.allowInsecureRequests] : []),
      client.useCodeIdTokenResponseType,
      client.enableDetachedSignatureResponseChecks,
    ],
  })
  const codeVerifier = client.randomPKCECodeVerifier()
  const nonce = client.randomNonce()
  const state = client.randomState()
  const authorizationUrl = client.buildAuthorizationUrl(config, {
    redirect_uri: options.redirectUri,
    scope: 'openid',
    nonce,
    state,
    code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
    code_challenge_method: 'S256',
  })
  const currentUrl = await options.browser(authorizationUrl)
  const tokens = await client.authorizationCodeGrant(config, currentUrl, {
    pkceCodeVerifier: codeVerifier,
    expectedNonce: nonce,
    expectedState: state,
  })
  return { sub: tokens.claims()?.sub, accessToken: tokens.access_token }
}
