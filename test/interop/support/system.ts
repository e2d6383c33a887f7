// What the interop suites need to run a provider: free loopback ports, polling until a server
// answers, and a cookie jar for login pages.
import type { ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/**
 * Starts a server in a new temporary directory (it holds the server's keys and the suite's client
 * secrets): `launch` reports the process it spawns; if `launch` fails at any step, that process
 * is killed and awaited and the directory removed before the error propagates.
 */
export async function inTemporaryDirectory<T>(
  prefix: string,
  launch: (dir: string, spawned: (child: ChildProcess) => void) => Promise<T>,
): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  let child: ChildProcess | undefined
  try {
    return await launch(dir, (spawned) => (child = spawned))
  } catch (error) {
    if (child !== undefined && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child!.once('exit', resolve))
      child.kill('SIGKILL')
      await exited
    }
    rmSync(dir, { recursive: true, force: true })
    throw error
  }
}

/** A TCP port free on 127.0.0.1 right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
}

/** Polls `ready` every 100 ms until it is true; throws `message()` after `timeout` ms. */
export async function waitUntil(
  ready: () => Promise<boolean>,
  timeout: number,
  message: () => string,
): Promise<void> {
  const deadline = Date.now() + timeout
  while (!(await ready())) {
    if (Date.now() > deadline) throw new Error(message())
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

/** A minimal cookie jar: remembers `name=value` per cookie name, sends them all back. */
export class CookieJar {
  readonly #cookies = new Map<string, string>()

  async fetch(url: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers)
    if (this.#cookies.size) {
      headers.set(
        'cookie',
        [...this.#cookies].map(([name, value]) => `${name}=${value}`).join('; '),
      )
    }
    const response = await fetch(url, { ...init, headers, redirect: init.redirect ?? 'manual' })
    for (const cookie of response.headers.getSetCookie()) {
      const [pair] = cookie.split(';')
      const at = pair!.indexOf('=')
      if (at > 0) this.#cookies.set(pair!.slice(0, at).trim(), pair!.slice(at + 1).trim())
    }
    return response
  }
}
