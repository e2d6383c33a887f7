#!/usr/bin/env node
// Type-checks every TSDoc `@example` of src/ against the built declarations: each example becomes
// a module that imports 'openid-rp' as `client` and declares the values examples take as given.
// Run after `npm run build` (npm test does); the modules are written to node_modules/.cache and
// compiled with tsc under the repository's strict settings.

import { mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

import ts from 'typescript'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const out = join(root, 'node_modules/.cache/check-examples')

/** The values examples use without defining them, as the code around them would have them. */
const GIVEN = `
declare const config: client.Configuration
declare const issuer: URL
declare const server: URL
declare const serverMetadata: client.ServerMetadata
declare const currentUrl: URL
declare const url: URL
declare const req: Request & { url: string; ip: string; session: Record<string, string> }
declare const res: { redirect(url: string): void }
declare const app: {
  get(path: string, ...handlers: unknown[]): void
  post(path: string, ...handlers: unknown[]): void
  use(...handlers: unknown[]): void
}
declare const tokens: client.TokenEndpointResponse & client.TokenEndpointResponseHelpers
declare const accessToken: string
declare const refreshToken: string
declare const token: string
declare const state: string
declare const nonce: string
declare const codeVerifier: string
declare const code_challenge: string
declare const checks: client.AuthorizationCodeGrantChecks
declare const keyPair: client.CryptoKeyPair
declare const privateKey: client.CryptoKey
declare const key: client.CryptoKey
declare const signingKey: client.CryptoKey
declare const sub: string
declare const parameters: Record<string, string>
declare const params: Record<string, string>
declare const mtlsFetch: client.CustomFetch
declare const dispatcher: unknown
declare const passport: typeof import('passport')
declare const dpopHandle: client.DPoPHandle
declare const initialAccessToken: string
declare const response: client.DeviceAuthorizationResponse & client.BackchannelAuthenticationResponse
declare const kv: { get(key: string): Promise<string | null>; put(key: string, value: string): Promise<void> }
declare const location: { href: string }
declare const request: Request
declare const claims: { iss: string; sub: string; sid?: string; iat: number }
declare const idt: { iss: string; sub: string; sid?: string; iat: number }
declare const replayStore: client.ReplayStore
declare const sharedStore: client.SharedStore
declare const DPoP: client.DPoPHandle
declare const initialTokens: client.InitialTokens
declare const manager: client.TokenManager
declare const login: client.TokenEndpointResponse & client.TokenEndpointResponseHelpers
declare const clientSecret: string
declare const sessionId: string
declare const api: URL
declare function redirectToLogin(session: string): void
declare const env: { OIDC_KV: client.KvNamespace; REDIS_URL: string }
declare const store: client.LogoutStore
declare const session: { claims: { iss: string; sub: string; sid?: string }; destroy(): void }
declare const log: { warn(error: unknown): void }
declare const strategy: import('openid-rp/passport').Strategy
declare const auth: typeof import('passport')
declare const challengeError: client.WWWAuthenticateChallengeError
declare const callbackUrl: URL
declare const pkceCodeVerifier: string
declare const expectedState: string
declare const stepUp: client.StepUp
declare function redirectTo(url: URL): void
declare const clientId: string
declare const redirectUri: string
declare const serverUrl: URL
declare function authorize(url: URL): Promise<URL>
declare function openBrowserAndWaitForCallback(url: URL): Promise<URL>
declare class StreamableHTTPClientTransport {
  constructor(url: URL, options?: { fetch?: (url: string | URL, init?: RequestInit) => Promise<Response> })
}
declare function applyMiddlewares(...middlewares: unknown[]): (next: typeof fetch) => typeof fetch
declare function withLogging(): unknown
`

/** Each entry point and the name examples in its folder use for it. */
const ENTRIES = [
  { folder: 'src/passport/', specifier: 'openid-rp/passport', dts: 'build/passport/index.d.ts' },
  { folder: 'src/mcp/', specifier: 'openid-rp/mcp', dts: 'build/mcp/index.d.ts' },
  {
    folder: 'src/jar-encryption/',
    specifier: 'openid-rp/jar-encryption',
    dts: 'build/jar-encryption/index.d.ts',
  },
]

function listTs(dir) {
  const found = []
  for (const name of readdirSync(dir).sort()) {
    const full = join(dir, name)
    if (statSync(full).isDirectory()) found.push(...listTs(full))
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) found.push(full)
  }
  return found
}

/** Every ```ts block after an `@example` tag in the file's doc comments, with its line. */
function examplesOf(file) {
  const source = readFileSync(file, 'utf8')
  const found = []
  for (const comment of source.matchAll(/\/\*\*[\s\S]*?\*\//g)) {
    const text = comment[0]
    for (const tag of text.matchAll(
      /@example\s*\n((?:\s*\*[^\n]*\n)*?)\s*\*\s*```ts\n([\s\S]*?)\n\s*\*\s*```/g,
    )) {
      const at = comment.index + tag.index + tag[0].indexOf('```ts')
      const line = source.slice(0, at).split('\n').length
      const code = tag[2]
        .split('\n')
        .map((row) => row.replace(/^\s*\* ?/, ''))
        .join('\n')
      found.push({ line, code })
    }
  }
  return found
}

/** The names a declaration file exports. */
function exportsOf(dts) {
  const text = readFileSync(join(root, dts), 'utf8')
  const names = new Set()
  for (const m of text.matchAll(
    /export (?:declare )?(?:class|function|interface|type|const|abstract class) (\w+)/g,
  ))
    names.add(m[1])
  for (const m of text.matchAll(/export (?:type )?\{([^}]*)\}/g)) {
    for (const part of m[1].split(',')) {
      const name = part
        .trim()
        .replace(/^type /, '')
        .split(' as ')
        .at(-1)
        .trim()
      if (name) names.add(name)
    }
  }
  return names
}

function moduleFor(file, code) {
  const imports = []
  const body = []
  for (const row of code.split('\n')) (/^import\s/.test(row) ? imports : body).push(row)
  const own = imports.join('\n')
  const head = []
  if (!/\bas client\b/.test(own)) head.push("import * as client from 'openid-rp'")
  const entry = ENTRIES.find(({ folder }) => file.startsWith(folder))
  if (entry !== undefined) {
    const used = [...exportsOf(entry.dts)].filter(
      (name) =>
        new RegExp(`\\b${name}\\b`).test(body.join('\n')) && !new RegExp(`\\b${name}\\b`).test(own),
    )
    if (used.length > 0) head.push(`import { ${used.join(', ')} } from '${entry.specifier}'`)
  }
  const given = GIVEN.split('\n').filter((row) => {
    const name = /^declare const (\w+)/.exec(row)?.[1]
    return name === undefined || !new RegExp(`\\b${name}\\b`).test(own)
  })
  return `${[...head, ...imports].join('\n')}\n${given.join('\n')}\nexport {}\n{\n${body.join('\n')}\n}\n`
}

rmSync(out, { recursive: true, force: true })
mkdirSync(out, { recursive: true })
const sources = new Map()
let count = 0
for (const file of listTs(join(root, 'src'))) {
  const rel = relative(root, file).split('\\').join('/')
  for (const { line, code } of examplesOf(file)) {
    const name = `${rel.replace(/[/.]/g, '_')}_${line}.ts`
    writeFileSync(join(out, name), moduleFor(rel, code))
    sources.set(name, `${rel}:${line}`)
    count++
  }
}

const options = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  strict: true,
  noEmit: true,
  skipLibCheck: true,
  lib: ['lib.es2022.d.ts', 'lib.dom.d.ts', 'lib.dom.iterable.d.ts'],
  types: ['node'],
}
const program = ts.createProgram(
  [...sources.keys()].map((name) => join(out, name)),
  options,
)
const diagnostics = ts.getPreEmitDiagnostics(program)
let failed = 0
for (const diagnostic of diagnostics) {
  const name = diagnostic.file ? relative(out, diagnostic.file.fileName) : undefined
  const where = name !== undefined && sources.has(name) ? sources.get(name) : (name ?? 'tsc')
  const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')
  let detail = ''
  if (diagnostic.file && diagnostic.start !== undefined) {
    const { line } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start)
    detail = ` (example line: ${diagnostic.file.text.split('\n')[line].trim()})`
  }
  console.error(`${where}: ${message}${detail}`)
  failed++
}
if (failed > 0) {
  console.error(
    `\ncheck-examples: ${failed} error(s) in the ${count} @example blocks of src/; fix the example`,
  )
  process.exit(1)
}
rmSync(out, { recursive: true, force: true })
console.log(
  `check-examples: the ${count} @example blocks of src/ compile against the built declarations`,
)
