/**
 * exportLearnedState() / importLearnedState() (openid-rp only): a cold instance, a Node child
 * process started from the exported state, makes no discovery or JWKS request and no
 * use_dpop_nonce retry on its first DPoP-bound token request; the requests are counted on the
 * hostile server. Bad state is refused with TypeErrors.
 */
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { after, before, beforeEach, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

import * as rp from 'openid-rp'

import { CLIENT_ID, CLIENT_SECRET, HostileServer, reply, ROUTES } from '../support/hostile.ts'
import type { Client } from '../support/implementations.ts'

const client = rp as unknown as Client
const child = fileURLToPath(new URL('../support/warm-child.ts', import.meta.url))
let as: HostileServer

before(async () => {
  as = await HostileServer.start()
})
after(() => as.close())
beforeEach(() => {
  as.reset()
  // a DPoP-bound token endpoint that demands its nonce, and a signed ID Token to check
  as.on(ROUTES.token, async (request) => {
    const proof = request.headers.get('dpop') ?? ''
    const nonce = JSON.parse(
      Buffer.from(proof.split('.')[1] ?? '', 'base64url').toString() || '{}',
    ).nonce
    if (nonce !== 'nonce-1') {
      return reply.json({ error: 'use_dpop_nonce' }, 400, { 'dpop-nonce': 'nonce-1' })
    }
    return reply.json(as.tokenResponse({ token_type: 'DPoP', id_token: await as.idToken() }))
  })
})

async function warmConfiguration() {
  const config = (await as.configure(client, {
    execute: [client.enableNonRepudiationChecks],
  })) as unknown as rp.Configuration
  const DPoP = rp.getDPoPHandle(config, await rp.randomDPoPKeyPair())
  await rp.refreshTokenGrant(config, 'rt-0', undefined, { DPoP })
  return { config, DPoP }
}

describe('exportLearnedState() / importLearnedState() (openid-rp)', () => {
  it('a child process started from the exported state makes no discovery, JWKS or nonce-retry request', async () => {
    const { config, DPoP } = await warmConfiguration()
    assert.deepEqual(
      [as.count(ROUTES.discovery), as.count(ROUTES.jwks), as.count(ROUTES.token)],
      [1, 1, 2],
      'the warm instance learned all three the slow way',
    )
    const learned = JSON.parse(JSON.stringify(rp.exportLearnedState(config, { DPoP })))
    assert.deepEqual(learned.dpopNonces, { [as.issuer]: 'nonce-1' })
    as.requests.length = 0

    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', child], {
      env: { ...process.env, LEARNED_STATE: JSON.stringify(learned), CLIENT_ID, CLIENT_SECRET },
    })
    assert.deepEqual(JSON.parse(stdout), { sub: 'user-1', tokenType: 'dpop' })
    assert.deepEqual(
      as.requests.map((request) => request.path),
      [ROUTES.token],
      'one token request and nothing else',
    )
  })

  it('without the imported state the same cold start fetches the JWKS and retries for a nonce', async () => {
    const { config } = await warmConfiguration()
    const { metadata } = rp.exportLearnedState(config)
    as.requests.length = 0
    const cold = new rp.Configuration(metadata, CLIENT_ID, CLIENT_SECRET)
    rp.allowInsecureRequests(cold)
    rp.enableNonRepudiationChecks(cold)
    const DPoP = rp.getDPoPHandle(cold, await rp.randomDPoPKeyPair())
    await rp.refreshTokenGrant(cold, 'rt-0', undefined, { DPoP })
    assert.deepEqual(
      as.requests.map((request) => request.path).sort(),
      [ROUTES.jwks, ROUTES.token, ROUTES.token].sort(),
    )
  })

  it('importLearnedState() refuses state of another issuer, or not exported', async () => {
    const { config } = await warmConfiguration()
    const learned = rp.exportLearnedState(config)
    const other = new rp.Configuration({ issuer: 'https://other.example' }, CLIENT_ID)
    assert.throws(() => rp.importLearnedState(other, learned), { code: 'ERR_INVALID_ARG_VALUE' })
    assert.throws(() => rp.importLearnedState(config, 'x' as never), {
      code: 'ERR_INVALID_ARG_TYPE',
    })
    assert.throws(
      () => rp.importLearnedState(config, { ...learned, jwks: { uat: 'x' } as never }),
      { code: 'ERR_INVALID_ARG_VALUE' },
    )
    const DPoP = rp.getDPoPHandle(config, await rp.randomDPoPKeyPair())
    assert.throws(
      () =>
        rp.importLearnedState(config, { ...learned, dpopNonces: { 'not a url': 'n' } }, { DPoP }),
      { code: 'ERR_INVALID_ARG_VALUE' },
    )
  })
})
