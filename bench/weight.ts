/**
 * Browser bundle weight: esbuild, minified ESM, platform browser; gzip and brotli sizes. Also
 * openid-rp's full entry together with its opt-in `openid-rp/jar-encryption` (a feature the
 * reference does not have), so its cost is on record. The
 * typical app uses discovery + buildAuthorizationUrl (PKCE) + authorizationCodeGrant +
 * refreshTokenGrant; its bundle is searched for strings that identify the opt-in features, to
 * show what tree-shaking dropped.
 */
import { brotliCompressSync, constants, gzipSync } from 'node:zlib'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { build } from 'esbuild'

export interface BundleSize {
  bundle:
    | 'full'
    | 'code flow + refresh'
    | 'full + jar-encryption'
    | 'full, initial chunk (code splitting)'
  package: string
  minified: number
  gzip: number
  brotli: number
  /** Feature markers found in the bundle. */
  features: string[]
}

/** A string only the code of that feature contains. */
export const featureMarkers: Record<string, string> = {
  DPoP: 'dpop+jwt',
  JARM: 'authorization_signed_response_alg',
  JWE: 'ECDH-ES',
  JAR: 'oauth-authz-req+jwt',
  device: 'urn:ietf:params:oauth:grant-type:device_code',
  CIBA: 'urn:openid:params:grant-type:ciba',
  hybrid: 'code id_token',
  introspection: 'token_introspection',
}

const typicalApp = (name: string) => `
import { discovery, buildAuthorizationUrl, authorizationCodeGrant, refreshTokenGrant,
  randomPKCECodeVerifier, calculatePKCECodeChallenge, randomState } from '${name}'
export async function start(issuer, id, secret) {
  const config = await discovery(new URL(issuer), id, secret)
  const verifier = randomPKCECodeVerifier()
  const url = buildAuthorizationUrl(config, { redirect_uri: location.origin + '/cb', scope: 'openid',
    code_challenge: await calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', state: randomState() })
  return { config, verifier, url }
}
export const callback = (config, url, checks) => authorizationCodeGrant(config, url, checks)
export const refresh = (config, token) => refreshTokenGrant(config, token)
`

async function bundle(contents: string): Promise<string> {
  const result = await build({
    stdin: { contents, resolveDir: process.cwd(), loader: 'js', sourcefile: 'entry.js' },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
  })
  return result.outputFiles[0]!.text
}

/**
 * What a code-splitting bundler loads before any lazy `import()` runs: the entry chunk and the
 * chunks it imports statically (esbuild with `splitting`, the rest as in {@link bundle}).
 */
async function initialChunks(contents: string): Promise<string> {
  mkdirSync('.bench-results', { recursive: true })
  const entry = join('.bench-results', 'weight-entry.js')
  writeFileSync(entry, contents)
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    splitting: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    outdir: join('.bench-results', 'weight-out'),
    write: false,
    metafile: true,
    logLevel: 'silent',
  })
  const outputs = result.metafile!.outputs
  const byPath = new Map(
    result.outputFiles.map((file) => [relative(process.cwd(), file.path), file]),
  )
  const start = Object.keys(outputs).find((path) => outputs[path]!.entryPoint !== undefined)!
  const seen = new Set<string>()
  const visit = (path: string): void => {
    if (seen.has(path)) return
    seen.add(path)
    for (const imported of outputs[path]!.imports) {
      if (imported.kind === 'import-statement' && !imported.external) visit(imported.path)
    }
  }
  visit(start)
  return [...seen].map((path) => byPath.get(path)!.text).join('\n')
}

function measure(code: string): Omit<BundleSize, 'bundle' | 'package'> {
  const bytes = Buffer.from(code)
  return {
    minified: bytes.length,
    gzip: gzipSync(bytes, { level: 9 }).length,
    brotli: brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
    features: Object.entries(featureMarkers)
      .filter(([, marker]) => code.includes(marker))
      .map(([feature]) => feature),
  }
}

export async function runWeight(): Promise<BundleSize[]> {
  const sizes: BundleSize[] = []
  for (const name of ['openid-rp', 'openid-client']) {
    sizes.push({
      bundle: 'full',
      package: name,
      ...measure(await bundle(`export * from '${name}'`)),
    })
    sizes.push({
      bundle: 'code flow + refresh',
      package: name,
      ...measure(await bundle(typicalApp(name))),
    })
  }
  for (const name of ['openid-rp', 'openid-client']) {
    sizes.push({
      bundle: 'full, initial chunk (code splitting)',
      package: name,
      ...measure(await initialChunks(`export * from '${name}'`)),
    })
  }
  sizes.push({
    bundle: 'full + jar-encryption',
    package: 'openid-rp',
    ...measure(await bundle(`export * from 'openid-rp'\nexport * from 'openid-rp/jar-encryption'`)),
  })
  return sizes
}
