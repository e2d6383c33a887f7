/**
 * Demo profile `hybrid`. The hybrid flow (`code id_token`) with an encrypted front-channel ID
 * Token and detached signature checks.
 */
import * as client from 'openid-rp'
import * as jose from 'jose'
import { secret } from '../../transcript.ts'
import { authorizationCodeClient, check, type Scenario } from '../scenario.ts'
import { discoveryStep, authorizeSteps, tokenStep, userinfoStep } from '../steps.ts'

export const hybrid: Scenario = {
  steps: [
    'discovery',
    'authorization URL (code id_token)',
    'login and consent (automated)',
    'encrypted front-channel ID Token',
    'code exchange with detached signature checks',
    'userinfo',
  ],
  provider: (keys) => ({
    signingAlgorithms: ['ES256', 'PS256'],
    // s_hash (the state hash a detached signature needs) is issued under the FAPI 1.0 profile only
    features: { encryption: true, fapi: { profile: '1.0 Final' } },
    clients: [
      {
        ...authorizationCodeClient,
        client_id: 'hybrid-client',
        client_secret: 'hybrid-client-secret-0123456789abcdefghijklmnopqrstuvwxyz',
        response_types: ['code id_token'],
        grant_types: ['authorization_code', 'implicit', 'refresh_token'],
        token_endpoint_auth_method: 'client_secret_post',
        jwks: { keys: keys.jwks as never },
        id_token_signed_response_alg: 'ES256',
        id_token_encrypted_response_alg: 'ECDH-ES',
        id_token_encrypted_response_enc: 'A256GCM',
      },
    ],
  }),
  async run(context) {
    const { keys, step } = context
    const { config } = await discoveryStep(context, {
      clientId: 'hybrid-client',
      metadata: { id_token_signed_response_alg: 'ES256' },
      auth: client.ClientSecretPost('hybrid-client-secret-0123456789abcdefghijklmnopqrstuvwxyz'),
      setup(config) {
        client.useCodeIdTokenResponseType(config)
        client.enableDetachedSignatureResponseChecks(config)
        client.enableDecryptingResponses(config, ['A256GCM'], keys.encryption)
      },
    })
    const { callback, checks } = await authorizeSteps(
      context,
      config,
      'authorization URL (code id_token)',
      'openid email',
    )
    await step('front-channel', 'encrypted front-channel ID Token', async () => {
      const idToken = new URLSearchParams(callback.hash.slice(1)).get('id_token')
      check(idToken, 'the fragment carries no id_token')
      const header = jose.decodeProtectedHeader(idToken)
      check(idToken.split('.').length === 5, 'the front-channel ID Token is not encrypted')
      return { id_token: secret(idToken), jwe_header: header }
    })
    const tokens = await tokenStep(
      context,
      'token',
      'code exchange with detached signature checks',
      () => client.authorizationCodeGrant(config, callback, checks),
      {
        details(tokens) {
          const decrypted = client.getDecryptedResponses(tokens)
          return {
            decrypted:
              decrypted && typeof decrypted === 'object' ? Object.keys(decrypted) : decrypted,
          }
        },
      },
    )
    await userinfoStep(context, config, tokens)
  },
}
