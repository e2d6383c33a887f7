/**
 * Entry for the runtimes that load the built library from disk as users install it (Node, Deno,
 * Bun): `<runtime> test/runtimes/entry.mjs <name> <driver URL>`. Prints one line per scenario and
 * the `RUNTIME <name>: ...` summary that the harness parses.
 */
import * as lib from '../../build/index.js'
import { loadEnvironment, runScenarios, summaryLine } from './scenarios.mjs'

const [runtime, driver] = globalThis.Deno ? globalThis.Deno.args : globalThis.process.argv.slice(2)
const env = await loadEnvironment(driver)
console.log(`${runtime}: ${globalThis.navigator?.userAgent ?? 'no navigator.userAgent'}`)
const outcome = await runScenarios(lib, env)
console.log(summaryLine(runtime, outcome))
