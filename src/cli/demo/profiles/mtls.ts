/**
 * Demo profile `mtls`. Mutual TLS: tls_client_auth with a throw-away PKI, certificate-bound access
 * tokens shown through introspection, and revocation.
 */
import * as client from 'openid-rp'
import { backChannelClient, check, type Scenario } from '../scenario.ts'
import { discoveryStep, tokenStep, introspectionStep, revocationStep } from '../steps.ts'

export const mtls: Scenario = {
  pki: true,
  steps: [
    'client certificate',
    'discovery over TLS',
    'client credentials with tls_client_auth',
    'introspection shows the certificate binding',
    'revocation',
  ],
  provider: (keys) => ({
    tls: {
      key: keys.pki!.server.key,
      cert: keys.pki!.server.cert,
      ca: keys.pki!.ca,
      requestCert: true,
      rejectUnauthorized: false,
    },
    features: {
      mTLS: { tlsClientAuth: true, certificateBoundAccessTokens: true },
      clientCredentials: true,
      introspection: true,
      revocation: true,
    },
    clients: [
      {
        client_id: 'mtls-client',
        token_endpoint_auth_method: 'tls_client_auth',
        tls_client_auth_subject_dn: 'CN=mtls-rp',
        tls_client_certificate_bound_access_tokens: true,
        grant_types: ['client_credentials'],
        ...backChannelClient,
      },
    ],
  }),
  async run(context) {
    const { keys, step } = context
    const pki = keys.pki!
    const { certificateThumbprint, tlsFetch } = await import('../../tls.ts')
    const thumbprint = certificateThumbprint(pki.client.cert)
    await step('certificate', 'client certificate', async () => {
      const { X509Certificate } = await import('node:crypto')
      const certificate = new X509Certificate(pki.client.cert)
      context.recorder.transport = tlsFetch(pki.ca, pki.client)
      return {
        subject: certificate.subject,
        issuer: certificate.issuer,
        valid_to: certificate.validTo,
        'x5t#S256': thumbprint,
      }
    })
    const { config } = await discoveryStep(context, {
      clientId: 'mtls-client',
      metadata: { use_mtls_endpoint_aliases: true },
      auth: client.TlsClientAuth(),
      title: 'discovery over TLS',
      options: { [client.customFetch]: context.recorder.fetch },
      setup(config) {
        const metadata = config.serverMetadata()
        return {
          tls_client_certificate_bound_access_tokens:
            metadata.tls_client_certificate_bound_access_tokens ?? false,
          mtls_endpoint_aliases: metadata.mtls_endpoint_aliases ?? 'none',
        }
      },
    })
    const tokens = await tokenStep(
      context,
      'token',
      'client credentials with tls_client_auth',
      () => client.clientCredentialsGrant(config, { scope: 'api:read' }),
    )
    await introspectionStep(
      context,
      config,
      tokens,
      'introspection shows the certificate binding',
      (introspection) => {
        const bound = introspection.cnf?.['x5t#S256']
        check(bound === thumbprint, 'the access token is not bound to the client certificate')
        return { bound_to_client_certificate: true }
      },
    )
    await revocationStep(context, config, tokens)
  },
}
