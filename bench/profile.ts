/**
 * Runs one benchmarked operation in a loop for profiling:
 *   node --cpu-prof --cpu-prof-dir=.bench-results/profiles --import tsx bench/profile.ts <op-slug> [openid-rp|openid-client] [seconds]
 * then `node --import tsx bench/profile-summary.ts <file.cpuprofile>` lists where the time goes.
 */
import { findOperation, loadImplementations } from './inprocess.ts'

const [name = 'authorizationcodegrant-es256', which = 'openid-rp', seconds = '4'] =
  process.argv.slice(2)
const operation = await findOperation(name)
const { rp, ref } = await loadImplementations()
const runner = await operation.setup(which === 'openid-client' ? ref : rp)
const end = performance.now() + Number(seconds) * 1000
let calls = 0
while (performance.now() < end) {
  await runner.run()
  calls++
}
console.error(`${operation.name} (${which}): ${calls} calls`)
