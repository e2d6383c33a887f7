import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('../..', import.meta.url))
const manifest = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as {
  bin?: Record<string, string>
}

/** The paths `npm pack` would put in the tarball (it reads the build, so `npm run build` first). */
function packedFiles(): string[] {
  const output = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const [pack] = JSON.parse(output) as [{ files: { path: string }[] }]
  return pack.files.map((file) => file.path).sort()
}

describe('npm pack', () => {
  const files = packedFiles()
  const bins = Object.values(manifest.bin ?? {}).map((path) => path.replace(/^\.\//, ''))

  it('npm pack contains only build/, README.md, LICENSE, package.json and the bin scripts', () => {
    const unexpected = files.filter(
      (path) =>
        !path.startsWith('build/') &&
        !['README.md', 'LICENSE', 'package.json', ...bins].includes(path),
    )
    assert.deepEqual(unexpected, [])
    for (const required of ['README.md', 'LICENSE', 'package.json']) {
      assert.ok(files.includes(required), `${required} is packed`)
    }
  })

  it('npm pack includes the entry points of every export with their declarations', () => {
    for (const path of [
      'build/index.js',
      'build/index.d.ts',
      'build/jar-encryption/index.js',
      'build/jar-encryption/index.d.ts',
      'build/passport/index.js',
      'build/passport/index.d.ts',
      'build/mcp/index.js',
      'build/mcp/index.d.ts',
      'build/redis/index.js',
      'build/redis/index.d.ts',
    ]) {
      assert.ok(files.includes(path), `${path} is packed`)
    }
  })

  it('npm pack ships no source maps and no build file refers to one (the sources are not shipped)', () => {
    assert.deepEqual(
      files.filter((path) => path.endsWith('.map')),
      [],
    )
    const mapped = files.filter(
      (path) =>
        /\.(?:m|c)?js$|\.d\.ts$/.test(path) &&
        readFileSync(`${root}${path}`, 'utf8').includes('sourceMappingURL'),
    )
    assert.deepEqual(mapped, [])
  })
})
