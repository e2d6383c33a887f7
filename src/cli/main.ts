/**
 * The `openid-rp` command. `openid-rp demo [--profile <name>] [--json]` runs one flow of the
 * library against an embedded OpenID Provider. Exit codes: 0 every step succeeded, 1 a step
 * failed, 2 bad usage.
 */
import { parseArgs } from 'node:util'

const USAGE = `Usage: openid-rp <command> [options]

Commands:
  demo               run a flow against an embedded OpenID Provider on 127.0.0.1, step by step
  discover <issuer>  fetch and validate an issuer's metadata; summarise what it supports
  decode <jwt>       show a JWT's header and claims; --issuer <url> verifies its signature
  login              authorization code flow with PKCE through a loopback redirect (RFC 8252)
  token <grant>      client-credentials, refresh, device or ciba against --issuer as --client-id

Options for demo:
  --profile <name>  fapi2 (default), oidc, hybrid, device, ciba, client-credentials, mtls
  --json            print the run as JSON instead of a readable transcript
  -h, --help        show this help

Options for discover and decode: --json; decode also --issuer <url>

Options for login and token:
  --issuer <url> --client-id <id>   required
  --client-secret <s> | --client-secret-file <path> | env OPENID_RP_CLIENT_SECRET
  --client-auth basic|post|secret-jwt   how a client secret is sent (default basic)
  --private-key <jwk file>          private_key_jwt instead of a secret
  --dpop  --scope <s>  --resource <uri>  --json
  --refresh-token <t> | --refresh-token-file <path> | env OPENID_RP_REFRESH_TOKEN   (refresh)
  --login-hint <hint> [--binding-message <m>]   (ciba)
  --poll-interval <seconds>         when the server sends no interval (device, ciba; default 5)
  login only: --par --jar (signs with --private-key) --jarm --redirect-port <n>
              --resource <url> without --issuer: find the issuer from the resource (RFC 9728)
              --no-browser (print the URL only) --timeout <seconds> (default 300)`

class UsageError extends Error {}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv
  if (command === undefined || command === '-h' || command === '--help' || command === 'help') {
    console.log(USAGE)
    return command === undefined ? 2 : 0
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
      throw new UsageError(`unknown command '${command}' (try: openid-rp demo)`)
  }
}

async function demo(args: string[]): Promise<number> {
  const { PROFILES } = await import('./demo/scenario.ts')
  const { runDemo, MissingProviderError } = await import('./demo/runner.ts')
  const { values } = parse(args, {
    profile: { type: 'string', default: 'fapi2' },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  })
  if (values.help) {
    console.log(USAGE)
    return 0
  }
  const profile = PROFILES.find((name) => name === values.profile)
  if (!profile) {
    throw new UsageError(
      `unknown profile '${values.profile}'; choose one of ${PROFILES.join(', ')}`,
    )
  }
  const { renderJson, renderStep, renderSummary } = await import('./transcript.ts')
  try {
    const run = await runDemo({
      profile,
      onStart: values.json ? undefined : () => console.log(`openid-rp demo --profile ${profile}\n`),
      onStep: values.json
        ? undefined
        : (step, index, total) => console.log(`${renderStep(step, index, total)}\n`),
    })
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

const CLIENT_OPTIONS = {
  issuer: { type: 'string' },
  'client-id': { type: 'string' },
  'client-secret': { type: 'string' },
  'client-secret-file': { type: 'string' },
  'client-auth': { type: 'string' },
  'private-key': { type: 'string' },
  dpop: { type: 'boolean', default: false },
  scope: { type: 'string' },
  resource: { type: 'string' },
  json: { type: 'boolean', default: false },
} as const

async function login(args: string[]): Promise<number> {
  const { values } = parse(args, {
    ...CLIENT_OPTIONS,
    par: { type: 'boolean', default: false },
    jar: { type: 'boolean', default: false },
    jarm: { type: 'boolean', default: false },
    'redirect-port': { type: 'string' },
    browser: { type: 'boolean', default: true },
    'no-browser': { type: 'boolean', default: false },
    timeout: { type: 'string' },
  })
  const fromResource = values.issuer === undefined && values.resource !== undefined
  if (fromResource && !URL.canParse(values.resource!)) {
    throw new UsageError('--resource must be a URL')
  }
  const { issuer, clientId } = fromResource
    ? { issuer: undefined, clientId: requireClientId('login', values) }
    : requireClient('login', values)
  const port = values['redirect-port']
  if (port !== undefined && !/^\d{1,5}$/.test(port)) {
    throw new UsageError('--redirect-port must be a port number')
  }
  if (values.timeout !== undefined && !(Number(values.timeout) > 0)) {
    throw new UsageError('--timeout must be a positive number of seconds')
  }
  const { runLogin, LoginUsageError } = await import('./login.ts')
  return runClientCommand('login', values.json, LoginUsageError, (progress) =>
    runLogin({
      issuer,
      resource: fromResource ? new URL(values.resource!) : undefined,
      clientId,
      values: { ...values, browser: values.browser && !values['no-browser'] },
      progress,
    }),
  )
}

function requireClient(
  command: string,
  values: { issuer?: string; 'client-id'?: string },
): { issuer: URL; clientId: string } {
  if (values.issuer === undefined || !URL.canParse(values.issuer)) {
    throw new UsageError(`${command} needs --issuer <url>`)
  }
  return { issuer: new URL(values.issuer), clientId: requireClientId(command, values) }
}

function requireClientId(command: string, values: { 'client-id'?: string }): string {
  if (values['client-id'] === undefined) throw new UsageError(`${command} needs --client-id <id>`)
  return values['client-id']
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
  return runClientCommand('token', values.json, TokenUsageError, (progress) =>
    requestToken({ grant, issuer, clientId, values, progress }),
  )
}

/**
 * Runs `login` or `token` and prints its result (as JSON with `--json`): 0 on success, 1 when the
 * provider or the network fails; a `usageError` or a credential problem is bad usage (exit 2).
 */
async function runClientCommand(
  command: 'login' | 'token',
  json: boolean,
  usageError: new (message: string) => Error,
  run: (progress: (line: string) => void) => Promise<Record<string, unknown>>,
): Promise<number> {
  const { CredentialError } = await import('./credentials.ts')
  const { renderDetails } = await import('./transcript.ts')
  try {
    const result = await run((line) => console.error(line))
    console.log(json ? JSON.stringify(result, null, 2) : renderDetails(result))
    return 0
  } catch (error) {
    if (error instanceof usageError || error instanceof CredentialError) {
      throw new UsageError(error.message)
    }
    return reportFailure(command, error)
  }
}

function reportFailure(command: string, error: unknown): number {
  const { name, message, code } = error as Error & { code?: unknown; error?: unknown }
  const oauthError = (error as { error?: unknown }).error
  console.error(
    `openid-rp ${command}: ${name}${typeof code === 'string' ? ` [${code}]` : ''}${typeof oauthError === 'string' ? ` (${oauthError})` : ''}: ${message}`,
  )
  return 1
}

async function inspect(command: 'discover' | 'decode', args: string[]): Promise<number> {
  const { values, positionals } = parse(
    args,
    {
      json: { type: 'boolean', default: false },
      ...(command === 'decode' ? { issuer: { type: 'string' } } : {}),
    },
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
  const { renderDetails } = await import('./transcript.ts')
  try {
    const result =
      command === 'discover' ? await discover(issuerUrl!) : await decode(argument, issuerUrl)
    console.log(values.json ? JSON.stringify(result, null, 2) : renderDetails(result))
    return 0
  } catch (error) {
    const { name, message, code } = error as Error & { code?: unknown }
    console.error(
      `openid-rp ${command}: ${name}${typeof code === 'string' ? ` [${code}]` : ''}: ${message}`,
    )
    return 1
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
      console.error(`openid-rp: ${error.message}`)
      process.exitCode = 2
      return
    }
    console.error(error)
    // a provider that failed half-way may leave a listening socket behind
    process.exit(1)
  },
)
