/**
 * Browser entry (bundled with esbuild): the page served by the harness exposes
 * `runtimeMatrix(driver)`, which runs the scenarios in the page and logs to the console.
 */
import * as lib from 'openid-rp'
import { loadEnvironment, runScenarios, summaryLine } from './scenarios.mjs'

/** Capabilities outside the shared scenarios that a page cannot have, reported by name. */
const notApplicable = {
  'mTLS (tls_client_auth, certificate-bound tokens)':
    'a page cannot choose or present a TLS client certificate from script',
}

globalThis.runtimeMatrix = async (driver) => {
  const env = await loadEnvironment(driver)
  console.log(`chromium: ${navigator.userAgent}`)
  const outcome = await runScenarios(lib, env, { notApplicable })
  console.log(summaryLine('chromium', outcome))
  return outcome
}
