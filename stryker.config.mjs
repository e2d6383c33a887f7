// Mutation testing of openid-rp's security-relevant modules (`npm run mutate`, see
// docs/mutation.md). Each module is mutated against the test files that cover it, most specific
// first; scripts/mutate.mjs runs one Stryker pass per module with MODULES[name].

/** The request tests, split by feature (test/unit/request*.test.ts). */
const REQUEST_TESTS = [
  'test/unit/request.test.ts',
  'test/unit/request-client-auth.test.ts',
  'test/unit/request-dpop.test.ts',
  'test/unit/request-endpoints.test.ts',
  'test/unit/request-headers.test.ts',
  'test/unit/request-timeouts.test.ts',
]

/**
 * Module name -> the sources to mutate and the test files that cover them. `coverage: 'off'` for
 * code that runs only in a child process (the CLI), whose coverage the tap runner cannot see.
 * @type {Record<string, { mutate: string[], tests: string[], coverage?: 'off' | 'perTest' }>}
 */
export const MODULES = {
  'core/id-token': {
    mutate: ['src/core/id-token.ts'],
    tests: [
      'test/conformance/id-token.test.ts',
      'test/conformance/hybrid.test.ts',
      'test/conformance/implicit.test.ts',
      'test/unit/strict.test.ts',
      'test/conformance/jarm.test.ts',
    ],
  },
  'core/front-channel': {
    mutate: ['src/core/front-channel.ts'],
    tests: [
      'test/conformance/hybrid.test.ts',
      'test/conformance/decryption.test.ts',
      'test/e2e/hybrid.test.ts',
    ],
  },
  'core/callback': {
    mutate: ['src/core/callback.ts'],
    tests: [
      'test/conformance/authorization-response.test.ts',
      ...REQUEST_TESTS,
      'test/fuzz/callback.test.ts',
      'test/conformance/hybrid.test.ts',
      'test/conformance/implicit.test.ts',
      'test/conformance/jarm.test.ts',
      'test/unit/hardening.test.ts',
    ],
  },
  'core/errors': {
    mutate: ['src/core/errors.ts', 'src/core/redact.ts'],
    tests: [
      'test/unit/redact.test.ts',
      'test/unit/errors.test.ts',
      'test/unit/error-codes.test.ts',
      'test/conformance/secret-hygiene.test.ts',
      'test/unit/hardening.test.ts',
      ...REQUEST_TESTS,
      'test/conformance/id-token.test.ts',
    ],
  },
  'core/redact': {
    mutate: ['src/core/redact.ts'],
    tests: [
      'test/unit/redact.test.ts',
      'test/unit/errors.test.ts',
      'test/conformance/hostile-prototype.test.ts',
    ],
  },
  'core/explicit-typing': {
    mutate: ['src/core/explicit-typing.ts'],
    tests: [
      'test/conformance/explicit-typing-mutants.test.ts',
      'test/conformance/secure-defaults.test.ts',
      'test/conformance/fapi2-profile.test.ts',
    ],
  },
  'core/public-key-validation': {
    mutate: ['src/core/public-key-validation.ts'],
    tests: [
      'test/conformance/public-key-validation.test.ts',
      'test/conformance/jar-encryption-weak-keys.test.ts',
    ],
  },
  'core/request': {
    mutate: ['src/core/request.ts', 'src/core/http.ts', 'src/core/endpoint.ts'],
    tests: [
      ...REQUEST_TESTS,
      'test/conformance/transport.test.ts',
      'test/conformance/dpop.test.ts',
      'test/e2e/jar-encryption.test.ts',
      'test/unit/hardening.test.ts',
    ],
  },
  'core/polling': {
    mutate: ['src/core/polling.ts'],
    tests: ['test/unit/hardening.test.ts', ...REQUEST_TESTS, 'test/unit/errors.test.ts'],
  },
  'core/token-endpoint': {
    mutate: ['src/core/token-endpoint.ts'],
    tests: [
      'test/conformance/id-token.test.ts',
      'test/conformance/transport.test.ts',
      'test/conformance/hostile-bodies.test.ts',
      ...REQUEST_TESTS,
    ],
  },
  'jar-encryption': {
    mutate: ['src/jar-encryption/index.ts'],
    tests: ['test/e2e/jar-encryption.test.ts'],
  },
  'security/dpop': {
    mutate: ['src/security/dpop.ts'],
    tests: ['test/conformance/dpop.test.ts', ...REQUEST_TESTS, 'test/e2e/dpop.test.ts'],
  },
  'security/jarm': {
    mutate: ['src/security/jarm.ts'],
    tests: ['test/conformance/jarm.test.ts', 'test/e2e/jarm.test.ts'],
  },
  'security/non-repudiation': {
    mutate: ['src/security/non-repudiation.ts'],
    tests: [
      'test/conformance/non-repudiation.test.ts',
      'test/conformance/id-token.test.ts',
      'test/e2e/signed-responses.test.ts',
    ],
  },
  'security/hybrid': {
    mutate: ['src/security/hybrid.ts', 'src/security/detached-signature.ts'],
    tests: ['test/conformance/hybrid.test.ts', 'test/e2e/hybrid.test.ts'],
  },
  'security/implicit': {
    mutate: ['src/security/implicit.ts'],
    tests: ['test/conformance/implicit.test.ts', 'test/e2e/implicit.test.ts'],
  },
  'security/decryption': {
    mutate: ['src/security/decryption.ts', 'src/core/decrypted.ts'],
    tests: ['test/conformance/decryption.test.ts', 'test/e2e/encryption.test.ts'],
  },
  'security/jwks-cache': {
    mutate: ['src/security/jwks-cache.ts'],
    tests: ['test/conformance/jwks-cache.test.ts'],
  },
  'core/insecure': {
    mutate: ['src/core/insecure.ts'],
    tests: ['test/unit/errors.test.ts', ...REQUEST_TESTS],
  },
  resources: {
    mutate: ['src/resources/*.ts'],
    tests: [...REQUEST_TESTS, 'test/e2e/resources.test.ts', 'test/fuzz/www-authenticate.test.ts'],
  },
  grants: {
    mutate: ['src/grants/*.ts'],
    tests: [
      ...REQUEST_TESTS,
      'test/e2e/grants.test.ts',
      'test/e2e/device-ciba.test.ts',
      'test/unit/hardening.test.ts',
    ],
  },
  passport: {
    mutate: ['src/passport/index.ts'],
    tests: ['test/e2e/passport.test.ts'],
  },
  'cli/login': {
    mutate: ['src/cli/login.ts'],
    tests: ['test/cli/login.test.ts'],
    coverage: 'off',
  },
  'cli/verification': {
    mutate: ['src/cli/inspect.ts', 'src/cli/token.ts', 'src/cli/transcript.ts'],
    tests: ['test/cli/inspect.test.ts', 'test/cli/token.test.ts'],
    coverage: 'off',
  },
}

/**
 * The options every module shares. Run through `npm run mutate` (scripts/mutate.mjs), which adds
 * `mutate`, the module's test files and its reports; `npx stryker run` alone would mutate all of
 * src/ against every test file, hours on a 2-core machine.
 */
export default {
  testRunner: 'tap',
  plugins: ['@stryker-mutator/tap-runner'],
  concurrency: 1,
  timeoutMS: 30_000,
  dryRunTimeoutMinutes: 20,
  reporters: ['clear-text', 'progress-append-only', 'html', 'json'],
  clearTextReporter: { allowColor: false },
  tempDirName: '.stryker-tmp',
  ignorePatterns: ['build', 'reports', 'docs/api', '.runtimes', '.bench-results', 'coverage'],
  logLevel: 'info',
  fileLogLevel: 'off',
}

/** The per-module options for one module of MODULES, merged over the defaults. */
export function optionsFor(name) {
  const module = MODULES[name]
  const report = `reports/mutation/${name.replaceAll('/', '-')}`
  return {
    tap: { testFiles: module.tests, nodeArgs: ['--test-reporter=tap'], forceBail: true },
    mutate: module.mutate,
    coverageAnalysis: module.coverage ?? 'perTest',
    htmlReporter: { fileName: `${report}.html` },
    jsonReporter: { fileName: `${report}.json` },
  }
}
