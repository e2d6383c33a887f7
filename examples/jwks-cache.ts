/** JWKS caching for stateless handlers: restore the issuer keys instead of fetching them. */
import * as client from 'openid-rp'

export interface JwksStorage {
  load(): Promise<client.ExportedJWKSCache | undefined>
  save(cache: client.ExportedJWKSCache): Promise<void>
}

export interface JwksCacheExampleOptions {
  clientId: string
  clientSecret: string
  accessToken: string
  expectedSubject: string
  storage: JwksStorage
  allowHttp?: boolean
}

/** One invocation of a serverless handler. */
export async function main(issuer: URL, options: JwksCacheExampleOptions) {
  const config = await client.discovery(
    issuer,
    options.clientId,
    { client_secret: options.clientSecret, userinfo_signed_response_alg: 'ES256' },
    undefined,
    {
      execute: [
        ...(options.allowHttp ? [client.allowInsecureRequests] : []),
        client.enableNonRepudiationChecks,
      ],
    },
  )
  const saved = await options.storage.load()
  if (saved) client.setJwksCache(config, saved)

  const userInfo = await client.fetchUserInfo(config, options.accessToken, options.expectedSubject)

  const current = client.getJwksCache(config)
  if (current) await options.storage.save(current)
  return userInfo
}
