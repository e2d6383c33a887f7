/**
 * Cloudflare Workers entry (bundled with esbuild for workerd): a POST with the harness's driver URL
 * as its body runs the scenarios inside the worker and answers with their output.
 */
import * as lib from 'openid-rp'
import { loadEnvironment, runScenarios, summaryLine } from './scenarios.mjs'

export default {
  async fetch(request) {
    const lines = []
    const log = (line) => {
      lines.push(line)
      console.log(line)
    }
    const env = await loadEnvironment(await request.text())
    log(`workerd: ${globalThis.navigator?.userAgent ?? 'no navigator.userAgent'}`)
    const outcome = await runScenarios(lib, env, { log })
    log(summaryLine('workerd', outcome))
    return new Response(lines.join('\n'), { headers: { 'content-type': 'text/plain' } })
  },
}
