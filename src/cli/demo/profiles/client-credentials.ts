/**
 * Demo profile `client-credentials`. A service client: DPoP-bound client credentials with
 * private_key_jwt, a DPoP-protected API call, introspection and revocation.
 */
import * as client from 'openid-rp'
import { backChannelClient, type Scenario } from '../scenario.ts'
import { discoveryStep, tokenStep, apiStep, introspectionStep, revocationStep } from '../steps.ts'

export const clientCredentials: Scenario = {
  steps: [
    'discovery',
    'DPoP-bound client credentials grant',
    'DPoP-protected API call',
    'introspection',
    'revocation',
  ],
  provider: (keys) => ({
    features: { clientCredentials: true, introspection: true, revocation: true, dPoP: true },
    clients: [
      {
        client_id: 'service-client',
        token_endpoint_auth_method: 'private_key_jwt',
        token_endpoint_auth_signing_alg: 'ES256',
        jwks: { keys: keys.jwks as never },
        grant_types: ['client_credentials'],
        ...backChannelClient,
        dpop_bound_access_tokens: true,
      },
    ],
  }),
  async run(context) {
    const { config, DPoP } = await discoveryStep(context, {
      clientId: 'service-client',
      auth: client.PrivateKeyJwt(context.keys.signing),
      dpop: true,
    })
    const tokens = await tokenStep(
      context,
      'token',
      'DPoP-bound client credentials grant',
      () => client.clientCredentialsGrant(config, { scope: 'api:read' }, { DPoP }),
      { expect: 'DPoP' },
    )
    await apiStep(context, config, tokens, DPoP)
    await introspectionStep(context, config, tokens, 'introspection')
    await revocationStep(context, config, tokens)
  },
}
