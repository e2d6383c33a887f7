/**
 * The samples of openid-client's README (test/types/reference-samples.ts, written against
 * openid-rp) run against the local provider on both implementations: the one source is loaded
 * twice, its `openid-rp` import changed to each implementation and nothing else.
 */
import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { after, before, describe, it } from 'node:test'

import ts from 'typescript'

import type * as Samples from '../types/reference-samples.ts'
import { implementations, type Client } from '../support/implementations.ts'
import { login } from '../support/login.ts'
import {
  createProvider,
  startResourceServer,
  type ResourceRequest,
  type ResourceServer,
  type TestProvider,
} from '../support/provider.ts'
import { closeProvider, redirectUri } from '../support/e2e.ts'

const clientId = 'readme-samples'
const clientSecret = 'readme-samples-secret-0123456789abcdefghijklmnopqrstuvwxyz'
const deviceGrant = 'urn:ietf:params:oauth:grant-type:device_code'
const cibaGrant = 'urn:openid:params:grant-type:ciba'
const resource = 'https://api.example'

type SampleConfiguration = Parameters<typeof Samples.startAuthorization>[0]

/** test/types/reference-samples.ts with its `openid-rp` import pointed at `implementation`. */
async function loadSamples(implementation: string): Promise<typeof Samples> {
  const source = await readFile(new URL('../types/reference-samples.ts', import.meta.url), 'utf8')
  const imports = source.match(/from 'openid-rp'/g) ?? []
  assert.equal(imports.length, 1, 'the samples import openid-rp once')
  const { outputText } = ts.transpileModule(
    source.replace("from 'openid-rp'", `from '${import.meta.resolve(implementation)}'`),
    { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } },
  )
  return (await import(
    `data:text/javascript;base64,${Buffer.from(outputText).toString('base64')}`
  )) as typeof Samples
}

let op: TestProvider
let rs: ResourceServer

before(async () => {
  op = await createProvider({
    features: {
      clientCredentials: true,
      deviceFlow: true,
      ciba: true,
      resourceIndicators: true,
    },
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        token_endpoint_auth_method: 'client_secret_post',
        redirect_uris: [redirectUri],
        response_types: ['code'],
        grant_types: ['authorization_code', 'client_credentials', deviceGrant, cibaGrant],
        backchannel_token_delivery_mode: 'poll',
      },
    ],
  })
  rs = await startResourceServer(op)
})

after(async () => {
  await rs.close()
  await closeProvider(op)
})

for (const impl of implementations) {
  describe(`${impl.name}: the samples of openid-client's README`, () => {
    let client: Client
    let samples: typeof Samples
    /** One Configuration per implementation, handed to samples typed against openid-rp. */
    let config: SampleConfiguration

    before(async () => {
      client = await impl.load()
      samples = await loadSamples(impl.name)
      // The samples' own discovery needs HTTPS; the local provider is plain HTTP, so the
      // Configuration comes from discovery() with allowInsecureRequests, and a [customFetch]
      // shortens the device and CIBA `interval` (5 s by default) to keep polling quick.
      let metadata: ReturnType<typeof config.serverMetadata> | undefined
      const discovered = await client.discovery(op.issuer, clientId, clientSecret, undefined, {
        execute: [client.allowInsecureRequests],
        [client.customFetch]: async (url, options) => {
          const response = await fetch(url, options as RequestInit)
          if (
            url !== metadata?.device_authorization_endpoint &&
            url !== metadata?.backchannel_authentication_endpoint
          ) {
            return response
          }
          const body = (await response.json()) as Record<string, unknown>
          return Response.json({ ...body, interval: 0.05 }, { status: response.status })
        },
      })
      config = discovered as unknown as SampleConfiguration
      metadata = config.serverMetadata()
    })

    it('authorization code flow with PKCE (and state when PKCE is not advertised), then a protected resource', async () => {
      const { redirectTo, codeVerifier, state } = await samples.startAuthorization(
        config,
        redirectUri,
        'openid email',
      )
      assert.equal(redirectTo.searchParams.get('code_challenge_method'), 'S256')
      assert.equal(state, undefined, 'the provider advertises PKCE, so no state is needed')
      const callback = await login(redirectTo)
      assert.ok(callback instanceof URL)
      const tokens = await samples.finishAuthorization(config, () => callback, codeVerifier, state)
      assert.equal(typeof tokens.access_token, 'string')
      assert.equal(typeof tokens.id_token, 'string')

      const seen = (await samples.callApi(
        config,
        tokens,
        new URL('/api', rs.url),
      )) as ResourceRequest
      assert.equal(seen.path, '/api')
      assert.equal(seen.scheme, 'Bearer')
      assert.equal(seen.token.sub, op.account.sub)
    })

    it('device authorization grant', async () => {
      const shown: string[] = []
      const tokens = await samples.deviceFlow(config, 'openid', async (userCode, uri) => {
        shown.push(userCode, uri)
        await op.approveDevice(userCode)
      })
      assert.equal(shown.length, 2)
      assert.ok(shown[1]!.startsWith(op.issuer.origin))
      assert.equal(typeof tokens.access_token, 'string')
    })

    it('client-initiated backchannel authentication', async () => {
      const tokens = await samples.backchannelFlow(config, 'openid', op.account.sub, (authReqId) =>
        op.approveCiba(authReqId),
      )
      assert.equal(typeof tokens.access_token, 'string')
    })

    it('client credentials grant for a resource', async () => {
      const tokens = await samples.serviceToken(config, 'api:read', resource)
      assert.equal(tokens.scope, 'api:read')
      assert.equal(typeof tokens.access_token, 'string')
    })

    it('discovery with a client secret refuses the plain-HTTP provider (the samples assume HTTPS)', async () => {
      await assert.rejects(samples.discover(op.issuer, clientId, clientSecret), (error: Error) => {
        assert.equal((error as { code?: string }).code, 'OAUTH_HTTP_REQUEST_FORBIDDEN')
        return true
      })
    })
  })
}
