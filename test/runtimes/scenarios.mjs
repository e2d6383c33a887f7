/**
 * The runtime matrix's end-to-end scenarios, written once as plain ESM with web-platform APIs only
 * (fetch, URL, crypto.subtle, console), so the same file runs on Node, Deno, Bun, workerd and in a
 * browser. Each runtime hands in the library namespace and the environment that the Node harness
 * (test/runtimes/run.ts) serves at `${driver}/env`; logins go through `${driver}/login`, where the
 * harness drives the provider's front channel with its cookie-jar browser.
 */

/** Scenario names, in the order they run and as the harness and docs/runtimes.md list them. */
export const scenarioNames = [
  'discovery',
  'code flow with PKCE',
  'DPoP with nonce',
  'PAR',
  'JARM',
  'userinfo',
  'refresh',
  'token manager',
  'client credentials',
  'decryption',
  'back-channel logout',
]

/** The summary line every runtime prints; the harness parses it with {@link parseSummary}. */
export function summaryLine(runtime, outcome) {
  const skipped = outcome.notApplicable.length
    ? `, ${outcome.notApplicable.length} not applicable (${outcome.notApplicable.map((s) => s.name).join('; ')})`
    : ''
  return `RUNTIME ${runtime}: ${outcome.passed} passed, ${outcome.failed} failed${skipped}`
}

export function parseSummary(text, runtime) {
  const match = new RegExp(`^RUNTIME ${runtime}: (\\d+) passed, (\\d+) failed`, 'm').exec(text)
  return match ? { passed: Number(match[1]), failed: Number(match[2]) } : undefined
}

/** Loads the environment the harness serves; `driver` is the harness's base URL. */
export async function loadEnvironment(driver) {
  const response = await fetch(new URL('/env', driver))
  if (!response.ok) throw new Error(`GET /env answered ${response.status}`)
  return response.json()
}

/**
 * Runs every scenario against the harness's provider and returns one result per scenario.
 * `notApplicable` maps a scenario name, or a capability outside the shared set, to the reason
 * this runtime cannot have it; both are reported by name.
 */
export async function runScenarios(lib, env, { notApplicable = {}, log = console.log } = {}) {
  const results = []
  for (const name of scenarioNames) {
    if (notApplicable[name]) {
      results.push({ name, status: 'not applicable', reason: notApplicable[name] })
      log(`  - ${name}: not applicable (${notApplicable[name]})`)
      continue
    }
    const started = Date.now()
    try {
      await scenarios[name](lib, env)
      results.push({ name, status: 'passed', ms: Date.now() - started })
      log(`  ✔ ${name} (${Date.now() - started} ms)`)
    } catch (error) {
      const text = describe(error)
      results.push({ name, status: 'failed', error: text })
      log(`  ✖ ${name}: ${text}`)
    }
  }
  for (const [name, reason] of Object.entries(notApplicable)) {
    if (scenarioNames.includes(name)) continue
    results.push({ name, status: 'not applicable', reason })
    log(`  - ${name}: not applicable (${reason})`)
  }
  return {
    results,
    passed: results.filter((r) => r.status === 'passed').length,
    failed: results.filter((r) => r.status === 'failed').length,
    notApplicable: results.filter((r) => r.status === 'not applicable'),
  }
}

function describe(error) {
  if (!(error instanceof Error)) return String(error)
  const code = error.code ? ` [${error.code}]` : ''
  const stack = error.stack ? `\n${error.stack.split('\n').slice(1, 6).join('\n')}` : ''
  return `${error.name}${code}: ${error.message}${stack}`
}

function check(condition, message) {
  if (!condition) throw new Error(`check failed: ${message}`)
}

function equal(actual, expected, message) {
  check(
    actual === expected,
    `${message}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`,
  )
}

function decodeJwtPayload(jwt) {
  const part = jwt.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')
  return JSON.parse(atob(part.padEnd(Math.ceil(part.length / 4) * 4, '=')))
}

/**
 * Asks the harness to log in at `url` and returns the callback URL it stopped at; with `session`,
 * the harness keeps that browser's provider cookies to log out later.
 */
async function login(env, url, redirectUri, session) {
  const response = await fetch(new URL('/login', env.driver), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ url: url.href, redirectUri, session }),
  })
  const body = await response.json()
  if (!response.ok) throw new Error(`driver login failed: ${body.error}`)
  return new URL(body.callback)
}

function configure(lib, env, client, metadata) {
  return lib.discovery(
    new URL(env.issuer),
    client.id,
    metadata,
    lib.ClientSecretBasic(client.secret),
    { execute: [lib.allowInsecureRequests] },
  )
}

async function pkceRequest(lib, env, extra = {}) {
  const pkceCodeVerifier = lib.randomPKCECodeVerifier()
  const expectedState = lib.randomState()
  const expectedNonce = lib.randomNonce()
  const parameters = {
    redirect_uri: env.redirectUri,
    scope: 'openid email profile',
    code_challenge: await lib.calculatePKCECodeChallenge(pkceCodeVerifier),
    code_challenge_method: 'S256',
    state: expectedState,
    nonce: expectedNonce,
    ...extra,
  }
  return { parameters, checks: { pkceCodeVerifier, expectedState, expectedNonce } }
}

/** Code flow with PKCE, state and nonce; returns the token endpoint response. */
async function codeFlow(lib, env, config, { DPoP, par = false, session } = {}) {
  const { parameters, checks } = await pkceRequest(lib, env)
  const url = par
    ? await lib.buildAuthorizationUrlWithPAR(config, parameters, { DPoP })
    : lib.buildAuthorizationUrl(config, parameters)
  const callback = await login(env, url, env.redirectUri, session)
  const tokens = await lib.authorizationCodeGrant(config, callback, checks, undefined, { DPoP })
  const claims = tokens.claims()
  equal(claims?.sub, env.account.sub, 'ID Token sub')
  equal(claims?.nonce, checks.expectedNonce, 'ID Token nonce')
  return { tokens, url, callback }
}

const scenarios = {
  async discovery(lib, env) {
    const config = await configure(lib, env, env.clients.confidential)
    const metadata = config.serverMetadata()
    equal(metadata.issuer, new URL(env.issuer).href, 'issuer')
    check(typeof metadata.token_endpoint === 'string', 'token_endpoint is discovered')
    check(metadata.supportsPKCE(), 'the provider supports PKCE S256')
    equal(config.clientMetadata().client_id, env.clients.confidential.id, 'client_id')
  },

  async 'code flow with PKCE'(lib, env) {
    const config = await configure(lib, env, env.clients.confidential)
    const { tokens, url, callback } = await codeFlow(lib, env, config)
    equal(url.searchParams.get('code_challenge_method'), 'S256', 'code_challenge_method')
    check(callback.searchParams.has('code'), 'the callback carries a code')
    equal(tokens.token_type.toLowerCase(), 'bearer', 'token_type')
    check(typeof tokens.access_token === 'string', 'an access token')
    check(tokens.expiresIn() > 0, 'expiresIn() is positive')
  },

  async 'DPoP with nonce'(lib, env) {
    const config = await configure(lib, env, env.clients.confidential)
    const keyPair = await lib.randomDPoPKeyPair('ES256')
    const DPoP = lib.getDPoPHandle(config, keyPair)
    const { tokens } = await codeFlow(lib, env, config, { DPoP })
    equal(tokens.token_type.toLowerCase(), 'dpop', 'token_type')
    // the resource server answers use_dpop_nonce first; the library retries with its nonce
    const response = await lib.fetchProtectedResource(
      config,
      tokens.access_token,
      new URL('/api/me', env.resource),
      'GET',
      undefined,
      undefined,
      { DPoP },
    )
    equal(response.status, 200, 'protected resource status')
    const seen = await response.json()
    equal(seen.scheme, 'DPoP', 'scheme the resource server saw')
    equal(seen.token.sub, env.account.sub, 'token subject')
    check(typeof seen.token.jkt === 'string', 'the token is key-bound')
    const proof = decodeJwtPayload(seen.headers.dpop)
    check(typeof proof.nonce === 'string', 'the accepted proof carried the nonce the server issued')
  },

  async PAR(lib, env) {
    const config = await configure(lib, env, env.clients.confidential)
    const { url } = await codeFlow(lib, env, config, { par: true })
    equal([...url.searchParams.keys()].sort().join(','), 'client_id,request_uri', 'URL parameters')
    check(
      url.searchParams.get('request_uri').startsWith('urn:ietf:params:oauth:request_uri:'),
      'request_uri is a PAR URN',
    )
  },

  async JARM(lib, env) {
    const config = await configure(lib, env, env.clients.jarm)
    lib.useJwtResponseMode(config)
    const { callback } = await codeFlow(lib, env, config)
    const response = callback.searchParams.get('response')
    check(
      response && response.split('.').length === 3,
      'the callback carries a signed JWT response',
    )
    check(!callback.searchParams.has('code'), 'no bare code in the callback')
  },

  async userinfo(lib, env) {
    const config = await configure(lib, env, env.clients.confidential)
    const { tokens } = await codeFlow(lib, env, config)
    const userinfo = await lib.fetchUserInfo(config, tokens.access_token, tokens.claims().sub)
    equal(userinfo.sub, env.account.sub, 'userinfo sub')
    equal(userinfo.email, env.account.email, 'userinfo email')
    equal(userinfo.name, env.account.name, 'userinfo name')
  },

  async refresh(lib, env) {
    const config = await configure(lib, env, env.clients.confidential)
    const { tokens } = await codeFlow(lib, env, config)
    check(typeof tokens.refresh_token === 'string', 'a refresh token was issued')
    const refreshed = await lib.refreshTokenGrant(config, tokens.refresh_token)
    check(refreshed.access_token !== tokens.access_token, 'a new access token')
    equal(refreshed.claims()?.sub, env.account.sub, 'refreshed ID Token sub')
  },

  async 'token manager'(lib, env) {
    const config = await configure(lib, env, env.clients.confidential)
    const { tokens } = await codeFlow(lib, env, config)
    let tokenRequests = 0
    config[lib.customFetch] = (url, options) => {
      if (url === config.serverMetadata().token_endpoint) tokenRequests++
      return fetch(url, options)
    }
    const claims = tokens.claims()
    const manager = lib.createTokenManager(config, {
      session: 'runtime',
      initialTokens: { ...tokens, expires_in: 0, claims: () => claims },
    })
    const all = await Promise.all(Array.from({ length: 10 }, () => manager.accessToken()))
    equal(new Set(all).size, 1, 'one access token for 10 concurrent callers')
    equal(tokenRequests, 1, 'token requests for 10 concurrent callers')
    check(all[0] !== tokens.access_token, 'the access token was refreshed')
    equal((await manager.tokens()).claims.sub, env.account.sub, 'the continued ID Token sub')
  },

  async 'client credentials'(lib, env) {
    const config = await configure(lib, env, env.clients.confidential)
    const tokens = await lib.clientCredentialsGrant(config, { scope: 'api:read' })
    check(typeof tokens.access_token === 'string', 'an access token')
    equal(tokens.scope, 'api:read', 'scope')
    equal(tokens.claims(), undefined, 'no ID Token')
  },

  async decryption(lib, env) {
    const client = env.clients.encrypted
    const config = await configure(lib, env, client, { userinfo_signed_response_alg: 'ES256' })
    const { kid, alg, ...jwk } = client.key
    const key = await crypto.subtle.importKey(
      'jwk',
      { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y, d: jwk.d },
      { name: 'ECDH', namedCurve: jwk.crv },
      false,
      ['deriveBits'],
    )
    lib.enableDecryptingResponses(config, ['A256GCM'], { key, alg, kid })
    const { tokens } = await codeFlow(lib, env, config)
    equal(tokens.id_token.split('.').length, 5, 'the ID Token arrived encrypted (JWE)')
    const userinfo = await lib.fetchUserInfo(config, tokens.access_token, tokens.claims().sub)
    equal(userinfo.email, env.account.email, 'decrypted userinfo email')
    const signedUserinfo = lib.getDecryptedResponses(userinfo)
    check(
      typeof signedUserinfo === 'string' && signedUserinfo.split('.').length === 3,
      'the UserInfo response was a JWE around a JWS',
    )
  },

  async 'back-channel logout'(lib, env) {
    const config = await configure(lib, env, env.clients.backchannel)
    const { tokens } = await codeFlow(lib, env, config, { session: 'back-channel' })
    const session = tokens.claims()
    check(typeof session.sid === 'string', 'the ID Token carries sid')
    const endSession = lib.buildEndSessionUrl(config, {
      post_logout_redirect_uri: env.postLogoutRedirectUri,
    })
    const response = await fetch(new URL('/logout', env.driver), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ url: endSession.href, session: 'back-channel' }),
    })
    const body = await response.json()
    if (!response.ok) throw new Error(`driver logout failed: ${body.error}`)
    // the provider's real logout token, POSTed to this runtime's back-channel endpoint
    const request = new Request('https://rp.example/backchannel-logout', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ logout_token: body.logoutToken }),
    })
    const logout = await lib.validateLogoutToken(config, request)
    equal(logout.sid, session.sid, 'logout token sid')
    equal(logout.sub, session.sub, 'logout token sub')
    const ok = lib.backchannelLogoutResponse()
    equal(ok.status, 200, 'answer status')
    equal(ok.headers.get('cache-control'), 'no-store', 'answer Cache-Control')
    const store = new lib.MemoryLogoutStore()
    check(!(await store.isLoggedOut(session)), 'the session is live before the logout')
    await store.markLoggedOut(logout, 3600)
    check(await store.isLoggedOut(session), 'the store ends the session')
    let replay
    try {
      await lib.validateLogoutToken(config, body.logoutToken)
    } catch (error) {
      replay = error
    }
    equal(replay?.code, 'OAUTH_JWT_CLAIM_COMPARISON_FAILED', 'a replayed logout token is refused')
    equal(lib.backchannelLogoutResponse(replay).status, 400, 'refusal answer status')
  },
}
