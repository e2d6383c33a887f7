/** PAR + JAR: a signed request object pushed to the server; only request_uri travels the browser. */
import * as client from 'openid-rp'

export interface ParJarExampleOptions {
  clientId: string
  clientSecret: string
  redirectUri: string
  browser: (authorizationUrl: URL) => Promise<URL | Request>
  /** The key whose public half is registered in the client's jwks (request_object_signing_alg). */
  signingKey: client.PrivateKey
  allowHttp?: boolean
}

export async function main(issuer: URL, options: ParJarExampleOptions) {
  const config = await client.discovery(
    issuer,
    options.clientId,
    options.clientSecret,
    undefined,
    options.allowHttp ? { execute: [client.allowInsecureRequests] } : undefined,
  )
  const codeVerifier = client.randomPKCECodeVerifier()
  const state = client.randomState()
  const withJar = await client.buildAuthorizationUrlWithJAR(
    config,
    {
      redirect_uri: options.redirectUri,
      scope: 'openid email',
      code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
      state,
    },
    options.signingKey,
  )
  const authorizationUrl = await client.buildAuthorizationUrlWithPAR(config, withJar.searchParams)
  const currentUrl = await options.browser(authorizationUrl)
  const tokens = await client.authorizationCodeGrant(config, currentUrl, {
    pkceCodeVerifier: codeVerifier,
    expectedState: state,
  })
  return { authorizationUrl, sub: tokens.claims()?.sub }
}
