#!/usr/bin/env node
// Keeps the layout rules of ARCHITECTURE.md over src/, read with TypeScript's own parser:
//   - the core and every feature module run on any runtime: no `node:` import, no `process` or
//     `Buffer`, no `require(`; third-party imports are only `oauth4webapi` and `jose` (subpaths ok);
//   - feature modules (src/*.ts but index.ts, src/grants, src/resources, src/security, src/logout
//     and the opt-in entry src/jar-encryption) import only src/core/, `oauth4webapi` and `jose`, never each
//     other, so unused features leave bundles;
//   - src/core/ imports only itself, `oauth4webapi` and `jose` (the dependency points one way);
//   - no import cycle anywhere in src/, type-only imports included;
//   - each library file starts with a two-line `//` module header saying what it owns;
//   - src/index.ts only re-exports; src/core/state.ts imports only types (and errors.ts);
//   - one request path: only src/core/http.ts uses the global `fetch`, and every call of an oauth4webapi
//     request function (`oauth.*Request(`) passes `...transport(...)`, whose customFetch is send();
//   - package.json depends on exactly `oauth4webapi` and `jose`; its only peer is the optional
//     `oidc-provider` that `openid-rp demo` loads (OPTIONAL_PEERS).
// src/passport and src/cli are node-only: only the cycle rule applies to them. src/mcp is an
// adapter entry: checked like the core, but it imports the library by its public name only and
// wraps the caller's fetch, so the one-request-path rule does not apply to it (ADAPTERS).
// Usage: node scripts/check-rules.mjs [--root DIR] (DIR defaults to the repository); checkRules(dir)
// is exported for test/unit/check-rules.test.ts, which runs it on fixtures that break each rule.

import { readFileSync, readdirSync, statSync } from 'node:fs'
import { dirname, join, posix, relative, resolve, sep } from 'node:path'
import { fileURLToPath } from 'node:url'

import ts from 'typescript'

/** Directories under src/ that may use Node.js APIs; they import the public entry only. */
const NODE_ONLY = ['src/passport', 'src/cli']

/** Adapter entries (web-platform code on top of the public entry) and the extra names they import. */
const ADAPTERS = { 'src/mcp': ['openid-rp'] }

/** The only runtime dependencies, and the only bare specifiers src/ may import. */
const DEPENDENCIES = ['jose', 'oauth4webapi']

/** The one module that calls `fetch`: its send() is the library's one request path. */
const REQUEST_PATH = 'src/core/http.ts'

/** The module that holds the Configuration state; it imports only types (and ERRORS). */
const STATE = 'src/core/state.ts'
const ERRORS = 'src/core/errors.ts'

/**
 * The only peer dependencies, each optional (`peerDependenciesMeta`), with the reason it is one.
 * @type {Record<string, string>}
 */
const OPTIONAL_PEERS = {
  'oidc-provider':
    'the embedded provider of `openid-rp demo` (src/cli), loaded with import() only there; the library never needs it',
  '@modelcontextprotocol/sdk':
    'the MCP SDK whose transport `openid-rp/mcp` (src/mcp) plugs into through its `fetch` option; nothing imports it',
  redis:
    'the client the caller passes to createRedisStore (openid-rp/redis); the library never imports it',
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
  'src/token-manager.ts -> src/grants/refresh-token.ts':
    'the token manager is a layer over the public refresh grant it schedules; only its users load it',
  'src/token-manager.ts -> src/resources/revocation.ts':
    'the token manager revokes through the public tokenRevocation on logout; only its users load it',
  'src/token-manager.ts -> src/store/memory.ts':
    'the in-memory store is the token manager default; the store modules are web-platform only',
  'src/token-manager.ts -> src/store/types.ts':
    'the token manager keeps its state through the shared store interface (types only)',
}

const FORBIDDEN_IDENTIFIERS = new Set(['process', 'Buffer'])

/** The tree being checked, and what checking it found. */
let root = ''
/** @type {{ file: string, line: number, message: string }[]} */
let violations = []
let usedExceptions = new Set()

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
    if (statSync(full).isDirectory()) out.push(...listTs(full))
    else if (/\.(?:m|c)?tsx?$/.test(name) && !name.endsWith('.d.ts')) {
      out.push(toPosix(relative(root, full)))
    }
  }
  return out
}

const isNodeOnly = (file) => NODE_ONLY.some((dir) => file === dir || file.startsWith(`${dir}/`))

function kindOf(file) {
  if (file === 'src/index.ts') return 'index'
  if (file.startsWith('src/core/')) return 'core'
  if (/^src\/[^/]+\.ts$/.test(file)) return 'feature'
  if (/^src\/(?:grants|resources|security|jar-encryption|logout)\//.test(file)) return 'feature'
  if (isNodeOnly(file)) return 'node'
  return 'other'
}

function isDependency(specifier) {
  return DEPENDENCIES.some((dep) => specifier === dep || specifier.startsWith(`${dep}/`))
}

/**
 * Every module specifier of a source file, with its line and whether it brings types only:
 * import and export declarations, `import x = require()`, `import()` and `import('x').T` types.
 */
function importsOf(sourceFile) {
  const found = []
  const add = (node, literal, typeOnly) => {
    const line = sourceFile.getLineAndCharacterOfPosition(literal.getStart(sourceFile)).line + 1
    found.push({ specifier: literal.text, line, typeOnly, node })
  }
  const visit = (node) => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = node.importClause
      const bindings = clause?.namedBindings
      const typeOnly =
        clause !== undefined &&
        (clause.isTypeOnly ||
          (clause.name === undefined &&
            bindings !== undefined &&
            ts.isNamedImports(bindings) &&
            bindings.elements.length > 0 &&
            bindings.elements.every((element) => element.isTypeOnly)))
      add(node, node.moduleSpecifier, typeOnly)
    } else if (
      ts.isExportDeclaration(node) &&
      node.moduleSpecifier !== undefined &&
      ts.isStringLiteral(node.moduleSpecifier)
    ) {
      const clause = node.exportClause
      const typeOnly =
        node.isTypeOnly ||
        (clause !== undefined &&
          ts.isNamedExports(clause) &&
          clause.elements.length > 0 &&
          clause.elements.every((element) => element.isTypeOnly))
      add(node, node.moduleSpecifier, typeOnly)
    } else if (
      ts.isImportEqualsDeclaration(node) &&
      ts.isExternalModuleReference(node.moduleReference) &&
      ts.isStringLiteral(node.moduleReference.expression)
    ) {
      add(node, node.moduleReference.expression, node.isTypeOnly)
    } else if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments[0] !== undefined &&
      ts.isStringLiteralLike(node.arguments[0])
    ) {
      add(node, node.arguments[0], false)
    } else if (
      ts.isImportTypeNode(node) &&
      ts.isLiteralTypeNode(node.argument) &&
      ts.isStringLiteral(node.argument.literal)
    ) {
      add(node, node.argument.literal, true)
    }
    ts.forEachChild(node, visit)
  }
  visit(sourceFile)
  return found
}

function lineOf(sourceFile, node) {
  return sourceFile.getLineAndCharacterOfPosition(node.getStart(sourceFile)).line + 1
}

/** Whether an identifier names a property or member rather than a value in scope. */
function isMemberName(node) {
  const parent = node.parent
  if (ts.isPropertyAccessExpression(parent) && parent.name === node) {
    return !(ts.isIdentifier(parent.expression) && parent.expression.text === 'globalThis')
  }
  if (ts.isQualifiedName(parent) && parent.right === node) return true
  if (ts.isBindingElement(parent) && parent.propertyName === node) return true
  return (
    (ts.isPropertyAssignment(parent) ||
      ts.isPropertySignature(parent) ||
      ts.isPropertyDeclaration(parent) ||
      ts.isMethodDeclaration(parent) ||
      ts.isMethodSignature(parent) ||
      ts.isGetAccessorDeclaration(parent) ||
      ts.isSetAccessorDeclaration(parent) ||
      ts.isEnumMember(parent)) &&
    parent.name === node
  )
}

/** Whether an identifier is the global `fetch` used as a value (called, passed or stored). */
function isFetchReference(node) {
  if (node.text !== 'fetch' || ts.isTypeQueryNode(node.parent)) return false
  const parent = node.parent
  if (ts.isPropertyAccessExpression(parent) && parent.name === node) {
    return (
      ts.isIdentifier(parent.expression) &&
      ['globalThis', 'self', 'window'].includes(parent.expression.text)
    )
  }
  return !isMemberName(node) && !(ts.isBindingElement(parent) && parent.propertyName === node)
}

/** Whether a call's last argument is an object literal spreading `transport(...)`. */
function passesTransport(call) {
  const last = call.arguments.at(-1)
  return (
    last !== undefined &&
    ts.isObjectLiteralExpression(last) &&
    last.properties.some(
      (property) =>
        ts.isSpreadAssignment(property) &&
        ts.isCallExpression(property.expression) &&
        ts.isIdentifier(property.expression.expression) &&
        property.expression.expression.text === 'transport',
    )
  )
}

/** The local names under which a file imports the oauth4webapi namespace. */
function oauthNamespaces(imports) {
  const names = new Set()
  for (const { specifier, node } of imports) {
    const bindings = ts.isImportDeclaration(node) ? node.importClause?.namedBindings : undefined
    if (specifier === 'oauth4webapi' && bindings !== undefined && ts.isNamespaceImport(bindings)) {
      names.add(bindings.name.text)
    }
  }
  return names
}

/** @type {Map<string, { target: string, line: number }[]>} the import graph of src/ */
let graph = new Map()

function resolveTarget(file, specifier) {
  return posix.normalize(posix.join(posix.dirname(file), specifier))
}

function checkFile(file) {
  const source = readFileSync(join(root, file), 'utf8')
  const sourceFile = ts.createSourceFile(file, source, ts.ScriptTarget.Latest, true)
  const kind = kindOf(file)
  const imports = importsOf(sourceFile)
  const edges = []
  graph.set(file, edges)
  const adapter = Object.keys(ADAPTERS).find((dir) => file.startsWith(`${dir}/`))

  for (const { specifier, line, typeOnly } of imports) {
    if (specifier.startsWith('.')) edges.push({ target: resolveTarget(file, specifier), line })
    if (kind === 'node') continue
    if (file === STATE && !typeOnly && resolveTarget(file, specifier) !== ERRORS) {
      report(
        file,
        line,
        `imports '${specifier}' for its values: ${STATE} imports types only (and ${ERRORS}), so every module can import it without a cycle`,
        `${file} -> ${specifier}`,
      )
    }
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
    const target = resolveTarget(file, specifier)
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
    if (isNodeOnly(target)) {
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
  if (kind === 'node') return

  if (!/^(?:\/\/ \S[^\n]*\n\/\/ \S[^\n]*\n|\/\*\*?\n(?: \*[^\n]*\n)+ \*\/\n)/.test(source)) {
    report(
      file,
      1,
      'has no module header: start the file with two `//` lines (or a block comment) saying what it owns',
      `${file}: header`,
    )
  }

  if (kind === 'index') {
    for (const statement of sourceFile.statements) {
      if (!ts.isExportDeclaration(statement) || statement.moduleSpecifier === undefined) {
        report(
          file,
          lineOf(sourceFile, statement),
          'src/index.ts only re-exports (`export { x } from`): put the code in the module that owns it',
          `${file}: statement`,
        )
      }
    }
  }

  const namespaces = oauthNamespaces(imports)
  const visit = (node) => {
    if (ts.isIdentifier(node) && FORBIDDEN_IDENTIFIERS.has(node.text) && !isMemberName(node)) {
      report(
        file,
        lineOf(sourceFile, node),
        `uses \`${node.text}\`: the core runs on every runtime, no Node.js globals (rename a local of that name)`,
        `${file}: ${node.text}`,
      )
    }
    if (ts.isIdentifier(node) && file !== REQUEST_PATH && !adapter && isFetchReference(node)) {
      report(
        file,
        lineOf(sourceFile, node),
        `uses the global fetch: every request goes through send() in ${REQUEST_PATH}`,
        `${file}: fetch`,
      )
    }
    if (ts.isCallExpression(node)) {
      const callee = node.expression
      if (ts.isIdentifier(callee) && callee.text === 'require') {
        report(
          file,
          lineOf(sourceFile, node),
          'calls require(): the package is ESM only',
          `${file}: require`,
        )
      }
      if (
        ts.isPropertyAccessExpression(callee) &&
        ts.isIdentifier(callee.expression) &&
        namespaces.has(callee.expression.text) &&
        /Request$/.test(callee.name.text) &&
        !passesTransport(node)
      ) {
        report(
          file,
          lineOf(sourceFile, node),
          `calls oauth4webapi's ${callee.name.text}() without \`...transport(state, deadline)\` in its options: its request would not go through send()`,
          `${file}: ${callee.name.text}`,
        )
      }
    }
    ts.forEachChild(node, visit)
  }
  visit(sourceFile)
}

/** Reports every import cycle of src/ (strongly connected components, Tarjan's algorithm). */
function checkCycles() {
  let index = 0
  const indices = new Map()
  const lowlinks = new Map()
  const stack = []
  const onStack = new Set()
  const strongConnect = (file) => {
    indices.set(file, index)
    lowlinks.set(file, index)
    index++
    stack.push(file)
    onStack.add(file)
    for (const { target } of graph.get(file) ?? []) {
      if (!graph.has(target)) continue
      if (!indices.has(target)) {
        strongConnect(target)
        lowlinks.set(file, Math.min(lowlinks.get(file), lowlinks.get(target)))
      } else if (onStack.has(target)) {
        lowlinks.set(file, Math.min(lowlinks.get(file), indices.get(target)))
      }
    }
    if (lowlinks.get(file) === indices.get(file)) {
      const component = []
      let member
      do {
        member = stack.pop()
        onStack.delete(member)
        component.push(member)
      } while (member !== file)
      const selfLoop = (graph.get(file) ?? []).some(({ target }) => target === file)
      if (component.length > 1 || selfLoop) {
        const members = new Set(component)
        const first = component.sort()[0]
        const edge = graph.get(first).find(({ target }) => members.has(target))
        report(
          first,
          edge.line,
          `is in an import cycle (type-only imports count): ${component.join(', ')}; move what they share into a module both import`,
          `cycle: ${component.join(', ')}`,
        )
      }
    }
  }
  for (const file of [...graph.keys()].sort()) if (!indices.has(file)) strongConnect(file)
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

/**
 * Checks the tree at `dir` (its src/ and package.json).
 * @param {string} dir
 * @returns {{ files: number, violations: { file: string, line: number, message: string }[], unusedExceptions: string[] }}
 */
export function checkRules(dir) {
  root = dir
  violations = []
  usedExceptions = new Set()
  graph = new Map()
  const files = listTs(join(root, 'src'))
  for (const file of files) checkFile(file)
  checkCycles()
  checkPackageJson()
  violations.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line)
  const unusedExceptions = Object.keys(EXCEPTIONS).filter((key) => !usedExceptions.has(key))
  return { files: files.length, violations, unusedExceptions }
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const rootFlag = process.argv.indexOf('--root')
  const dir =
    rootFlag === -1
      ? join(dirname(fileURLToPath(import.meta.url)), '..')
      : resolve(process.argv[rootFlag + 1] ?? '.')
  const result = checkRules(dir)
  for (const key of result.unusedExceptions) {
    console.warn(`check-rules: exception no longer needed, remove it: ${key}`)
  }
  for (const { file, line, message } of result.violations)
    console.error(`${file}:${line}: ${message}`)
  if (result.violations.length > 0) {
    console.error(
      `\ncheck-rules: ${result.violations.length} violation(s) of the ARCHITECTURE.md rules`,
    )
    process.exit(1)
  }
  console.log(`check-rules: ${result.files} files in src/ and package.json follow the layout rules`)
}
