// Bundles the core's ES modules into one file, build/index.js: one module to load at import time
// instead of forty. Its declarations stay per module (tsc --emitDeclarationOnly).
import { build } from 'esbuild'

await build({
  entryPoints: ['src/index.ts'],
  outfile: 'build/index.js',
  bundle: true,
  format: 'esm',
  platform: 'neutral',
  target: 'es2022',
  external: ['oauth4webapi', 'jose', 'jose/*'],
  legalComments: 'none',
  logLevel: 'warning',
})
