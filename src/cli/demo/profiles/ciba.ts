/**
 * Demo profile `ciba`. Client-initiated backchannel authentication (CIBA, poll mode): the user
 * approves on their authentication device while the client polls.
 */
import * as client from 'openid-rp'
import { secret } from '../../transcript.ts'
import { backChannelClient, type Scenario } from '../scenario.ts'
import { decoupledSteps, decoupledFlow } from '../steps.ts'

export const ciba: Scenario = {
  steps: decoupledSteps(
    'backchannel authentication request',
    'user approves on the authentication device',
  ),
  provider: () => ({
    features: { ciba: true },
    clients: [
      {
        client_id: 'ciba-client',
        client_secret: 'ciba-client-secret-0123456789abcdefghijklmnopqrstuvwxyz',
        token_endpoint_auth_method: 'client_secret_basic',
        grant_types: ['urn:openid:params:grant-type:ciba', 'refresh_token'],
        ...backChannelClient,
        backchannel_token_delivery_mode: 'poll',
      },
    ],
  }),
  run: (context) =>
    decoupledFlow(context, {
      clientId: 'ciba-client',
      auth: client.ClientSecretBasic('ciba-client-secret-0123456789abcdefghijklmnopqrstuvwxyz'),
      start: {
        id: 'backchannel-authentication',
        title: 'backchannel authentication request',
        request: (config) =>
          client.initiateBackchannelAuthentication(config, {
            scope: 'openid email',
            login_hint: String(context.op.account.email),
            binding_message: 'demo 42',
          }),
        details: (response) => ({
          auth_req_id: secret(response.auth_req_id),
          expires_in: response.expires_in,
        }),
      },
      approve: {
        title: 'user approves on the authentication device',
        async run() {
          const request = context.op.cibaRequests.at(-1)
          await context.op.approveCiba()
          return { account: request?.accountId, binding_message: request?.bindingMessage }
        },
      },
      poll: (config, response) => client.pollBackchannelAuthenticationGrant(config, response),
    }),
}
