import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { describe, it } from 'node:test'

import * as oauth from 'oauth4webapi'
import * as reference from 'openid-client'

// Resolved through the package's self-reference, so this is the built entry (build/index.js)
// exactly as a consumer imports it.
const rp: Record<string, unknown> = { ...(await import('openid-rp')) }
const ref: Record<string, unknown> = { ...reference }

/**
 * Runtime exports of openid-rp that openid-client does not have. Each must be documented; keep
 * this list in sync (the test below prints the current extras).
 */
const DOCUMENTED_EXTRAS: readonly string[] = [
  'acceptSignedUserInfoWithoutIssuerAndAudience',
  'allowStringExpiresIn',
  'clientSecretSigningKey',
  // docs/mcp.md: resource-first discovery, step-up, Client ID Metadata Documents
  'clientIdMetadataDocument',
  'discoverProtectedResource',
  'getProtectedResourceMetadata',
  'stepUpAuthorization',
  'verifyStepUp',
  // Back- and front-channel logout (docs/logout.md)
  'MemoryLogoutStore',
  'MemoryReplayStore',
  'backchannelLogoutResponse',
  'frontchannelLogoutResponse',
  'validateFrontchannelLogout',
  'validateLogoutToken',
  'useFAPI2MessageSigning',
  'useFAPI2SecurityProfile',
  // token lifecycle and shared state (docs/token-lifecycle.md)
  'createBrowserStore',
  'createCloudflareKvStore',
  'createMemoryStore',
  'createTokenManager',
  'exportLearnedState',
  'importLearnedState',
]

/** These are oauth4webapi's own classes in openid-client, so `instanceof` holds across both. */
const SHARED_ERROR_CLASSES = [
  'AuthorizationResponseError',
  'ResponseBodyError',
  'WWWAuthenticateChallengeError',
] as const

/** These are oauth4webapi's own symbols, so values set with either library interoperate. */
const SHARED_SYMBOLS = [
  'skipStateCheck',
  'skipSubjectCheck',
  'customFetch',
  'modifyAssertion',
  'clockSkew',
  'clockTolerance',
] as const

type Kind = 'class' | 'function' | 'symbol' | 'other'

function isClassSyntax(value: Function): boolean {
  return /^class[\s{]/.test(Function.prototype.toString.call(value))
}

function isConstructor(value: unknown): boolean {
  if (typeof value !== 'function') return false
  try {
    // Throws without running `value` when it cannot be used with `new`.
    Reflect.construct(String, [], value)
    return true
  } catch {
    return false
  }
}

function kindOf(value: unknown): Kind {
  if (typeof value === 'symbol') return 'symbol'
  if (typeof value === 'function') return isClassSyntax(value) ? 'class' : 'function'
  return 'other'
}

const referenceNames = Object.keys(ref).sort()

describe('openid-rp public API surface', () => {
  it('openid-client has runtime exports to compare against', () => {
    assert.ok(referenceNames.length > 40, `only ${referenceNames.length} exports found`)
    for (const name of referenceNames) assert.notEqual(kindOf(ref[name]), 'other', name)
  })

  describe('every runtime export of openid-client', () => {
    for (const name of referenceNames) {
      const kind = kindOf(ref[name])
      it(`${name} is exported by openid-rp as a ${kind}`, () => {
        assert.ok(name in rp, `openid-rp does not export ${name}`)
        const value = rp[name]
        switch (kind) {
          case 'symbol':
            assert.equal(typeof value, 'symbol')
            break
          case 'class':
            assert.equal(typeof value, 'function')
            assert.ok(isConstructor(value), `${name} must be usable with new`)
            assert.equal(typeof (value as Function).prototype, 'object', `${name}.prototype`)
            break
          case 'function':
            assert.equal(typeof value, 'function')
            assert.ok(!isClassSyntax(value as Function), `${name} must be callable without new`)
            break
        }
      })
    }
  })

  for (const name of SHARED_ERROR_CLASSES) {
    it(`${name} is oauth4webapi's own class, the same object as openid-client's`, () => {
      assert.equal(ref[name], oauth[name], 'premise: the reference re-exports oauth4webapi')
      assert.equal(rp[name], oauth[name])
    })
  }

  for (const name of SHARED_SYMBOLS) {
    it(`${name} is oauth4webapi's own symbol, so settings made with either library interoperate`, () => {
      assert.equal(ref[name], oauth[name], 'premise: the reference re-exports oauth4webapi')
      assert.equal(rp[name], oauth[name])
    })
  }

  it('ClientError is a class whose instances are Errors', () => {
    const ClientError = rp.ClientError as new (message: string) => Error
    assert.ok(isConstructor(ClientError))
    assert.ok(new ClientError('message') instanceof Error)
  })

  it('openid-rp exports nothing beyond openid-client but its documented extras', (t) => {
    const extras = Object.keys(rp)
      .filter((name) => !(name in ref))
      .sort()
    t.diagnostic(`openid-rp runtime exports not in openid-client: [${extras.join(', ')}]`)
    assert.deepEqual(
      extras,
      [...DOCUMENTED_EXTRAS].sort(),
      'update DOCUMENTED_EXTRAS in test/unit/api-surface.test.ts (and document each extra)',
    )
  })
})

describe('openid-rp package.json', () => {
  const read = async (url: URL) => JSON.parse(await readFile(url, 'utf8'))
  const ownUrl = new URL('../../package.json', import.meta.url)
  const referenceUrl = new URL(import.meta.resolve('openid-client/package.json'))

  it('exports every subpath of openid-client, and "./jar-encryption", "./mcp" and "./redis" beside them', async () => {
    const own = await read(ownUrl)
    const theirs = await read(referenceUrl)
    assert.deepEqual(Object.keys(theirs.exports).sort(), ['.', './package.json', './passport'])
    assert.deepEqual(
      Object.keys(own.exports).sort(),
      [...Object.keys(theirs.exports), './jar-encryption', './mcp', './redis'].sort(),
    )
    assert.equal(own.exports['./package.json'], './package.json')
  })

  it('exports ".", "./jar-encryption", "./passport", "./mcp" and "./redis" with "types" first and then "default"', async () => {
    const { exports } = await read(ownUrl)
    for (const subpath of ['.', './jar-encryption', './passport', './mcp', './redis']) {
      assert.deepEqual(Object.keys(exports[subpath]), ['types', 'default'], subpath)
      assert.match(exports[subpath].types, /^\.\/build\/.+\.d\.ts$/, subpath)
      assert.match(exports[subpath].default, /^\.\/build\/.+\.js$/, subpath)
    }
  })

  it('openid-rp/jar-encryption exports enableRequestObjectEncryption only', async () => {
    const subpath = await import('openid-rp/jar-encryption')
    assert.deepEqual(Object.keys(subpath), ['enableRequestObjectEncryption'])
    assert.equal(typeof subpath.enableRequestObjectEncryption, 'function')
  })

  it('openid-rp/mcp exports the MCP adapter only', async () => {
    const subpath = await import('openid-rp/mcp')
    assert.deepEqual(Object.keys(subpath).sort(), [
      'createMcpFetch',
      'memoryTokenStore',
      'withOpenidRp',
    ])
  })

  it('openid-rp/redis exports createRedisStore only', async () => {
    const subpath = await import('openid-rp/redis')
    assert.deepEqual(Object.keys(subpath), ['createRedisStore'])
    assert.equal(typeof subpath.createRedisStore, 'function')
  })

  it('declares sideEffects false and type module', async () => {
    const own = await read(ownUrl)
    assert.equal(own.sideEffects, false)
    assert.equal(own.type, 'module')
  })
})
