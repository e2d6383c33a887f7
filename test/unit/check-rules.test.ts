// Self-tests of scripts/check-rules.mjs: a fixture tree that follows every rule passes, and each
// fixture that breaks one rule is refused with that rule's message.

import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { after, describe, it } from 'node:test'

import { checkRules } from '../../scripts/check-rules.mjs'

const scratch = mkdtempSync(join(tmpdir(), 'check-rules-'))
after(() => rmSync(scratch, { recursive: true, force: true }))

const PACKAGE = {
  name: 'fixture',
  dependencies: { jose: '1', oauth4webapi: '1' },
  peerDependencies: { 'oidc-provider': '1' },
  peerDependenciesMeta: { 'oidc-provider': { optional: true } },
}

/** The two-line module header every library file starts with. */
const H = '// A fixture module.\n// It owns nothing.\n'

/** A tree that follows every rule: an entry, a feature, the core, a node-only folder. */
const CLEAN: Record<string, string> = {
  'src/index.ts':
    H + "export { feature } from './feature.ts'\nexport type { State } from './core/state.ts'\n",
  'src/feature.ts':
    H +
    "import * as oauth from 'oauth4webapi'\nimport { transport } from './core/request.ts'\nimport type { State } from './core/state.ts'\n" +
    'export const feature = (state: State) =>\n  oauth.pushedAuthorizationRequest(state, { ...transport(state) })\n',
  'src/core/errors.ts': H + 'export const fail = () => new TypeError()\n',
  'src/core/state.ts':
    H +
    "import { fail } from './errors.ts'\nimport type { Sender } from './http.ts'\nexport interface State { send: Sender }\nexport const check = fail\n",
  'src/core/http.ts':
    H + 'export type Sender = typeof send\nexport const send = (url: string) => fetch(url)\n',
  'src/core/request.ts':
    H +
    "import { send } from './http.ts'\nimport type { State } from './state.ts'\nexport const transport = (state: State) => ({ fetch: send, state, process: 1 })\n",
  'src/cli/main.ts':
    "import { readFileSync } from 'node:fs'\nexport const read = () => process.argv && readFileSync\n",
}

function run(files: Record<string, string>, pkg: object = PACKAGE) {
  const root = mkdtempSync(join(scratch, 'tree-'))
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true })
    writeFileSync(join(root, path), text)
  }
  writeFileSync(join(root, 'package.json'), JSON.stringify(pkg))
  return checkRules(root)
}

function assertBreaks(result: ReturnType<typeof run>, message: RegExp): void {
  const text = result.violations.map((v) => `${v.file}:${v.line}: ${v.message}`).join('\n')
  assert.ok(result.violations.length > 0, 'expected a violation')
  assert.match(text, message)
}

describe('scripts/check-rules.mjs', () => {
  it('passes a tree that follows every rule', () => {
    const result = run(CLEAN)
    assert.deepEqual(result.violations, [])
    assert.equal(result.files, 7)
  })

  const broken: [string, Record<string, string>, RegExp][] = [
    [
      'a library file without a module header',
      { 'src/core/errors.ts': '// One line only.\nexport const fail = () => new TypeError()\n' },
      /errors\.ts:1: has no module header/,
    ],
    [
      'a node: import in the core',
      { 'src/core/errors.ts': "import 'node:fs'\n" },
      /errors\.ts:1: imports 'node:fs'/,
    ],
    [
      'a third-party import other than jose and oauth4webapi',
      { 'src/feature.ts': "import 'undici'\nexport const feature = 1\n" },
      /imports 'undici': only jose and oauth4webapi/,
    ],
    [
      'a feature importing another feature',
      { 'src/other.ts': "import { feature } from './feature.ts'\nexport const other = feature\n" },
      /other\.ts:1: .*a feature module imports only src\/core\//,
    ],
    [
      'the core importing a feature',
      {
        'src/core/errors.ts':
          "import type { feature } from '../feature.ts'\nexport type F = typeof feature\n",
      },
      /src\/core\/ must not depend on feature modules/,
    ],
    [
      'an import from outside src/',
      { 'src/feature.ts': "import '../scripts/x.ts'\nexport const feature = 1\n" },
      /which is outside src\//,
    ],
    [
      'a library module importing node-only code',
      { 'src/feature.ts': "import { read } from './cli/main.ts'\nexport const feature = read\n" },
      /src\/cli\/main\.ts is node-only/,
    ],
    [
      'a Node.js global in the core',
      { 'src/core/errors.ts': 'export const env = () => globalThis.process ?? Buffer\n' },
      /uses `process`.*\n.*uses `Buffer`/,
    ],
    [
      'a require() call',
      { 'src/core/errors.ts': "export const load = () => require('x')\n" },
      /calls require\(\)/,
    ],
    [
      'an import cycle made of type-only imports',
      { 'src/core/errors.ts': "import type { State } from './state.ts'\nexport type S = State\n" },
      /in an import cycle \(type-only imports count\): src\/core\/errors\.ts, src\/core\/state\.ts/,
    ],
    [
      'code in src/index.ts',
      {
        'src/index.ts': H + "import { feature } from './feature.ts'\nexport const main = feature\n",
      },
      /index\.ts:3: src\/index\.ts only re-exports[^\n]*\nsrc\/index\.ts:4: src\/index\.ts only re-exports/,
    ],
    [
      'a value import into core/state.ts',
      {
        'src/core/state.ts':
          "import { send } from './http.ts'\nexport interface State { send: typeof send }\n",
      },
      /state\.ts:1: imports '\.\/http\.ts' for its values: src\/core\/state\.ts imports types only/,
    ],
    [
      'the global fetch outside core/http.ts',
      {
        'src/core/request.ts':
          "import type { State } from './state.ts'\nexport const transport = (state: State) => ({ state, fetch: globalThis.fetch })\n",
      },
      /request\.ts:2: uses the global fetch: every request goes through send\(\)/,
    ],
    [
      'fetch passed on rather than called',
      { 'src/feature.ts': 'export const feature = (f?: typeof fetch) => f ?? fetch\n' },
      /feature\.ts:1: uses the global fetch/,
    ],
    [
      'an oauth4webapi request function without transport()',
      {
        'src/feature.ts':
          "import * as oauth from 'oauth4webapi'\nexport const feature = (as: never) => oauth.pushedAuthorizationRequest(as, {})\n",
      },
      /calls oauth4webapi's pushedAuthorizationRequest\(\) without `\.\.\.transport/,
    ],
  ]
  for (const [rule, change, message] of broken) {
    it(`fails on ${rule}`, () => assertBreaks(run({ ...CLEAN, ...change }), message))
  }

  it('fails on a runtime dependency besides jose and oauth4webapi', () => {
    const pkg = { ...PACKAGE, dependencies: { ...PACKAGE.dependencies, undici: '1' } }
    assertBreaks(run(CLEAN, pkg), /dependencies are \[jose, oauth4webapi, undici\]/)
  })

  it('fails on a peer dependency that is not optional', () => {
    const pkg = { ...PACKAGE, peerDependenciesMeta: {} }
    assertBreaks(run(CLEAN, pkg), /peer dependency 'oidc-provider' must be optional/)
  })
})
