/**
 * `openid-rp demo --serve`: keeps the embedded provider and its protected API running for the
 * other commands, with ready-made clients, and prints the commands to paste.
 */
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { API_PATH } from './scenario.ts'
import { loadEmbeddedProvider } from './runner.ts'

export interface ServeOptions {
  /** The provider's port; a free one by default. */
  port?: number
  /** The API's port; a free one by default. */
  apiPort?: number
  /** The loopback redirect URI the `cli-app` client registers. */
  redirectUri: string
  /** Receives the lines to print once both servers listen. */
  print: (text: string) => void
}

/** A running `demo --serve`: stop it to close both servers and remove the secret files. */
export interface Serving {
  issuer: URL
  api: URL
  stop(): Promise<void>
}

/** Starts the provider (clients `cli-app`, `cli-service`, `cli-device`) and the API. */
export async function serve(options: ServeOptions): Promise<Serving> {
  const embedded = await loadEmbeddedProvider()
  const { startResourceServer } = await import('../embedded/resource-server.ts')
  const dir = mkdtempSync(join(tmpdir(), 'openid-rp-serve-'))
  const secrets = {
    app: randomBytes(24).toString('base64url'),
    service: randomBytes(24).toString('base64url'),
  }
  const appSecretFile = join(dir, 'cli-app.secret')
  const serviceSecretFile = join(dir, 'cli-service.secret')
  writeFileSync(appSecretFile, `${secrets.app}\n`, { mode: 0o600 })
  writeFileSync(serviceSecretFile, `${secrets.service}\n`, { mode: 0o600 })
  const op = await embedded.createProvider({
    port: options.port,
    features: {
      clientCredentials: true,
      deviceFlow: true,
      introspection: true,
      revocation: true,
      rpInitiatedLogout: true,
      dPoP: true,
    },
    clients: [
      {
        client_id: 'cli-app',
        client_secret: secrets.app,
        redirect_uris: [options.redirectUri],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
      },
      {
        client_id: 'cli-service',
        client_secret: secrets.service,
        grant_types: ['client_credentials'],
        response_types: [],
        redirect_uris: [],
      },
      {
        client_id: 'cli-device',
        token_endpoint_auth_method: 'none',
        grant_types: ['urn:ietf:params:oauth:grant-type:device_code', 'refresh_token'],
        response_types: [],
        redirect_uris: [],
      },
    ],
  })
  const rs = await startResourceServer(op, { port: options.apiPort }).catch(async (error) => {
    await op.close()
    throw error
  })
  const issuer = op.issuer.href
  const api = new URL(API_PATH, rs.url)
  const common = `--issuer ${issuer}`
  options.print(`openid-rp demo --serve: an OpenID Provider and a protected API on 127.0.0.1
  issuer  ${issuer}   (signs in ${String(op.account.email)} without a password)
  API     ${api.href}   (accepts the provider's Bearer and DPoP access tokens)
  clients cli-app (code flow, secret in ${appSecretFile}, redirect URI ${options.redirectUri})
          cli-service (client credentials, secret in ${serviceSecretFile})
          cli-device (device flow, public)

Paste these in another terminal (jq reads the saved JSON):
  openid-rp discover ${issuer}
  openid-rp login ${common} --client-id cli-app --client-secret-file ${appSecretFile} --redirect-uri ${options.redirectUri} --json > login.json
  openid-rp token refresh ${common} --client-id cli-app --client-secret-file ${appSecretFile} --refresh-token-file login.json --json > refreshed.json
  openid-rp decode "$(jq -r .id_token login.json)" --issuer ${issuer}
  curl -H "Authorization: Bearer $(jq -r .access_token refreshed.json)" ${api.href}
  openid-rp token client-credentials ${common} --client-id cli-service --client-secret-file ${serviceSecretFile} --raw
  openid-rp token device ${common} --client-id cli-device

Ctrl-C stops both servers.`)
  return {
    issuer: op.issuer,
    api,
    async stop() {
      await rs.close()
      await op.close()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
