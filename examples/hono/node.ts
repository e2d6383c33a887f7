/** examples/hono on Node: the app served by `@hono/node-server`, with an in-memory KV store. */
import type { AddressInfo } from 'node:net'
import { serve } from '@hono/node-server'
import { createApp, type HonoExampleOptions, type KvStore } from './app.ts'

/** A Map behind the KV interface; in production, Redis, a database or a Workers KV namespace. */
export function memoryKv(entries = new Map<string, string>()): KvStore {
  return {
    get: async (key) => entries.get(key) ?? null,
    put: async (key, value) => void entries.set(key, value),
    delete: async (key) => void entries.delete(key),
  }
}

/** Serves the app on `port` (0: a free one) of 127.0.0.1 until `close()`. */
export async function startNode(options: HonoExampleOptions, port = 0) {
  const app = createApp(options)
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const started = serve({ fetch: app.fetch, port, hostname: '127.0.0.1' }, () => resolve(started))
  })
  const address = server.address() as AddressInfo
  return {
    url: new URL(`http://127.0.0.1:${address.port}/`),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()))
        if ('closeAllConnections' in server) server.closeAllConnections()
      }),
  }
}
