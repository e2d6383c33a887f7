/**
 * The shape of a demo profile and what its steps share: the run context, the client keys, the
 * redirect URIs the embedded clients register, and the `check` assertion.
 */
import type * as client from 'openid-rp'
import type * as jose from 'jose'
import type { ProviderOptions, TestProvider } from '../embedded/provider.ts'
import type { ResourceServer } from '../embedded/resource-server.ts'
import type { DemoPki } from '../tls.ts'
import type { BackchannelReceiver } from './backchannel.ts'
import type { Recorder } from './recorder.ts'

export const PROFILES = [
  'fapi2',
  'oidc',
  'hybrid',
  'device',
  'ciba',
  'client-credentials',
  'mtls',
] as const
export type Profile = (typeof PROFILES)[number]

export const REDIRECT_URI = 'https://client.example/cb'
export const POST_LOGOUT_REDIRECT_URI = 'https://client.example/logged-out'
export const API_PATH = '/api/accounts'

export interface Context {
  op: TestProvider
  rs: ResourceServer
  keys: ClientKeys
  recorder: Recorder
  /** The relying party's back-channel logout endpoint, for scenarios that set `backchannel`. */
  backchannel?: BackchannelReceiver
  step(id: string, title: string, action: () => Promise<Record<string, unknown>>): Promise<void>
}

export interface Scenario {
  /** Step titles in order; the transcript numbers steps against this. */
  steps: string[]
  /** Issue a throw-away PKI (with openssl) before the provider starts. */
  pki?: boolean
  /** Start a back-channel logout endpoint on 127.0.0.1 before the provider starts. */
  backchannel?: boolean
  provider(keys: ClientKeys, backchannelLogoutUri?: string): ProviderOptions
  run(context: Context): Promise<void>
}

export interface ClientKeys {
  signing: { key: CryptoKey; kid: string }
  encryption: { key: CryptoKey; kid: string; alg: string }
  jwks: jose.JWK[]
  /** A CA, server and client certificates, for profiles that set `pki`. */
  pki?: DemoPki
}

export type Tokens = client.TokenEndpointResponse & client.TokenEndpointResponseHelpers

export function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(message)
}

export const authorizationCodeClient = {
  redirect_uris: [REDIRECT_URI],
  post_logout_redirect_uris: [POST_LOGOUT_REDIRECT_URI],
  grant_types: ['authorization_code', 'refresh_token'],
}

/** A client without a front channel: no redirects, no response types. */
export const backChannelClient = { response_types: [], redirect_uris: [] }
