// The resolve hook of from-source.mjs: maps the package's entry points to src/ next to this
// file (so in a Stryker sandbox, to the sandbox's mutated copy), handed on to tsx's resolver.
const root = new URL('../../', import.meta.url)

/** Package specifier (self-reference) -> source entry, as in package.json "exports". */
const entries = {
  'openid-rp': 'src/index.ts',
  'openid-rp/jar-encryption': 'src/jar-encryption/index.ts',
  'openid-rp/passport': 'src/passport/index.ts',
  'openid-rp/mcp': 'src/mcp/index.ts',
}

export async function resolve(specifier, context, next) {
  const entry = Object.hasOwn(entries, specifier) ? entries[specifier] : undefined
  if (entry !== undefined) return next(new URL(entry, root).href, context)
  if (specifier === '../build/cli/main.js' && context.parentURL?.endsWith('/bin/openid-rp.js')) {
    return next(new URL('src/cli/main.ts', root).href, context)
  }
  return next(specifier, context)
}
