/**
 * validateLogoutToken() with Microsoft Entra ID multi-tenant issuers: the `{tenantid}` template
 * of a discovered Configuration is filled from the token's `tid`, as for ID Tokens. A fake
 * transport through [customFetch]; no sockets.
 */
import assert from 'node:assert/strict'
import { before, describe, it } from 'node:test'

import * as rp from 'openid-rp'

import { epoch, sign, type SigningKey, signingKey } from '../support/forge.ts'

const entra = 'https://login.microsoftonline.com'
const template = `${entra}/{tenantid}/v2.0`
const tid = '9188040d-6c67-4c5b-b112-36a304b66dad'
const otherTid = '72f988bf-86f1-41af-91ab-2d7cd011db47'

const json = (body: unknown) =>
  new Response(JSON.stringify(body), { headers: { 'content-type': 'application/json' } })

describe('validateLogoutToken() with an Entra ID {tenantid} issuer', () => {
  let key: SigningKey
  let config: rp.Configuration

  before(async () => {
    key = await signingKey('RS256', 'entra-1')
    const transport: rp.CustomFetch = async (url) => {
      const { pathname } = new URL(url)
      if (pathname.endsWith('openid-configuration')) {
        return json({
          issuer: template,
          authorization_endpoint: `${entra}/common/oauth2/v2.0/authorize`,
          token_endpoint: `${entra}/common/oauth2/v2.0/token`,
          jwks_uri: `${entra}/common/discovery/v2.0/keys`,
        })
      }
      return json({ keys: [key.jwk] })
    }
    config = await rp.discovery(new URL(`${entra}/common/v2.0`), 'client', 'secret', undefined, {
      [rp.customFetch]: transport,
    })
  })

  const logoutToken = (claims: Record<string, unknown>) =>
    sign(
      {
        aud: 'client',
        iat: epoch(),
        exp: epoch() + 120,
        jti: crypto.randomUUID(),
        events: { 'http://schemas.openid.net/event/backchannel-logout': {} },
        sid: 'entra-session',
        ...claims,
      },
      key,
      { typ: 'JWT' },
    )

  it('accepts a token whose iss is the template filled with its tid', async () => {
    const claims = await rp.validateLogoutToken(
      config,
      await logoutToken({ iss: `${entra}/${tid}/v2.0`, tid }),
    )
    assert.equal(claims.iss, `${entra}/${tid}/v2.0`)
  })

  it('refuses a token whose iss names another tenant than its tid', async () => {
    await assert.rejects(
      rp.validateLogoutToken(config, await logoutToken({ iss: `${entra}/${otherTid}/v2.0`, tid })),
      (err: rp.ClientError) => {
        assert.equal(err.code, 'OAUTH_JWT_CLAIM_COMPARISON_FAILED')
        assert.match(err.message, new RegExp(`is not the issuer "${entra}/${tid}/v2.0"`))
        return true
      },
    )
  })

  it('refuses a token without tid (the template stays unfilled)', async () => {
    await assert.rejects(
      rp.validateLogoutToken(config, await logoutToken({ iss: `${entra}/${tid}/v2.0` })),
      { code: 'OAUTH_JWT_CLAIM_COMPARISON_FAILED' },
    )
  })
})
