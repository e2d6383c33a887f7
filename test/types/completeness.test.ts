// Keeps test/types/drop-in.ts complete: every export of openid-client and openid-client/passport,
// values and types alike, must have a line of the same name there.
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import { describe, it } from 'node:test'

import ts from 'typescript'

const require = createRequire(import.meta.url)
const referenceEntry = require.resolve('openid-client').replace(/\.js$/, '.d.ts')
const referencePassport = referenceEntry.replace(/index\.d\.ts$/, 'passport.d.ts')
const dropIn = fileURLToPath(new URL('./drop-in.ts', import.meta.url))

/** Names that drop-in.ts gives a reference export whose name is taken by another export. */
const RENAMED_PASSPORT: Record<string, string> = { getDPoPHandle: 'PassportGetDPoPHandle' }

const program = ts.createProgram([referenceEntry, referencePassport, dropIn], {
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  allowImportingTsExtensions: true,
  noEmit: true,
  skipLibCheck: true,
  types: [],
})
const checker = program.getTypeChecker()

function exportsOf(file: string): string[] {
  const source = program.getSourceFile(file)
  assert.ok(source, `${file} is part of the program`)
  const moduleSymbol = checker.getSymbolAtLocation(source)
  assert.ok(moduleSymbol, `${file} is a module`)
  return checker.getExportsOfModule(moduleSymbol).map((symbol) => symbol.name)
}

describe('test/types/drop-in.ts', () => {
  const checked = new Set(exportsOf(dropIn))

  it('checks every export of openid-client (values and types)', () => {
    const names = exportsOf(referenceEntry)
    assert.ok(names.length > 90, `openid-client has ${names.length} exports`)
    assert.deepEqual(
      names.filter((name) => !checked.has(name)),
      [],
      'add a line for each of these to test/types/drop-in.ts',
    )
  })

  it('checks every export of openid-client/passport', () => {
    const names = exportsOf(referencePassport)
    assert.ok(names.includes('Strategy'))
    assert.deepEqual(
      names.filter((name) => !checked.has(RENAMED_PASSPORT[name] ?? name)),
      [],
      'add a line for each of these to test/types/drop-in.ts',
    )
  })
})
