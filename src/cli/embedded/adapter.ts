/**
 * The embedded provider's storage: an in-memory `oidc-provider` adapter with expiry, grant
 * revocation and the uid / user-code lookups the provider needs.
 */
import type { Adapter, AdapterPayload } from 'oidc-provider'

/** A fresh in-memory store; each call of the returned factory is one model's adapter. */
export function memoryAdapterFactory(): (model: string) => Adapter {
  const entries = new Map<string, { payload: AdapterPayload; expiresAt: number }>()
  const byGrant = new Map<string, Set<string>>()
  const byUid = new Map<string, string>()
  const byUserCode = new Map<string, string>()
  const read = (key: string | undefined) => {
    if (key === undefined) return undefined
    const entry = entries.get(key)
    if (!entry) return undefined
    if (entry.expiresAt <= Date.now()) {
      entries.delete(key)
      return undefined
    }
    return entry.payload
  }
  return (model) => {
    const keyOf = (id: string) => `${model}:${id}`
    return {
      async upsert(id, payload, expiresIn) {
        const key = keyOf(id)
        entries.set(key, {
          payload,
          expiresAt: expiresIn ? Date.now() + expiresIn * 1000 : Infinity,
        })
        if (payload.grantId) {
          const members = byGrant.get(payload.grantId) ?? new Set()
          members.add(key)
          byGrant.set(payload.grantId, members)
        }
        if (model === 'Session' && payload.uid) byUid.set(payload.uid, key)
        if (payload.userCode) byUserCode.set(payload.userCode, key)
      },
      async find(id) {
        return read(keyOf(id))
      },
      async findByUid(uid) {
        return read(byUid.get(uid))
      },
      async findByUserCode(userCode) {
        return read(byUserCode.get(userCode))
      },
      async consume(id) {
        const payload = read(keyOf(id))
        if (payload) payload.consumed = Math.floor(Date.now() / 1000)
      },
      async destroy(id) {
        entries.delete(keyOf(id))
      },
      async revokeByGrantId(grantId) {
        for (const key of byGrant.get(grantId) ?? []) entries.delete(key)
        byGrant.delete(grantId)
      },
    }
  }
}
