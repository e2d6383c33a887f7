/** Response decryption: encrypted UserInfo and ID Tokens opened with the client's private key. */
import * as client from 'openid-rp'

export interface DecryptionExampleOptions {
  clientId: string
  clientSecret: string
  redirectUri: string
  browser: (authorizationUrl: URL) => Promise<URL | Request>
  /** The private half of the encryption key registered (with this kid) in the client's jwks. */
  decryptionKey: client.DecryptionKey
  allowHttp?: boolean
}

export async function main(issuer: URL, options: DecryptionExampleOptions) {
  const config = await client.discovery(
    issuer,
    options.clientId,
    options.clientSecret,
    undefined,
    options.allowHttp ? { execute: [client.allowInsecureRequests] } : undefined,
  )
  client.enableDecryptingResponses(config, ['A256GCM'], options.decryptionKey)

  const codeVerifier = client.randomPKCECodeVerifier()
  const authorizationUrl = client.buildAuthorizationUrl(config, {
    redirect_uri: options.redirectUri,
    scope: 'openid email',
    code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
    code_challenge_method: 'S256',
  })
  const currentUrl = await options.browser(authorizationUrl)
  const tokens = await client.authorizationCodeGrant(config, currentUrl, {
    pkceCodeVerifier: codeVerifier,
  })
  const sub = tokens.claims()!.sub
  const userInfo = await client.fetchUserInfo(config, tokens.access_token, sub)
  // the signed JWT inside the JWE, to keep as evidence
  const signedUserInfo = client.getDecryptedResponses(userInfo)
  return { sub, userInfo, signedUserInfo }
}
