/**
 * Demo profile `device`. The device authorization grant (RFC 8628): the user approves on a second
 * device while the client polls.
 */
import * as client from 'openid-rp'
import { secret } from '../../transcript.ts'
import { backChannelClient, type Scenario } from '../scenario.ts'
import { decoupledSteps, decoupledFlow } from '../steps.ts'

export const device: Scenario = {
  steps: decoupledSteps('device authorization', 'user approves on a second device'),
  provider: () => ({
    features: { deviceFlow: true },
    clients: [
      {
        client_id: 'device-client',
        token_endpoint_auth_method: 'none',
        grant_types: ['urn:ietf:params:oauth:grant-type:device_code', 'refresh_token'],
        ...backChannelClient,
      },
    ],
  }),
  run: (context) =>
    decoupledFlow(context, {
      clientId: 'device-client',
      auth: client.None(),
      start: {
        id: 'device-authorization',
        title: 'device authorization',
        request: (config) => client.initiateDeviceAuthorization(config, { scope: 'openid email' }),
        details: (response) => ({
          user_code: response.user_code,
          verification_uri: response.verification_uri,
          device_code: secret(response.device_code),
          expires_in: response.expires_in,
        }),
      },
      approve: {
        title: 'user approves on a second device',
        async run(response) {
          await context.op.approveDevice(response.user_code)
          return { user_code: response.user_code, account: context.op.account.sub }
        },
      },
      poll: (config, response) => client.pollDeviceAuthorizationGrant(config, response),
    }),
}
