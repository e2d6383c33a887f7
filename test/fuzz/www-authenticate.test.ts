/**
 * Property-based fuzzing of the `WWW-Authenticate` parser: arbitrary header values on 401
 * responses at fetchProtectedResource and fetchUserInfo, with and without DPoP. Only success,
 * a WWWAuthenticateChallengeError or another typed error; never a crash, hang or unhandled
 * rejection.
 */
import { after, before, it } from 'node:test'

import fc from 'fast-check'

import { signingKey, type SigningKey } from '../support/forge.ts'
import { describeEachImplementation } from '../support/implementations.ts'
import { fakeConfiguration, ISSUER, trapUnhandledRejections, typedOrSuccess } from './support.ts'

const NUM_RUNS = 400

/** Header-safe text (visible ASCII, space and tab). */
const text = (maxLength: number) =>
  fc
    .array(
      fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
      { maxLength },
    )
    .map((chars) => chars.join(''))

/** Grammar-shaped challenges: schemes, params (quoted, unquoted, escaped), token68, commas. */
const token = fc.oneof(
  fc.constantFrom(
    'Bearer',
    'DPoP',
    'dpop',
    'Basic',
    'error',
    'realm',
    'algs',
    'nonce',
    'error_description',
  ),
  fc.stringMatching(/^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,10}$/),
)
const quoted = text(20).map((s) => `"${s.replace(/"/g, '\\"')}"`)
const param = fc
  .tuple(token, fc.constantFrom('=', ' = ', '=='), fc.oneof(token, quoted, text(6)))
  .map((p) => p.join(''))
const challenge = fc
  .tuple(
    token,
    fc.array(param, { maxLength: 4 }),
    fc.option(fc.stringMatching(/^[A-Za-z0-9+/]{1,12}={0,2}$/)),
    fc.constantFrom(', ', ',', ' ,'),
  )
  .map(([scheme, params, token68, separator]) =>
    [scheme, token68 ?? '', params.join(separator)].filter(Boolean).join(' '),
  )
const headerValue = fc.oneof(
  text(80),
  fc.array(challenge, { minLength: 1, maxLength: 3 }).map((list) => list.join(', ')),
  fc.constantFrom(
    '',
    ',',
    ' ',
    'DPoP',
    'DPoP error="use_dpop_nonce"',
    'Bearer ,,,',
    '"',
    'a=b',
    '=',
    'DPoP error="use_dpop_nonce',
  ),
)

describeEachImplementation('WWW-Authenticate parser fuzzing', (_impl, client) => {
  let key: SigningKey
  const trap = trapUnhandledRejections()

  before(async () => {
    key = await signingKey('ES256', 'fuzz-1')
  })
  after(() => trap.remove())

  const challenged = (value: string, nonce: boolean) => () =>
    new Response(null, {
      status: 401,
      headers: { 'www-authenticate': value, ...(nonce && { 'dpop-nonce': 'n-1' }) },
    })

  for (const dpop of [false, true]) {
    it(`fetchProtectedResource() ${dpop ? 'with' : 'without'} DPoP gives only success or typed errors for arbitrary WWW-Authenticate values`, async () => {
      await fc.assert(
        fc.asyncProperty(headerValue, fc.boolean(), async (value, nonce) => {
          const config = fakeConfiguration(client, key, { resource: challenged(value, nonce) })
          const DPoP = dpop
            ? client.getDPoPHandle(config, await client.randomDPoPKeyPair('ES256'))
            : undefined
          await typedOrSuccess(client, () =>
            client.fetchProtectedResource(
              config,
              'at',
              new URL(`${ISSUER}/resource`),
              'GET',
              undefined,
              undefined,
              { DPoP },
            ),
          )
        }),
        { numRuns: NUM_RUNS },
      )
      trap.check()
    })

    it(`fetchUserInfo() ${dpop ? 'with' : 'without'} DPoP gives only success or typed errors for arbitrary WWW-Authenticate values`, async () => {
      await fc.assert(
        fc.asyncProperty(headerValue, fc.boolean(), async (value, nonce) => {
          const config = fakeConfiguration(client, key, { userinfo: challenged(value, nonce) })
          const DPoP = dpop
            ? client.getDPoPHandle(config, await client.randomDPoPKeyPair('ES256'))
            : undefined
          await typedOrSuccess(client, () => client.fetchUserInfo(config, 'at', 'user-1', { DPoP }))
        }),
        { numRuns: NUM_RUNS },
      )
      trap.check()
    })
  }
})
