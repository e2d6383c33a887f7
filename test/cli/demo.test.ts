import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import type { RunRecord, StepRecord } from '../../src/cli/transcript.ts'
import { systemPackage } from '../support/system.ts'

// `npm test` builds first; these tests run the built command exactly as a user would.
const bin = fileURLToPath(new URL('../../bin/openid-rp.js', import.meta.url))

function openidRp(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { timeout: 30_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0
      resolve({ code, stdout, stderr })
    })
  })
}

async function demo(profile: string): Promise<RunRecord> {
  const { code, stdout, stderr } = await openidRp('demo', '--json', '--profile', profile)
  const run = JSON.parse(stdout) as RunRecord
  const failed = run.steps.find((step) => !step.ok)
  assert.equal(code, 0, `exit code; failed step: ${JSON.stringify(failed?.error)} ${stderr}`)
  assert.equal(run.ok, true)
  assert.equal(run.profile, profile)
  assert.equal(run.steps.length, run.total, 'every step ran')
  for (const step of run.steps) assert.equal(step.ok, true, `step ${step.id} succeeded`)
  return run
}

function stepOf(run: RunRecord, id: string): StepRecord {
  const step = run.steps.find((candidate) => candidate.id === id)
  assert.ok(step, `the run has a step ${id}`)
  return step
}

/** Polling met `authorization_pending` before the approval step, and tokens after it. */
function assertPendingBeforeApproval(run: RunRecord) {
  const ids = run.steps.map((step) => step.id)
  assert.ok(ids.indexOf('pending') < ids.indexOf('approve'), 'pending comes before approval')
  const pending = stepOf(run, 'pending').http.filter((e) => e.error === 'authorization_pending')
  assert.ok(pending.length >= 1, 'at least one poll answered authorization_pending')
  assert.equal(pending[0]!.status, 400)
  assert.equal(stepOf(run, 'poll').http.at(-1)?.status, 200)
}

/** `script` (bsdutils) gives the command a terminal; CI must have it. */
const scriptMissing = systemPackage('bsdutils', ['script'])

const details = (run: RunRecord, id: string) => stepOf(run, id).details as Record<string, any>

/** No full token, code or assertion appears anywhere in the output. */
function assertNoLongSecrets(run: RunRecord) {
  const text = JSON.stringify(run)
  assert.doesNotMatch(text, /eyJ[\w-]{20,}/, 'no JWT appears in full')
  for (const step of run.steps) {
    for (const exchange of step.http) {
      for (const name of ['code', 'refresh_token', 'client_assertion', 'request', 'token']) {
        const value = exchange.request[name]
        if (value !== undefined) assert.match(value, /^.{0,6}…$/, `${name} is shortened`)
      }
    }
  }
}

describe('openid-rp demo', { concurrency: 4 }, () => {
  it('demo --profile fapi2 runs PAR+JAR, JARM, DPoP, encrypted userinfo, API, refresh, revocation and logout', async () => {
    const run = await demo('fapi2')
    assert.deepEqual(
      run.steps.map((step) => step.id),
      [
        'discovery',
        'par',
        'login',
        'jarm',
        'token',
        'userinfo',
        'api',
        'refresh',
        'revocation',
        'logout',
      ],
    )
    const par = stepOf(run, 'par')
    assert.equal(par.http[0]?.status, 201)
    assert.ok(par.http[0]?.request.dpop, 'PAR carries a DPoP proof')
    assert.equal(details(run, 'par').request_object.header.typ, 'oauth-authz-req+jwt')
    assert.equal(details(run, 'jarm').response.claims.aud, 'fapi2-client')
    assert.equal(details(run, 'token').token_type, 'dpop')
    assert.equal(details(run, 'refresh').token_type, 'dpop')
    assert.equal(stepOf(run, 'userinfo').http[0]?.contentType, 'application/jwt')
    assert.equal(details(run, 'userinfo').claims.email, 'jane.doe@example.com')
    assert.equal(details(run, 'api').accepted_with, 'DPoP')
    assert.equal(details(run, 'api').token_seen_by_api.jkt, details(run, 'discovery').dpop_jkt)
    assert.equal(details(run, 'revocation').refresh_after_revocation, 'invalid_grant')
    assert.match(details(run, 'logout').redirected_to, /^https:\/\/client\.example\/logged-out\?/)
    assertNoLongSecrets(run)
  })

  it('demo --profile oidc runs the plain code flow with Bearer tokens, then logout over the back channel', async () => {
    const run = await demo('oidc')
    assert.equal(details(run, 'token').token_type, 'bearer')
    assert.equal(details(run, 'token').id_token.claims.sub, 'jane-4c9b2e')
    assert.equal(run.steps.at(-1)!.id, 'backchannel-logout')
    const backchannel = details(run, 'backchannel-logout')
    assert.match(backchannel.endpoint, /^http:\/\/127\.0\.0\.1:\d+\/backchannel-logout$/)
    assert.equal(backchannel.logout_token.header.typ, 'logout+jwt')
    assert.equal(backchannel.logout_token.claims.sid, details(run, 'token').id_token.claims.sid)
    assert.deepEqual(backchannel.answer, { status: 200, 'cache-control': 'no-store' })
    assert.equal(backchannel.session_ended, true)
    assertNoLongSecrets(run)
  })

  it('demo --profile hybrid receives an encrypted front-channel ID Token and checks the detached signature', async () => {
    const run = await demo('hybrid')
    assert.match(details(run, 'front-channel').jwe_header.enc, /^A\d+GCM$/)
    assert.equal(details(run, 'token').id_token.claims.sub, 'jane-4c9b2e')
    assertNoLongSecrets(run)
  })

  it('demo --profile device prints the user code and polls for tokens', async () => {
    const run = await demo('device')
    assert.match(details(run, 'device-authorization').user_code, /^[A-Z]{4}-[A-Z]{4}$/)
    assertPendingBeforeApproval(run)
    assert.equal(details(run, 'poll').token_type, 'bearer')
    assert.match(stepOf(run, 'poll').call ?? '', /^client\.pollDeviceAuthorizationGrant\(/)
  })

  it('demo --profile ciba polls for tokens after the user approves', async () => {
    const run = await demo('ciba')
    assertPendingBeforeApproval(run)
    assert.match(stepOf(run, 'poll').call ?? '', /^client\.pollBackchannelAuthenticationGrant\(/)
    assert.equal(details(run, 'approve').account, 'jane-4c9b2e')
    assert.equal(details(run, 'userinfo').claims.sub, 'jane-4c9b2e')
  })

  it('demo --profile client-credentials gets a DPoP-bound token the API accepts, then revokes it', async () => {
    const run = await demo('client-credentials')
    assert.equal(details(run, 'token').token_type, 'dpop')
    assert.equal(details(run, 'api').accepted_with, 'DPoP')
    assert.equal(details(run, 'revocation').active_after_revocation, false)
    assertNoLongSecrets(run)
  })

  it('demo --profile mtls authenticates with a client certificate and gets a certificate-bound token', async () => {
    const run = await demo('mtls')
    assert.equal(details(run, 'token').token_type, 'bearer')
    assert.equal(
      details(run, 'introspection').introspection.cnf['x5t#S256'],
      details(run, 'certificate')['x5t#S256'],
    )
    assert.match(stepOf(run, 'token').http[0]!.url, /^https:/)
    assertNoLongSecrets(run)
  })

  it('demo without --json prints per step its progress line, why it exists and the library call', async () => {
    const { code, stdout } = await openidRp('demo', '--profile', 'client-credentials')
    assert.equal(code, 0)
    for (let index = 1; index <= 5; index++) assert.match(stdout, new RegExp(`✔ \\[${index}/5\\] `))
    assert.match(stdout, /all 5 steps succeeded/)
    assert.equal((stdout.match(/^ {4}why: {2}\S/gm) ?? []).length, 5, 'every step says why')
    assert.match(stdout, /^ {4}call: client\.clientCredentialsGrant\(config, /m)
    assert.match(stdout, /^ +exp: \d+ \(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\)$/m, 'timestamps as dates')
    assert.ok(!stdout.includes('\x1b'), 'no colour when piped')
  })

  it(
    'demo on a terminal is coloured, and plain with NO_COLOR',
    { skip: scriptMissing },
    async () => {
      const onTerminal = (env: Record<string, string>) =>
        new Promise<string>((resolve, reject) => {
          execFile(
            'script',
            [
              '-qec',
              `${JSON.stringify(process.execPath)} ${JSON.stringify(bin)} demo --profile client-credentials`,
              '/dev/null',
            ],
            { timeout: 30_000, env: { ...process.env, TERM: 'xterm', ...env } },
            (error, stdout) => (error ? reject(error) : resolve(stdout)),
          )
        })
      const { NO_COLOR: _unset, ...rest } = process.env
      void _unset
      const coloured = await onTerminal({ ...(rest as Record<string, string>), NO_COLOR: '' })
      assert.match(coloured, /\x1b\[32m✔\x1b\[39m/, 'a green check mark on a terminal')
      const plain = await onTerminal({ NO_COLOR: '1' })
      assert.match(plain, /✔ \[5\/5\]/)
      assert.ok(!plain.includes('\x1b[32m'), 'NO_COLOR turns colour off')
    },
  )

  for (const args of [
    ['demo', '--bogus'],
    ['demo', '--profile', 'nope'],
    ['demo', '--profile'],
    ['demo', 'extra'],
    ['frobnicate'],
  ]) {
    it(`openid-rp ${args.join(' ')} exits 2 with a one-line error`, async () => {
      const { code, stdout, stderr } = await openidRp(...args)
      assert.equal(code, 2)
      assert.equal(stdout, '')
      assert.match(stderr, /^openid-rp: [^\n]+\n$/)
    })
  }
})
