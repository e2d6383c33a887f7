/**
 * Bundles the SPA with esbuild into `outdir` (app.js next to index.html); serve that directory
 * with a `config.json` ({@link SpaConfig}) beside it, and the same index.html at the callback path.
 *
 *   node --import tsx examples/spa/build.ts dist/spa
 */
import { copyFile, mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import * as esbuild from 'esbuild'
export type { SpaConfig } from './app.ts'

const here = fileURLToPath(new URL('.', import.meta.url))

export async function buildSpa(outdir: string): Promise<void> {
  await mkdir(outdir, { recursive: true })
  await esbuild.build({
    entryPoints: [join(here, 'app.ts')],
    outfile: join(outdir, 'app.js'),
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    // this repository builds the library to build/; an installed `openid-rp` needs no alias
    alias: { 'openid-rp': join(here, '..', '..', 'build', 'index.js') },
    logLevel: 'warning',
  })
  await copyFile(join(here, 'index.html'), join(outdir, 'index.html'))
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await buildSpa(process.argv[2] ?? 'dist/spa')
}
