/** JAR with encryption: the signed request object is also encrypted to the server's key (JWE). */
import * as client from 'openid-rp'
import { enableRequestObjectEncryption } from 'openid-rp/jar-encryption'

export interface JarEncryptionExampleOptions {
  clientId: string
  clientSecret: string
  redirectUri: string
  browser: (authorizationUrl: URL) => Promise<URL | Request>
  /** The key whose public half is registered in the client's jwks (request_object_signing_alg). */
  signingKey: client.PrivateKey
  allowHttp?: boolean
}

export async function main(issuer: URL, options: JarEncryptionExampleOptions) {
  const config = await client.discovery(
    issuer,
    options.clientId,
    {
      client_secret: options.clientSecret,
      request_object_encryption_alg: 'RSA-OAEP-256',
      request_object_encryption_enc: 'A256GCM',
    },
    undefined,
    options.allowHttp ? { execute: [client.allowInsecureRequests] } : undefined,
  )
  enableRequestObjectEncryption(config)
  const codeVerifier = client.randomPKCECodeVerifier()
  const state = client.randomState()
  const authorizationUrl = await client.buildAuthorizationUrlWithJAR(
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
  const currentUrl = await options.browser(authorizationUrl)
  const tokens = await client.authorizationCodeGrant(config, currentUrl, {
    pkceCodeVerifier: codeVerifier,
    expectedState: state,
  })
  return { authorizationUrl, sub: tokens.claims()?.sub }
}
