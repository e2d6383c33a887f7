/**
 * `openid-rp demo`: starts the embedded OpenID Provider and a protected resource on 127.0.0.1 and
 * runs one profile against them, step by step, with the library's public API only.
 */
import * as jose from 'jose'
import type { RunRecord, StepRecord } from '../transcript.ts'
import { BackchannelReceiver } from './backchannel.ts'
import { explain } from './explanations.ts'
import { ciba } from './profiles/ciba.ts'
import { clientCredentials } from './profiles/client-credentials.ts'
import { device } from './profiles/device.ts'
import { fapi2 } from './profiles/fapi2.ts'
import { hybrid } from './profiles/hybrid.ts'
import { mtls } from './profiles/mtls.ts'
import { oidc } from './profiles/oidc.ts'
import { Recorder } from './recorder.ts'
import type { ClientKeys, Context, Profile, Scenario } from './scenario.ts'

const SCENARIOS: Record<Profile, Scenario> = {
  fapi2,
  oidc,
  hybrid,
  device,
  ciba,
  'client-credentials': clientCredentials,
  mtls,
}

export interface DemoOptions {
  profile: Profile
  /** Called once the embedded provider is loaded, before the first step. */
  onStart?: () => void
  /** Called as each step starts (a spinner on a terminal). */
  onStepStart?: (title: string, index: number, total: number) => void
  /** Called as each step finishes, for progress output. */
  onStep?: (step: StepRecord, index: number, total: number) => void
}

/** Thrown when the optional peer dependency `oidc-provider` is not installed. */
export class MissingProviderError extends Error {
  constructor() {
    super(
      'the demo needs the optional peer dependency oidc-provider: install it with `npm install oidc-provider` (the library itself does not need it)',
    )
    this.name = 'MissingProviderError'
  }
}

/** Runs one profile of the demo and returns its record; never throws for a failed step. */
export async function runDemo(options: DemoOptions): Promise<RunRecord> {
  const embedded = await loadEmbeddedProvider()
  options.onStart?.()
  const started = performance.now()
  const scenario = SCENARIOS[options.profile]
  const steps: StepRecord[] = []
  const run: RunRecord = {
    command: 'demo',
    profile: options.profile,
    ok: false,
    ms: 0,
    total: scenario.steps.length,
    steps,
  }

  const keys = await clientKeys(scenario.pki === true)
  const backchannel = scenario.backchannel ? await BackchannelReceiver.start() : undefined
  const providerOptions = scenario.provider(keys, backchannel?.url)
  if (backchannel) {
    // deliveries to the endpoint on 127.0.0.1 pass the provider's SSRF protection
    providerOptions.configuration = {
      ...providerOptions.configuration,
      fetch: embedded.loopbackFetch,
    }
  }
  const op = await embedded.createProvider(providerOptions)
  const { startResourceServer } = await import('../embedded/resource-server.ts')
  const rs = await startResourceServer(op, { requireDpopNonce: true })
  run.issuer = op.issuer.href
  const recorder = new Recorder()
  try {
    const context: Context = { op, rs, keys, recorder, backchannel, step: undefined! }
    const total = scenario.steps.length
    context.step = async (id, title, action) => {
      recorder.take()
      options.onStepStart?.(title, steps.length + 1, total)
      const begin = performance.now()
      const step: StepRecord = {
        id,
        title,
        ...explain(options.profile, id),
        ok: false,
        ms: 0,
        http: [],
        details: {},
      }
      try {
        step.details = await action()
        step.ok = true
      } catch (error) {
        step.error = describeError(error)
      }
      step.ms = performance.now() - begin
      step.http = recorder.take()
      steps.push(step)
      options.onStep?.(step, steps.length, total)
      if (!step.ok) throw new StepFailed()
    }
    try {
      await scenario.run(context)
      if (steps.length !== total) throw new Error(`ran ${steps.length} of ${total} steps`)
      const errors = op.serverErrors
      run.ok = errors.length === 0 && steps.every((step) => step.ok)
    } catch (error) {
      if (!(error instanceof StepFailed)) throw error
    }
  } finally {
    await rs.close()
    await op.close()
    await backchannel?.close()
  }
  run.ms = performance.now() - started
  return run
}

/** The embedded provider's module, with oidc-provider loaded and its notices filtered. */
export async function loadEmbeddedProvider() {
  const embedded = await import('../embedded/provider.ts')
  // before the provider's modules load: they print start-up notices
  embedded.installNoticeFilter()
  try {
    await import('oidc-provider')
  } catch (error) {
    const code = (error as { code?: string }).code
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
      throw new MissingProviderError()
    }
    throw error
  }
  return embedded
}

class StepFailed extends Error {}

async function clientKeys(withPki: boolean): Promise<ClientKeys> {
  const pki = withPki ? (await import('../tls.ts')).issueDemoPki() : undefined
  const signing = await jose.generateKeyPair('ES256', { extractable: true })
  const encryption = await jose.generateKeyPair('ECDH-ES', { extractable: true })
  const signingJwk = {
    ...(await jose.exportJWK(signing.publicKey)),
    kid: 'rp-sig',
    alg: 'ES256',
    use: 'sig',
  }
  const encryptionJwk = {
    ...(await jose.exportJWK(encryption.publicKey)),
    kid: 'rp-enc',
    alg: 'ECDH-ES',
    use: 'enc',
  }
  return {
    signing: { key: signing.privateKey, kid: 'rp-sig' },
    encryption: { key: encryption.privateKey, kid: 'rp-enc', alg: 'ECDH-ES' },
    jwks: [signingJwk, encryptionJwk],
    pki,
  }
}

function describeError(error: unknown): NonNullable<StepRecord['error']> {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error) }
  const fields = error as Error & { code?: unknown; error?: unknown; status?: unknown }
  return {
    name: error.name,
    message: error.message,
    code: typeof fields.code === 'string' ? fields.code : undefined,
    error: typeof fields.error === 'string' ? fields.error : undefined,
    status: typeof fields.status === 'number' ? fields.status : undefined,
  }
}
