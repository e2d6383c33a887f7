/**
 * Endpoint resolution: server metadata endpoints, mTLS aliases, plain HTTP, front-channel URLs and
 * the discovery URL, as a custom fetch sees them.
 */
import assert from 'node:assert/strict'
import { inspect } from 'node:util'
import { describe, it } from 'node:test'

import type { Configuration, ServerMetadata } from 'openid-client'

import { describeEachImplementation } from '../support/implementations.ts'
import { assertArgumentError, caught, json } from '../support/transport.ts'
import {
  issuer,
  metadata,
  mtlsAliases,
  CLIENT_ID,
  SECRET,
  bearerTokens,
  type Call,
  fakeFetch,
  assertClientError,
  configurer,
} from '../support/requests.ts'

describeEachImplementation('', (impl, client) => {
  const configure = configurer(client)

  describe('server endpoints', () => {
    /** What openid-rp's message says to do, per code. */
    const hints: Record<string, RegExp> = {
      OAUTH_MISSING_SERVER_METADATA:
        /^the server metadata has no "\w+": the server does not support it or the metadata is incomplete$/,
      OAUTH_INVALID_SERVER_METADATA: /^the server metadata "\w+" is not a valid URL/,
      OAUTH_HTTP_REQUEST_FORBIDDEN:
        /: use an https: endpoint, or call allowInsecureRequests\(config\) for local development only$/,
    }

    const operations: Record<
      string,
      { endpoint: keyof typeof mtlsAliases; run: (config: Configuration) => Promise<unknown> }
    > = {
      'clientCredentialsGrant()': {
        endpoint: 'token_endpoint',
        run: (config) => client.clientCredentialsGrant(config),
      },
      'fetchUserInfo()': {
        endpoint: 'userinfo_endpoint',
        run: (config) => client.fetchUserInfo(config, 'access-token', 'subject'),
      },
      'tokenIntrospection()': {
        endpoint: 'introspection_endpoint',
        run: (config) => client.tokenIntrospection(config, 'token'),
      },
      'tokenRevocation()': {
        endpoint: 'revocation_endpoint',
        run: (config) => client.tokenRevocation(config, 'token'),
      },
    }
    const answer = (call: Call) => {
      if (call.url.endsWith('/me')) return json({ sub: 'subject' })
      if (call.url.endsWith('/introspect')) return json({ active: false })
      if (call.url.endsWith('/revoke')) return new Response(null, { status: 200 })
      return json(bearerTokens)
    }

    for (const [name, { endpoint, run }] of Object.entries(operations)) {
      for (const [title, value, code] of [
        ['no', undefined, 'OAUTH_MISSING_SERVER_METADATA'],
        ['an invalid', 'not a url', 'OAUTH_INVALID_SERVER_METADATA'],
        ['a non-string', 42, 'OAUTH_INVALID_SERVER_METADATA'],
        ['an http:', `http://op.example/${endpoint}`, 'OAUTH_HTTP_REQUEST_FORBIDDEN'],
      ] as const) {
        it(`${name} with ${title} ${endpoint} rejects with ${code}, sending nothing`, async () => {
          const { fetch, calls } = fakeFetch(answer)
          const server = { ...metadata, [endpoint]: value } as ServerMetadata
          const err = await caught(() => run(configure(fetch, server)))
          assertClientError(client, err, code)
          if (impl.name === 'openid-rp') assert.match((err as Error).message, hints[code])
          assert.equal(calls.length, 0)
        })
      }

      it(`${name} with an ftp: ${endpoint} after allowInsecureRequests rejects with OAUTH_REQUEST_PROTOCOL_FORBIDDEN`, async () => {
        const { fetch, calls } = fakeFetch(answer)
        const config = configure(fetch, { ...metadata, [endpoint]: 'ftp://op.example/x' })
        client.allowInsecureRequests(config)
        const err = await caught(() => run(config))
        assertClientError(client, err, 'OAUTH_REQUEST_PROTOCOL_FORBIDDEN')
        if (impl.name === 'openid-rp')
          assert.match((err as Error).message, /: the endpoint URL must use https: or http:$/)
        assert.equal(calls.length, 0)
      })

      it(`${name} with an http: ${endpoint} after allowInsecureRequests sends to it`, async () => {
        const { fetch, calls } = fakeFetch(answer)
        const url = `http://op.example${new URL(metadata[endpoint]!).pathname}`
        const config = configure(fetch, { ...metadata, [endpoint]: url })
        client.allowInsecureRequests(config)
        await run(config)
        assert.equal(calls[0]!.url, url)
      })

      it(`${name} with use_mtls_endpoint_aliases sends to mtls_endpoint_aliases.${endpoint}`, async () => {
        const { fetch, calls } = fakeFetch(answer)
        const server = { ...metadata, mtls_endpoint_aliases: mtlsAliases }
        await run(configure(fetch, server, { client_secret: SECRET }))
        await run(
          configure(fetch, server, { client_secret: SECRET, use_mtls_endpoint_aliases: true }),
        )
        assert.deepEqual(
          calls.map((call) => call.url),
          [metadata[endpoint], mtlsAliases[endpoint]],
        )
      })

      it(`${name} with use_mtls_endpoint_aliases and no alias for ${endpoint} sends to ${endpoint}`, async () => {
        const { fetch, calls } = fakeFetch(answer)
        for (const aliases of [{}, null]) {
          const server = { ...metadata, mtls_endpoint_aliases: aliases } as ServerMetadata
          await run(
            configure(fetch, server, { client_secret: SECRET, use_mtls_endpoint_aliases: true }),
          )
        }
        assert.deepEqual(
          calls.map((call) => call.url),
          [metadata[endpoint], metadata[endpoint]],
        )
      })

      it(`${name} with an invalid mtls_endpoint_aliases.${endpoint} rejects with OAUTH_INVALID_SERVER_METADATA`, async () => {
        const { fetch, calls } = fakeFetch(answer)
        const server = { ...metadata, mtls_endpoint_aliases: { [endpoint]: 'not a url' } }
        const config = configure(fetch, server, {
          client_secret: SECRET,
          use_mtls_endpoint_aliases: true,
        })
        const err = await caught(() => run(config))
        assertClientError(client, err, 'OAUTH_INVALID_SERVER_METADATA')
        assert.equal(calls.length, 0)
      })
    }
  })

  describe('front-channel endpoints', () => {
    const builders: Record<
      string,
      {
        endpoint: 'authorization_endpoint' | 'end_session_endpoint'
        build: (config: Configuration) => URL
      }
    > = {
      'buildAuthorizationUrl()': {
        endpoint: 'authorization_endpoint',
        build: (config) =>
          client.buildAuthorizationUrl(config, {
            redirect_uri: 'https://rp.example/cb',
            scope: 'openid',
          }),
      },
      'buildEndSessionUrl()': {
        endpoint: 'end_session_endpoint',
        build: (config) => client.buildEndSessionUrl(config, {}),
      },
    }
    // Same codes in both; the class differs: openid-rp throws its ClientError, the reference
    // lets oauth4webapi's OperationProcessingError through (not an instance of ClientError).
    const errorClass = impl.name === 'openid-rp' ? 'ClientError' : 'OperationProcessingError'

    for (const [name, { endpoint, build }] of Object.entries(builders)) {
      it(`${name} with use_mtls_endpoint_aliases ignores mtls_endpoint_aliases.${endpoint}: the browser does not present the client certificate`, () => {
        const { fetch, calls } = fakeFetch(() => json({}))
        const server = {
          ...metadata,
          end_session_endpoint: `${issuer}/logout`,
          mtls_endpoint_aliases: {
            ...mtlsAliases,
            authorization_endpoint: 'https://mtls.op.example/auth',
            end_session_endpoint: 'https://mtls.op.example/logout',
          },
        }
        const url = build(
          configure(fetch, server, { client_secret: SECRET, use_mtls_endpoint_aliases: true }),
        )
        assert.equal(`${url.origin}${url.pathname}`, server[endpoint])
        assert.equal(calls.length, 0)
      })

      for (const [title, value, code] of [
        ['no', undefined, 'OAUTH_MISSING_SERVER_METADATA'],
        ['an invalid', 'not a url', 'OAUTH_INVALID_SERVER_METADATA'],
        ['an http:', 'http://op.example/auth', 'OAUTH_HTTP_REQUEST_FORBIDDEN'],
      ] as const) {
        it(`${name} with ${title} ${endpoint} throws ${code} (${impl.name}: ${errorClass}), sending nothing`, () => {
          const { fetch, calls } = fakeFetch(() => json({}))
          const server = { ...metadata, end_session_endpoint: `${issuer}/logout` }
          const config = configure(fetch, { ...server, [endpoint]: value } as ServerMetadata)
          let err: unknown
          try {
            build(config)
          } catch (thrown) {
            err = thrown
          }
          assert.ok(err instanceof Error, 'expected an error, none was thrown')
          if (impl.name === 'openid-rp') assert.ok(err instanceof client.ClientError, inspect(err))
          else assert.equal(err.name, 'OperationProcessingError', inspect(err))
          assert.equal((err as { code?: string }).code, code, inspect(err))
          assert.equal(calls.length, 0)
        })
      }
    }
  })

  describe('discovery', () => {
    const cases = [
      ['oidc', 'https://op.example', 'https://op.example/.well-known/openid-configuration'],
      ['oidc', 'https://op.example/', 'https://op.example/.well-known/openid-configuration'],
      [
        'oidc',
        'https://op.example/tenant',
        'https://op.example/tenant/.well-known/openid-configuration',
      ],
      [
        'oidc',
        'https://op.example/tenant/',
        'https://op.example/tenant/.well-known/openid-configuration',
      ],
      ['oidc', 'https://op.example/a/b', 'https://op.example/a/b/.well-known/openid-configuration'],
      [undefined, 'https://op.example/t', 'https://op.example/t/.well-known/openid-configuration'],
      ['oauth2', 'https://op.example', 'https://op.example/.well-known/oauth-authorization-server'],
      [
        'oauth2',
        'https://op.example/',
        'https://op.example/.well-known/oauth-authorization-server',
      ],
      [
        'oauth2',
        'https://op.example/tenant',
        'https://op.example/.well-known/oauth-authorization-server/tenant',
      ],
      [
        'oauth2',
        'https://op.example/tenant/',
        'https://op.example/.well-known/oauth-authorization-server/tenant',
      ],
      [
        'oauth2',
        'https://op.example/a/b',
        'https://op.example/.well-known/oauth-authorization-server/a/b',
      ],
    ] as const

    for (const [algorithm, server, expected] of cases) {
      it(`discovery() of ${server} (${algorithm ?? 'default'}) GETs ${expected}`, async () => {
        const url = new URL(server)
        const { fetch, calls } = fakeFetch(() => json({ ...metadata, issuer: url.href }))
        await client.discovery(url, CLIENT_ID, undefined, undefined, {
          [client.customFetch]: fetch,
          algorithm,
        })
        assert.equal(calls.length, 1)
        assert.equal(calls[0]!.url, expected)
        assert.equal(calls[0]!.options.method, 'GET')
        assert.equal(calls[0]!.options.redirect, 'manual')
        assert.equal(calls[0]!.headers.get('accept'), 'application/json')
        assert.match(calls[0]!.headers.get('user-agent') ?? '', /^openid-(rp|client)\//)
      })
    }

    it('discovery() of a .well-known URL GETs it as given', async () => {
      const url = new URL('https://op.example/.well-known/openid-configuration')
      const { fetch, calls } = fakeFetch(() => json(metadata))
      await client.discovery(url, CLIENT_ID, undefined, undefined, {
        [client.customFetch]: fetch,
      })
      assert.equal(calls[0]!.url, url.href)
    })

    it('discovery() given an unknown algorithm rejects with ERR_INVALID_ARG_VALUE, sending nothing', async () => {
      const { fetch, calls } = fakeFetch(() => json(metadata))
      const err = await caught(() =>
        client.discovery(new URL(issuer), CLIENT_ID, undefined, undefined, {
          [client.customFetch]: fetch,
          algorithm: 'openid' as 'oidc',
        }),
      )
      assertArgumentError(err, 'ERR_INVALID_ARG_VALUE')
      assert.equal(calls.length, 0)
    })
  })
})
