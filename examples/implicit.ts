/** OpenID Connect implicit flow (`id_token` only) for a public client. */
import * as client from 'openid-rp'

export interface ImplicitExampleOptions {
  clientId: string
  redirectUri: string
  browser: (authorizationUrl: URL) => Promise<URL | Request>
  allowHttp?: boolean
}

export async function main(issuer: URL, options: ImplicitExampleOptions) {
  const config = await client.discovery(issuer, options.clientId, undefined, client.None(), {
    execute: [
      ...(options.allowHttp ? [client.allowInsecureRequests] : []),
      client.useIdTokenResponseType,
    ],
  })
  const nonce = client.randomNonce()
  const state = client.randomState()
  const authorizationUrl = client.buildAuthorizationUrl(config, {
    redirect_uri: options.redirectUri,
    scope: 'openid profile email',
    nonce,
    state,
    max_age: '3600',
  })
  // in a browser app: new URL(location.href), with the response in the fragment
  const currentUrl = await options.browser(authorizationUrl)
  const claims = await client.implicitAuthentication(config, currentUrl, nonce, {
    expectedState: state,
    maxAge: 3600,
  })
  return { sub: claims.sub, email: claims.email }
}
