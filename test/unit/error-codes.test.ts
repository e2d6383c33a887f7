import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { describe, it } from 'node:test'

const root = new URL('../../', import.meta.url)

async function documentedCodes(): Promise<Set<string>> {
  const table = await readFile(new URL('docs/errors.md', root), 'utf8')
  return new Set([...table.matchAll(/^\| `([A-Z_]+)`\s*\|/gm)].map((match) => match[1]!))
}

async function declaredCodes(): Promise<string[]> {
  const source = await readFile(new URL('src/core/errors.ts', root), 'utf8')
  const start = source.indexOf('export const ERROR_CODES')
  const union = source.slice(start, source.indexOf('] as const', start))
  return [...union.matchAll(/'([A-Z_]+)'/g)].map((match) => match[1]!)
}

describe('error codes', () => {
  it('docs/errors.md documents every code of the ErrorCode union', async () => {
    const documented = await documentedCodes()
    const declared = await declaredCodes()
    assert.ok(declared.length > 10)
    assert.deepEqual(
      declared.filter((code) => !documented.has(code)),
      [],
    )
  })

  it('every code the library source (not the node-only CLI) throws belongs to the ErrorCode union', async () => {
    const declared = new Set(await declaredCodes())
    const { readdir } = await import('node:fs/promises')
    const files = (await readdir(new URL('src/', root), { recursive: true })).filter(
      (file) => file.endsWith('.ts') && !/^(cli|passport)\//.test(file),
    )
    const thrown = new Set<string>()
    for (const file of files) {
      const source = await readFile(new URL(`src/${file}`, root), 'utf8')
      for (const match of source.matchAll(/'((?:OAUTH|ERR)_[A-Z_]+)'/g)) thrown.add(match[1]!)
    }
    assert.ok(thrown.size > 5)
    assert.deepEqual(
      [...thrown].filter((code) => !declared.has(code)),
      [],
    )
  })
})
