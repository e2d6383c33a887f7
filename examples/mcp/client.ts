/**
 * An MCP client whose authorization is openid-rp (`openid-rp/mcp`): `npx tsx
 * examples/mcp/client.ts <server-url>` connects, lists the tools and calls the first one.
 *
 * The MCP conformance suite runs it with `MCP_CONFORMANCE_SCENARIO` and `MCP_CONFORMANCE_CONTEXT`
 * (pre-registered credentials); its authorization server redirects at once, so `authorize`
 * reads the redirect instead of opening a browser.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import { importPKCS8 } from 'jose'
import * as client from 'openid-rp'
import { createMcpFetch, type McpAuthOptions } from 'openid-rp/mcp'

const REDIRECT_URI = 'http://127.0.0.1:33418/callback'
const CLIENT_METADATA_DOCUMENT = new URL('https://conformance-test.local/client-metadata.json')

interface Context {
  client_id?: string
  client_secret?: string
  private_key_pem?: string
  signing_algorithm?: string
}

/** Follows the authorization server's redirect to the callback instead of opening a browser. */
async function authorize(authorizationUrl: URL): Promise<URL> {
  const response = await fetch(authorizationUrl, { redirect: 'manual' })
  const location = response.headers.get('location')
  if (location === null) throw new Error(`authorization answered ${response.status}, no redirect`)
  return new URL(location, authorizationUrl)
}

/** The adapter options for a scenario: client credentials, pre-registered, or CIMD / DCR. */
export async function optionsFor(scenario: string, context: Context): Promise<McpAuthOptions> {
  if (scenario.startsWith('auth/client-credentials')) {
    const clientAuthentication =
      context.private_key_pem === undefined
        ? undefined
        : client.PrivateKeyJwt(
            await importPKCS8(context.private_key_pem, context.signing_algorithm ?? 'ES256'),
          )
    return {
      grantType: 'client_credentials',
      clientId: context.client_id,
      clientSecret: context.client_secret,
      clientAuthentication,
    }
  }
  return {
    clientId: context.client_id,
    clientSecret: context.client_secret,
    clientMetadataDocument: context.client_id === undefined ? CLIENT_METADATA_DOCUMENT : undefined,
    redirectUri: REDIRECT_URI,
    authorize,
  }
}

async function main(serverUrl: string): Promise<void> {
  const scenario = process.env.MCP_CONFORMANCE_SCENARIO ?? ''
  const context = JSON.parse(process.env.MCP_CONFORMANCE_CONTEXT ?? '{}') as Context
  const url = new URL(serverUrl)
  const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname)
  const fetchWithAuth = createMcpFetch({
    ...(await optionsFor(scenario, context)),
    allowInsecureRequests: loopback,
  })
  const mcp = new Client({ name: 'openid-rp-example', version: '1.0.0' }, { capabilities: {} })
  await mcp.connect(new StreamableHTTPClientTransport(url, { fetch: fetchWithAuth }))
  const { tools } = await mcp.listTools()
  if (tools[0] !== undefined) await mcp.callTool({ name: tools[0].name, arguments: {} })
  await mcp.close()
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main(process.argv[2] ?? 'http://localhost:3000/mcp').catch((err: unknown) => {
    console.error(err)
    process.exitCode = 1
  })
}
