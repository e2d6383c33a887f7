/**
 * Demo profile `fapi2`. FAPI 2.0: PAR with a signed request object, JARM, DPoP-bound tokens,
 * encrypted userinfo, a DPoP-protected API call, refresh, revocation and RP-initiated logout.
 */
import * as client from 'openid-rp'
import * as jose from 'jose'
import { decodeJwt, redactUrl } from '../../transcript.ts'
import { authorizationCodeClient, check, type Scenario } from '../scenario.ts'
import {
  revokeAndConfirm,
  discoveryStep,
  authorizationChecks,
  authorizationParameters,
  loginStep,
  tokenStep,
  refreshStep,
  apiStep,
  logoutStep,
} from '../steps.ts'

export const fapi2: Scenario = {
  steps: [
    'discovery',
    'PAR with a signed request object (JAR)',
    'login and consent (automated)',
    'JARM callback',
    'DPoP-bound code exchange with PKCE',
    'encrypted and signed userinfo',
    'DPoP-protected API call',
    'refresh',
    'revocation',
    'RP-initiated logout',
  ],
  provider: (keys) => ({
    signingAlgorithms: ['ES256', 'PS256'],
    features: {
      fapi: { profile: '2.0' },
      pushedAuthorizationRequests: { requirePushedAuthorizationRequests: true },
      requestObjects: true,
      jwtResponseModes: true,
      dPoP: true,
      encryption: true,
      jwtUserinfo: true,
      revocation: true,
      rpInitiatedLogout: true,
    },
    clients: [
      {
        ...authorizationCodeClient,
        client_id: 'fapi2-client',
        response_types: ['code'],
        token_endpoint_auth_method: 'private_key_jwt',
        token_endpoint_auth_signing_alg: 'ES256',
        jwks: { keys: keys.jwks as never },
        request_object_signing_alg: 'ES256',
        authorization_signed_response_alg: 'ES256',
        id_token_signed_response_alg: 'ES256',
        userinfo_signed_response_alg: 'ES256',
        userinfo_encrypted_response_alg: 'ECDH-ES',
        userinfo_encrypted_response_enc: 'A256GCM',
        dpop_bound_access_tokens: true,
      },
    ],
  }),
  async run(context) {
    const { op, keys, step } = context
    const { config, DPoP } = await discoveryStep(context, {
      clientId: 'fapi2-client',
      metadata: {
        id_token_signed_response_alg: 'ES256',
        authorization_signed_response_alg: 'ES256',
        userinfo_signed_response_alg: 'ES256',
      },
      auth: client.PrivateKeyJwt(keys.signing),
      setup(config) {
        client.useJwtResponseMode(config)
        client.enableDecryptingResponses(config, ['A256GCM'], keys.encryption)
        client.useFAPI2SecurityProfile(config, { senderConstraint: 'dpop' })
        client.useFAPI2MessageSigning(config)
      },
      dpop: true,
    })

    const checks = authorizationChecks()
    let authorizationUrl!: URL
    await step('par', 'PAR with a signed request object (JAR)', async () => {
      const parameters = await authorizationParameters(checks, 'openid email profile')
      const jar = await client.buildAuthorizationUrlWithJAR(config, parameters, keys.signing)
      const requestObject = jar.searchParams.get('request')!
      authorizationUrl = await client.buildAuthorizationUrlWithPAR(config, jar.searchParams, {
        DPoP,
      })
      return {
        request_object: decodeJwt(requestObject),
        authorization_url: redactUrl(authorizationUrl),
      }
    })

    const callback = await loginStep(context, authorizationUrl)

    await step('jarm', 'JARM callback', async () => {
      const response = callback.searchParams.get('response')
      check(response, 'the callback carries no JARM `response` parameter')
      const decoded = decodeJwt(response)
      const claims = decoded.claims ?? {}
      check(claims.iss === op.issuer.href, 'JARM response from another issuer')
      check(claims.aud === 'fapi2-client', 'JARM response for another client')
      return {
        response: decoded,
        note: 'signature, iss, aud, exp and state are verified by authorizationCodeGrant()',
      }
    })

    const tokens = await tokenStep(
      context,
      'token',
      'DPoP-bound code exchange with PKCE',
      () => client.authorizationCodeGrant(config, callback, checks, undefined, { DPoP }),
      { expect: 'DPoP' },
    )

    const sub = tokens.claims()!.sub
    await step('userinfo', 'encrypted and signed userinfo', async () => {
      const userInfo = await client.fetchUserInfo(config, tokens.access_token, sub, { DPoP })
      const raw = client.getDecryptedResponses(userInfo)
      const jws = typeof raw === 'string' ? raw : undefined
      check(jws, 'the userinfo response was not encrypted')
      return { decrypted_jws_header: jose.decodeProtectedHeader(jws), claims: userInfo }
    })

    await apiStep(context, config, tokens, DPoP)

    const refreshed = await refreshStep(context, config, tokens, DPoP)

    await step('revocation', 'revocation', async () =>
      revokeAndConfirm(config, refreshed.refresh_token ?? tokens.refresh_token!, DPoP),
    )

    await logoutStep(context, config, refreshed.id_token ?? tokens.id_token!)
  },
}
