/**
 * Hostile bodies with a `__proto__` member: the copies openid-rp makes of server JSON (the redacted
 * `cause` of an error) keep it as an ordinary member, so it never becomes their prototype.
 */
import assert from 'node:assert/strict'
import { it } from 'node:test'

import { epoch } from '../support/forge.ts'
import {
  callback,
  HostileServer,
  reply,
  rejects,
  ROUTES,
  useHostileServer,
} from '../support/hostile.ts'
import { divergence, describeEachImplementation } from '../support/implementations.ts'

const ACCESS_TOKEN = 'at-secret-in-a-hostile-body'

/** A member whose value, as a prototype, would make `String()` throw and hide other members. */
const HOSTILE_PROTO = `"__proto__":{"toString":"not a function","valueOf":1,"sub":"user-1","active":true}`

/** Walks everything reachable from `value`, calling `visit` on each object. */
function walk(value: unknown, visit: (object: object) => void, seen = new Set<object>()): void {
  if (typeof value !== 'object' || value === null || seen.has(value)) return
  seen.add(value)
  visit(value)
  for (const key of Object.getOwnPropertyNames(value)) {
    walk((value as Record<string, unknown>)[key], visit, seen)
  }
}

/**
 * Asserts that every plain object in `err.cause` has `Object.prototype` as its prototype, that
 * `String()` and `JSON.stringify` of the cause work, that the `__proto__` member is still there
 * as data, and that the access token is nowhere.
 */
function assertSafeCause(err: Error & { cause?: unknown }, impl: string): void {
  walk(err.cause, (object) => {
    if (Array.isArray(object)) return
    const prototype = Object.getPrototypeOf(object)
    if (prototype === Object.prototype || prototype === null) return
    assert.ok(
      typeof prototype.constructor === 'function' && prototype.constructor !== Object,
      `a copy in the cause has the hostile object as its prototype: ${Object.keys(prototype)}`,
    )
  })
  assert.doesNotThrow(() => String(err.cause))
  assert.doesNotThrow(() => `${err.message} ${String(err)}`)
  const text = JSON.stringify(err.cause)
  if (impl === 'openid-rp') {
    assert.match(text, /"__proto__":\{"toString":"not a function"/)
    assert.doesNotMatch(text, new RegExp(ACCESS_TOKEN))
  }
}

describeEachImplementation('__proto__ members in hostile bodies', (impl, client) => {
  let as: HostileServer

  useHostileServer(impl, (suite) => ({ as } = suite))

  it('authorizationCodeGrant() rejects a token response without token_type whose __proto__ member stays data in the cause', async () => {
    as.on(ROUTES.token, () =>
      reply.text(`{${HOSTILE_PROTO},"access_token":"${ACCESS_TOKEN}"}`, 'application/json'),
    )
    const config = await as.configure(client)
    const err = await rejects(
      client,
      client.authorizationCodeGrant(config, callback({ code: 'code-1' })),
      'ClientError',
      'OAUTH_INVALID_RESPONSE',
    )
    assertSafeCause(err, impl.name)
    if (divergence(impl, 31)) {
      const body = (err.cause as { body: Record<string, unknown> }).body
      assert.equal(Object.getPrototypeOf(body), Object.prototype)
      assert.ok(Object.hasOwn(body, '__proto__'))
      assert.equal(body.access_token, '[redacted]')
    }
  })

  it('fetchUserInfo() rejects a body whose only sub is inside __proto__, and the cause shows no sub', async () => {
    as.on(ROUTES.userinfo, () => reply.text(`{${HOSTILE_PROTO}}`, 'application/json'))
    const config = await as.configure(client)
    const err = await rejects(
      client,
      client.fetchUserInfo(config, ACCESS_TOKEN, 'user-1'),
      'ClientError',
      'OAUTH_INVALID_RESPONSE',
    )
    assertSafeCause(err, impl.name)
    if (divergence(impl, 31)) {
      assert.equal((err.cause as { body: { sub?: unknown } }).body.sub, undefined)
    }
  })

  it('tokenIntrospection() rejects a body whose only active is inside __proto__', async () => {
    as.on(ROUTES.introspection, () => reply.text(`{${HOSTILE_PROTO}}`, 'application/json'))
    const config = await as.configure(client)
    const err = await rejects(
      client,
      client.tokenIntrospection(config, ACCESS_TOKEN),
      'ClientError',
      'OAUTH_INVALID_RESPONSE',
    )
    assertSafeCause(err, impl.name)
    if (divergence(impl, 31)) {
      assert.equal((err.cause as { body: { active?: unknown } }).body.active, undefined)
    }
  })

  it('authorizationCodeGrant() rejects an ID Token with __proto__ claims and an expired exp; the claims in the cause keep it as data', async () => {
    const now = epoch()
    const idToken = await as.idToken({ exp: now - 3600, iat: now - 7200 })
    const [header, , signature] = idToken.split('.')
    const claims = JSON.stringify(as.idTokenClaims({ exp: now - 3600, iat: now - 7200 }))
    const payload = Buffer.from(`{${HOSTILE_PROTO},${claims.slice(1)}`).toString('base64url')
    as.on(ROUTES.token, (_, server) =>
      reply.json(server.tokenResponse({ id_token: `${header}.${payload}.${signature}` })),
    )
    const config = await as.configure(client)
    const err = await rejects(
      client,
      client.authorizationCodeGrant(config, callback({ code: 'code-1' })),
      'ClientError',
      'OAUTH_JWT_TIMESTAMP_CHECK_FAILED',
    )
    assertSafeCause(err, impl.name)
  })

  it('discovery() rejects a document with another issuer and a __proto__ member; the cause keeps it as data', async () => {
    as.on(ROUTES.discovery, (_, server) =>
      reply.text(
        `{${HOSTILE_PROTO},${JSON.stringify(server.metadata({ issuer: 'https://elsewhere.example' })).slice(1)}`,
        'application/json',
      ),
    )
    const err = await rejects(
      client,
      client.discovery(new URL(as.issuer), 'hostile-client', 'secret', undefined, {
        execute: [client.allowInsecureRequests],
      }),
      'ClientError',
      'OAUTH_JSON_ATTRIBUTE_COMPARISON_FAILED',
    )
    assertSafeCause(err, impl.name)
  })
})
