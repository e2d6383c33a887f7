// Runs the real `openid-rp` command (bin/openid-rp.js over build/) for the CLI tests, and the
// small servers those tests need besides the embedded provider.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { createServer } from 'node:net'
import { fileURLToPath } from 'node:url'

export const bin = fileURLToPath(new URL('../../bin/openid-rp.js', import.meta.url))

export interface Result {
  code: number | null
  stdout: string
  stderr: string
}

export interface RunOptions {
  env?: Record<string, string>
  /** Sees stderr as it arrives; may return a promise (the test plays the browser). */
  onStderr?: (text: string) => void
  stdin?: string
}

/** Runs `openid-rp ...args` to completion (30 s at most). */
export function openidRp(args: string[], options: RunOptions = {}): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], {
      env: { ...process.env, NO_COLOR: '1', ...options.env },
      timeout: 30_000,
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk))
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk
      options.onStderr?.(stderr)
    })
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
    child.stdin.end(options.stdin ?? '')
  })
}

/** A port that was free a moment ago on 127.0.0.1. */
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

/** Asserts that none of `secrets` appears in the command's output. */
export function assertNoSecret(result: Result, ...secrets: string[]): void {
  for (const secret of secrets) {
    assert.ok(
      !result.stdout.includes(secret) && !result.stderr.includes(secret),
      `a secret (${secret.slice(0, 4)}…) appears in the output`,
    )
  }
}

/**
 * Asserts a failure report: exit 1, the method and URL requested, the status (when one came back)
 * and a remedy line on stderr.
 */
export function assertFailure(
  result: Result,
  expected: {
    command: string
    method?: string
    url?: string | RegExp
    status?: number
    remedy: RegExp
  },
): void {
  assert.equal(result.code, 1, result.stderr)
  assert.match(result.stderr, new RegExp(`^openid-rp ${expected.command}: `, 'm'))
  if (expected.url !== undefined) {
    const url = typeof expected.url === 'string' ? escape(expected.url) : expected.url.source
    assert.match(result.stderr, new RegExp(`^  request: +${expected.method ?? 'GET'} ${url}`, 'm'))
  }
  if (expected.status !== undefined) {
    assert.match(result.stderr, new RegExp(`^  response: HTTP ${expected.status}\\b`, 'm'))
  }
  assert.match(result.stderr, /^ {2}try: +\S/m)
  const remedy = /^ {2}try: +(.*)$/m.exec(result.stderr)![1]!
  assert.match(remedy, expected.remedy)
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

/** What a {@link startServer} route answers. */
export interface Answer {
  status?: number
  headers?: Record<string, string>
  body?: string
}

export interface TestServer {
  readonly url: string
  /** Requests seen so far, as `METHOD /path`. */
  readonly seen: string[]
  close(): Promise<void>
}

/**
 * A small HTTP (or, with `tls`, HTTPS) server on 127.0.0.1 answering each request with `route`:
 * for issuers the embedded provider cannot play (hostile metadata, odd endpoints).
 */
export async function startServer(
  route: (path: string, server: TestServer) => Answer | 'hang',
  tls?: { key: string; cert: string },
): Promise<TestServer> {
  const http = await import('node:http')
  const https = await import('node:https')
  const seen: string[] = []
  let self: TestServer
  const handler = (
    req: import('node:http').IncomingMessage,
    res: import('node:http').ServerResponse,
  ) => {
    req.resume()
    req.on('end', () => {
      seen.push(`${req.method} ${req.url}`)
      const answer = route(req.url ?? '/', self)
      if (answer === 'hang') return
      res.statusCode = answer.status ?? 200
      for (const [name, value] of Object.entries(answer.headers ?? {})) res.setHeader(name, value)
      res.end(answer.body ?? '')
    })
  }
  const server = tls ? https.createServer(tls, handler) : http.createServer(handler)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  self = {
    url: `${tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
  return self
}

/** A JSON answer. */
export function json(value: unknown, status = 200): Answer {
  return { status, headers: { 'content-type': 'application/json' }, body: JSON.stringify(value) }
}
