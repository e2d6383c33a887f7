/**
 * examples/spa built into a temporary directory and served from 127.0.0.1 (the page, its script
 * at /app.js, the callback path, and the `config.json` the suite provides), for the Chromium
 * suites.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import * as http from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { buildSpa, type SpaConfig } from '../../examples/spa/build.ts'

export interface SpaSite {
  /** The page's origin, `http://127.0.0.1:<port>`; its callback is `${origin}/callback`. */
  readonly origin: string
  /** Stops the server and removes the build. */
  close(): Promise<void>
}

/** Builds the SPA and serves it; `config` is read on each request for config.json. */
export async function startSpaSite(config: () => SpaConfig): Promise<SpaSite> {
  const work = await mkdtemp(join(tmpdir(), 'openid-rp-spa-'))
  await buildSpa(work)
  let origin = ''
  const serve = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const { pathname } = new URL(req.url ?? '/', origin)
    const send = (type: string, body: string | Buffer) => {
      res.writeHead(200, { 'content-type': type, 'cache-control': 'no-store' })
      res.end(body)
    }
    if (pathname === '/' || pathname === '/callback') {
      send('text/html', await readFile(join(work, 'index.html')))
    } else if (pathname === '/app.js') {
      send('text/javascript', await readFile(join(work, 'app.js')))
    } else if (pathname === '/config.json') {
      send('application/json', JSON.stringify(config()))
    } else {
      res.writeHead(404).end()
    }
  }
  const site = http.createServer((req, res) => void serve(req, res))
  await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve))
  origin = `http://127.0.0.1:${(site.address() as AddressInfo).port}`
  return {
    origin,
    async close() {
      site.closeAllConnections()
      await new Promise<void>((resolve) => site.close(() => resolve()))
      await rm(work, { recursive: true, force: true })
    },
  }
}
