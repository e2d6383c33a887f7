/**
 * The `openid-rp` command: parses the arguments, runs one subcommand and prints its result.
 * Exit codes: 0 success, 1 the server, the network or a step failed, 2 bad usage.
 */
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { HELP, USAGE } from './help.ts'
import type { Network } from './net.ts'
import { neutralise, printJson, say } from './output.ts'

class UsageError extends Error {}

type Values = Record<string, unknown>

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv
  if (command === '--version' || command === '-V' || command === 'version') {
    console.log(version())
    return 0
  }
  if (command === undefined || command === '-h' || command === '--help' || command === 'help') {
    const topic = command === 'help' ? rest[0] : undefined
    console.log(topic && topic in HELP ? HELP[topic as keyof typeof HELP] : USAGE)
    return command === undefined ? 2 : 0
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    if (!(command in HELP))
      throw new UsageError(`unknown command '${command}' (try: openid-rp --help)`)
    console.log(HELP[command as keyof typeof HELP])
    return 0
  }
  switch (command) {
    case 'demo':
      return demo(rest)
    case 'discover':
    case 'decode':
      return inspect(command, rest)
    case 'token':
      return token(rest)
    case 'login':
      return login(rest)
    default:
      throw new UsageError(`unknown command '${command}' (try: openid-rp --help)`)
  }
}

function version(): string {
  const manifest = JSON.parse(
    readFileSync(new URL('../../package.json', import.meta.url), 'utf8'),
  ) as { version: string }
  return `openid-rp ${manifest.version} (node ${process.versions.node})`
}

async function demo(args: string[]): Promise<number> {
  const { PROFILES } = await import('./demo/scenario.ts')
  const { runDemo, MissingProviderError } = await import('./demo/runner.ts')
  const { values } = parse(args, {
    profile: { type: 'string', default: 'fapi2' },
    json: { type: 'boolean', default: false },
    serve: { type: 'boolean', default: false },
    port: { type: 'string' },
    'api-port': { type: 'string' },
    'redirect-uri': { type: 'string', default: 'http://127.0.0.1:8765/callback' },
  })
  if (values.serve) return serveDemo(values)
  const profile = PROFILES.find((name) => name === values.profile)
  if (!profile) {
    throw new UsageError(
      `unknown profile '${values.profile}'; choose one of ${PROFILES.join(', ')}`,
    )
  }
  const { renderJson, renderStep, renderSummary } = await import('./transcript.ts')
  const { colourful, palette, Spinner } = await import('./output.ts')
  const colours = palette(colourful(process.stdout))
  const paint = { ok: colours.green, failed: colours.red, title: colours.bold, dim: colours.dim }
  const spinner = new Spinner(process.stdout)
  try {
    const run = await runDemo({
      profile,
      onStart: values.json ? undefined : () => console.log(`openid-rp demo --profile ${profile}\n`),
      onStepStart: values.json
        ? undefined
        : (title, index, total) => spinner.start(`[${index}/${total}] ${title}`),
      onStep: values.json
        ? undefined
        : (step, index, total) => {
            spinner.stop()
            console.log(`${renderStep(step, index, total, paint)}\n`)
          },
    })
    spinner.stop()
    console.log(values.json ? renderJson(run) : renderSummary(run).trimStart())
    return run.ok ? 0 : 1
  } catch (error) {
    if (error instanceof MissingProviderError) {
      console.error(`openid-rp: ${error.message}`)
      return 1
    }
    throw error
  }
}

async function serveDemo(values: {
  port?: string
  'api-port'?: string
  'redirect-uri': string
}): Promise<number> {
  const port = (flag: string, value: string | undefined) => {
    if (value === undefined) return undefined
    if (!/^\d{1,5}$/.test(value)) throw new UsageError(`--${flag} must be a port number`)
    return Number(value)
  }
  const { parseRedirectUri, ListenerError } = await import('./listener.ts')
  try {
    parseRedirectUri(values['redirect-uri'])
  } catch (error) {
    if (error instanceof ListenerError) throw new UsageError(error.message)
    throw error
  }
  const { serve } = await import('./demo/serve.ts')
  const { MissingProviderError } = await import('./demo/runner.ts')
  let serving: Awaited<ReturnType<typeof serve>>
  try {
    serving = await serve({
      port: port('port', values.port),
      apiPort: port('api-port', values['api-port']),
      redirectUri: values['redirect-uri'],
      print: (text) => console.log(text),
    })
  } catch (error) {
    if (error instanceof MissingProviderError) {
      console.error(`openid-rp: ${error.message}`)
      return 1
    }
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      console.error(`openid-rp demo --serve: the port is taken: ${(error as Error).message}`)
      return 1
    }
    throw error
  }
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve)
    process.once('SIGTERM', resolve)
  })
  await serving.stop()
  return 0
}

/** Flags of every command that makes requests: TLS and plain HTTP. */
const NETWORK_OPTIONS = {
  'allow-http': { type: 'boolean', default: false },
  ca: { type: 'string' },
  'insecure-skip-verify': { type: 'boolean', default: false },
  'request-timeout': { type: 'string' },
  cert: { type: 'string' },
  key: { type: 'string' },
  json: { type: 'boolean', default: false },
  'server-metadata': { type: 'string' },
  'authorization-endpoint': { type: 'string' },
  'token-endpoint': { type: 'string' },
  'jwks-uri': { type: 'string' },
  'userinfo-endpoint': { type: 'string' },
  'device-authorization-endpoint': { type: 'string' },
  'par-endpoint': { type: 'string' },
} as const

const CLIENT_OPTIONS = {
  ...NETWORK_OPTIONS,
  issuer: { type: 'string' },
  'client-id': { type: 'string' },
  'client-secret': { type: 'string' },
  'client-secret-file': { type: 'string' },
  'client-auth': { type: 'string' },
  'private-key': { type: 'string' },
  alg: { type: 'string' },
  kid: { type: 'string' },
  'assertion-audience': { type: 'string' },
  dpop: { type: 'boolean', default: false },
  scope: { type: 'string' },
  resource: { type: 'string' },
  audience: { type: 'string' },
  'authorization-details': { type: 'string' },
  raw: { type: 'boolean', short: 'q', default: false },
} as const

async function login(args: string[]): Promise<number> {
  const { values } = parse(args, {
    ...CLIENT_OPTIONS,
    par: { type: 'boolean', default: false },
    jar: { type: 'boolean', default: false },
    jarm: { type: 'boolean', default: false },
    'redirect-uri': { type: 'string' },
    'redirect-port': { type: 'string' },
    browser: { type: 'boolean', default: true },
    'no-browser': { type: 'boolean', default: false },
    timeout: { type: 'string' },
    prompt: { type: 'string' },
    'max-age': { type: 'string' },
    'acr-values': { type: 'string' },
    claims: { type: 'string' },
    'id-token-hint': { type: 'string' },
    'login-hint': { type: 'string' },
    'ui-locales': { type: 'string' },
  })
  const fromResource = values.issuer === undefined && values.resource !== undefined
  if (fromResource && !URL.canParse(values.resource!)) {
    throw new UsageError('--resource must be a URL')
  }
  const { issuer, clientId } = fromResource
    ? { issuer: undefined, clientId: requireClientId('login', values) }
    : requireClient('login', values)
  const resource = fromResource ? new URL(values.resource!) : undefined
  const port = values['redirect-port']
  if (port !== undefined && !/^\d{1,5}$/.test(port)) {
    throw new UsageError('--redirect-port must be a port number')
  }
  if (port !== undefined && values['redirect-uri'] !== undefined) {
    throw new UsageError('--redirect-uri already names the port: drop --redirect-port')
  }
  if (values.timeout !== undefined && !(Number(values.timeout) > 0)) {
    throw new UsageError('--timeout must be a positive number of seconds')
  }
  const { runLogin, LoginUsageError } = await import('./login.ts')
  const { ListenerError } = await import('./listener.ts')
  return runClientCommand(
    'login',
    values,
    (issuer ?? resource)!,
    clientId,
    [LoginUsageError, ListenerError],
    (network) =>
      runLogin({
        issuer,
        resource,
        clientId,
        network,
        values: { ...values, browser: values.browser && !values['no-browser'] },
        progress: (line) => say(line.split('\n').map(neutralise).join('\n')),
      }),
  )
}

function requireClient(command: string, values: Values): { issuer: URL; clientId: string } {
  const issuer = values.issuer
  if (typeof issuer !== 'string' || !URL.canParse(issuer)) {
    throw new UsageError(`${command} needs --issuer <url>`)
  }
  return { issuer: new URL(issuer), clientId: requireClientId(command, values) }
}

function requireClientId(command: string, values: Values): string {
  const clientId = values['client-id']
  if (typeof clientId !== 'string') throw new UsageError(`${command} needs --client-id <id>`)
  return clientId
}

async function token(args: string[]): Promise<number> {
  const { values, positionals } = parse(
    args,
    {
      ...CLIENT_OPTIONS,
      'refresh-token': { type: 'string' },
      'refresh-token-file': { type: 'string' },
      'login-hint': { type: 'string' },
      'binding-message': { type: 'string' },
      'poll-interval': { type: 'string' },
      'subject-token': { type: 'string' },
      'subject-token-file': { type: 'string' },
      'subject-token-type': { type: 'string' },
      'actor-token': { type: 'string' },
      'actor-token-file': { type: 'string' },
      'actor-token-type': { type: 'string' },
      'requested-token-type': { type: 'string' },
      assertion: { type: 'string' },
      'assertion-file': { type: 'string' },
    },
    1,
  )
  const { GRANTS, requestToken, TokenUsageError } = await import('./token.ts')
  const grant = GRANTS.find((name) => name === positionals[0])
  if (!grant) throw new UsageError(`token needs a grant: ${GRANTS.join(', ')}`)
  const { issuer, clientId } = requireClient('token', values)
  const interval = values['poll-interval']
  if (interval !== undefined && !(Number(interval) > 0)) {
    throw new UsageError('--poll-interval must be a positive number of seconds')
  }
  return runClientCommand('token', values, issuer, clientId, [TokenUsageError], (network) =>
    requestToken({
      grant,
      issuer,
      clientId,
      values,
      network,
      progress: (line) => say(neutralise(line)),
    }),
  )
}

/**
 * Runs `login` or `token` (against `server`: the issuer, or the protected resource `login`
 * starts from) and prints its result: with `--json` the token response on stdout,
 * with `--raw` the access token alone, otherwise a summary on stderr. Exit 1 when the provider
 * or the network fails; a usage error or a credential problem is bad usage (exit 2).
 */
async function runClientCommand(
  command: 'login' | 'token',
  values: Values,
  server: URL,
  clientId: string,
  usageErrors: (new (message: string) => Error)[],
  run: (network: Network) => Promise<{
    tokens: import('./token.ts').Tokens
    about: Record<string, unknown>
  }>,
): Promise<number> {
  const { CredentialError } = await import('./credentials.ts')
  const { networkFrom } = await import('./net.ts')
  let network: Network | undefined
  try {
    network = networkFrom(values, server)
    const { tokens, about } = await run(network)
    const { renderDetails, tokenOutput, tokenSummary } = await import('./transcript.ts')
    if (values.raw === true) {
      process.stdout.write(`${tokens.access_token}\n`)
      return 0
    }
    if (values.json === true) {
      printJson(tokenOutput(tokens, about))
      return 0
    }
    say(renderDetails({ ...about, ...tokenSummary(tokens) }))
    say('(tokens shortened: --json prints the whole response, --raw the access token alone)')
    return 0
  } catch (error) {
    if (error instanceof CredentialError || usageErrors.some((type) => error instanceof type)) {
      throw new UsageError((error as Error).message)
    }
    return reportFailure(command, error, values, network, { issuer: server.href, clientId })
  }
}

async function reportFailure(
  command: string,
  error: unknown,
  values: Values,
  network: Network | undefined,
  context: { issuer?: string; clientId?: string },
): Promise<number> {
  const { describeFailure, renderFailure } = await import('./failure.ts')
  const report = describeFailure(command, error, network, context)
  if (values.json === true) printJson(report)
  say(renderFailure(report))
  return 1
}

async function inspect(command: 'discover' | 'decode', args: string[]): Promise<number> {
  const { values, positionals } = parse(
    args,
    { ...NETWORK_OPTIONS, ...(command === 'decode' ? { issuer: { type: 'string' } } : {}) },
    1,
  )
  const [argument] = positionals
  if (argument === undefined) {
    throw new UsageError(
      command === 'discover' ? 'discover needs an issuer URL' : 'decode needs a JWT',
    )
  }
  const issuer = command === 'discover' ? argument : (values as { issuer?: string }).issuer
  let issuerUrl: URL | undefined
  if (issuer !== undefined) {
    if (!URL.canParse(issuer)) throw new UsageError(`'${issuer}' is not an issuer URL`)
    issuerUrl = new URL(issuer)
  }
  const { discover, decode } = await import('./inspect.ts')
  const { networkFrom } = await import('./net.ts')
  const { CredentialError } = await import('./credentials.ts')
  const { renderDetails } = await import('./transcript.ts')
  let network: Network | undefined
  try {
    network = networkFrom(values, issuerUrl)
    const result =
      command === 'discover'
        ? await discover(issuerUrl!, network)
        : await decode(argument.trim(), issuerUrl, network)
    if (values.json) {
      printJson(result)
    } else {
      const { metadata: _metadata, ...summary } = result
      say(renderDetails(summary))
    }
    return 0
  } catch (error) {
    if (error instanceof CredentialError) throw new UsageError(error.message)
    return reportFailure(command, error, values, network, { issuer: issuerUrl?.href })
  }
}

function parse<T extends NonNullable<Parameters<typeof parseArgs>[0]>['options']>(
  args: string[],
  options: T,
  maxPositionals = 0,
) {
  try {
    const parsed = parseArgs({ args, options, strict: true, allowPositionals: maxPositionals > 0 })
    if (parsed.positionals.length > maxPositionals) {
      throw new Error(`unexpected argument '${parsed.positionals[maxPositionals]}'`)
    }
    return parsed
  } catch (error) {
    throw new UsageError((error instanceof Error ? error.message : String(error)).split('\n')[0]!)
  }
}

// output piped into `head` and the like: stop quietly once the reader is gone
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0)
  throw error
})

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code
  },
  (error: unknown) => {
    if (error instanceof UsageError) {
      console.error(`openid-rp: ${neutralise(error.message)}`)
      process.exitCode = 2
      return
    }
    console.error(error)
    // a provider that failed half-way may leave a listening socket behind
    process.exit(1)
  },
)
