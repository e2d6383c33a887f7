/**
 * A browser single-page app as a public OAuth client (`token_endpoint_auth_method: none`): the
 * code flow with PKCE, and DPoP-bound tokens from a non-extractable ES256 key pair that is kept
 * in IndexedDB (./key-store.ts), so the tokens stay usable after a reload but the private key
 * can never be read out by script. The tokens live in a token manager on the browser store
 * (IndexedDB + Web Locks), so every tab of the app shares them and refreshes them once. Bundle it
 * with ./build.ts; it reads its settings from `config.json` next to the page.
 *
 * The page exposes `window.spa` (the {@link SpaApi}) for scripting and tests.
 */
import * as jose from 'jose'
import * as client from 'openid-rp'
import { deleteKeyPair, loadKeyPair, saveKeyPair } from './key-store.ts'

export interface SpaConfig {
  issuer: string
  clientId: string
  /** This page's callback URL, registered as the client's redirect URI. */
  redirectUri: string
  /** A DPoP-protected API to call with the access token. */
  resource: string
  /** Allow a plain-HTTP issuer (local development only). */
  allowHttp?: boolean
  /** Refresh when the access token expires within this many seconds (default 30). */
  tokenSkew?: number
}

export type SpaState =
  | { phase: 'logged-out' }
  | { phase: 'logged-in'; sub: string; tokenType: string; jkt: string }
  | { phase: 'error'; error: string }

export interface SpaApi {
  /** Resolves once the page has handled its URL (a callback, a reload, or a fresh start). */
  ready: Promise<SpaState>
  /** Starts a login: a new DPoP key pair, then a navigation to the authorization endpoint. */
  login(): Promise<void>
  /** GETs the resource with the DPoP-bound access token and answers with its JSON. */
  callResource(): Promise<{ status: number; body: unknown }>
  /** A valid access token from the token manager shared by the app's tabs. */
  accessToken(): Promise<string>
  /** The stored key pair: its JWK thumbprint and whether the private key is extractable. */
  keyInfo(): Promise<{ jkt: string; extractable: boolean; algorithm: string } | undefined>
  logout(): Promise<void>
}

declare global {
  interface Window {
    spa: SpaApi
  }
}

const transactionKey = 'openid-rp-spa:transaction'
const store = client.createBrowserStore({ database: 'openid-rp-spa-tokens' })

const settings = fetch(new URL('config.json', document.baseURI)).then(
  (response) => response.json() as Promise<SpaConfig>,
)

let configuration: Promise<client.Configuration> | undefined
function getConfiguration(): Promise<client.Configuration> {
  configuration ??= settings.then((config) =>
    client.discovery(new URL(config.issuer), config.clientId, undefined, client.None(), {
      execute: config.allowHttp ? [client.allowInsecureRequests] : [],
    }),
  )
  return configuration
}

/** The session's tokens, shared by every tab through IndexedDB; `initialTokens` after a login. */
async function tokenManager(initialTokens?: client.TokenEndpointResponse) {
  const [config, settingsValue] = await Promise.all([getConfiguration(), settings])
  return client.createTokenManager(config, {
    session: 'spa',
    store,
    DPoP: client.getDPoPHandle(config, await requireKeyPair()),
    skew: settingsValue.tokenSkew,
    initialTokens,
  })
}

const thumbprint = async (keyPair: CryptoKeyPair) =>
  jose.calculateJwkThumbprint(await jose.exportJWK(keyPair.publicKey))

async function login(): Promise<void> {
  const [config, settingsValue] = await Promise.all([getConfiguration(), settings])
  // a new key per login; the private key is non-extractable (randomDPoPKeyPair's default)
  const keyPair = await client.randomDPoPKeyPair('ES256')
  await saveKeyPair(keyPair)
  const transaction = {
    pkceCodeVerifier: client.randomPKCECodeVerifier(),
    expectedState: client.randomState(),
    expectedNonce: client.randomNonce(),
  }
  sessionStorage.setItem(transactionKey, JSON.stringify(transaction))
  // a new login starts a new session: the previous one's tokens go
  if (await loadKeyPair()) await (await tokenManager()).revoke().catch(() => {})
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: settingsValue.redirectUri,
    scope: 'openid email profile',
    code_challenge: await client.calculatePKCECodeChallenge(transaction.pkceCodeVerifier),
    code_challenge_method: 'S256',
    state: transaction.expectedState,
    nonce: transaction.expectedNonce,
    // binds the authorization code to this key (RFC 9449 section 10)
    dpop_jkt: await thumbprint(keyPair),
  })
  location.assign(url.href)
}

async function requireKeyPair(): Promise<CryptoKeyPair> {
  const keyPair = await loadKeyPair()
  if (!keyPair) throw new Error('no DPoP key pair in IndexedDB')
  return keyPair
}

/** Redeems the code in the callback URL with a DPoP proof from the stored key. */
async function completeLogin(callback: URL): Promise<void> {
  const stored = sessionStorage.getItem(transactionKey)
  if (!stored) throw new Error('no login in progress')
  sessionStorage.removeItem(transactionKey)
  const config = await getConfiguration()
  const DPoP = client.getDPoPHandle(config, await requireKeyPair())
  const tokens = await client.authorizationCodeGrant(
    config,
    callback,
    JSON.parse(stored),
    undefined,
    { DPoP },
  )
  if (tokens.token_type !== 'dpop')
    throw new Error(`expected a DPoP token, got ${tokens.token_type}`)
  await (await tokenManager(tokens)).tokens()
}

async function accessToken(): Promise<string> {
  return (await tokenManager()).accessToken()
}

async function callResource() {
  const [config, settingsValue] = await Promise.all([getConfiguration(), settings])
  const DPoP = client.getDPoPHandle(config, await requireKeyPair())
  // the resource server's DPoP nonce challenge is answered by one automatic retry
  const response = await client.fetchProtectedResource(
    config,
    await accessToken(),
    new URL(settingsValue.resource),
    'GET',
    undefined,
    undefined,
    { DPoP },
  )
  return { status: response.status, body: await response.json() }
}

async function keyInfo() {
  const keyPair = await loadKeyPair()
  if (!keyPair) return undefined
  return {
    jkt: await thumbprint(keyPair),
    extractable: keyPair.privateKey.extractable,
    algorithm: keyPair.privateKey.algorithm.name,
  }
}

async function logout() {
  if (await loadKeyPair()) await (await tokenManager()).revoke()
  await deleteKeyPair()
  render({ phase: 'logged-out' })
}

async function start(): Promise<SpaState> {
  const url = new URL(location.href)
  if (url.searchParams.has('code') || url.searchParams.has('error')) {
    await completeLogin(url)
    // drop the code from the address bar and the history
    history.replaceState(null, '', url.pathname)
  }
  const keyPair = await loadKeyPair()
  const tokens = keyPair ? await (await tokenManager()).tokens() : undefined
  if (!keyPair || !tokens?.claims) return { phase: 'logged-out' }
  return {
    phase: 'logged-in',
    sub: tokens.claims.sub,
    tokenType: tokens.token_type,
    jkt: await thumbprint(keyPair),
  }
}

function render(state: SpaState) {
  document.body.dataset.phase = state.phase
  const output = document.getElementById('output')
  if (output) output.textContent = JSON.stringify(state, null, 2)
}

const ready = start().then(
  (state) => (render(state), state),
  (error: unknown) => {
    const state: SpaState = { phase: 'error', error: String(error) }
    render(state)
    return state
  },
)

window.spa = { ready, login, callResource, accessToken, keyInfo, logout }
document.getElementById('login')?.addEventListener('click', () => void login())
document.getElementById('call')?.addEventListener('click', async () => {
  const output = document.getElementById('output')
  if (output) output.textContent = JSON.stringify(await callResource(), null, 2)
})
document.getElementById('logout')?.addEventListener('click', () => void logout())
