/**
 * The relying party's back-channel logout endpoint for the demo: receives the provider's logout
 * tokens on 127.0.0.1 and validates them with the library.
 */
import * as client from 'openid-rp'

/** What the back-channel logout endpoint did with one request of the provider. */
export interface BackchannelDelivery {
  status: number
  cacheControl: string | null
  token?: string
  claims?: client.LogoutTokenClaims
  error?: string
}

/**
 * The relying party's back-channel logout endpoint on 127.0.0.1: validates each logout token the
 * provider POSTs with the Configuration of the run, records the logout in a `MemoryLogoutStore`,
 * and answers with `backchannelLogoutResponse()`.
 */
export class BackchannelReceiver {
  config?: client.Configuration
  readonly store = new client.MemoryLogoutStore()
  readonly deliveries: BackchannelDelivery[] = []
  readonly #server: import('node:http').Server

  private constructor(server: import('node:http').Server) {
    this.#server = server
  }

  static async start(): Promise<BackchannelReceiver> {
    const http = await import('node:http')
    let receiver: BackchannelReceiver | undefined
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = []
      req.on('data', (chunk: Buffer) => chunks.push(chunk))
      req.on('end', () => {
        const request = new Request(`http://127.0.0.1${req.url ?? '/'}`, {
          method: req.method,
          headers: { 'content-type': req.headers['content-type'] ?? '' },
          body: req.method === 'POST' ? Buffer.concat(chunks) : undefined,
        })
        void receiver!.#handle(request).then(async (answer) => {
          res.writeHead(answer.status, Object.fromEntries(answer.headers))
          res.end(await answer.text())
        })
      })
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    receiver = new BackchannelReceiver(server)
    return receiver
  }

  get url(): string {
    const { port } = this.#server.address() as import('node:net').AddressInfo
    return `http://127.0.0.1:${port}/backchannel-logout`
  }

  async #handle(request: Request): Promise<Response> {
    const token = new URLSearchParams(await request.clone().text()).get('logout_token') ?? undefined
    let answer: Response
    let claims: client.LogoutTokenClaims | undefined
    let error: string | undefined
    try {
      claims = await client.validateLogoutToken(this.config!, request)
      await this.store.markLoggedOut({ iss: claims.iss, sid: claims.sid, sub: claims.sub }, 3600)
      answer = client.backchannelLogoutResponse()
    } catch (err) {
      error = `${(err as Error).name} ${(err as { code?: string }).code ?? ''}: ${(err as Error).message}`
      answer = client.backchannelLogoutResponse(err)
    }
    const cacheControl = answer.headers.get('cache-control')
    this.deliveries.push({ status: answer.status, cacheControl, token, claims, error })
    return answer
  }

  close(): Promise<void> {
    this.#server.closeAllConnections()
    return new Promise((resolve) => this.#server.close(() => resolve()))
  }
}
