#!/usr/bin/env node
// The `openid-rp` command: runs the compiled CLI in build/, and on a checkout that has not been
// built yet says what to run instead of failing with a bare ERR_MODULE_NOT_FOUND.
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const root = new URL('..', import.meta.url)
const needed = ['build/cli/main.js', 'build/index.js']
const missing = needed.filter((file) => !existsSync(fileURLToPath(new URL(file, root))))

if (missing.length > 0) {
  const where = fileURLToPath(root).replace(
    /[\u0000-\u001f\u007f-\u009f]/g,
    (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`,
  )
  process.stderr.write(
    `openid-rp: this checkout is not built yet (${missing.join(' and ')} missing).\n` +
      `Run \`npm run build\` in ${where} (after \`npm ci\` on a fresh clone), then run the command again.\n`,
  )
  process.exit(1)
}

await import('../build/cli/main.js')
