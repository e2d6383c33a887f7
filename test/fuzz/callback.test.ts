/**
 * Property-based fuzzing of the callback parser: `authorizationCodeGrant` with arbitrary query
 * strings, fragments and form_post bodies, for the plain, JARM and hybrid configurations. Every run
 * must succeed or reject with a typed error, within the time budget, with no unhandled rejection.
 */
import { after, before, it } from 'node:test'

import fc from 'fast-check'

import { signingKey, type SigningKey } from '../support/forge.ts'
import { describeEachImplementation } from '../support/implementations.ts'
import {
  fakeConfiguration,
  REDIRECT_URI,
  trapUnhandledRejections,
  typedOrSuccess,
} from './support.ts'

const NUM_RUNS = 300

/** Names the parser cares about, mixed with arbitrary ones. */
const name = fc.oneof(
  fc.constantFrom(
    'code',
    'state',
    'iss',
    'error',
    'error_description',
    'response',
    'id_token',
    'session_state',
  ),
  fc.string({ maxLength: 12 }),
)
const value = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ maxLength: 40, unit: 'binary' }),
  fc.constantFrom('', 'e30.e30.', 'e30.e30.e30', 'a.b.c.d.e', '%', '%zz', '&', '=', '#', '+'),
)
const pairs = fc.array(fc.tuple(name, value), { maxLength: 8 })
/** A raw, unencoded query or fragment: what an attacker can put in a redirect. */
const raw = fc.oneof(
  pairs.map((list) => new URLSearchParams(list).toString()),
  fc.string({ maxLength: 80 }),
  fc.string({ maxLength: 80, unit: 'binary' }),
)
const checks = fc.record(
  {
    expectedState: fc.option(fc.constantFrom('state-1', ''), { nil: undefined }),
    expectedNonce: fc.option(fc.constantFrom('nonce-1'), { nil: undefined }),
  },
  { requiredKeys: [] },
)

/** A callback: a GET URL with query and fragment, or a Request with any method, type and body. */
const currentUrl = fc.oneof(
  fc.tuple(raw, raw).map(([query, fragment]) => () => {
    const url = new URL(REDIRECT_URI)
    url.search = query
    url.hash = fragment
    return url as URL | Request
  }),
  fc
    .tuple(
      fc.constantFrom('POST', 'GET', 'PUT'),
      fc.constantFrom(
        'application/x-www-form-urlencoded',
        'application/x-www-form-urlencoded; charset=utf-8',
        'APPLICATION/X-WWW-FORM-URLENCODED',
        'text/plain',
        'application/json',
        '',
      ),
      raw,
    )
    .map(
      ([method, type, body]) =>
        () =>
          new Request(REDIRECT_URI, {
            method,
            headers: type ? { 'content-type': type } : {},
            body: method === 'GET' ? null : body,
          }) as URL | Request,
    ),
)

describeEachImplementation('callback parser fuzzing', (_impl, client) => {
  let key: SigningKey
  const trap = trapUnhandledRejections()

  before(async () => {
    key = await signingKey('ES256', 'fuzz-1')
  })
  after(() => trap.remove())

  const modes = [
    ['plain', () => []],
    ['JARM', () => [client.useJwtResponseMode]],
    ['hybrid', () => [client.useCodeIdTokenResponseType]],
  ] as const

  for (const [mode, features] of modes) {
    it(`authorizationCodeGrant() (${mode}) gives only success or typed errors for arbitrary callbacks`, async () => {
      await fc.assert(
        fc.asyncProperty(currentUrl, checks, async (make, given) => {
          const config = fakeConfiguration(client, key, {})
          for (const feature of features()) feature(config)
          await typedOrSuccess(client, () => client.authorizationCodeGrant(config, make(), given))
        }),
        { numRuns: NUM_RUNS },
      )
      trap.check()
    })
  }
})
