/**
 * examples/hono on Cloudflare Workers (workerd): a module worker around the same app, with the
 * JWKS cached in a Workers KV namespace bound as `JWKS_KV`. Bundle it (esbuild `platform:
 * 'neutral'`, no `nodejs_compat` needed) and bind, for example in wrangler.toml:
 *
 *   kv_namespaces = [{ binding = "JWKS_KV", id = "..." }]
 *   [vars] ISSUER = "https://op.example" CLIENT_ID = "..." REDIRECT_URI = "https://rp.example/callback"
 *   secrets: CLIENT_SECRET, COOKIE_SECRET
 */
import { createApp, type KvStore } from './app.ts'

export interface Env {
  JWKS_KV: KvStore
  ISSUER: string
  CLIENT_ID: string
  CLIENT_SECRET: string
  REDIRECT_URI: string
  COOKIE_SECRET: string
  /** "true" to allow a plain-HTTP issuer (local development only). */
  ALLOW_HTTP?: string
}

// one app per isolate: a new isolate is a cold instance that starts from the KV-stored JWKS
let app: ReturnType<typeof createApp> | undefined

export default {
  fetch(request: Request, env: Env): Response | Promise<Response> {
    app ??= createApp({
      issuer: new URL(env.ISSUER),
      clientId: env.CLIENT_ID,
      clientSecret: env.CLIENT_SECRET,
      redirectUri: env.REDIRECT_URI,
      cookieSecret: env.COOKIE_SECRET,
      kv: env.JWKS_KV,
      allowHttp: env.ALLOW_HTTP === 'true',
    })
    return app.fetch(request)
  },
}
