/** Express 5 + express-session + passport: log users in with the openid-rp passport strategy. */
import express from 'express'
import session from 'express-session'
import { Passport } from 'passport'
import * as client from 'openid-rp'
import { Strategy } from 'openid-rp/passport'

export interface PassportExampleOptions {
  clientId: string
  clientSecret: string
  /** The callback route's absolute URL, registered as the client's redirect URI. */
  callbackURL: string
  sessionSecret: string
  allowHttp?: boolean
}

/** Returns an app with `/login`, `/callback` (redirects to `/me`) and `/me` (the logged-in user). */
export async function createApp(issuer: URL, options: PassportExampleOptions) {
  const config = await client.discovery(
    issuer,
    options.clientId,
    options.clientSecret,
    undefined,
    options.allowHttp ? { execute: [client.allowInsecureRequests] } : undefined,
  )

  const auth = new Passport()
  auth.use(
    'oidc',
    new Strategy(
      { config, scope: 'openid email', callbackURL: options.callbackURL },
      (tokens, verified) => {
        const claims = tokens.claims()
        if (!claims) return verified(null, false, { message: 'no ID Token' })
        verified(null, { sub: claims.sub, email: claims.email })
      },
    ),
  )
  auth.serializeUser((user, done) => done(null, user))
  auth.deserializeUser((user: Express.User, done) => done(null, user))

  const app = express()
  app.use(session({ secret: options.sessionSecret, resave: false, saveUninitialized: false }))
  app.use(auth.session())
  app.get('/login', auth.authenticate('oidc'))
  app.get(
    new URL(options.callbackURL).pathname,
    auth.authenticate('oidc', { successRedirect: '/me', failureRedirect: '/login' }),
  )
  app.get('/me', (req, res) => {
    if (req.user) res.json(req.user)
    else res.status(401).json({ error: 'not logged in' })
  })
  return app
}
