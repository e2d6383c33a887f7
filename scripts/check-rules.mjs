#!/usr/bin/env node
// Keeps the dependency rules of /STYLE.md ("Directions of dependency") over src/:
//   - the core and every feature module run on any runtime: no `node:` import, no `process` or
//     `Buffer`, no `require(`; third-party imports are only `oauth4webapi` and `jose` (subpaths ok);
//   - feature modules (src/*.ts but index.ts, src/grants, src/resources, src/security, src/logout
//     and the opt-in entry src/jar-encryption) import only src/core/, `oauth4webapi` and `jose`, never each
//     other, so unused features leave bundles;
//   - src/core/ imports only itself, `oauth4webapi` and `jose` (the dependency points one way);
//   - package.json depends on exactly `oauth4webapi` and `jose`; its only peer is the optional
//     `oidc-provider` that `openid-rp demo` loads (OPTIONAL_PEERS).
// src/passport and src/cli are node-only and not checked here. Plain Node, no dependencies.
// src/mcp is an adapter entry: checked like the core (any runtime), but it imports the library by
// its public name (`openid-rp`) only, never a src/ file (ADAPTERS).

import { readFileSync, readdirSync, statSync } from 'node:fs'
import { dirname, join, posix, relative, sep } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')

/** Directories under src/ that may use Node.js APIs; they import the public entry only. */
const NODE_ONLY = ['src/passport', 'src/cli']

/** Adapter entries (web-platform code on top of the public entry) and the extra names they import. */
const ADAPTERS = { 'src/mcp': ['openid-rp'] }

/** The only runtime dependencies, and the only bare specifiers src/ may import. */
const DEPENDENCIES = ['jose', 'oauth4webapi']

/**
 * The only peer dependencies, each optional (`peerDependenciesMeta`), with the reason it is one.
 * @type {Record<string, string>}
 */
const OPTIONAL_PEERS = {
  'oidc-provider':
    'the embedded provider of `openid-rp demo` (src/cli), loaded with import() only there; the library never needs it',
  '@modelcontextprotocol/sdk':
    'the MCP SDK whose transport `openid-rp/mcp` (src/mcp) plugs into through its `fetch` option; nothing imports it',
}

/**
 * Allowed exceptions, `'<importing file> -> <imported file>'` (paths from the repository root) or
 * `'<file>: <identifier>'`, each with the reason it is acceptable. Keep it short.
 * @type {Record<string, string>}
 */
const EXCEPTIONS = {
  // 'src/grants/example.ts -> src/security/example.ts': 'why the slot in the state does not fit',
  'src/logout/back-channel.ts -> src/logout/store.ts':
    'one feature in two files: the default replay store of back-channel logout is its own store module',
}

const FORBIDDEN_IDENTIFIERS = ['process', 'Buffer']

/** @type {{ file: string, line: number, message: string }[]} */
const violations = []
const usedExceptions = new Set()

function report(file, line, message, exceptionKey) {
  if (exceptionKey !== undefined && exceptionKey in EXCEPTIONS) {
    usedExceptions.add(exceptionKey)
    return
  }
  violations.push({ file, line, message })
}

function toPosix(path) {
  return path.split(sep).join('/')
}

function listTs(dir) {
  const out = []
  for (const name of readdirSync(dir).sort()) {
    const full = join(dir, name)
    const rel = toPosix(relative(root, full))
    if (NODE_ONLY.some((skip) => rel === skip || rel.startsWith(`${skip}/`))) continue
    if (statSync(full).isDirectory()) out.push(...listTs(full))
    else if (/\.(?:m|c)?tsx?$/.test(name) && !name.endsWith('.d.ts')) out.push(rel)
  }
  return out
}

/**
 * Returns two copies of `source` with every character but newlines kept in place: `code` without
 * comments, and `bare` without comments nor the contents of string, template and regex literals.
 */
function strip(source) {
  let code = ''
  let bare = ''
  const blank = (text) => text.replace(/[^\n]/g, ' ')
  const keep = (text, inBare = text) => {
    code += text
    bare += inBare
  }
  let i = 0
  const templateDepth = [] // brace depth at each `${` that opened a template substitution
  let braceDepth = 0
  const regexCanStart = () => {
    let end = code.length
    while (end > 0 && /\s/.test(code[end - 1])) end--
    const before = code.slice(Math.max(0, end - 16), end)
    return (
      before === '' ||
      /[(,=:[!&|?{};+\-*%<>~^]$/.test(before) ||
      /(?:^|[^\w$.])(?:return|typeof|case|do|else|in|of|void|yield|await|throw|delete|new)$/.test(
        before,
      )
    )
  }

  const readQuoted = (quote) => {
    let j = i + 1
    while (j < source.length && source[j] !== quote && source[j] !== '\n') {
      j += source[j] === '\\' ? 2 : 1
    }
    return source.slice(i, j + 1)
  }

  const readTemplateChunk = (start) => {
    // from `start` (just after ` or }) to the closing ` or to ${ (exclusive of its contents)
    let j = start
    while (j < source.length) {
      if (source[j] === '\\') j += 2
      else if (source[j] === '`') return { end: j + 1, opensSubstitution: false }
      else if (source[j] === '$' && source[j + 1] === '{')
        return { end: j + 2, opensSubstitution: true }
      else j++
    }
    return { end: j, opensSubstitution: false }
  }

  while (i < source.length) {
    const ch = source[i]
    const next = source[i + 1]
    if (ch === '/' && next === '/') {
      const end = source.indexOf('\n', i)
      const text = source.slice(i, end === -1 ? source.length : end)
      keep(blank(text), blank(text))
      i += text.length
      continue
    }
    if (ch === '/' && next === '*') {
      const end = source.indexOf('*/', i + 2)
      const text = source.slice(i, end === -1 ? source.length : end + 2)
      keep(blank(text), blank(text))
      i += text.length
      continue
    }
    if (ch === "'" || ch === '"') {
      const text = readQuoted(ch)
      keep(text, ch + blank(text.slice(1, -1)) + text.slice(-1))
      i += text.length
      continue
    }
    if (ch === '`' || (ch === '}' && templateDepth.at(-1) === braceDepth)) {
      if (ch === '}') templateDepth.pop()
      const { end, opensSubstitution } = readTemplateChunk(i + 1)
      const text = source.slice(i, end)
      keep(text, ch + blank(text.slice(1)))
      if (opensSubstitution) templateDepth.push(braceDepth)
      i = end
      continue
    }
    if (ch === '/' && regexCanStart()) {
      let j = i + 1
      let inClass = false
      while (j < source.length && source[j] !== '\n') {
        if (source[j] === '\\') j += 2
        else if (source[j] === '[') ((inClass = true), j++)
        else if (source[j] === ']') ((inClass = false), j++)
        else if (source[j] === '/' && !inClass) break
        else j++
      }
      const text = source.slice(i, j + 1)
      keep(text, '/' + blank(text.slice(1, -1)) + '/')
      i += text.length
      continue
    }
    if (ch === '{') braceDepth++
    if (ch === '}') braceDepth--
    keep(ch)
    i++
  }
  return { code, bare }
}

function lineOf(text, index) {
  let line = 1
  for (let k = 0; k < index; k++) if (text.charCodeAt(k) === 10) line++
  return line
}

/** Every module specifier in `code` (comments already removed), with its line. */
function importsOf(code) {
  const found = []
  const patterns = [
    // import x from '...', import { a, type b } from '...', export * from '...', import '...'
    /(?:^|[;\n}])[ \t]*(?:import|export)\s+(?:type\s+)?(?:[\w$*{}\s,]*?\s*from\s*)?(['"])([^'"\n]+)\1/g,
    // import('...'), import.meta is not a call
    /\bimport\s*\(\s*(['"])([^'"\n]+)\1/g,
  ]
  for (const pattern of patterns) {
    for (const match of code.matchAll(pattern)) {
      const at = match.index + match[0].lastIndexOf(match[1] + match[2])
      found.push({ specifier: match[2], line: lineOf(code, at) })
    }
  }
  return found
}

function kindOf(file) {
  if (file === 'src/index.ts') return 'index'
  if (file.startsWith('src/core/')) return 'core'
  if (/^src\/[^/]+\.ts$/.test(file)) return 'feature'
  if (/^src\/(?:grants|resources|security|jar-encryption|logout)\//.test(file)) return 'feature'
  return 'other'
}

function isDependency(specifier) {
  return DEPENDENCIES.some((dep) => specifier === dep || specifier.startsWith(`${dep}/`))
}

function checkFile(file) {
  const source = readFileSync(join(root, file), 'utf8')
  const { code, bare } = strip(source)
  const kind = kindOf(file)
  const adapter = Object.keys(ADAPTERS).find((dir) => file.startsWith(`${dir}/`))

  for (const { specifier, line } of importsOf(code)) {
    if (specifier.startsWith('node:')) {
      report(
        file,
        line,
        `imports '${specifier}': no node: modules outside src/passport and src/cli`,
        `${file} -> ${specifier}`,
      )
      continue
    }
    if (!specifier.startsWith('.')) {
      if (!isDependency(specifier) && !(adapter && ADAPTERS[adapter].includes(specifier))) {
        report(
          file,
          line,
          `imports '${specifier}': only ${DEPENDENCIES.join(' and ')} may be imported`,
          `${file} -> ${specifier}`,
        )
      }
      continue
    }
    const target = posix.normalize(posix.join(posix.dirname(file), specifier))
    if (!target.startsWith('src/')) {
      report(file, line, `imports '${specifier}', which is outside src/`, `${file} -> ${target}`)
      continue
    }
    if (adapter && !target.startsWith(`${adapter}/`)) {
      report(
        file,
        line,
        `imports '${specifier}': ${adapter} reaches the library only through 'openid-rp'`,
        `${file} -> ${target}`,
      )
      continue
    }
    if (NODE_ONLY.some((dir) => target === dir || target.startsWith(`${dir}/`))) {
      report(file, line, `imports '${specifier}': ${target} is node-only`, `${file} -> ${target}`)
      continue
    }
    const inCore = target.startsWith('src/core/')
    if (kind === 'feature' && !inCore) {
      report(
        file,
        line,
        `imports '${specifier}' (${target}): a feature module imports only src/core/, oauth4webapi and jose; reach other features through their slot in the Configuration state`,
        `${file} -> ${target}`,
      )
    }
    if (kind === 'core' && !inCore) {
      report(
        file,
        line,
        `imports '${specifier}' (${target}): src/core/ must not depend on feature modules`,
        `${file} -> ${target}`,
      )
    }
  }

  for (const name of FORBIDDEN_IDENTIFIERS) {
    for (const match of bare.matchAll(new RegExp(`(?<![\\w$])${name}(?![\\w$])`, 'g'))) {
      const before = bare.slice(0, match.index).trimEnd()
      if (before.endsWith('.') && !/(?:^|[^\w$.])globalThis\s*\??\.$/.test(before)) continue // x.process
      report(
        file,
        lineOf(bare, match.index),
        `uses \`${name}\`: the core runs on every runtime, no Node.js globals (rename a local of that name)`,
        `${file}: ${name}`,
      )
    }
  }

  for (const match of bare.matchAll(/(?<![\w$.])require\s*\(/g)) {
    report(
      file,
      lineOf(bare, match.index),
      'calls require(): the package is ESM only',
      `${file}: require`,
    )
  }
}

function checkPackageJson() {
  const file = 'package.json'
  const pkg = JSON.parse(readFileSync(join(root, file), 'utf8'))
  const deps = Object.keys(pkg.dependencies ?? {}).sort()
  if (deps.join(',') !== DEPENDENCIES.join(',')) {
    violations.push({
      file,
      line: 1,
      message: `dependencies are [${deps.join(', ')}]; they must be exactly [${DEPENDENCIES.join(', ')}]`,
    })
  }
  for (const field of ['optionalDependencies', 'bundleDependencies', 'bundledDependencies']) {
    if (pkg[field] !== undefined && Object.keys(pkg[field]).length > 0) {
      violations.push({
        file,
        line: 1,
        message: `has ${field}; runtime dependencies are only ${DEPENDENCIES.join(' and ')}`,
      })
    }
  }
  for (const peer of Object.keys(pkg.peerDependencies ?? {})) {
    if (!(peer in OPTIONAL_PEERS)) {
      violations.push({
        file,
        line: 1,
        message: `has peer dependency '${peer}'; the only peers allowed are [${Object.keys(OPTIONAL_PEERS).join(', ')}] (OPTIONAL_PEERS in scripts/check-rules.mjs)`,
      })
    } else if (pkg.peerDependenciesMeta?.[peer]?.optional !== true) {
      violations.push({
        file,
        line: 1,
        message: `peer dependency '${peer}' must be optional: set peerDependenciesMeta["${peer}"].optional to true`,
      })
    }
  }
}

const files = listTs(join(root, 'src'))
for (const file of files) checkFile(file)
checkPackageJson()

for (const key of Object.keys(EXCEPTIONS)) {
  if (!usedExceptions.has(key))
    console.warn(`check-rules: exception no longer needed, remove it: ${key}`)
}

if (violations.length > 0) {
  violations.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line)
  for (const { file, line, message } of violations) console.error(`${file}:${line}: ${message}`)
  console.error(`\ncheck-rules: ${violations.length} violation(s) of the STYLE.md dependency rules`)
  process.exit(1)
}
console.log(
  `check-rules: ${files.length} files in src/ and package.json follow the dependency rules`,
)
