// Interop with Glewlwyd 2.7 (Debian package `glewlwyd`), an OpenID Provider written in C that
// shares no code with oidc-provider: every flow it supports, on both implementations.
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { implementations, type Client } from '../support/implementations.ts'
import { rejection } from '../support/e2e.ts'
import type * as RP from 'openid-rp'
import { glewlwydMissing, startGlewlwyd, type Glewlwyd } from './support/glewlwyd.ts'
import { waitUntil } from './support/system.ts'

type Configuration = InstanceType<Client['Configuration']>
type RP = typeof RP

const missing = glewlwydMissing()
const clientKey = await (async () => {
  const { privateKey, publicKey } = await crypto.subtle.generateKey(
    { name: 'ECDSA', namedCurve: 'P-256' },
    true,
    ['sign', 'verify'],
  )
  const publicJwk = {
    ...(await crypto.subtle.exportKey('jwk', publicKey)),
    kid: 'rp-pk',
    alg: 'ES256',
    use: 'sig',
  }
  return { privateKey, publicJwk }
})()
const encryptionKey = await (async () => {
  const { privateKey, publicKey } = await crypto.subtle.generateKey(
    {
      name: 'RSA-OAEP',
      modulusLength: 2048,
      publicExponent: new Uint8Array([1, 0, 1]),
      hash: 'SHA-256',
    },
    true,
    ['decrypt', 'encrypt'],
  )
  const publicJwk = {
    ...(await crypto.subtle.exportKey('jwk', publicKey)),
    kid: 'rp-enc',
    alg: 'RSA-OAEP-256',
    use: 'enc',
    key_ops: undefined,
    ext: undefined,
  }
  return { privateKey, publicJwk }
})()
const redirectUri = 'http://127.0.0.1:9/cb'
const secret = 'GlewlwydClientSecret0123456789abcdef'
/** Characters oauth4webapi percent-encodes in Basic credentials and Glewlwyd does not decode. */
const dashedSecret = 'glewlwyd-client-secret-0123456789'

describe('interop: Glewlwyd 2.7', { skip: missing }, () => {
  let op: Glewlwyd

  before(async () => {
    op = await startGlewlwyd()
    // Session management gives ID Tokens a sid and lets end_session send back-channel logout.
    await op.addPlugin('oidc-sessions', { 'session-management-allowed': true })
    // client_credentials (and password) answer 403 unless the plugin allows non-OpenID flows.
    await op.addPlugin('oidc-oauth2', { 'allow-non-oidc': true })
    await op.addPlugin('oidc-jarm', { 'oauth-fapi-allow-jarm': true })
    await op.addPlugin('oidc-enc', { 'encrypt-out-token-allow': true })
    await op.addClient({
      client_id: 'rp-enc',
      client_secret: secret,
      redirect_uri: [redirectUri],
      token_endpoint_auth_method: ['client_secret_post'],
      jwks: { keys: [encryptionKey.publicJwk] },
      alg: 'RSA-OAEP-256',
      enc: 'A128GCM',
      alg_kid: 'rp-enc',
      encrypt_id_token: '1',
      encrypt_userinfo: '1',
    })
    await op.addClient({
      client_id: 'rp-post',
      client_secret: secret,
      redirect_uri: [redirectUri],
      token_endpoint_auth_method: ['client_secret_post'],
    })
    await op.addClient({
      client_id: 'rp-front',
      client_secret: secret,
      redirect_uri: [redirectUri],
      token_endpoint_auth_method: ['client_secret_post'],
      authorization_type: ['code', 'token', 'id_token', 'refresh_token', 'device_authorization'],
      jwks: { keys: [clientKey.publicJwk] },
    })
    await op.addClient({
      client_id: 'rp-ciba',
      client_secret: secret,
      token_endpoint_auth_method: ['client_secret_post'],
      authorization_type: ['refresh_token', 'urn:openid:params:grant-type:ciba'],
      backchannel_token_delivery_mode: 'poll',
    })
    await op.addClient({
      client_id: 'rpbasic',
      client_secret: secret,
      redirect_uri: [redirectUri],
      token_endpoint_auth_method: ['client_secret_basic'],
    })
    await op.addClient({
      client_id: 'rp-basic-dashed',
      client_secret: dashedSecret,
      redirect_uri: [redirectUri],
      token_endpoint_auth_method: ['client_secret_basic'],
    })
    await op.addClient({
      client_id: 'rp-jwt',
      client_secret: secret,
      redirect_uri: [redirectUri],
      token_endpoint_auth_method: ['client_secret_jwt'],
    })
    await op.addClient({
      client_id: 'rp-pkjwt',
      redirect_uri: [redirectUri],
      token_endpoint_auth_method: ['private_key_jwt'],
      jwks: { keys: [clientKey.publicJwk] },
      confidential: true,
    })
  })

  after(() => op?.close())

  for (const impl of implementations) {
    describe(impl.name, () => {
      let client: Client
      let post: Configuration

      const discover = (
        clientId: string,
        auth?: ReturnType<Client['ClientSecretPost']>,
        clientSecret = secret,
      ) =>
        client.discovery(op.issuer(), clientId, clientSecret, auth, {
          execute: [client.allowInsecureRequests],
        })

      /** Logs alice in with PKCE, state and nonce and redeems the code. */
      async function signIn(config: Configuration, scope = 'openid profile email') {
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
        const callback = await op.authorize(url)
        return client.authorizationCodeGrant(config, callback, {
          pkceCodeVerifier,
          expectedState: state,
          expectedNonce: nonce,
        })
      }

      before(async () => {
        client = await impl.load()
        post = await discover('rp-post', client.ClientSecretPost())
      })

      it('discovery() reads the OIDC plugin metadata', () => {
        const metadata = post.serverMetadata()
        assert.equal(metadata.issuer, op.issuer().href)
        assert.equal(metadata.token_endpoint, `${op.issuer().href}/token`)
      })

      it('authorizationCodeGrant() with PKCE, state and nonce returns a validated ID Token', async () => {
        const tokens = await signIn(post)
        const claims = tokens.claims()!
        assert.equal(claims.iss, op.issuer().href)
        assert.equal(claims.aud, 'rp-post')
        assert.equal(typeof claims.sub, 'string')
        assert.equal(tokens.token_type.toLowerCase(), 'bearer')
      })

      it('refreshTokenGrant() returns a new access token for the same subject', async () => {
        const first = await signIn(post)
        const refreshed = await client.refreshTokenGrant(post, first.refresh_token!)
        assert.notEqual(refreshed.access_token, first.access_token)
      })

      it('fetchUserInfo() returns the claims of the signed-in subject', async () => {
        const tokens = await signIn(post)
        const sub = tokens.claims()!.sub
        const userinfo = await client.fetchUserInfo(post, tokens.access_token, sub)
        assert.equal(userinfo.sub, sub)
        assert.equal(userinfo.email, 'alice@example.com')
      })

      it('fetchUserInfo() with userinfo_signed_response_alg gets a UserInfo JWT signed by the provider', async () => {
        const signed = await client.discovery(
          op.issuer(),
          'rp-post',
          { client_secret: secret, userinfo_signed_response_alg: 'RS256' },
          client.ClientSecretPost(),
          { execute: [client.allowInsecureRequests] },
        )
        const tokens = await signIn(signed)
        const sub = tokens.claims()!.sub
        const userinfo = await client.fetchUserInfo(signed, tokens.access_token, sub)
        assert.equal(userinfo.sub, sub)
        assert.equal(userinfo.iss, op.issuer().href)
        assert.equal(userinfo.email, 'alice@example.com')
      })

      it('tokenIntrospection() and tokenRevocation() see a token active, then inactive', async () => {
        const tokens = await signIn(post)
        const before = await client.tokenIntrospection(post, tokens.access_token)
        assert.equal(before.active, true)
        await client.tokenRevocation(post, tokens.access_token)
        const afterwards = await client.tokenIntrospection(post, tokens.access_token)
        assert.equal(afterwards.active, false)
      })

      it('buildAuthorizationUrlWithPAR() pushes the request and the code flow completes', async () => {
        const pkceCodeVerifier = client.randomPKCECodeVerifier()
        const nonce = client.randomNonce()
        const state = client.randomState()
        const url = await client.buildAuthorizationUrlWithPAR(post, {
          redirect_uri: redirectUri,
          scope: 'openid email',
          nonce,
          state,
          code_challenge: await client.calculatePKCECodeChallenge(pkceCodeVerifier),
          code_challenge_method: 'S256',
        })
        assert.ok(
          url.searchParams.get('request_uri')?.startsWith('urn:ietf:params:oauth:request_uri:'),
        )
        const tokens = await client.authorizationCodeGrant(post, await op.authorize(url), {
          pkceCodeVerifier,
          expectedNonce: nonce,
          expectedState: state,
        })
        assert.equal(tokens.claims()!.aud, 'rp-post')
      })

      it('a pushed request without state gets an empty "state" back from Glewlwyd, which is refused', async () => {
        const url = await client.buildAuthorizationUrlWithPAR(post, {
          redirect_uri: redirectUri,
          scope: 'openid',
          nonce: client.randomNonce(),
        })
        const callback = await op.authorize(url)
        assert.equal(callback.searchParams.get('state'), '')
        const error = await rejection(client.authorizationCodeGrant(post, callback))
        assert.ok(error instanceof client.ClientError, `got ${error.name}: ${error.message}`)
        assert.equal(error.code, 'OAUTH_INVALID_RESPONSE')
      })

      it('buildAuthorizationUrlWithJAR() sends a request object signed with the client key', async () => {
        const front = await discover('rp-front', client.ClientSecretPost())
        const pkceCodeVerifier = client.randomPKCECodeVerifier()
        const nonce = client.randomNonce()
        const url = await client.buildAuthorizationUrlWithJAR(
          front,
          {
            redirect_uri: redirectUri,
            scope: 'openid',
            nonce,
            state: 'jar-state',
            code_challenge: await client.calculatePKCECodeChallenge(pkceCodeVerifier),
            code_challenge_method: 'S256',
          },
          { key: clientKey.privateKey, kid: 'rp-pk' },
        )
        assert.ok(url.searchParams.has('request'))
        const tokens = await client.authorizationCodeGrant(front, await op.authorize(url), {
          pkceCodeVerifier,
          expectedNonce: nonce,
          expectedState: 'jar-state',
        })
        assert.equal(tokens.claims()!.aud, 'rp-front')
      })

      it('DPoP binds the code exchange and UserInfo to the client key', async () => {
        const DPoP = client.getDPoPHandle(post, await client.randomDPoPKeyPair('ES256'))
        const pkceCodeVerifier = client.randomPKCECodeVerifier()
        const nonce = client.randomNonce()
        const url = client.buildAuthorizationUrl(post, {
          redirect_uri: redirectUri,
          scope: 'openid email',
          nonce,
          code_challenge: await client.calculatePKCECodeChallenge(pkceCodeVerifier),
          code_challenge_method: 'S256',
        })
        const tokens = await client.authorizationCodeGrant(
          post,
          await op.authorize(url),
          { pkceCodeVerifier, expectedNonce: nonce },
          undefined,
          { DPoP },
        )
        assert.equal(tokens.token_type.toLowerCase(), 'dpop')
        const userinfo = await client.fetchUserInfo(
          post,
          tokens.access_token,
          tokens.claims()!.sub,
          {
            DPoP,
          },
        )
        assert.equal(userinfo.sub, tokens.claims()!.sub)
      })

      it('implicitAuthentication() validates an ID Token from the fragment', async () => {
        const front = await discover('rp-front', client.ClientSecretPost())
        client.useIdTokenResponseType(front)
        const nonce = client.randomNonce()
        const url = client.buildAuthorizationUrl(front, {
          redirect_uri: redirectUri,
          scope: 'openid',
          nonce,
        })
        const claims = await client.implicitAuthentication(front, await op.authorize(url), nonce)
        assert.equal(claims.aud, 'rp-front')
      })

      it('hybrid (code id_token) validates both ID Tokens; Glewlwyd needs response_mode=fragment', async () => {
        const front = await discover('rp-front', client.ClientSecretPost())
        client.useCodeIdTokenResponseType(front)
        const pkceCodeVerifier = client.randomPKCECodeVerifier()
        const nonce = client.randomNonce()
        const url = client.buildAuthorizationUrl(front, {
          redirect_uri: redirectUri,
          scope: 'openid',
          nonce,
          response_mode: 'fragment',
          code_challenge: await client.calculatePKCECodeChallenge(pkceCodeVerifier),
          code_challenge_method: 'S256',
        })
        const tokens = await client.authorizationCodeGrant(front, await op.authorize(url), {
          pkceCodeVerifier,
          expectedNonce: nonce,
        })
        assert.equal(tokens.claims()!.aud, 'rp-front')
      })

      it('device authorization: the user approves, polling returns tokens', async () => {
        const front = await discover('rp-front', client.ClientSecretPost())
        const device = await client.initiateDeviceAuthorization(front, { scope: 'openid' })
        await op.approveDevice(device.user_code, 'rp-front', 'openid')
        const tokens = await client.pollDeviceAuthorizationGrant(front, device)
        assert.equal(typeof tokens.access_token, 'string')
      })

      it('CIBA (poll): the user approves, polling returns an ID Token for them; login_hint is JSON', async () => {
        const ciba = await discover('rp-ciba', client.ClientSecretPost())
        const request = await client.initiateBackchannelAuthentication(ciba, {
          scope: 'openid',
          login_hint: JSON.stringify({ username: op.user.username }),
        })
        await op.approveBackchannel('rp-ciba', 'openid')
        const tokens = await client.pollBackchannelAuthenticationGrant(ciba, request)
        assert.equal(tokens.claims()!.aud, 'rp-ciba')
      })

      it('clientCredentialsGrant() is refused (403, empty body) by a plugin without allow-non-oidc', async () => {
        const basic = await discover('rpbasic', client.ClientSecretBasic())
        const error = await rejection(client.clientCredentialsGrant(basic, { scope: 'api' }))
        assert.ok(error instanceof client.ClientError, `got ${error.name}: ${error.message}`)
        assert.equal(error.code, 'OAUTH_RESPONSE_IS_NOT_JSON')
      })

      it('clientCredentialsGrant() with client_secret_basic returns an access token when allow-non-oidc is set', async () => {
        const basic = await client.discovery(
          op.issuer('oidc-oauth2'),
          'rpbasic',
          secret,
          client.ClientSecretBasic(),
          { execute: [client.allowInsecureRequests] },
        )
        const tokens = await client.clientCredentialsGrant(basic, { scope: 'api' })
        assert.equal(typeof tokens.access_token, 'string')
        assert.equal(tokens.token_type, 'bearer')
        const introspection = await client.tokenIntrospection(basic, tokens.access_token)
        assert.equal(introspection.active, true)
        assert.equal(introspection.client_id, 'rpbasic')
      })

      it('clientCredentialsGrant() with client_secret_post returns an access token when allow-non-oidc is set', async () => {
        const posted = await client.discovery(
          op.issuer('oidc-oauth2'),
          'rp-post',
          secret,
          client.ClientSecretPost(),
          { execute: [client.allowInsecureRequests] },
        )
        const tokens = await client.clientCredentialsGrant(posted, { scope: 'api' })
        assert.equal(typeof tokens.access_token, 'string')
      })

      it('JARM (response_mode=jwt): the signed authorization response is validated and the code redeemed', async () => {
        const jarm = await client.discovery(
          op.issuer('oidc-jarm'),
          'rp-post',
          secret,
          client.ClientSecretPost(),
          { execute: [client.allowInsecureRequests, client.useJwtResponseMode] },
        )
        const pkceCodeVerifier = client.randomPKCECodeVerifier()
        const state = client.randomState()
        const nonce = client.randomNonce()
        const url = client.buildAuthorizationUrl(jarm, {
          redirect_uri: redirectUri,
          scope: 'openid email',
          state,
          nonce,
          code_challenge: await client.calculatePKCECodeChallenge(pkceCodeVerifier),
          code_challenge_method: 'S256',
        })
        const callback = await op.authorize(url)
        const tokens = await client.authorizationCodeGrant(jarm, callback, {
          pkceCodeVerifier,
          expectedState: state,
          expectedNonce: nonce,
        })
        assert.equal(tokens.claims()!.aud, 'rp-post')
      })

      it('enableDecryptingResponses() reads the encrypted ID Token and the encrypted signed UserInfo', async () => {
        const enc = await client.discovery(
          op.issuer('oidc-enc'),
          'rp-enc',
          { client_secret: secret, userinfo_signed_response_alg: 'RS256' },
          client.ClientSecretPost(),
          { execute: [client.allowInsecureRequests] },
        )
        client.enableDecryptingResponses(enc, ['A128GCM'], {
          key: encryptionKey.privateKey,
          kid: 'rp-enc',
        })
        const tokens = await signIn(enc)
        const sub = tokens.claims()!.sub
        assert.equal(tokens.id_token!.split('.').length, 5, 'the ID Token is a compact JWE')
        const userinfo = await client.fetchUserInfo(enc, tokens.access_token, sub)
        assert.equal(userinfo.email, 'alice@example.com')
        const raw = await fetch(enc.serverMetadata().userinfo_endpoint!, {
          headers: { authorization: `Bearer ${tokens.access_token}`, accept: 'application/jwt' },
        })
        assert.equal((await raw.text()).split('.').length, 5, 'the UserInfo is a compact JWE')
      })

      it('client_secret_basic works when id and secret are letters and digits only', async () => {
        const basic = await discover('rpbasic', client.ClientSecretBasic())
        const tokens = await signIn(basic)
        assert.equal(tokens.claims()!.aud, 'rpbasic')
      })

      it('client_secret_basic with a "-" in id and secret is refused: Glewlwyd does not form-urldecode them', async () => {
        const basic = await discover('rp-basic-dashed', client.ClientSecretBasic(), dashedSecret)
        const error = await rejection(signIn(basic))
        assert.ok(error instanceof client.ResponseBodyError, `got ${error.name}: ${error.message}`)
        assert.equal(error.error, 'unauthorized_client')
      })

      it('client_secret_jwt with the default assertion audience (the issuer) is refused by Glewlwyd', async () => {
        const jwt = await discover('rp-jwt', client.ClientSecretJwt())
        const error = await rejection(signIn(jwt))
        // Glewlwyd answers a failed client authentication with 403 and an empty body.
        assert.ok(error instanceof client.ClientError, `got ${error.name}: ${error.message}`)
        assert.equal(error.code, 'OAUTH_RESPONSE_IS_NOT_JSON')
      })

      if (impl.name === 'openid-rp') {
        it('an encrypted ID Token is refused when no decryption key is configured', async () => {
          const enc = await client.discovery(
            op.issuer('oidc-enc'),
            'rp-enc',
            secret,
            client.ClientSecretPost(),
            {
              execute: [client.allowInsecureRequests],
            },
          )
          const error = await rejection(signIn(enc))
          assert.ok(error instanceof client.ClientError, `got ${error.name}: ${error.message}`)
          assert.equal(error.code, 'OAUTH_UNSUPPORTED_OPERATION')
        })

        it('signed UserInfo (iss, no aud) is refused under enableNonRepudiationChecks, read with acceptSignedUserInfoWithoutIssuerAndAudience', async () => {
          const rp = client as unknown as RP
          const signed = await client.discovery(
            op.issuer(),
            'rp-post',
            { client_secret: secret, userinfo_signed_response_alg: 'RS256' },
            client.ClientSecretPost(),
            { execute: [client.allowInsecureRequests] },
          )
          client.enableNonRepudiationChecks(signed)
          const tokens = await signIn(signed)
          const sub = tokens.claims()!.sub
          const error = await rejection(client.fetchUserInfo(signed, tokens.access_token, sub))
          assert.ok(error instanceof client.ClientError, `got ${error.name}: ${error.message}`)
          assert.equal(error.code, 'OAUTH_JWT_CLAIM_COMPARISON_FAILED')
          assert.match(error.message, /no "aud" claim/)
          rp.acceptSignedUserInfoWithoutIssuerAndAudience(signed as unknown as RP.Configuration)
          const userinfo = await client.fetchUserInfo(signed, tokens.access_token, sub)
          assert.equal(userinfo.iss, op.issuer().href)
          assert.equal(userinfo.aud, undefined)
        })
        it('front-channel logout: the iframe URL of its end-session page passes validateFrontchannelLogout with the ID Token sid', async () => {
          const rp = client as unknown as RP
          const frontchannelUri = 'http://127.0.0.1:9/frontchannel'
          await op.addClient({
            client_id: 'rp-fcl',
            client_secret: secret,
            redirect_uri: [redirectUri],
            token_endpoint_auth_method: ['client_secret_post'],
            frontchannel_logout_uri: frontchannelUri,
            frontchannel_logout_session_required: '1',
          })
          const config = await client.discovery(
            op.issuer('oidc-sessions'),
            'rp-fcl',
            secret,
            client.ClientSecretPost(),
            { execute: [client.allowInsecureRequests] },
          )
          const tokens = await signIn(config, 'openid')
          const iframes = await op.frontchannelIframes(
            client.buildEndSessionUrl(config, { id_token_hint: tokens.id_token! }),
          )
          assert.equal(iframes.length, 1, `iframes: ${iframes.map(String).join(', ')}`)
          const iframe = iframes[0]!
          assert.equal(iframe.origin + iframe.pathname, frontchannelUri)
          const sid = tokens.claims()!.sid as string
          const params = await rp.validateFrontchannelLogout(
            config as unknown as RP.Configuration,
            iframe,
            { requireSession: true, expectedSid: sid },
          )
          assert.deepEqual({ ...params }, { iss: op.issuer('oidc-sessions').href, sid })
          const otherSession = await rejection(
            rp.validateFrontchannelLogout(config as unknown as RP.Configuration, iframe, {
              expectedSid: 'another-session',
            }),
          )
          assert.ok(otherSession instanceof client.ClientError, `got ${otherSession.name}`)
          assert.equal(otherSession.code, 'OAUTH_JWT_CLAIM_COMPARISON_FAILED')
        })

        it('front-channel logout without frontchannel_logout_session_required: Glewlwyd sends iss without sid, which is refused', async () => {
          const rp = client as unknown as RP
          const frontchannelUri = 'http://127.0.0.1:9/frontchannel-nosid'
          await op.addClient({
            client_id: 'rp-fcl-nosid',
            client_secret: secret,
            redirect_uri: [redirectUri],
            token_endpoint_auth_method: ['client_secret_post'],
            frontchannel_logout_uri: frontchannelUri,
          })
          const config = await client.discovery(
            op.issuer('oidc-sessions'),
            'rp-fcl-nosid',
            secret,
            client.ClientSecretPost(),
            { execute: [client.allowInsecureRequests] },
          )
          const tokens = await signIn(config, 'openid')
          const [iframe] = await op.frontchannelIframes(
            client.buildEndSessionUrl(config, { id_token_hint: tokens.id_token! }),
          )
          assert.ok(iframe)
          assert.equal(iframe.searchParams.get('iss'), op.issuer('oidc-sessions').href)
          assert.equal(iframe.searchParams.has('sid'), false)
          const error = await rejection(
            rp.validateFrontchannelLogout(config as unknown as RP.Configuration, iframe),
          )
          assert.ok(error instanceof client.ClientError, `got ${error.name}: ${error.message}`)
          assert.equal(error.code, 'OAUTH_INVALID_REQUEST')
          assert.match(error.message, /one of "iss" and "sid" without the other/)
        })

        it('back-channel logout: Glewlwyd posts a logout token without exp; refused by default, read with allowMissingExp', async () => {
          const rp = client as unknown as RP
          const received: string[] = []
          const receiver = createServer((req, res) => {
            let body = ''
            req.on('data', (chunk: Buffer) => (body += chunk.toString()))
            req.on('end', () => {
              received.push(body)
              res.writeHead(200, { 'cache-control': 'no-store' }).end()
            })
          })
          await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve))
          try {
            const { port } = receiver.address() as AddressInfo
            const clientId = `rp-bcl-${port}`
            await op.addClient({
              client_id: clientId,
              client_secret: secret,
              redirect_uri: [redirectUri],
              token_endpoint_auth_method: ['client_secret_post'],
              backchannel_logout_uri: `http://127.0.0.1:${port}/backchannel-logout`,
            })
            const config = await client.discovery(
              op.issuer('oidc-sessions'),
              clientId,
              secret,
              client.ClientSecretPost(),
              {
                execute: [client.allowInsecureRequests],
              },
            )
            const tokens = await signIn(config, 'openid')
            await op.endSession(
              client.buildEndSessionUrl(config, { id_token_hint: tokens.id_token! }),
            )
            // Glewlwyd posts the logout token after it has answered the session DELETE.
            await waitUntil(
              async () => received.length > 0,
              5000,
              () => 'Glewlwyd posted no logout token within 5 s',
            )
            assert.equal(received.length, 1, 'Glewlwyd posted one logout token')
            const logoutToken = new URLSearchParams(received[0]).get('logout_token')!

            const refused = await rejection(
              rp.validateLogoutToken(config as unknown as RP.Configuration, logoutToken),
            )
            assert.ok(
              refused instanceof client.ClientError,
              `got ${refused.name}: ${refused.message}`,
            )
            assert.equal(refused.code, 'OAUTH_INVALID_RESPONSE')
            assert.match(refused.message, /"exp"/)

            const claims = await rp.validateLogoutToken(
              config as unknown as RP.Configuration,
              logoutToken,
              { allowMissingExp: true },
            )
            assert.equal(claims.iss, op.issuer('oidc-sessions').href)
            assert.equal(claims.sub, tokens.claims()!.sub)
          } finally {
            receiver.close()
          }
        })

        it('ClientSecretBasic(secret, { encoding: "none" }) authenticates the dashed client', async () => {
          const basic = await discover(
            'rp-basic-dashed',
            (client as unknown as RP).ClientSecretBasic(undefined, { encoding: 'none' }),
            dashedSecret,
          )
          const tokens = await signIn(basic)
          assert.equal(tokens.claims()!.aud, 'rp-basic-dashed')
        })

        it('ClientSecretJwt(secret, { assertionAudience: "endpoint" }) authenticates at the token and introspection endpoints', async () => {
          const jwt = await discover(
            'rp-jwt',
            (client as unknown as RP).ClientSecretJwt(undefined, { assertionAudience: 'endpoint' }),
          )
          const tokens = await signIn(jwt)
          assert.equal(tokens.claims()!.aud, 'rp-jwt')
          const introspection = await client.tokenIntrospection(jwt, tokens.access_token)
          assert.equal(introspection.active, true)
        })

        it('PrivateKeyJwt(key, { assertionAudience: "endpoint" }) authenticates at the token endpoint', async () => {
          const pk = await discover(
            'rp-pkjwt',
            (client as unknown as RP).PrivateKeyJwt(
              { key: clientKey.privateKey, kid: 'rp-pk' },
              { assertionAudience: 'endpoint' },
            ),
            undefined as unknown as string,
          )
          const tokens = await signIn(pk)
          assert.equal(tokens.claims()!.aud, 'rp-pkjwt')
        })
      }
    })
  }
})
