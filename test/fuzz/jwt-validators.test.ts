/**
 * Property-based fuzzing of the ID Token (token endpoint, with and without signature checks),
 * JARM and (openid-rp only) back-channel logout token validators: arbitrary strings as JWTs, arbitrary header and payload JSON (unsigned and
 * validly signed), and truncated or base64-mangled valid tokens. Only success or typed errors.
 */
import { after, before, it } from 'node:test'

import fc from 'fast-check'
import { base64url } from 'jose'

import { sign, signingKey, type SigningKey } from '../support/forge.ts'
import { describeEachImplementation } from '../support/implementations.ts'
import {
  fakeConfiguration,
  idTokenClaims,
  ISSUER,
  CLIENT_ID,
  REDIRECT_URI,
  tokenResponse,
  trapUnhandledRejections,
  typedOrSuccess,
} from './support.ts'

const NUM_RUNS = 250
const STATE = 'fuzz-state'

const encode = (value: unknown) => base64url.encode(JSON.stringify(value))

/** JWT claim and header names, mixed with arbitrary ones, with arbitrary JSON values. */
const claimName = fc.oneof(
  fc.constantFrom(
    'iss',
    'aud',
    'sub',
    'exp',
    'iat',
    'nbf',
    'nonce',
    'azp',
    'auth_time',
    'code',
    'state',
    'error',
    'jti',
    'events',
    'sid',
  ),
  fc.string({ maxLength: 8 }),
)
const headerName = fc.oneof(
  fc.constantFrom('alg', 'kid', 'typ', 'crit', 'jku', 'jwk', 'x5u', 'enc', 'cty', 'b64'),
  fc.string({ maxLength: 8 }),
)
const json = fc.jsonValue({ maxDepth: 2 })
const claims = fc.dictionary(claimName, json, { maxKeys: 8 })
const header = fc.dictionary(headerName, json, { maxKeys: 5 })
const anyJson = fc.oneof(claims, json)

/** Edits that break a compact token: truncation, one changed character, an extra or lost dot. */
const mangle = fc.tuple(
  fc.constantFrom('truncate', 'replace', 'insert', 'drop-dot', 'pad'),
  fc.nat(),
  fc.constantFrom('A', '-', '_', '.', '=', '+', '/', ' ', '\u00e9', '\u0000'),
)
function applyMangle(token: string, [kind, at, ch]: [string, number, string]): string {
  const i = token.length === 0 ? 0 : at % token.length
  switch (kind) {
    case 'truncate':
      return token.slice(0, i)
    case 'replace':
      return token.slice(0, i) + ch + token.slice(i + 1)
    case 'insert':
      return token.slice(0, i) + ch + token.slice(i)
    case 'drop-dot':
      return token.replace('.', '')
    default:
      return `${token}==`
  }
}

/** A recipe for the token under test; `valid` is a validly signed token to mangle. */
type Recipe = (valid: string, key: SigningKey) => Promise<string>
const recipe: fc.Arbitrary<Recipe> = fc.oneof(
  fc.string({ maxLength: 120 }).map((s) => async () => s),
  fc.string({ maxLength: 60, unit: 'binary' }).map((s) => async () => s),
  fc.tuple(header, anyJson, fc.string({ maxLength: 20 })).map(
    ([h, p, sig]) =>
      async () =>
        `${encode(h)}.${encode(p)}.${sig}`,
  ),
  fc.tuple(header, anyJson).map(
    ([h, p]) =>
      async () =>
        `${encode({ alg: 'ES256', kid: 'fuzz-1', ...h })}.${encode(p)}.`,
  ),
  claims.map(
    (overrides): Recipe =>
      async (_, key) =>
        sign({ ...base(), ...overrides }, key),
  ),
  mangle.map(
    (m): Recipe =>
      async (valid) =>
        applyMangle(valid, m),
  ),
  fc.array(mangle, { minLength: 2, maxLength: 4 }).map(
    (ms): Recipe =>
      async (valid) =>
        ms.reduce((token, m) => applyMangle(token, m), valid),
  ),
)

let base: () => Record<string, unknown> = () => ({})

describeEachImplementation('JWT validator fuzzing', (impl, client) => {
  let key: SigningKey
  const trap = trapUnhandledRejections()

  before(async () => {
    key = await signingKey('ES256', 'fuzz-1')
  })
  after(() => trap.remove())

  for (const nonRepudiation of [false, true]) {
    it(`authorizationCodeGrant() ${nonRepudiation ? 'with' : 'without'} enableNonRepudiationChecks gives only success or typed errors for arbitrary ID Tokens`, async () => {
      base = () => idTokenClaims({ nonce: 'nonce-1' })
      const valid = await sign(base(), key)
      await fc.assert(
        fc.asyncProperty(recipe, fc.boolean(), async (make, withNonce) => {
          const idToken = await make(valid, key)
          const config = fakeConfiguration(client, key, {
            token: () => Response.json(tokenResponse({ id_token: idToken })),
          })
          if (nonRepudiation) client.enableNonRepudiationChecks(config)
          await typedOrSuccess(client, () =>
            client.authorizationCodeGrant(config, new URL(`${REDIRECT_URI}?code=c`), {
              expectedNonce: withNonce ? 'nonce-1' : undefined,
            }),
          )
        }),
        { numRuns: NUM_RUNS },
      )
      trap.check()
    })
  }

  it('authorizationCodeGrant() with useJwtResponseMode gives only success or typed errors for arbitrary JARM responses', async () => {
    base = () => ({
      iss: ISSUER,
      aud: CLIENT_ID,
      exp: Math.floor(Date.now() / 1000) + 300,
      code: 'c',
      state: STATE,
    })
    const valid = await sign(base(), key)
    await fc.assert(
      fc.asyncProperty(recipe, async (make) => {
        const response = await make(valid, key)
        const config = fakeConfiguration(client, key, {})
        client.useJwtResponseMode(config)
        const url = new URL(REDIRECT_URI)
        url.searchParams.set('response', response)
        await typedOrSuccess(client, () =>
          client.authorizationCodeGrant(config, url, { expectedState: STATE }),
        )
      }),
      { numRuns: NUM_RUNS },
    )
    trap.check()
  })

  it('fetchUserInfo() with enableNonRepudiationChecks gives only success or typed errors for arbitrary signed UserInfo', async () => {
    base = () => ({ iss: ISSUER, aud: CLIENT_ID, sub: 'user-1' })
    const valid = await sign(base(), key)
    await fc.assert(
      fc.asyncProperty(recipe, async (make) => {
        const jwt = await make(valid, key)
        const config = fakeConfiguration(client, key, {
          userinfo: () => new Response(jwt, { headers: { 'content-type': 'application/jwt' } }),
        })
        client.enableNonRepudiationChecks(config)
        await typedOrSuccess(client, () => client.fetchUserInfo(config, 'at', 'user-1'))
      }),
      { numRuns: NUM_RUNS },
    )
    trap.check()
  })

  if (impl.name === 'openid-rp') {
    it('validateLogoutToken() gives only success or typed errors for arbitrary logout tokens, as a string and POSTed', async () => {
      base = () => ({
        iss: ISSUER,
        aud: CLIENT_ID,
        iat: Math.floor(Date.now() / 1000),
        exp: Math.floor(Date.now() / 1000) + 120,
        jti: crypto.randomUUID(),
        events: { 'http://schemas.openid.net/event/backchannel-logout': {} },
        sid: 'fuzz-session',
      })
      const valid = await sign(base(), key, { typ: 'logout+jwt' })
      const validateLogoutToken = (client as unknown as typeof import('openid-rp'))
        .validateLogoutToken
      await fc.assert(
        fc.asyncProperty(recipe, fc.boolean(), async (make, posted) => {
          const token = await make(valid, key)
          const config = fakeConfiguration(client, key, {})
          const input = posted
            ? new Request('https://rp.fuzz.example/backchannel-logout', {
                method: 'POST',
                headers: { 'content-type': 'application/x-www-form-urlencoded' },
                body: new URLSearchParams({ logout_token: token }),
              })
            : token
          await typedOrSuccess(client, () => validateLogoutToken(config as never, input))
        }),
        { numRuns: NUM_RUNS },
      )
      trap.check()
    })
  }
})
