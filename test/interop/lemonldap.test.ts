// Interop with LemonLDAP::NG 2.16 (Debian liblemonldap-ng-portal-perl), an OpenID Provider written
// in Perl that shares no code with oidc-provider: every flow it supports, on both implementations.
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { implementations, type Client } from '../support/implementations.ts'
import { rejection } from '../support/e2e.ts'
import type * as RP from 'openid-rp'
import { lemonldapMissing, startLemonldap, type Lemonldap } from './support/lemonldap.ts'
import { CookieJar } from './support/system.ts'

type Configuration = InstanceType<Client['Configuration']>
type RP = typeof RP

const missing = lemonldapMissing()
const redirectUri = 'http://127.0.0.1:9/cb'
const logoutRedirectUri = 'http://127.0.0.1:9/bye'
const frontchannelLogoutUri = 'http://127.0.0.1:9/frontchannel'
const secret = 'LemonldapClientSecret0123456789abcdef'

describe('interop: LemonLDAP::NG 2.16', { skip: missing }, () => {
  let op: Lemonldap

  before(async () => {
    op = await startLemonldap([
      {
        client_id: 'rp-code',
        client_secret: secret,
        redirect_uris: [redirectUri],
        options: {
          RequirePKCE: 1,
          AllowOffline: 1,
          RefreshToken: 1,
          AllowClientCredentialsGrant: 1,
          PostLogoutRedirectUris: logoutRedirectUri,
          LogoutBypassConfirm: 1,
        },
      },
      {
        client_id: 'rp-signed',
        client_secret: secret,
        redirect_uris: [redirectUri],
        options: { UserInfoSignAlg: 'RS256' },
      },
      { client_id: 'rp-front', client_secret: secret, redirect_uris: [redirectUri] },
      { client_id: 'rpbasic', client_secret: secret, redirect_uris: [redirectUri] },
      {
        client_id: 'rp-fc',
        client_secret: secret,
        redirect_uris: [redirectUri],
        options: {
          LogoutUrl: frontchannelLogoutUri,
          LogoutType: 'front',
          LogoutSessionRequired: 1,
          LogoutBypassConfirm: 1,
        },
      },
    ])
  })

  after(() => op?.close())

  for (const impl of implementations) {
    describe(impl.name, () => {
      let client: Client
      let code: Configuration

      const discover = (clientId: string, auth?: ReturnType<Client['ClientSecretPost']>) =>
        client.discovery(op.issuer, clientId, secret, auth ?? client.ClientSecretPost(), {
          execute: [client.allowInsecureRequests],
        })

      /** Logs dwho in with PKCE, state and nonce and redeems the code. */
      async function signIn(
        config: Configuration,
        scope = 'openid profile email',
        jar?: CookieJar,
      ) {
        const pkceCodeVerifier = client.randomPKCECodeVerifier()
        const state = client.randomState()
        const nonce = client.randomNonce()
        const url = client.buildAuthorizationUrl(config, {
          redirect_uri: redirectUri,
          scope,
          state,
          nonce,
          code_challenge: await client.calculatePKCECodeChallenge(pkceCodeVerifier),
          code_challenge_method: 'S256',
        })
        return client.authorizationCodeGrant(config, await op.authorize(url, op.user, jar), {
          pkceCodeVerifier,
          expectedState: state,
          expectedNonce: nonce,
        })
      }

      before(async () => {
        client = await impl.load()
        code = await discover('rp-code')
      })

      it('discovery() reads the issuer metadata', () => {
        assert.equal(code.serverMetadata().issuer, op.issuer.origin)
      })

      it('authorizationCodeGrant() with PKCE, state and nonce returns a validated ID Token', async () => {
        const tokens = await signIn(code)
        const claims = tokens.claims()!
        assert.equal(claims.sub, 'dwho')
        assert.deepEqual(claims.aud, ['rp-code'])
      })

      it('refreshTokenGrant() with offline_access returns a new access token', async () => {
        const first = await signIn(code, 'openid email offline_access')
        assert.equal(typeof first.refresh_token, 'string')
        const refreshed = await client.refreshTokenGrant(code, first.refresh_token!)
        assert.notEqual(refreshed.access_token, first.access_token)
      })

      it('fetchUserInfo() (JSON) returns the subject and the released claims', async () => {
        const tokens = await signIn(code)
        const userinfo = await client.fetchUserInfo(code, tokens.access_token, 'dwho')
        assert.equal(userinfo.email, 'dwho@badwolf.org')
      })

      it('tokenIntrospection() sees the access token active', async () => {
        const tokens = await signIn(code)
        const introspection = await client.tokenIntrospection(code, tokens.access_token)
        assert.equal(introspection.active, true)
      })

      it('clientCredentialsGrant() returns an access token', async () => {
        const tokens = await client.clientCredentialsGrant(code, { scope: 'openid' })
        assert.equal(typeof tokens.access_token, 'string')
      })

      it('client_secret_basic works for an id and secret of letters and digits', async () => {
        const basic = await discover('rpbasic', client.ClientSecretBasic())
        const tokens = await signIn(basic)
        assert.equal(tokens.claims()!.sub, 'dwho')
      })

      it('client_secret_basic with a "-" in the client id is refused: LemonLDAP::NG reads Basic credentials as \\w+', async () => {
        const basic = await discover('rp-code', client.ClientSecretBasic())
        const error = await rejection(signIn(basic))
        assert.ok(
          error instanceof client.WWWAuthenticateChallengeError,
          `got ${error.name}: ${error.message}`,
        )
        assert.equal(error.status, 401)
      })

      it('a signed UserInfo (no iss/aud) is read without non-repudiation checks', async () => {
        const signed = await discover('rp-signed')
        const tokens = await signIn(signed)
        const userinfo = await client.fetchUserInfo(signed, tokens.access_token, 'dwho')
        assert.equal(userinfo.sub, 'dwho')
        assert.equal(userinfo.iss, undefined)
      })

      it('implicitAuthentication() validates an ID Token from the fragment', async () => {
        const front = await discover('rp-front')
        client.useIdTokenResponseType(front)
        const nonce = client.randomNonce()
        const url = client.buildAuthorizationUrl(front, {
          redirect_uri: redirectUri,
          scope: 'openid',
          nonce,
        })
        const claims = await client.implicitAuthentication(front, await op.authorize(url), nonce)
        assert.equal(claims.sub, 'dwho')
      })

      it('hybrid (code id_token) validates both ID Tokens', async () => {
        const front = await discover('rp-front')
        client.useCodeIdTokenResponseType(front)
        const nonce = client.randomNonce()
        const state = client.randomState()
        const url = client.buildAuthorizationUrl(front, {
          redirect_uri: redirectUri,
          scope: 'openid',
          nonce,
          state,
        })
        const tokens = await client.authorizationCodeGrant(front, await op.authorize(url), {
          expectedNonce: nonce,
          expectedState: state,
        })
        assert.equal(tokens.claims()!.sub, 'dwho')
      })

      it('buildEndSessionUrl() ends the session and returns to post_logout_redirect_uri', async () => {
        const tokens = await signIn(code)
        const url = client.buildEndSessionUrl(code, {
          id_token_hint: tokens.id_token!,
          post_logout_redirect_uri: logoutRedirectUri,
          state: 'bye',
        })
        const back = await op.authorize(url)
        assert.equal(back.origin + back.pathname, logoutRedirectUri)
        assert.equal(back.searchParams.get('state'), 'bye')
      })

      if (impl.name === 'openid-rp') {
        it('enableNonRepudiationChecks() refuses the signed UserInfo without iss/aud by default', async () => {
          const signed = await discover('rp-signed')
          client.enableNonRepudiationChecks(signed)
          const tokens = await signIn(signed)
          const error = await rejection(client.fetchUserInfo(signed, tokens.access_token, 'dwho'))
          assert.ok(error instanceof client.ClientError, `got ${error.name}: ${error.message}`)
          assert.equal(error.code, 'OAUTH_JWT_CLAIM_COMPARISON_FAILED')
        })

        it('acceptSignedUserInfoWithoutIssuerAndAudience() reads it with its signature checked', async () => {
          const rp = client as unknown as RP
          const signed = await discover('rp-signed')
          client.enableNonRepudiationChecks(signed)
          rp.acceptSignedUserInfoWithoutIssuerAndAudience(signed as unknown as RP.Configuration)
          const tokens = await signIn(signed)
          const userinfo = await client.fetchUserInfo(signed, tokens.access_token, 'dwho')
          assert.equal(userinfo.sub, 'dwho')
        })

        it('validateFrontchannelLogout() accepts the iframe of its end-session page, whose sid is the user id', async () => {
          const rp = client as unknown as RP
          const fc = await discover('rp-fc')
          const jar = new CookieJar()
          const tokens = await signIn(fc, 'openid', jar)
          const claims = tokens.claims()!
          assert.equal(claims.sid, undefined)
          const iframes = await op.iframes(
            client.buildEndSessionUrl(fc, { id_token_hint: tokens.id_token! }),
            jar,
          )
          const iframe = iframes.find((src) => src.href.startsWith(frontchannelLogoutUri))
          assert.ok(iframe, `no front-channel iframe among ${iframes.map(String).join(', ')}`)
          const params = await rp.validateFrontchannelLogout(
            fc as unknown as RP.Configuration,
            iframe,
            {
              requireSession: true,
              expectedSid: claims.sub,
            },
          )
          assert.deepEqual({ ...params }, { iss: op.issuer.origin, sid: 'dwho' })
          const forged = new URL(iframe)
          forged.searchParams.set('iss', 'http://127.0.0.1:1')
          const error = await rejection(
            rp.validateFrontchannelLogout(fc as unknown as RP.Configuration, forged),
          )
          assert.ok(error instanceof client.ClientError, `got ${error.name}: ${error.message}`)
          assert.equal(error.code, 'OAUTH_JWT_CLAIM_COMPARISON_FAILED')
          const otherUser = await rejection(
            rp.validateFrontchannelLogout(fc as unknown as RP.Configuration, iframe, {
              expectedSid: 'rtyler',
            }),
          )
          assert.ok(otherUser instanceof client.ClientError, `got ${otherUser.name}`)
          assert.equal(otherUser.code, 'OAUTH_JWT_CLAIM_COMPARISON_FAILED')
        })

        it('buildAuthorizationUrlWithJAR() with an HS256 client-secret key and the §6.1 query parameters', async () => {
          const rp = client as unknown as RP
          const front = await discover('rp-front')
          const nonce = client.randomNonce()
          const state = client.randomState()
          const url = await client.buildAuthorizationUrlWithJAR(
            front,
            { redirect_uri: redirectUri, scope: 'openid email', nonce, state },
            await rp.clientSecretSigningKey(front as unknown as RP.Configuration, 'HS256'),
          )
          assert.equal(url.searchParams.get('response_type'), 'code')
          assert.equal(url.searchParams.get('scope'), 'openid email')
          const tokens = await client.authorizationCodeGrant(front, await op.authorize(url), {
            expectedNonce: nonce,
            expectedState: state,
          })
          assert.equal(tokens.claims()!.sub, 'dwho')
        })
      }
    })
  }
})
