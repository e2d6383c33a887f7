// Bundles the core's ES modules into build/index.js (one module to load at import time instead of
// forty) and the opt-in entries build/jar-encryption/index.js and build/redis/index.js. Code
// splitting puts the modules the entries share in one shared chunk, so a subpath fills a slot in
// the very WeakMap the main entry reads. Declarations stay per module (tsc --emitDeclarationOnly).
import { build } from 'esbuild'

await build({
  entryPoints: {
    index: 'src/index.ts',
    'jar-encryption/index': 'src/jar-encryption/index.ts',
    'redis/index': 'src/redis/index.ts',
  },
  outdir: 'build',
  bundle: true,
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  format: 'esm',
  platform: 'neutral',
  target: 'es2022',
  external: ['oauth4webapi', 'jose', 'jose/*'],
  legalComments: 'none',
  logLevel: 'warning',
})
