// What each sample of openid-client's README does, written against openid-rp: the setup, the
// authorization code flow with PKCE, a protected resource call, device, CIBA and client credentials.
import * as client from 'openid-rp'

/** Discovery with a client secret. */
export async function discover(
  issuer: URL,
  clientId: string,
  clientSecret: string,
): Promise<client.Configuration> {
  const config: client.Configuration = await client.discovery(issuer, clientId, clientSecret)
  return config
}

/** The redirect: PKCE always, `state` too when the server does not advertise PKCE support. */
export async function startAuthorization(
  config: client.Configuration,
  redirectUri: string,
  scope: string,
): Promise<{ redirectTo: URL; codeVerifier: string; state: string | undefined }> {
  const codeVerifier: string = client.randomPKCECodeVerifier()
  const codeChallenge: string = await client.calculatePKCECodeChallenge(codeVerifier)
  const parameters: Record<string, string> = {
    redirect_uri: redirectUri,
    scope,
    code_challenge: codeChallenge,
    code_challenge_method: 'S256',
  }
  let state: string | undefined
  if (!config.serverMetadata().supportsPKCE()) {
    state = client.randomState()
    parameters.state = state
  }
  const redirectTo: URL = client.buildAuthorizationUrl(config, parameters)
  return { redirectTo, codeVerifier, state }
}

/** The callback: the current URL and the values kept in the session. */
export async function finishAuthorization(
  config: client.Configuration,
  getCurrentUrl: () => URL,
  codeVerifier: string,
  state: string | undefined,
): Promise<client.TokenEndpointResponse> {
  const tokens: client.TokenEndpointResponse = await client.authorizationCodeGrant(
    config,
    getCurrentUrl(),
    { pkceCodeVerifier: codeVerifier, expectedState: state },
  )
  return tokens
}

/** A GET of a protected resource with the access token, read as JSON. */
export async function callApi(
  config: client.Configuration,
  tokens: client.TokenEndpointResponse,
  api: URL,
): Promise<unknown> {
  const response: Response = await client.fetchProtectedResource(
    config,
    tokens.access_token,
    api,
    'GET',
  )
  return response.json()
}

/** Device authorization: show the user code and URIs, then poll. */
export async function deviceFlow(
  config: client.Configuration,
  scope: string,
  show: (userCode: string, uri: string, complete: string | undefined) => void | Promise<void>,
): Promise<client.TokenEndpointResponse> {
  const response = await client.initiateDeviceAuthorization(config, { scope })
  await show(response.user_code, response.verification_uri, response.verification_uri_complete)
  const tokens: client.TokenEndpointResponse = await client.pollDeviceAuthorizationGrant(
    config,
    response,
  )
  return tokens
}

/** CIBA with a login hint, polled. */
export async function backchannelFlow(
  config: client.Configuration,
  scope: string,
  loginHint: string,
  started: (authReqId: string) => void | Promise<void>,
): Promise<client.TokenEndpointResponse> {
  const response = await client.initiateBackchannelAuthentication(config, {
    scope,
    login_hint: loginHint,
  })
  await started(response.auth_req_id)
  const tokens: client.TokenEndpointResponse = await client.pollBackchannelAuthenticationGrant(
    config,
    response,
  )
  return tokens
}

/** Client credentials for a scope at one resource. */
export async function serviceToken(
  config: client.Configuration,
  scope: string,
  resource: string,
): Promise<client.TokenEndpointResponse> {
  const tokens: client.TokenEndpointResponse = await client.clientCredentialsGrant(config, {
    scope,
    resource,
  })
  return tokens
}
