import { readFileSync } from 'node:fs'
import { describe } from 'node:test'

import type * as Reference from 'openid-client'

/** The public API both implementations share: the reference's type is the contract. */
export type Client = typeof Reference

export interface Implementation {
  readonly name: 'openid-rp' | 'openid-client'
  load(): Promise<Client>
}

const all: Implementation[] = [
  { name: 'openid-rp', load: async () => await import('openid-rp') },
  { name: 'openid-client', load: async () => await import('openid-client') },
]

/** Implementations selected by `IMPL` (comma-separated names), all by default. */
export const implementations: Implementation[] = process.env.IMPL
  ? all.filter((impl) => process.env.IMPL!.split(',').includes(impl.name))
  : all

/**
 * One suite per selected implementation, named `<impl>: <title>` (or `<impl>` alone when the
 * title is empty), with the implementation's module loaded before `body` registers its tests.
 *
 * @example
 * describeEachImplementation('discovery', (impl, client) => {
 *   it('finds the issuer', async () => {
 *     await client.discovery(new URL('https://op.example'), 'client-id')
 *   })
 * })
 */
export function describeEachImplementation(
  title: string,
  body: (impl: Implementation, client: Client) => void | Promise<void>,
): void {
  for (const impl of implementations)
    describe(title ? `${impl.name}: ${title}` : impl.name, async () => {
      await body(impl, await impl.load())
    })
}

const DIVERGENCES = new URL('../../docs/stricter-than-reference.md', import.meta.url)
let documentedRows: Set<number> | undefined

/** The row numbers of the tables of docs/stricter-than-reference.md. */
function rows(): Set<number> {
  documentedRows ??= new Set(
    [...readFileSync(DIVERGENCES, 'utf8').matchAll(/^\|\s*(\d+)\s*\|/gm)].map((m) => Number(m[1])),
  )
  return documentedRows
}

/**
 * Whether `impl` shows the divergence documented as `row` of docs/stricter-than-reference.md
 * (openid-rp does, the reference does not). Throws when the doc has no such row, so a test
 * cannot claim a divergence nobody wrote down.
 *
 * @example
 * if (divergence(impl, 12)) assert.equal(err.code, 'OAUTH_INVALID_RESPONSE')
 */
export function divergence(impl: Implementation, row: number): boolean {
  if (!rows().has(row))
    throw new Error(`docs/stricter-than-reference.md has no row ${row}: document it first`)
  return impl.name === 'openid-rp'
}
