/**
 * A real Redis server (Debian's `redis-server`) for the tests that share state between
 * processes: started on a free port of 127.0.0.1 with persistence off, stopped by the caller.
 * Without the package, outside CI the suites say so and pass over it; with `CI=true` they fail.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { after, before } from 'node:test'

import { createClient, type RedisClientType } from 'redis'

import { freePort } from '../interop/support/system.ts'
import { systemPackage } from './system.ts'

const binary = 'redis-server'

/**
 * `describe` options of a suite that needs Redis: run it, or (outside CI only) pass over it
 * saying why; under `CI=true` a missing redis-server throws, so CI fails.
 */
export const redisSuite = { skip: systemPackage('redis-server', [binary]) ?? false }

export interface RedisServer {
  readonly url: string
  readonly port: number
  stop(): Promise<void>
}

/** Starts `redis-server` on a free loopback port; throws (never skips) when it cannot. */
export async function startRedis(): Promise<RedisServer> {
  for (let attempt = 0; ; attempt++) {
    const port = await freePort()
    const child: ChildProcess = spawn(
      binary,
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--loglevel',
        'warning',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    )
    let output = ''
    child.stdout!.on('data', (chunk) => (output += chunk))
    child.stderr!.on('data', (chunk) => (output += chunk))
    const ready = await waitForPort(port, child)
    if (ready) {
      return {
        url: `redis://127.0.0.1:${port}`,
        port,
        stop: () =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null) return resolve()
            child.once('exit', () => resolve())
            child.kill('SIGTERM')
          }),
      }
    }
    child.kill('SIGKILL')
    if (attempt === 2) throw new Error(`redis-server did not start: ${output}`)
  }
}

async function waitForPort(port: number, child: ChildProcess): Promise<boolean> {
  const { connect } = await import('node:net')
  for (let i = 0; i < 100 && child.exitCode === null; i++) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1')
      socket.once('connect', () => (socket.end(), resolve(true)))
      socket.once('error', () => resolve(false))
    })
    if (open) return true
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  return false
}

/** A running Redis server and a connected node-redis client, for one suite. */
export interface RedisFixture {
  readonly server: RedisServer
  readonly connection: RedisClientType
}

/**
 * Registers a suite's hooks: starts a Redis server and connects a client before it, closes both
 * after it. Read the fixture inside tests (it is filled by the `before` hook).
 */
export function useRedis(): RedisFixture {
  const fixture = {} as { server: RedisServer; connection: RedisClientType }
  before(async () => {
    fixture.server = await startRedis()
    fixture.connection = createClient({ url: fixture.server.url })
    await fixture.connection.connect()
  })
  after(async () => {
    await fixture.connection?.quit()
    await fixture.server?.stop()
  })
  return fixture
}
