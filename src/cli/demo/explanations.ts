/**
 * What the demo says about each step: why the flow has it and which library call made it, by
 * step id, with the profiles where the same id means a different call.
 */
import type { Profile } from './scenario.ts'

interface Explanation {
  why: string
  call: string
}

const POLL: Partial<Record<Profile, string>> = {
  device: 'client.pollDeviceAuthorizationGrant(config, deviceResponse)',
  ciba: 'client.pollBackchannelAuthenticationGrant(config, backchannelResponse)',
}

const STEPS: Record<string, Explanation> = {
  certificate: {
    why: 'tls_client_auth authenticates the client by the certificate it presents in TLS; tokens bound to it are useless without its key',
    call: 'config[client.customFetch] = a fetch presenting the certificate; client.TlsClientAuth()',
  },
  discovery: {
    why: "reads the provider's endpoints and algorithms from /.well-known/openid-configuration and checks the issuer it names",
    call: 'client.discovery(issuer, clientId, metadata, clientAuth, options)',
  },
  authorize: {
    why: 'builds the URL the browser opens; PKCE, state and nonce tie the answer to this request',
    call: 'client.buildAuthorizationUrl(config, { redirect_uri, scope, code_challenge, state, nonce })',
  },
  par: {
    why: 'FAPI 2.0 pushes the request over the back channel, signed (JAR), so the browser cannot read or alter it',
    call: 'client.buildAuthorizationUrlWithJAR(config, parameters, key), then client.buildAuthorizationUrlWithPAR(config, jar.searchParams, { DPoP })',
  },
  login: {
    why: 'the user signs in and consents at the provider, which redirects back with a code (a headless driver plays the browser)',
    call: "none: the browser's part",
  },
  jarm: {
    why: 'with JARM the provider signs its answer, so the code and state cannot be swapped on the way back',
    call: 'checked inside client.authorizationCodeGrant(); switched on by client.useJwtResponseMode(config)',
  },
  'front-channel': {
    why: 'the hybrid flow returns an ID Token in the fragment, encrypted so only this client reads it',
    call: 'read from the callback; decrypted and verified by client.authorizationCodeGrant()',
  },
  userinfo: {
    why: "fetches the user's claims with the access token; their sub must match the ID Token's",
    call: 'client.fetchUserInfo(config, accessToken, expectedSubject)',
  },
  api: {
    why: 'calls the protected API with the DPoP-bound token; the API demands its own DPoP nonce and the library retries once with it',
    call: "client.fetchProtectedResource(config, accessToken, url, 'GET', undefined, undefined, { DPoP })",
  },
  refresh: {
    why: 'gets a new access token without the user, with the refresh token',
    call: 'client.refreshTokenGrant(config, refreshToken, parameters, { DPoP })',
  },
  introspection: {
    why: 'asks the provider whether the token is active and what it is bound to',
    call: 'client.tokenIntrospection(config, accessToken)',
  },
  revocation: {
    why: 'revokes the token (logout, a lost device) and shows the provider no longer accepts it',
    call: 'client.tokenRevocation(config, token)',
  },
  logout: {
    why: 'ends the session at the provider and returns to the client',
    call: 'client.buildEndSessionUrl(config, { id_token_hint, post_logout_redirect_uri, state })',
  },
  'backchannel-logout': {
    why: "the provider tells the relying party's back-channel endpoint that the session ended, so every app of the session logs out",
    call: 'client.validateLogoutToken(config, request), then client.backchannelLogoutResponse()',
  },
  'device-authorization': {
    why: 'a device without a browser asks for a code to show; the user signs in on another device',
    call: 'client.initiateDeviceAuthorization(config, { scope })',
  },
  'backchannel-authentication': {
    why: 'the client asks the provider to reach the user on their authentication device (CIBA): no redirect at all',
    call: 'client.initiateBackchannelAuthentication(config, { scope, login_hint, binding_message })',
  },
  pending: {
    why: 'until the user approves, each poll answers authorization_pending; the library waits the interval and asks again',
    call: 'the poll call below, still running',
  },
  approve: {
    why: 'the user approves on the other device (the embedded provider approves for them)',
    call: "none: the user's part",
  },
  poll: {
    why: 'the first poll after the approval returns the tokens',
    call: 'the poll call',
  },
}

const TOKEN: Partial<Record<Profile, Explanation>> = {
  fapi2: {
    why: 'exchanges the code for tokens: PKCE proves this client started the flow, DPoP binds the tokens to its key',
    call: 'client.authorizationCodeGrant(config, callbackUrl, { pkceCodeVerifier, expectedState, expectedNonce }, undefined, { DPoP })',
  },
  oidc: {
    why: 'exchanges the code for tokens; the ID Token is validated (signature, iss, aud, nonce)',
    call: 'client.authorizationCodeGrant(config, callbackUrl, { pkceCodeVerifier, expectedState, expectedNonce })',
  },
  hybrid: {
    why: 'checks the front-channel ID Token as a detached signature over code and state (c_hash, s_hash), then exchanges the code',
    call: 'client.authorizationCodeGrant(config, callbackUrl, checks) after client.enableDetachedSignatureResponseChecks(config)',
  },
  'client-credentials': {
    why: 'a service gets a token for itself (no user): private_key_jwt authenticates it, DPoP binds the token',
    call: "client.clientCredentialsGrant(config, { scope: 'api:read' }, { DPoP })",
  },
  mtls: {
    why: 'the client authenticates with its certificate; the token is bound to that certificate',
    call: "client.clientCredentialsGrant(config, { scope: 'api:read' })",
  },
}

/** Why step `id` of `profile` exists and which library call made it. */
export function explain(profile: Profile, id: string): Explanation | undefined {
  if (id === 'token') return TOKEN[profile]
  const explanation = STEPS[id]
  if (!explanation) return undefined
  if ((id === 'pending' || id === 'poll') && POLL[profile]) {
    return {
      ...explanation,
      call: id === 'pending' ? `${POLL[profile]}, still running` : POLL[profile]!,
    }
  }
  return explanation
}
