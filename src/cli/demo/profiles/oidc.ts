/**
 * Demo profile `oidc`. Plain OpenID Connect: the code flow with PKCE and a client secret,
 * userinfo, refresh and RP-initiated logout.
 */
import * as client from 'openid-rp'
import { authorizationCodeClient, type Scenario } from '../scenario.ts'
import {
  backchannelLogoutStep,
  discoveryStep,
  authorizeSteps,
  tokenStep,
  refreshStep,
  userinfoStep,
  logoutStep,
} from '../steps.ts'

export const oidc: Scenario = {
  steps: [
    'discovery',
    'authorization URL with PKCE, state and nonce',
    'login and consent (automated)',
    'code exchange',
    'userinfo',
    'refresh',
    'RP-initiated logout',
    'back-channel logout',
  ],
  backchannel: true,
  provider: (_keys, backchannelLogoutUri) => ({
    features: { rpInitiatedLogout: true, backchannelLogout: true },
    clients: [
      {
        ...authorizationCodeClient,
        client_id: 'oidc-client',
        client_secret: 'oidc-client-secret-0123456789abcdefghijklmnopqrstuvwxyz',
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
        backchannel_logout_uri: backchannelLogoutUri,
        backchannel_logout_session_required: true,
      },
    ],
  }),
  async run(context) {
    const { config } = await discoveryStep(context, {
      clientId: 'oidc-client',
      auth: client.ClientSecretBasic('oidc-client-secret-0123456789abcdefghijklmnopqrstuvwxyz'),
    })
    const { callback, checks } = await authorizeSteps(
      context,
      config,
      'authorization URL with PKCE, state and nonce',
      'openid email profile',
    )
    const tokens = await tokenStep(
      context,
      'token',
      'code exchange',
      () => client.authorizationCodeGrant(config, callback, checks),
      { expect: 'Bearer' },
    )
    await userinfoStep(context, config, tokens)
    await refreshStep(context, config, tokens)
    context.backchannel!.config = config
    await logoutStep(context, config, tokens.id_token!)
    await backchannelLogoutStep(context, tokens.claims()!)
  },
}
