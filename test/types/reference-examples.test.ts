// Every typed @example in openid-client's declarations, compiled in memory with `openid-client`
// swapped for `openid-rp`: each example that compiles against the reference compiles against us.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import { describe, it } from 'node:test'

import ts from 'typescript'

const require = createRequire(import.meta.url)
const declarations = require.resolve('openid-client').replace(/\.js$/, '.d.ts')
const here = fileURLToPath(new URL('.', import.meta.url))

/** The ```ts blocks of the declaration file's doc comments, comment markers removed. */
function examples(file: string): string[] {
  const text = readFileSync(file, 'utf8')
    .split('\n')
    .map((line) => line.replace(/^\s*\*\s?/, ''))
    .join('\n')
  return [...text.matchAll(/```ts\n([\s\S]*?)```/g)].map((match) => match[1]!)
}

/** Diagnostics per example, each compiled as its own module importing `client` from `module`. */
function compile(blocks: string[], module: string): string[][] {
  const files = new Map(
    blocks.map((block, index) => [
      `${here}__example_${index}.mts`,
      `import * as client from '${module}'\nexport {}\n${block.replaceAll("'openid-client'", `'${module}'`)}`,
    ]),
  )
  const options: ts.CompilerOptions = {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    lib: ['lib.es2022.d.ts', 'lib.dom.d.ts', 'lib.dom.iterable.d.ts'],
    types: ['node'],
    strict: true,
    noEmit: true,
    skipLibCheck: true,
  }
  const host = ts.createCompilerHost(options)
  const { fileExists, readFile, getSourceFile } = host
  host.fileExists = (name) => files.has(name) || fileExists.call(host, name)
  host.readFile = (name) => files.get(name) ?? readFile.call(host, name)
  host.getSourceFile = (name, language, ...rest) => {
    const source = files.get(name)
    return source === undefined
      ? getSourceFile.call(host, name, language, ...rest)
      : ts.createSourceFile(name, source, language)
  }
  const program = ts.createProgram([...files.keys()], options, host)
  return [...files.keys()].map((name) =>
    ts
      .getPreEmitDiagnostics(program, program.getSourceFile(name))
      .map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n').split('\n')[0]!),
  )
}

describe("openid-client's typed examples", () => {
  it('compile against openid-rp wherever they compile against openid-client', () => {
    const blocks = examples(declarations)
    assert.ok(blocks.length >= 30, `found ${blocks.length} examples`)
    const reference = compile(blocks, 'openid-client')
    const ours = compile(blocks, 'openid-rp')
    const regressions = blocks
      .map((block, index) => ({ block, reference: reference[index]!, ours: ours[index]! }))
      .filter(({ reference, ours }) => reference.length === 0 && ours.length > 0)
    assert.deepEqual(
      regressions.map(({ block, ours }) => ({
        example: block.split('\n').slice(0, 3).join(' / '),
        errors: ours,
      })),
      [],
    )
    const compiling = reference.filter((diagnostics) => diagnostics.length === 0).length
    assert.ok(
      compiling >= blocks.length - 2,
      `${compiling} of ${blocks.length} compile against the reference`,
    )
  })
})
