/**
 * Express 5 + express-session + passport: log users in with the openid-rp passport strategy, and
 * log them out when the provider says so (back-channel logout: register
 * `<origin>/backchannel-logout` as the client's `backchannel_logout_uri`).
 */
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
  // One process here; with several, pass a shared `logoutStore` (Redis, a database).
  const strategy = new Strategy(
    { config, scope: 'openid email', callbackURL: options.callbackURL },
    (tokens, verified) => {
      const claims = tokens.claims()
      if (!claims) return verified(null, false, { message: 'no ID Token' })
      // iss, sid, iat and auth_time let logoutMiddleware() match back-channel logouts
      const { iss, sub, sid, iat, auth_time, email } = claims
      verified(null, { iss, sub, sid, iat, auth_time, email })
    },
  )
  auth.use('oidc', strategy)
  auth.serializeUser((user, done) => done(null, user))
  auth.deserializeUser((user: Express.User, done) => done(null, user))

  const app = express()
  app.use(session({ secret: options.sessionSecret, resave: false, saveUninitialized: false }))
  app.post('/backchannel-logout', strategy.backchannelLogoutHandler())
  app.use(auth.session(), strategy.logoutMiddleware())
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
