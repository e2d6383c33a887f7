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
