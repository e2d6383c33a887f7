/**
 * What `npm ci && npm test` and `npx openid-rp` do on a fresh machine: the browser test passes over
 * a missing Chromium (one line) outside CI only, and the command on an unbuilt checkout says to run
 * `npm run build` instead of failing with ERR_MODULE_NOT_FOUND. Real runs of the test and the bin.
 */
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { describe, it } from 'node:test'

const run = promisify(execFile)
const root = fileURLToPath(new URL('../..', import.meta.url))

/** Runs a command, resolving with its exit code and output instead of rejecting on failure. */
async function outcome(file: string, args: string[], env: NodeJS.ProcessEnv) {
  try {
    const { stdout, stderr } = await run(file, args, { cwd: root, env, timeout: 120_000 })
    return { code: 0, stdout, stderr }
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string }
    return { code: failed.code ?? -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' }
  }
}

describe('a machine without Chromium', () => {
  const spaTest = join(root, 'test/e2e/spa.test.ts')
  const withoutChromium = (ci: string | undefined) => {
    const env: NodeJS.ProcessEnv = { ...process.env, OPENID_RP_CHROMIUM: '/nonexistent/chromium' }
    delete env.CI
    delete env.NODE_TEST_CONTEXT
    if (ci !== undefined) env.CI = ci
    return env
  }

  it('test/e2e/spa.test.ts says Chromium is missing in one line and passes over it outside CI', async () => {
    const result = await outcome(
      process.execPath,
      ['--import', 'tsx', '--test', spaTest],
      withoutChromium(undefined),
    )
    const output = result.stdout + result.stderr
    assert.equal(result.code, 0, output)
    const lines = output.split('\n').filter((line) => line.includes('Chromium is missing'))
    assert.equal(lines.length, 1, output)
    assert.match(lines[0]!, /\/nonexistent\/chromium/)
  })

  it('test/e2e/spa.test.ts fails with CI=true', async () => {
    const result = await outcome(
      process.execPath,
      ['--import', 'tsx', '--test', spaTest],
      withoutChromium('true'),
    )
    assert.notEqual(result.code, 0, 'the browser test must not pass in CI without Chromium')
    assert.match(result.stdout + result.stderr, /Chromium is missing at \/nonexistent\/chromium/)
  })
})

describe('npx openid-rp on a checkout that is not built', () => {
  it('says to run `npm run build` instead of ERR_MODULE_NOT_FOUND, and exits 1', async () => {
    const checkout = await mkdtemp(join(tmpdir(), 'openid-rp-unbuilt-'))
    try {
      await mkdir(join(checkout, 'bin'))
      await copyFile(join(root, 'bin/openid-rp.js'), join(checkout, 'bin/openid-rp.js'))
      const result = await outcome(
        process.execPath,
        [join(checkout, 'bin/openid-rp.js'), 'demo'],
        process.env,
      )
      assert.equal(result.code, 1)
      assert.equal(result.stdout, '')
      assert.match(result.stderr, /Run `npm run build` in /)
      assert.ok(result.stderr.includes(checkout), 'names the checkout to build')
      assert.doesNotMatch(result.stderr, /ERR_MODULE_NOT_FOUND|node:internal/)
    } finally {
      await rm(checkout, { recursive: true, force: true })
    }
  })

  it('runs the built command in this checkout', async () => {
    const result = await outcome(
      process.execPath,
      [join(root, 'bin/openid-rp.js'), '--help'],
      process.env,
    )
    assert.equal(result.code, 0, result.stderr)
    assert.match(result.stdout + result.stderr, /Usage: openid-rp <command>/)
  })
})
