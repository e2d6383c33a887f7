/**
 * A protected resource beside the embedded provider: accepts its Bearer and DPoP-bound access
 * tokens (opaque by lookup, JWT by signature), checks DPoP proofs and can demand its own nonces.
 */
import { randomBytes } from 'node:crypto'
import * as http from 'node:http'
import type { AddressInfo } from 'node:net'
import * as jose from 'jose'
import type { default as ProviderClass } from 'oidc-provider'
import { closeServer, type TestProvider } from './provider.ts'

export interface ResourceServerOptions {
  /** Demand a DPoP nonce the resource server issued (per RFC 9449 section 9). */
  requireDpopNonce?: boolean
  /** The port to listen on (127.0.0.1); a free one by default. */
  port?: number
  /** Wraps the request listener, for example to answer CORS preflights for browser callers. */
  wrapListener?: (listener: http.RequestListener) => http.RequestListener
}

/** What the resource server saw of a request it accepted; it answers with this as JSON. */
export interface ResourceRequest {
  method: string
  path: string
  query: Record<string, string>
  headers: Record<string, string>
  body: string
  scheme: 'Bearer' | 'DPoP'
  token: { sub?: string; client_id?: string; scope?: string; jkt?: string }
}

export interface ResourceServer {
  /** Base URL; any path is a protected resource, `/slow?ms=N` answers after N ms. */
  readonly url: URL
  /** Requests that passed the token check, oldest first. */
  readonly requests: readonly ResourceRequest[]
  /** Requests refused with 401, oldest first, by the error code of the challenge. */
  readonly refusals: readonly { path: string; error: string }[]
  close(): Promise<void>
}

/**
 * A protected resource on its own port that accepts the provider's access tokens (opaque tokens by
 * lookup, JWT access tokens by signature) with the Bearer or DPoP scheme, for any method. DPoP
 * proofs are checked (htm, htu, ath, key binding, and its own nonces with `requireDpopNonce`);
 * certificate binding is not, as the server is plain HTTP.
 */
export async function startResourceServer(
  test: TestProvider,
  options: ResourceServerOptions = {},
): Promise<ResourceServer> {
  const requests: ResourceRequest[] = []
  const refusals: { path: string; error: string }[] = []
  const timers = new Set<NodeJS.Timeout>()
  const nonces = new Set<string>()
  const providerKeys = jose.createLocalJWKSet(test.jwks)
  let url: URL

  const deny = (
    res: http.ServerResponse,
    scheme: string,
    error: string,
    description: string,
    nonce?: string,
  ) => {
    refusals.push({ path: new URL(res.req.url ?? '/', url).pathname, error })
    res.statusCode = 401
    if (nonce) res.setHeader('dpop-nonce', nonce)
    res.setHeader(
      'www-authenticate',
      `${scheme} error="${error}", error_description="${description}"`,
    )
    res.setHeader('content-type', 'application/json')
    res.end(JSON.stringify({ error, error_description: description }))
  }

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    const body = Buffer.concat(chunks).toString('utf8')
    const target = new URL(req.url ?? '/', url)

    const authorization = req.headers.authorization ?? ''
    const [scheme, value] = authorization.split(' ', 2)
    if ((scheme !== 'Bearer' && scheme !== 'DPoP') || !value) {
      deny(res, 'Bearer', 'invalid_request', 'missing access token')
      return
    }
    const token = await lookUpAccessToken(test.provider, providerKeys, test.issuer, value)
    if (!token) {
      deny(res, scheme, 'invalid_token', 'access token is not active')
      return
    }
    if (token.jkt || scheme === 'DPoP') {
      const proof = req.headers.dpop
      const problem =
        scheme !== 'DPoP' || !token.jkt || typeof proof !== 'string'
          ? 'DPoP-bound token must be presented with the DPoP scheme and a proof'
          : await checkDpopProof(
              proof,
              req.method ?? 'GET',
              target,
              value,
              token.jkt,
              options.requireDpopNonce ? nonces : undefined,
            )
      if (problem === 'use_dpop_nonce') {
        const nonce = randomBytes(16).toString('base64url')
        nonces.add(nonce)
        deny(
          res,
          'DPoP',
          'use_dpop_nonce',
          'resource server requires a nonce in the DPoP proof',
          nonce,
        )
        return
      }
      if (problem) {
        deny(res, 'DPoP', 'invalid_dpop_proof', problem)
        return
      }
    }

    const seen: ResourceRequest = {
      method: req.method ?? 'GET',
      path: target.pathname,
      query: Object.fromEntries(target.searchParams),
      headers: Object.fromEntries(
        Object.entries(req.headers).map(([name, header]) => [
          name,
          Array.isArray(header) ? header.join(', ') : (header ?? ''),
        ]),
      ),
      body,
      scheme: scheme as 'Bearer' | 'DPoP',
      token,
    }
    requests.push(seen)

    const respond = () => {
      res.statusCode = 200
      res.setHeader('content-type', 'application/json')
      res.end(JSON.stringify(seen))
    }
    if (target.pathname.startsWith('/slow')) {
      const timer = setTimeout(
        () => {
          timers.delete(timer)
          respond()
        },
        Number(target.searchParams.get('ms') ?? 5000),
      )
      timers.add(timer)
      return
    }
    respond()
  }

  const listener: http.RequestListener = (req, res) => {
    handle(req, res).catch((error: unknown) => {
      res.statusCode = 500
      res.end(String(error))
    })
  }
  const server = http.createServer(options.wrapListener?.(listener) ?? listener)
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, '127.0.0.1', resolve)
  })
  url = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)

  return {
    get url() {
      return new URL(url)
    },
    requests,
    refusals,
    close: async () => {
      for (const timer of timers) clearTimeout(timer)
      timers.clear()
      await closeServer(server)
    },
  }
}

async function lookUpAccessToken(
  provider: ProviderClass,
  keys: ReturnType<typeof jose.createLocalJWKSet>,
  issuer: URL,
  value: string,
): Promise<ResourceRequest['token'] | undefined> {
  if (value.split('.').length === 3) {
    try {
      const { payload } = await jose.jwtVerify(value, keys, { issuer: issuer.href, typ: 'at+jwt' })
      const cnf = payload.cnf as { jkt?: string } | undefined
      return {
        sub: payload.sub,
        client_id: payload.client_id as string,
        scope: payload.scope as string,
        jkt: cnf?.jkt,
      }
    } catch {
      return undefined
    }
  }
  const token =
    (await provider.AccessToken.find(value)) ?? (await provider.ClientCredentials.find(value))
  if (!token || !token.isValid) return undefined
  const fields = token as unknown as {
    accountId?: string
    clientId?: string
    scope?: string
    jkt?: string
  }
  return { sub: fields.accountId, client_id: fields.clientId, scope: fields.scope, jkt: fields.jkt }
}

async function checkDpopProof(
  proof: string,
  method: string,
  target: URL,
  accessToken: string,
  jkt: string,
  nonces: Set<string> | undefined,
): Promise<string | undefined> {
  let payload: jose.JWTPayload
  let jwk: jose.JWK
  try {
    const verified = await jose.jwtVerify(proof, jose.EmbeddedJWK, {
      typ: 'dpop+jwt',
      maxTokenAge: 300,
    })
    payload = verified.payload
    jwk = verified.protectedHeader.jwk!
  } catch (error) {
    return `DPoP proof is invalid: ${error instanceof Error ? error.message : String(error)}`
  }
  if (payload.htm !== method) return 'DPoP proof htm mismatch'
  if (payload.htu !== `${target.origin}${target.pathname}`) return 'DPoP proof htu mismatch'
  const ath = jose.base64url.encode(
    new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(accessToken))),
  )
  if (payload.ath !== ath) return 'DPoP proof ath mismatch'
  if ((await jose.calculateJwkThumbprint(jwk)) !== jkt)
    return 'DPoP proof key does not match the token binding'
  if (nonces && (typeof payload.nonce !== 'string' || !nonces.has(payload.nonce)))
    return 'use_dpop_nonce'
  return undefined
}
