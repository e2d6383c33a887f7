// Interop with Glewlwyd 2.7 (Debian package `glewlwyd`), an OpenID Provider written in C that
// shares no code with oidc-provider: every flow it supports, on both implementations.
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { implementations, type Client } from '../support/implementations.ts'
import { rejection } from '../support/e2e.ts'
import type * as RP from 'openid-rp'
import { glewlwydMissing, startGlewlwyd, type Glewlwyd } from './support/glewlwyd.ts'

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
const redirectUri = 'http://127.0.0.1:9/cb'
const secret = 'GlewlwydClientSecret0123456789abcdef'
/** Characters oauth4webapi percent-encodes in Basic credentials and Glewlwyd does not decode. */
const dashedSecret = 'glewlwyd-client-secret-0123456789'

describe('interop: Glewlwyd 2.7', { skip: missing }, () => {
  let op: Glewlwyd

  before(async () => {
    op = await startGlewlwyd()
    await op.addClient({
      client_id: 'rp-post',
      client_secret: secret,
      redirect_uri: [redirectUri],
      token_endpoint_auth_method: ['client_secret_post'],
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

      it('tokenIntrospection() and tokenRevocation() see a token active, then inactive', async () => {
        const tokens = await signIn(post)
        const before = await client.tokenIntrospection(post, tokens.access_token)
        assert.equal(before.active, true)
        await client.tokenRevocation(post, tokens.access_token)
        const afterwards = await client.tokenIntrospection(post, tokens.access_token)
        assert.equal(afterwards.active, false)
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
