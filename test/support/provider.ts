// The provider set-up is shared with the `openid-rp demo` command; it lives in src/cli/embedded.
// Tests also get the notice filter at import and a `cors` switch for browser callers.
import type * as http from 'node:http'
import { installNoticeFilter, type TestProvider } from '../../src/cli/embedded/provider.ts'
import {
  type ResourceServer,
  type ResourceServerOptions,
  startResourceServer as startEmbeddedResourceServer,
} from '../../src/cli/embedded/resource-server.ts'

export * from '../../src/cli/embedded/provider.ts'
export type {
  ResourceRequest,
  ResourceServer,
  ResourceServerOptions,
} from '../../src/cli/embedded/resource-server.ts'

installNoticeFilter()

/** {@link startEmbeddedResourceServer} with `cors: true` for pages of any origin. */
export function startResourceServer(
  test: TestProvider,
  options: ResourceServerOptions & { cors?: boolean } = {},
): Promise<ResourceServer> {
  const { cors, ...rest } = options
  return startEmbeddedResourceServer(test, cors ? { ...rest, wrapListener: withCors } : rest)
}

/**
 * Wraps a request listener for browsers: answers CORS preflights and lets any origin read the
 * responses, including the `WWW-Authenticate` and `DPoP-Nonce` headers.
 */
export function withCors(
  listener: (req: http.IncomingMessage, res: http.ServerResponse) => void | Promise<void>,
): http.RequestListener {
  return (req, res) => {
    res.setHeader('access-control-allow-origin', '*')
    res.setHeader('access-control-expose-headers', 'www-authenticate, dpop-nonce')
    if (req.method === 'OPTIONS') {
      res.setHeader('access-control-allow-methods', 'GET, POST, PUT, PATCH, DELETE')
      res.setHeader(
        'access-control-allow-headers',
        req.headers['access-control-request-headers'] ?? '*',
      )
      res.setHeader('access-control-max-age', '600')
      res.statusCode = 204
      res.end()
      return
    }
    void listener(req, res)
  }
}
