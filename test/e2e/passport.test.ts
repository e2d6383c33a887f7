import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import * as http from 'node:http'
import type { AddressInfo } from 'node:net'
import * as jose from 'jose'
import express from 'express'
import session from 'express-session'
import { Passport } from 'passport'
import type * as ReferencePassport from 'openid-client/passport'
import { type Client, describeEachImplementation } from '../support/implementations.ts'
import { CookieJar, login } from '../support/login.ts'
import { createProvider, type TestProvider } from '../support/provider.ts'
import * as example from '../../examples/passport-express.ts'
import { closeProvider } from '../support/e2e.ts'

type PassportModule = typeof ReferencePassport

/**
 * Members of openid-client's Strategy that its .d.ts leaves out (they are internal there) but that
 * subclasses read and override; openid-rp's Strategy has them with the same meaning.
 */
interface StrategyMembers {
  _config: InstanceType<Client['Configuration']>
  _verify: ReferencePassport.VerifyFunction | ReferencePassport.VerifyFunctionWithRequest
  _callbackURL: URL | undefined
  _sessionKey: string
  _passReqToCallback: boolean | undefined
  _usePAR: boolean | undefined
  _useJAR: unknown
  _DPoP: ReferencePassport.getDPoPHandle | undefined
  _scope: string | undefined
  _resource: string | string[] | undefined
  _authorizationDetails: unknown
  authorizationRequest(
    req: express.Request,
    options: ReferencePassport.AuthenticateOptions,
  ): Promise<void>
  authorizationCodeGrant(
    req: express.Request,
    currentUrl: URL,
    options: ReferencePassport.AuthenticateOptions,
  ): Promise<void>
}
type StrategyWithMembers = new (
  options: ReferencePassport.StrategyOptions,
  verify: ReferencePassport.VerifyFunction,
) => ReferencePassport.Strategy & StrategyMembers

/** What the subclass of the 'subclass' variant saw. */
const subclassCalls: Array<{ method: string; scope?: string; currentUrl?: string }> = []
let subclassStrategy: (ReferencePassport.Strategy & StrategyMembers) | undefined

const clientId = 'passport-rp'
const clientSecret = 'passport-rp-secret-0123456789abcdefghijklmnopqrstuvwxyz'

let op: TestProvider
let rp: http.Server
let rpOrigin: string
/** The Express app of the implementation under test; the server delegates to it. */
let app: express.Express | undefined
/** The server of examples/passport-express.ts, with the app the example makes. */
let exampleServer: http.Server
let exampleOrigin: string
let exampleApp: express.Express | undefined

const callbackUrl = (variant: string) => `${rpOrigin}/cb/${variant}`
const variants = [
  'basic',
  'par',
  'req',
  'custom',
  'deny',
  'jar',
  'formpost',
  'dpop',
  'loginsession',
  'formparsed',
  'subclass',
  'unadvertised',
]
let jarKey: CryptoKey

before(async () => {
  rp = http.createServer((req, res) => {
    if (app) app(req, res)
    else res.writeHead(503).end()
  })
  await new Promise<void>((resolve) => rp.listen(0, '127.0.0.1', resolve))
  rpOrigin = `http://127.0.0.1:${(rp.address() as AddressInfo).port}`
  exampleServer = http.createServer((req, res) => {
    if (exampleApp) exampleApp(req, res)
    else res.writeHead(503).end()
  })
  await new Promise<void>((resolve) => exampleServer.listen(0, '127.0.0.1', resolve))
  exampleOrigin = `http://127.0.0.1:${(exampleServer.address() as AddressInfo).port}`
  const { privateKey, publicKey } = await jose.generateKeyPair('ES256', { extractable: true })
  jarKey = privateKey
  const publicJwk = {
    ...(await jose.exportJWK(publicKey)),
    kid: 'rp-jar',
    alg: 'ES256',
    use: 'sig',
  }
  op = await createProvider({
    features: { requestObjects: true, dPoP: true },
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: [...variants.map(callbackUrl), `${exampleOrigin}/callback`],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
        jwks: { keys: [publicJwk] },
        request_object_signing_alg: 'ES256',
      },
    ],
  })
})

after(async () => {
  await new Promise<void>((resolve) => rp.close(() => resolve()))
  await new Promise<void>((resolve) => exampleServer.close(() => resolve()))
  await closeProvider(op)
})

/** What the app's custom authenticate callback reports back as JSON. */
interface Outcome {
  error?: string
  user?: { sub: string; nonce?: string; scope?: string; path?: string; tokenType?: string } | false
  info?: { message?: string; error?: string; error_description?: string }
}

/** A browser: one cookie jar for the RP, another for the provider. */
class Browser {
  readonly rpJar = new CookieJar()
  readonly opJar = new CookieJar()

  async get(url: string): Promise<Response> {
    const target = new URL(url)
    const cookie = this.rpJar.header(target)
    const response = await fetch(target, {
      redirect: 'manual',
      headers: cookie ? { cookie } : {},
    })
    this.rpJar.store(target, response.headers.getSetCookie())
    return response
  }

  async post(request: Request): Promise<Response> {
    const target = new URL(request.url)
    const headers = new Headers(request.headers)
    const cookie = this.rpJar.header(target)
    if (cookie) headers.set('cookie', cookie)
    const response = await fetch(target, {
      method: 'POST',
      headers,
      body: await request.text(),
      redirect: 'manual',
    })
    this.rpJar.store(target, response.headers.getSetCookie())
    return response
  }

  /** Starts at the RP's login route and returns the authorization URL it redirects to. */
  async start(variant: string): Promise<URL> {
    const response = await this.get(`${rpOrigin}/login/${variant}`)
    assert.equal(response.status, 302, `login redirects (got ${response.status})`)
    await response.body?.cancel()
    return new URL(response.headers.get('location')!)
  }

  /** Logs in at the provider and returns the callback URL it sends the browser to. */
  async authorize(authorizationUrl: URL, variant: string, deny = false): Promise<URL> {
    const callback = await this.authorizeAny(authorizationUrl, variant, deny)
    assert.ok(callback instanceof URL)
    return callback
  }

  async authorizeAny(authorizationUrl: URL, variant: string, deny = false): Promise<URL | Request> {
    const callback = await login(authorizationUrl, {
      redirectUri: callbackUrl(variant),
      jar: this.opJar,
      deny,
    })
    return callback
  }

  async finish(callback: URL | Request): Promise<Outcome> {
    const response =
      callback instanceof URL ? await this.get(callback.href) : await this.post(callback)
    assert.equal(response.status, 200, `callback answers (got ${response.status})`)
    return (await response.json()) as Outcome
  }
}

describeEachImplementation(
  'passport Strategy with Express 5 and express-session',
  (impl, client) => {
    let strategies: PassportModule
    let config: Awaited<ReturnType<Client['discovery']>>

    before(async () => {
      strategies = (
        impl.name === 'openid-rp'
          ? await import('openid-rp/passport')
          : await import('openid-client/passport')
      ) as PassportModule
      config = await client.discovery(op.issuer, clientId, clientSecret, undefined, {
        execute: [client.allowInsecureRequests],
      })
      const { Strategy } = strategies

      class CustomStrategy extends Strategy {
        override authorizationRequestParams<TOptions extends ReferencePassport.AuthenticateOptions>(
          req: express.Request,
          options: TOptions,
        ) {
          const params = new URLSearchParams(super.authorizationRequestParams(req, options))
          params.set('scope', 'openid profile')
          params.set('ui_locales', 'en')
          return params
        }
      }

      const auth = new Passport()
      const claimsOf = (
        tokens: Parameters<ReferencePassport.VerifyFunction>[0],
        extra: object = {},
      ) => {
        const claims = tokens.claims()!
        return { sub: claims.sub, nonce: claims.nonce, scope: tokens.scope, ...extra }
      }
      const common = { config, scope: 'openid email' }
      auth.use(
        'basic',
        new Strategy({ ...common, callbackURL: callbackUrl('basic') }, (tokens, verified) =>
          verified(null, claimsOf(tokens)),
        ),
      )
      auth.use(
        'par',
        new Strategy(
          { ...common, callbackURL: callbackUrl('par'), usePAR: true },
          async (tokens, verified) => verified(null, claimsOf(tokens)),
        ),
      )
      auth.use(
        'req',
        new Strategy(
          { ...common, callbackURL: callbackUrl('req'), passReqToCallback: true },
          (req, tokens, verified) => verified(null, claimsOf(tokens, { path: req.path })),
        ),
      )
      auth.use(
        'custom',
        new CustomStrategy({ ...common, callbackURL: callbackUrl('custom') }, (tokens, verified) =>
          verified(null, claimsOf(tokens)),
        ),
      )
      auth.use(
        'deny',
        new Strategy({ ...common, callbackURL: callbackUrl('deny') }, (tokens, verified) =>
          verified(null, claimsOf(tokens)),
        ),
      )

      auth.use(
        'jar',
        new Strategy(
          { ...common, callbackURL: callbackUrl('jar'), useJAR: jarKey },
          (tokens, verified) => verified(null, claimsOf(tokens)),
        ),
      )

      class FormPostStrategy extends Strategy {
        override authorizationRequestParams<TOptions extends ReferencePassport.AuthenticateOptions>(
          req: express.Request,
          options: TOptions,
        ) {
          const params = new URLSearchParams(super.authorizationRequestParams(req, options))
          params.set('response_mode', 'form_post')
          return params
        }
      }
      auth.use(
        'formpost',
        new FormPostStrategy(
          { ...common, callbackURL: callbackUrl('formpost') },
          (tokens, verified) => verified(null, claimsOf(tokens)),
        ),
      )

      auth.use(
        'formparsed',
        new FormPostStrategy(
          { ...common, callbackURL: callbackUrl('formparsed') },
          (tokens, verified) => verified(null, claimsOf(tokens)),
        ),
      )

      const dpopHandle = client.getDPoPHandle(config, await client.randomDPoPKeyPair())
      auth.use(
        'dpop',
        new Strategy(
          { ...common, callbackURL: callbackUrl('dpop'), DPoP: () => dpopHandle },
          (tokens, verified) => verified(null, claimsOf(tokens, { tokenType: tokens.token_type })),
        ),
      )

      auth.use(
        'loginsession',
        new Strategy({ ...common, callbackURL: callbackUrl('loginsession') }, (tokens, verified) =>
          verified(null, claimsOf(tokens)),
        ),
      )
      class SubclassStrategy extends (Strategy as unknown as StrategyWithMembers) {
        override async authorizationRequest(
          req: express.Request,
          options: ReferencePassport.AuthenticateOptions,
        ) {
          subclassCalls.push({ method: 'authorizationRequest', scope: this._scope })
          this._scope = 'openid profile'
          return super.authorizationRequest(req, options)
        }

        override async authorizationCodeGrant(
          req: express.Request,
          currentUrl: URL,
          options: ReferencePassport.AuthenticateOptions,
        ) {
          subclassCalls.push({ method: 'authorizationCodeGrant', currentUrl: currentUrl.href })
          return super.authorizationCodeGrant(req, currentUrl, options)
        }
      }
      subclassStrategy = new SubclassStrategy(
        {
          ...common,
          callbackURL: callbackUrl('subclass'),
          sessionKey: 'subclass-session-key',
          resource: 'urn:example:resource',
          authorizationDetails: { type: 'example' },
          DPoP: () => undefined,
        },
        (tokens, verified) => verified(null, claimsOf(tokens)),
      )
      auth.use('subclass', subclassStrategy)

      const { code_challenge_methods_supported: _, ...unadvertised } = config.serverMetadata()
      const withoutS256 = new client.Configuration(unadvertised, clientId, clientSecret)
      client.allowInsecureRequests(withoutS256)
      auth.use(
        'unadvertised',
        new Strategy(
          { config: withoutS256, scope: 'openid email', callbackURL: callbackUrl('unadvertised') },
          (tokens, verified) => verified(null, claimsOf(tokens)),
        ),
      )
      auth.serializeUser((user, done) => done(null, JSON.stringify(user)))
      auth.deserializeUser((user: string, done) => done(null, JSON.parse(user)))

      const server = express()
      server.use(
        session({
          secret: 'passport-test-session-secret',
          resave: false,
          saveUninitialized: false,
          cookie: { secure: false },
        }),
      )
      server.use(auth.session())
      server.get('/cb/loginsession', auth.authenticate('loginsession', { successRedirect: '/me' }))
      server.get('/me', (req, res) => {
        res.json({ user: req.user ?? false })
      })
      server.get('/login/:variant', (req, res, next) => {
        auth.authenticate(req.params.variant)(req, res, next)
      })
      server.post('/cb/formparsed', express.urlencoded({ extended: false }))
      server.all('/cb/:variant', (req, res, next) => {
        auth.authenticate(req.params.variant, (error: unknown, user: unknown, info: unknown) => {
          res.json({
            error: error ? String((error as Error).message ?? error) : undefined,
            user,
            info,
          })
        })(req, res, next)
      })
      app = server
    })

    after(() => {
      app = undefined
    })

    it('Strategy is named after the issuer host by default and rejects a missing config', () => {
      const strategy = new strategies.Strategy({ config }, () => {})
      assert.equal(strategy.name, op.issuer.host)
      assert.throws(
        () => new strategies.Strategy({ config: undefined as never }, () => {}),
        TypeError,
      )
    })

    it('authenticate() redirects with PKCE (S256), and the callback completes the code flow', async () => {
      const browser = new Browser()
      const authorizationUrl = await browser.start('basic')
      assert.equal(authorizationUrl.origin, op.issuer.origin)
      const query = authorizationUrl.searchParams
      assert.equal(query.get('client_id'), clientId)
      assert.equal(query.get('response_type'), 'code')
      assert.equal(query.get('scope'), 'openid email')
      assert.equal(query.get('redirect_uri'), callbackUrl('basic'))
      assert.equal(query.get('code_challenge_method'), 'S256')
      assert.match(query.get('code_challenge') ?? '', /^[\w-]{43}$/)
      if (impl.name === 'openid-rp') {
        assert.ok(query.get('state'), 'openid-rp always sends state')
        assert.ok(query.get('nonce'), 'openid-rp sends a nonce when the scope has openid')
      }

      const outcome = await browser.finish(await browser.authorize(authorizationUrl, 'basic'))
      assert.equal(outcome.error, undefined)
      assert.ok(outcome.user, `verified a user (info: ${JSON.stringify(outcome.info)})`)
      assert.equal(outcome.user.sub, op.account.sub)
      assert.equal(outcome.user.nonce ?? undefined, query.get('nonce') ?? undefined)
    })

    it('authenticate() sends PKCE (S256) even when the server metadata does not advertise code_challenge_methods_supported', async () => {
      const browser = new Browser()
      const authorizationUrl = await browser.start('unadvertised')
      const query = authorizationUrl.searchParams
      assert.equal(query.get('code_challenge_method'), 'S256')
      assert.match(query.get('code_challenge') ?? '', /^[\w-]{43}$/)
      const outcome = await browser.finish(
        await browser.authorize(authorizationUrl, 'unadvertised'),
      )
      assert.equal(outcome.error, undefined)
      assert.ok(outcome.user, `verified a user (info: ${JSON.stringify(outcome.info)})`)
      assert.equal(outcome.user.sub, op.account.sub)
    })

    it('authenticate() callback replayed after success fails: the session no longer holds the request', async () => {
      const browser = new Browser()
      const callback = await browser.authorize(await browser.start('basic'), 'basic')
      assert.ok((await browser.finish(callback)).user)
      const replay = await browser.finish(callback)
      assert.equal(replay.user, false)
      assert.equal(replay.info?.message, 'Unable to verify authorization request state')
    })

    it('authenticate() callback from another browser (no pending request in its session) fails', async () => {
      const victim = new Browser()
      const callback = await victim.authorize(await victim.start('basic'), 'basic')
      const outcome = await new Browser().finish(callback)
      assert.equal(outcome.user, false)
      assert.equal(outcome.info?.message, 'Unable to verify authorization request state')
    })

    it('authenticate() with usePAR pushes the request and redirects with only client_id and request_uri', async () => {
      const browser = new Browser()
      const authorizationUrl = await browser.start('par')
      assert.deepEqual([...authorizationUrl.searchParams.keys()].sort(), [
        'client_id',
        'request_uri',
      ])
      assert.match(
        authorizationUrl.searchParams.get('request_uri')!,
        /^urn:ietf:params:oauth:request_uri:/,
      )
      const outcome = await browser.finish(await browser.authorize(authorizationUrl, 'par'))
      assert.equal(outcome.error, undefined)
      assert.ok(outcome.user)
      assert.equal(outcome.user.sub, op.account.sub)
    })

    it('authenticate() with passReqToCallback calls verify with the request first', async () => {
      const browser = new Browser()
      const outcome = await browser.finish(
        await browser.authorize(await browser.start('req'), 'req'),
      )
      assert.equal(outcome.error, undefined)
      assert.ok(outcome.user)
      assert.equal(outcome.user.sub, op.account.sub)
      assert.equal(outcome.user.path, '/cb/req')
    })

    it('authenticate() uses the parameters of an overridden authorizationRequestParams()', async () => {
      const browser = new Browser()
      const authorizationUrl = await browser.start('custom')
      assert.equal(authorizationUrl.searchParams.get('scope'), 'openid profile')
      assert.equal(authorizationUrl.searchParams.get('ui_locales'), 'en')
      const outcome = await browser.finish(await browser.authorize(authorizationUrl, 'custom'))
      assert.equal(outcome.error, undefined)
      assert.ok(outcome.user)
      assert.deepEqual(outcome.user.scope?.split(' ').sort(), ['openid', 'profile'])
    })

    it('Strategy exposes the reference members, and a subclass overriding authorizationRequest() and authorizationCodeGrant() takes effect', async () => {
      const strategy = subclassStrategy!
      assert.equal(strategy._config, config)
      assert.equal(typeof strategy._verify, 'function')
      assert.ok(strategy._callbackURL instanceof URL)
      assert.equal(strategy._callbackURL.href, callbackUrl('subclass'))
      assert.equal(strategy._sessionKey, 'subclass-session-key')
      assert.ok(!strategy._passReqToCallback)
      assert.ok(!strategy._usePAR)
      assert.ok(!strategy._useJAR)
      assert.equal(typeof strategy._DPoP, 'function')
      assert.equal(strategy._resource, 'urn:example:resource')
      assert.deepEqual(strategy._authorizationDetails, { type: 'example' })

      // docs/stricter-than-reference.md row 25: openid-rp's authenticate() calls these methods on
      // the instance, so a subclass's overrides run; the reference calls its own prototype's.
      const overridesRun = impl.name === 'openid-rp'
      subclassCalls.length = 0
      const browser = new Browser()
      const authorizationUrl = await browser.start('subclass')
      assert.deepEqual(
        [...subclassCalls],
        overridesRun ? [{ method: 'authorizationRequest', scope: 'openid email' }] : [],
      )
      assert.equal(
        authorizationUrl.searchParams.get('scope'),
        overridesRun ? 'openid profile' : 'openid email',
        'the request is built from _scope',
      )
      assert.equal(authorizationUrl.searchParams.get('resource'), 'urn:example:resource')
      assert.deepEqual(JSON.parse(authorizationUrl.searchParams.get('authorization_details')!), [
        { type: 'example' },
      ])
      // The provider knows neither this resource nor this authorization details type.
      authorizationUrl.searchParams.delete('resource')
      authorizationUrl.searchParams.delete('authorization_details')
      const outcome = await browser.finish(await browser.authorize(authorizationUrl, 'subclass'))
      assert.equal(outcome.error, undefined)
      assert.ok(outcome.user)
      assert.equal(outcome.user.sub, op.account.sub)
      if (overridesRun) {
        assert.equal(subclassCalls.length, 2)
        const grant = subclassCalls[1]!
        assert.equal(grant.method, 'authorizationCodeGrant')
        assert.equal(new URL(grant.currentUrl!).pathname, '/cb/subclass')
        assert.ok(new URL(grant.currentUrl!).searchParams.has('code'))
      } else {
        assert.equal(subclassCalls.length, 0)
      }
    })

    it('currentUrl() of a request object without req.get() falls back to its host and headers', () => {
      const strategy = new strategies.Strategy({ config }, () => {})
      const bare = {
        protocol: 'http',
        host: 'rp.example',
        headers: { host: 'rp.example', 'x-forwarded-host': 'evil.example' },
        url: '/cb?code=x',
      } as unknown as express.Request
      assert.equal(strategy.currentUrl(bare).href, 'http://rp.example/cb?code=x')
    })

    it('authenticate() fails (not errors) with the description when the user denies access', async () => {
      const browser = new Browser()
      const callback = await browser.authorize(await browser.start('deny'), 'deny', true)
      assert.equal(callback.searchParams.get('error'), 'access_denied')
      const outcome = await browser.finish(callback)
      assert.equal(outcome.error, undefined)
      assert.equal(outcome.user, false)
      assert.equal(outcome.info?.error, 'access_denied')
      assert.equal(
        outcome.info?.message,
        callback.searchParams.get('error_description') ?? 'access_denied',
      )
    })
    it('authenticate() with useJAR sends a signed request object the provider accepts', async () => {
      const browser = new Browser()
      const authorizationUrl = await browser.start('jar')
      const request = authorizationUrl.searchParams.get('request')
      assert.ok(request, 'the authorization URL carries the request object')
      assert.equal(jose.decodeProtectedHeader(request).alg, 'ES256')
      assert.equal(jose.decodeJwt(request).redirect_uri, callbackUrl('jar'))
      const outcome = await browser.finish(await browser.authorize(authorizationUrl, 'jar'))
      assert.equal(outcome.error, undefined)
      assert.ok(outcome.user)
      assert.equal(outcome.user.sub, op.account.sub)
    })

    it('authenticate() handles a form_post authorization response POSTed to the callback', async () => {
      const browser = new Browser()
      const authorizationUrl = await browser.start('formpost')
      assert.equal(authorizationUrl.searchParams.get('response_mode'), 'form_post')
      const callback = await browser.authorizeAny(authorizationUrl, 'formpost')
      assert.ok(callback instanceof Request, 'the provider answered with an auto-submitting form')
      const outcome = await browser.finish(callback)
      assert.equal(outcome.error, undefined)
      assert.ok(outcome.user)
      assert.equal(outcome.user.sub, op.account.sub)
    })

    // The reference reads the request stream only, which a body parser has already consumed.
    if (impl.name === 'openid-rp') {
      it('authenticate() handles a form_post response whose body a body parser already read', async () => {
        const browser = new Browser()
        const callback = await browser.authorizeAny(await browser.start('formparsed'), 'formparsed')
        assert.ok(callback instanceof Request)
        const outcome = await browser.finish(callback)
        assert.equal(outcome.error, undefined)
        assert.ok(outcome.user)
        assert.equal(outcome.user.sub, op.account.sub)
      })
    }

    it('authenticate() with a DPoP handle sends dpop_jkt and gets a DPoP-bound access token', async () => {
      const browser = new Browser()
      const authorizationUrl = await browser.start('dpop')
      assert.match(authorizationUrl.searchParams.get('dpop_jkt') ?? '', /^[\w-]{43}$/)
      const outcome = await browser.finish(await browser.authorize(authorizationUrl, 'dpop'))
      assert.equal(outcome.error, undefined)
      assert.ok(outcome.user)
      assert.equal(outcome.user.tokenType, 'dpop')
    })

    it('authenticate() with successRedirect logs the user into the passport session', async () => {
      const browser = new Browser()
      const callback = await browser.authorize(await browser.start('loginsession'), 'loginsession')
      const response = await browser.get(callback.href)
      assert.equal(response.status, 302)
      assert.equal(response.headers.get('location'), '/me')
      await response.body?.cancel()
      const me = (await (await browser.get(`${rpOrigin}/me`)).json()) as Outcome
      assert.ok(me.user)
      assert.equal(me.user.sub, op.account.sub)
    })

    if (impl.name === 'openid-rp') {
      it('authenticate() errors when the callback state differs from the one sent', async () => {
        const browser = new Browser()
        const callback = await browser.authorize(await browser.start('basic'), 'basic')
        callback.searchParams.set('state', 'forged-state')
        const outcome = await browser.finish(callback)
        assert.match(outcome.error ?? '', /state/)
        assert.equal(outcome.user, undefined)
      })
    }
  },
)

describe('examples/passport-express.ts', () => {
  it('createApp() logs the user in through /login and /callback, then /me shows them', async () => {
    exampleApp = await example.createApp(op.issuer, {
      clientId,
      clientSecret,
      callbackURL: `${exampleOrigin}/callback`,
      sessionSecret: 'example-session-secret',
      allowHttp: true,
    })
    const rpJar = new CookieJar()
    const get = async (path: string) => {
      const url = new URL(path, exampleOrigin)
      const cookie = rpJar.header(url)
      const response = await fetch(url, { redirect: 'manual', headers: cookie ? { cookie } : {} })
      rpJar.store(url, response.headers.getSetCookie())
      return response
    }
    const start = await get('/login')
    assert.equal(start.status, 302)
    const callback = await login(start.headers.get('location')!, {
      redirectUri: `${exampleOrigin}/callback`,
    })
    assert.ok(callback instanceof URL)
    const finish = await get(callback.pathname + callback.search)
    assert.equal(finish.status, 302)
    assert.equal(finish.headers.get('location'), '/me')
    const me = (await (await get('/me')).json()) as { sub: string }
    assert.equal(me.sub, op.account.sub)
    exampleApp = undefined
  })
})
