/** Non-repudiation: signed UserInfo and JWT introspection responses verified against the JWKS. */
import * as client from 'openid-rp'

export interface NonRepudiationExampleOptions {
  clientId: string
  clientSecret: string
  accessToken: string
  expectedSubject: string
  allowHttp?: boolean
}

export async function main(issuer: URL, options: NonRepudiationExampleOptions) {
  const config = await client.discovery(
    issuer,
    options.clientId,
    {
      client_secret: options.clientSecret,
      // ask for JWT responses; the server must have these registered for the client too
      userinfo_signed_response_alg: 'ES256',
      introspection_signed_response_alg: 'ES256',
    },
    undefined,
    {
      execute: [
        ...(options.allowHttp ? [client.allowInsecureRequests] : []),
        client.enableNonRepudiationChecks,
      ],
    },
  )
  const userInfo = await client.fetchUserInfo(config, options.accessToken, options.expectedSubject)
  const introspection = await client.tokenIntrospection(config, options.accessToken)
  return { userInfo, introspection }
}
