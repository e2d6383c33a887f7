/**
 * HTTP requests per flow against the local oidc-provider, counted through [customFetch], beside
 * the protocol's minimum. The front channel (the browser's navigations) is not counted.
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import * as jose from 'jose'

import { login } from '../test/support/login.ts'
import { createProvider, startResourceServer } from '../test/support/provider.ts'
import type { Client } from './fixtures.ts'

export interface RoundTripStep {
  flow: string
  step: string
  /** Requests the protocol needs at least. */
  minimum: number
  rp: number
  ref: number
  /** What each implementation sent, `METHOD path status`. */
  rpRequests: string[]
  refRequests: string[]
}

const redirectUri = 'https://client.example/cb'
const secret = (name: string) => `${name}-secret-0123456789abcdefghijklmnopqrstuvwxyz`

export async function runRoundTrips(implementations: {
  rp: Client
  ref: Client
}): Promise<RoundTripStep[]> {
  const jarKey = await jose.generateKeyPair('ES256', { extractable: true })
  const op = await createProvider({
    features: {
      dPoP: { nonceSecret: randomBytes(32), requireNonce: () => true },
      pushedAuthorizationRequests: true,
      requestObjects: true,
    },
    clients: [
      {
        client_id: 'bench-code',
        client_secret: secret('bench-code'),
        token_endpoint_auth_method: 'client_secret_basic',
        redirect_uris: [redirectUri],
        response_types: ['code'],
        grant_types: ['authorization_code', 'refresh_token'],
      },
      {
        client_id: 'bench-fapi',
        client_secret: secret('bench-fapi'),
        token_endpoint_auth_method: 'client_secret_basic',
        redirect_uris: [redirectUri],
        response_types: ['code'],
        grant_types: ['authorization_code', 'refresh_token'],
        request_object_signing_alg: 'ES256',
        require_pushed_authorization_requests: true,
        jwks: {
          keys: [
            { ...(await jose.exportJWK(jarKey.publicKey)), kid: 'jar-1', alg: 'ES256', use: 'sig' },
          ],
        },
      },
    ],
  })
  const rs = await startResourceServer(op, { requireDpopNonce: true })
  const steps = new Map<string, RoundTripStep>()
  try {
    for (const which of ['rp', 'ref'] as const) {
      const client = implementations[which]
      const log: string[] = []
      const counting = (async (url: string, options: RequestInit) => {
        const response = await fetch(url, options)
        log.push(`${options.method ?? 'GET'} ${new URL(url).pathname} ${response.status}`)
        return response
      }) as never
      const step = async <T>(
        flow: string,
        name: string,
        minimum: number,
        action: () => Promise<T>,
      ): Promise<T> => {
        const start = log.length
        const result = await action()
        const key = `${flow}\u0000${name}`
        const entry = steps.get(key) ?? {
          flow,
          step: name,
          minimum,
          rp: 0,
          ref: 0,
          rpRequests: [],
          refRequests: [],
        }
        entry[which] = log.length - start
        entry[`${which}Requests`] = log.slice(start)
        steps.set(key, entry)
        return result
      }
      const pkce = async () => {
        const pkceCodeVerifier = client.randomPKCECodeVerifier()
        const expectedState = client.randomState()
        const expectedNonce = client.randomNonce()
        return {
          parameters: {
            redirect_uri: redirectUri,
            scope: 'openid email offline_access',
            prompt: 'consent',
            code_challenge: await client.calculatePKCECodeChallenge(pkceCodeVerifier),
            code_challenge_method: 'S256',
            state: expectedState,
            nonce: expectedNonce,
          },
          checks: { pkceCodeVerifier, expectedState, expectedNonce },
        }
      }
      const options = { [client.customFetch]: counting, execute: [client.allowInsecureRequests] }

      // Code flow + refresh + Bearer resource calls
      {
        const flow = 'code flow (Bearer)'
        const config = await step(flow, 'discovery', 1, () =>
          client.discovery(
            op.issuer,
            'bench-code',
            undefined,
            client.ClientSecretBasic(secret('bench-code')),
            options,
          ),
        )
        const { parameters, checks } = await pkce()
        const callback = await login(client.buildAuthorizationUrl(config, parameters))
        const tokens = await step(flow, 'authorizationCodeGrant', 1, () =>
          client.authorizationCodeGrant(config, callback as URL, checks),
        )
        assert.equal(tokens.claims()?.sub, op.account.sub)
        assert.ok(tokens.refresh_token, 'a refresh token')
        const refreshed = await step(flow, 'refreshTokenGrant', 1, () =>
          client.refreshTokenGrant(config, tokens.refresh_token!),
        )
        for (let i = 1; i <= 3; i++) {
          const response = await step(flow, `fetchProtectedResource #${i}`, 1, () =>
            client.fetchProtectedResource(
              config,
              refreshed.access_token,
              new URL('/accounts', rs.url),
              'GET',
            ),
          )
          assert.equal(response.status, 200)
        }
      }

      // PAR + JAR + DPoP, nonces required by the authorization server and the resource server
      {
        const flow = 'PAR + JAR + DPoP (nonces required)'
        const config = await step(flow, 'discovery', 1, () =>
          client.discovery(
            op.issuer,
            'bench-fapi',
            undefined,
            client.ClientSecretBasic(secret('bench-fapi')),
            options,
          ),
        )
        const DPoP = client.getDPoPHandle(config, await client.randomDPoPKeyPair('ES256'))
        let accessToken = ''
        for (const round of ['cold', 'warm']) {
          const { parameters, checks } = await pkce()
          const jar = await step(flow, `buildAuthorizationUrlWithJAR (${round})`, 0, () =>
            client.buildAuthorizationUrlWithJAR(config, parameters, {
              key: jarKey.privateKey,
              kid: 'jar-1',
            }),
          )
          // the first request to a nonce-demanding server cannot carry its nonce: one retry is inherent
          const url = await step(
            flow,
            `buildAuthorizationUrlWithPAR (${round} nonce)`,
            round === 'cold' ? 2 : 1,
            () => client.buildAuthorizationUrlWithPAR(config, jar.searchParams, { DPoP }),
          )
          const callback = await login(url, { redirectUri })
          const tokens = await step(flow, `authorizationCodeGrant (${round})`, 1, () =>
            client.authorizationCodeGrant(config, callback as URL, checks, undefined, { DPoP }),
          )
          assert.equal(tokens.token_type, 'dpop')
          const refreshed = await step(flow, `refreshTokenGrant (${round})`, 1, () =>
            client.refreshTokenGrant(config, tokens.refresh_token!, undefined, { DPoP }),
          )
          accessToken = refreshed.access_token
        }
        for (let i = 1; i <= 3; i++) {
          const response = await step(flow, `fetchProtectedResource #${i}`, i === 1 ? 2 : 1, () =>
            client.fetchProtectedResource(
              config,
              accessToken,
              new URL('/accounts', rs.url),
              'GET',
              undefined,
              undefined,
              {
                DPoP,
              },
            ),
          )
          assert.equal(response.status, 200)
        }
      }
    }
  } finally {
    await rs.close()
    await op.close()
  }
  assert.deepEqual(op.serverErrors, [], 'the provider saw no server errors')
  return [...steps.values()]
}
