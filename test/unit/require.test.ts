import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('../..', import.meta.url))

/**
 * Runs `source` (an ES module) in a plain `node` child: the test runner's TypeScript loader also
 * hooks `require`, so an in-process `require()` would not exercise Node's own require(esm).
 * The child resolves `openid-rp` through the package's self-reference to the build.
 */
function inPlainNode(source: string): unknown {
  const output = execFileSync(process.execPath, ['--input-type=module', '--eval', source], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, NODE_OPTIONS: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  return JSON.parse(output)
}

const compare = (specifier: string) => `
  import { createRequire } from 'node:module'
  import { pathToFileURL } from 'node:url'
  const require = createRequire(pathToFileURL(process.cwd() + '/package.json'))
  const required = require(${JSON.stringify(specifier)})
  const imported = await import(${JSON.stringify(specifier)})
  const names = (ns) => Object.keys(ns).filter((name) => name !== 'module.exports').sort()
  console.log(JSON.stringify({
    tag: required[Symbol.toStringTag],
    required: names(required),
    imported: names(imported),
    sameBindings: names(imported).every((name) => required[name] === imported[name]),
  }))
`

describe('CommonJS consumers (require of ESM, Node >= 20.19)', () => {
  it("require('openid-rp') returns the module namespace with the same exports as import", () => {
    const result = inPlainNode(compare('openid-rp')) as {
      tag: string
      required: string[]
      imported: string[]
      sameBindings: boolean
    }
    assert.equal(result.tag, 'Module', 'require() returned the ES module namespace')
    assert.ok(result.imported.length > 40, `import exposes the API (${result.imported.length})`)
    assert.deepEqual(result.required, result.imported)
    assert.ok(result.sameBindings, 'require() and import give the very same bindings')
    assert.ok(result.required.includes('discovery') && result.required.includes('Configuration'))
  })

  it("require('openid-rp/passport') returns the Strategy that import returns", () => {
    const result = inPlainNode(compare('openid-rp/passport')) as {
      required: string[]
      imported: string[]
      sameBindings: boolean
    }
    assert.deepEqual(result.required, ['Strategy'])
    assert.deepEqual(result.required, result.imported)
    assert.ok(result.sameBindings)
  })

  it("require('openid-rp/jar-encryption') returns what import returns", () => {
    const result = inPlainNode(compare('openid-rp/jar-encryption')) as {
      required: string[]
      imported: string[]
      sameBindings: boolean
    }
    assert.deepEqual(result.required, ['enableRequestObjectEncryption'])
    assert.deepEqual(result.required, result.imported)
    assert.ok(result.sameBindings)
  })

  it("require('openid-rp/redis') returns what import returns", () => {
    const result = inPlainNode(compare('openid-rp/redis')) as {
      required: string[]
      imported: string[]
      sameBindings: boolean
    }
    assert.deepEqual(result.required, ['createRedisStore'])
    assert.deepEqual(result.required, result.imported)
    assert.ok(result.sameBindings)
  })
})
