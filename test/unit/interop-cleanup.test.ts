// The interop harnesses' start-up: a failure at any step leaves no server process and no
// temporary directory (which holds the server's keys and the suite's client secrets).
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, rmSync, writeFileSync } from 'node:fs'
import { inTemporaryDirectory } from '../interop/support/system.ts'

describe('inTemporaryDirectory()', () => {
  it('kills the spawned server and removes the directory when a later start-up step fails', async () => {
    let dir = ''
    let child: ChildProcess | undefined
    const err = await inTemporaryDirectory('openid-rp-cleanup-', async (at, spawned) => {
      dir = at
      writeFileSync(`${at}/secret`, 'client-secret')
      child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' })
      spawned(child)
      await new Promise((resolve) => child!.once('spawn', resolve))
      throw new Error('setup step failed')
    }).catch((error: unknown) => error)
    assert.equal((err as Error).message, 'setup step failed')
    assert.equal(existsSync(dir), false)
    assert.ok(child!.exitCode !== null || child!.signalCode !== null, 'the server still runs')
  })

  it('keeps the directory and the server when start-up succeeds', async () => {
    const started = await inTemporaryDirectory('openid-rp-cleanup-', async (at) => at)
    assert.equal(existsSync(started), true)
    rmSync(started, { recursive: true })
  })
})
