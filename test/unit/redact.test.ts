/**
 * The redacted copy of an error cause (src/core/redact.ts), beyond the credential members of
 * test/unit/errors.test.ts: values that are not objects kept as they are, a credential name
 * holding a non-string, arrays under the nesting limit, null-prototype objects, and a copy whose
 * members behave like those of parsed JSON. Each test kills a mutant of `npm run mutate --
 * core/redact` (docs/mutation.md).
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'

import * as oauth from 'oauth4webapi'

import { caught } from '../support/transport.ts'

const issuer = 'https://op.example'

/** The cause of the ClientError openid-rp makes of an oauth4webapi error carrying `cause`. */
async function causeOf(cause: unknown): Promise<unknown> {
  const rp = await import('openid-rp')
  const config = new rp.Configuration(
    { issuer, token_endpoint: `${issuer}/token` },
    'client',
    'client-secret-value',
  )
  config[rp.customFetch] = async () => {
    throw new oauth.OperationProcessingError('refused', { code: 'OAUTH_INVALID_RESPONSE', cause })
  }
  const err = (await caught(() => rp.refreshTokenGrant(config, 'refresh-token-value'))) as Error
  assert.ok(err instanceof rp.ClientError, String(err))
  return err.cause
}

describe('openid-rp: the redacted copy of an error cause', () => {
  it('keeps null, undefined, numbers and booleans as they are, in objects and arrays', async () => {
    const cause = await causeOf({
      error_uri: null,
      expected: undefined,
      status: 400,
      active: false,
      list: [null, undefined, 1, true],
    })
    assert.deepEqual(cause, {
      error_uri: null,
      expected: undefined,
      status: 400,
      active: false,
      list: [null, undefined, 1, true],
    })
  })

  it('keeps a credential name whose value is not a string (a numeric code) and still redacts strings inside it', async () => {
    const cause = await causeOf({
      body: { code: 400, message: 'bad request' },
      nested: { code: { access_token: 'secret-inner', kind: 'token' } },
    })
    assert.deepEqual(cause, {
      body: { code: 400, message: 'bad request' },
      nested: { code: { access_token: '[redacted]', kind: 'token' } },
    })
  })

  it('drops arrays nested deeper than 8 levels, as it drops objects', async () => {
    let deep: unknown = 'leaf'
    for (let level = 0; level < 12; level++) deep = [deep]
    const cause = await causeOf(deep)
    let expected: unknown = '[redacted]'
    for (let level = 0; level < 9; level++) expected = [expected]
    assert.deepEqual(cause, expected)
  })

  it('redacts the credentials of a null-prototype object and returns a plain object', async () => {
    const body = Object.assign(Object.create(null) as Record<string, unknown>, {
      access_token: 'secret-null-prototype',
      scope: 'openid',
    })
    const cause = (await causeOf({ body })) as { body: Record<string, unknown> }
    assert.deepEqual(cause, { body: { access_token: '[redacted]', scope: 'openid' } })
    assert.doesNotMatch(JSON.stringify(cause), /secret-null-prototype/)
  })

  it('returns a copy whose members can be changed and deleted, like those of parsed JSON', async () => {
    const cause = (await causeOf({ body: { scope: 'openid', access_token: 'secret' } })) as {
      body: Record<string, unknown>
    }
    cause.body.scope = 'changed'
    delete cause.body.access_token
    assert.deepEqual(cause, { body: { scope: 'changed' } })
  })
})

describe('a credential member holding a list', () => {
  it('has every string of the list redacted (repeated headers, repeated parameters)', async () => {
    const cause = (await causeOf({
      headers: { authorization: ['Bearer access-token-value', 'DPoP other-token-value'] },
      code: [['nested-code-value'], 7],
      scope: ['openid', 'email'],
    })) as Record<string, unknown>
    const text = JSON.stringify(cause)
    assert.doesNotMatch(text, /access-token-value|other-token-value|nested-code-value/)
    assert.deepEqual(cause.headers, { authorization: ['[redacted]', '[redacted]'] })
    assert.deepEqual(cause.code, [['[redacted]'], 7])
    assert.deepEqual(cause.scope, ['openid', 'email'])
  })
})
