/**
 * The benchmark suite: `npm run bench` (after a build). Writes .bench-results/<time>.json and
 * the committed snapshot bench/results/latest.{json,md}, and prints the tables.
 *
 * Environment: BENCH_ROUNDS (default 15), BENCH_BATCH_MS (default 120), BENCH_COLD_RUNS
 * (default 15), BENCH_ONLY (comma-separated parts: inprocess,weight,cold,heap,roundtrips),
 * BENCH_OPS (substrings of operation slugs).
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import os from 'node:os'

import { runColdStart, runHeap } from './cold-start.ts'
import { serverMetadata } from './fixtures.ts'
import { loadImplementations, runInProcess } from './inprocess.ts'
import { runRoundTrips } from './round-trips.ts'
import { render } from './table.ts'
import { runWeight } from './weight.ts'

const env = process.env
const parts = (env.BENCH_ONLY ?? 'inprocess,weight,cold,heap,roundtrips').split(',')
const started = performance.now()
const log = (line: string) => console.error(line)

const machine = {
  date: new Date().toISOString(),
  node: process.version,
  platform: `${os.platform()} ${os.arch()}`,
  cpu: os.cpus()[0]?.model ?? 'unknown',
  cores: os.availableParallelism(),
  loadAverageAtStart: os.loadavg().map((l) => Math.round(l * 100) / 100),
  loadAverageAtEnd: [] as number[],
  versions: {
    'openid-rp': (await import('../package.json', { with: { type: 'json' } })).default.version,
    'openid-client': (
      await import('openid-client/package.json', { with: { type: 'json' } }).catch(() => ({
        default: { version: '?' },
      }))
    ).default.version,
  },
}

const results: Record<string, unknown> = { machine }
if (parts.includes('inprocess')) {
  log('in-process operations (CPU time, interleaved)')
  results.inProcess = await runInProcess(
    {
      rounds: Number(env.BENCH_ROUNDS ?? 15),
      batchMs: Number(env.BENCH_BATCH_MS ?? 120),
      only: env.BENCH_OPS?.split(','),
    },
    log,
  )
}
if (parts.includes('weight')) {
  log('bundle weight')
  results.weight = await runWeight()
}
if (parts.includes('cold')) {
  log('cold start')
  results.coldStart = runColdStart(Number(env.BENCH_COLD_RUNS ?? 15))
}
if (parts.includes('heap')) {
  log('heap per Configuration')
  results.heap = { ...runHeap(2000), metadataBytes: JSON.stringify(serverMetadata).length }
}
if (parts.includes('roundtrips')) {
  log('round trips against oidc-provider')
  results.roundTrips = await runRoundTrips(await loadImplementations())
}
machine.loadAverageAtEnd = os.loadavg().map((l) => Math.round(l * 100) / 100)
;(results as { durationSeconds?: number }).durationSeconds =
  Math.round((performance.now() - started) / 100) / 10

const markdown = render(results as never)
const stamp = machine.date.replace(/[:.]/g, '-')
mkdirSync('.bench-results', { recursive: true })
writeFileSync(`.bench-results/${stamp}.json`, `${JSON.stringify(results, null, 2)}\n`)
if (parts.length === 5 && !env.BENCH_OPS) {
  mkdirSync('bench/results', { recursive: true })
  writeFileSync('bench/results/latest.json', `${JSON.stringify(results, null, 2)}\n`)
  writeFileSync('bench/results/latest.md', markdown)
}
console.log(markdown)
