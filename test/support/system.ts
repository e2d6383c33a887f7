// Tests that need a system package (Chromium): outside CI they say so in one line and pass over
// it; with CI=true they run and fail when the package is missing or cannot start.
import { existsSync } from 'node:fs'
import { delimiter, join } from 'node:path'

/** Whether this run is CI (`CI=true`), where every test must run. */
export const inCI = process.env.CI === 'true'

/** Debian's Chromium, or the browser `OPENID_RP_CHROMIUM` names. */
export const chromiumPath = process.env.OPENID_RP_CHROMIUM || '/usr/bin/chromium'

/** The one line a browser test prints when it passes over a missing Chromium. */
export const chromiumMissing =
  `Chromium is missing at ${chromiumPath}: install it (apt-get install -y chromium, as .ci/run ` +
  'does) to run the browser tests; CI=true makes its absence a failure.'

/**
 * Whether a test needing `available` passes over it: only outside CI, after printing `line`
 * once. In CI it returns false, so the test runs and fails.
 */
export function passOverOutsideCI(available: boolean, line: string): boolean {
  if (available || inCI) return false
  process.stderr.write(`${line}\n`)
  return true
}

/** Whether the browser tests pass over a missing Chromium (see {@link passOverOutsideCI}). */
export function passOverChromium(): boolean {
  return passOverOutsideCI(existsSync(chromiumPath), chromiumMissing)
}

const onPath = (command: string) =>
  (process.env.PATH ?? '').split(delimiter).some((dir) => dir && existsSync(join(dir, command)))

/**
 * Why a suite that needs Debian package `pkg` cannot run here (for `describe`'s `skip`), or
 * undefined when it can. Under `CI=true` a missing part throws instead, so CI fails rather than
 * passing over the suite.
 */
export function systemPackage(
  pkg: string,
  commands: string[],
  files: string[] = [],
): string | undefined {
  const missing = [
    ...commands.filter((command) => !onPath(command)),
    ...files.filter((file) => !existsSync(file)),
  ]
  if (missing.length === 0) return undefined
  const reason = `needs the Debian package ${pkg} (missing: ${missing.join(', ')}); .ci/run installs it`
  if (process.env.CI === 'true') throw new Error(`CI=true and this suite ${reason}`)
  return reason
}
