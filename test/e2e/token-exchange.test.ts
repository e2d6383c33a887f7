/**
 * RFC 8693 token exchange through genericGrantRequest() against the real provider, which has the
 * grant registered: a `token_type` of `N_A` (any case) is accepted for token exchange only.
 */
import assert from 'node:assert/strict'
import { after, before, it } from 'node:test'

import { type Client, describeEachImplementation } from '../support/implementations.ts'
import { createProvider, type TestProvider } from '../support/provider.ts'
import { closeProvider, rejection } from '../support/e2e.ts'
import type { KoaContextWithOIDC } from 'oidc-provider'

const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange'
const OTHER_GRANT = 'urn:example:grant-type:issues-n-a'
const ID_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:id_token'
const SECRET = 'exchanger-secret-0123456789abcdefghijklmnopqrstuvwxyz'

let op: TestProvider

before(async () => {
  op = await createProvider({
    clients: [
      {
        client_id: 'exchanger',
        client_secret: SECRET,
        grant_types: [TOKEN_EXCHANGE, OTHER_GRANT],
        redirect_uris: [],
        response_types: [],
        token_endpoint_auth_method: 'client_secret_post',
      },
    ],
  })
  // An exchanged ID Token is not an access token, so RFC 8693 §2.2.1 has token_type N_A; the
  // request's `token_type` parameter picks the spelling the provider answers with.
  const issueNotApplicable = async (ctx: KoaContextWithOIDC) => {
    ctx.body = {
      access_token: 'exchanged-token-value',
      issued_token_type: ID_TOKEN_TYPE,
      token_type: ctx.oidc.params?.requested_spelling ?? 'N_A',
      expires_in: 60,
    }
  }
  const parameters = new Set(['subject_token', 'subject_token_type', 'requested_spelling'])
  op.provider.registerGrantType(TOKEN_EXCHANGE, issueNotApplicable, parameters)
  op.provider.registerGrantType(OTHER_GRANT, issueNotApplicable, parameters)
})

after(() => closeProvider(op))

describeEachImplementation('genericGrantRequest() token exchange', (_impl, client) => {
  let config: InstanceType<Client['Configuration']>
  const exchange = (grantType: string, spelling: string) =>
    client.genericGrantRequest(config, grantType, {
      subject_token: 'subject-token-value',
      subject_token_type: 'urn:ietf:params:oauth:token-type:access_token',
      requested_spelling: spelling,
    })

  before(async () => {
    config = await client.discovery(op.issuer, 'exchanger', SECRET, undefined, {
      execute: [client.allowInsecureRequests],
    })
  })

  for (const spelling of ['N_A', 'n_a', 'N_a']) {
    it(`accepts token_type ${spelling} for ${TOKEN_EXCHANGE}`, async () => {
      const tokens = await exchange(TOKEN_EXCHANGE, spelling)
      assert.equal(tokens.access_token, 'exchanged-token-value')
      assert.equal(tokens.token_type, 'n_a')
      assert.equal(tokens.issued_token_type, ID_TOKEN_TYPE)
      // expiresIn() counts down from the response's arrival; a loaded machine may pass a second.
      const expiresIn = tokens.expiresIn()!
      assert.ok(expiresIn <= 60 && expiresIn >= 58, `expiresIn() ${expiresIn}`)
    })
  }

  it('refuses token_type N_A for another grant type with OAUTH_UNSUPPORTED_OPERATION', async () => {
    const error = await rejection(exchange(OTHER_GRANT, 'N_A'))
    assert.equal(error.name, 'ClientError')
    assert.equal(error.code, 'OAUTH_UNSUPPORTED_OPERATION')
  })

  it('still refuses an unknown token_type for token exchange', async () => {
    const error = await rejection(exchange(TOKEN_EXCHANGE, 'mac'))
    assert.equal(error.code, 'OAUTH_UNSUPPORTED_OPERATION')
  })
})
