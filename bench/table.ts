/** Renders benchmark results as Markdown tables. */
import type { BundleSize } from './weight.ts'
import type { ColdStart, HeapPerConfiguration } from './cold-start.ts'
import type { OperationResult } from './inprocess.ts'
import type { RoundTripStep } from './round-trips.ts'

export interface Results {
  machine: {
    date: string
    node: string
    platform: string
    cpu: string
    cores: number
    loadAverageAtStart: number[]
    loadAverageAtEnd: number[]
    versions: Record<string, string>
  }
  durationSeconds?: number
  inProcess?: { roundTrip: number; operations: OperationResult[] }
  weight?: BundleSize[]
  coldStart?: ColdStart
  heap?: HeapPerConfiguration
  roundTrips?: RoundTripStep[]
}

const us = (value: number) => (value >= 100 ? value.toFixed(0) : value.toFixed(1))
const kib = (bytes: number) => (bytes / 1024).toFixed(1)
const x = (value: number) => `${value.toFixed(2)}x`

export function render(results: Results): string {
  const { machine } = results
  const lines: string[] = [
    `Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.platform}, Node ${machine.node}; ${machine.date}`,
    `openid-rp ${machine.versions['openid-rp']} vs openid-client ${machine.versions['openid-client']}; load average ${machine.loadAverageAtStart.join(' ')} at start, ${machine.loadAverageAtEnd.join(' ')} at end${results.durationSeconds ? `; run took ${results.durationSeconds} s` : ''}`,
    '',
  ]
  if (results.inProcess) {
    lines.push(
      `### In-process operations (median CPU µs per call; ratio = openid-client / openid-rp, > 1 means openid-rp is faster)`,
      '',
      `Floor = raw WebCrypto of the operation + the fake-server round trip (median ${us(results.inProcess.roundTrip)} µs, measured beside each operation) where it makes a request; overhead = time / floor.`,
      '',
      '| operation | ratio | openid-rp | openid-client | floor (crypto) | overhead rp | overhead ref | requests/call rp / ref | ratio (wall) |',
      '|---|---:|---:|---:|---|---:|---:|---:|---:|',
    )
    for (const op of results.inProcess.operations) {
      lines.push(
        `| ${op.name} | **${x(op.ratio)}** | ${us(op.rp.median)} | ${us(op.ref.median)} | ${us(op.floor)} (${op.floorCrypto}) | ${x(op.rp.overhead)} | ${x(op.ref.overhead)} | ${op.rp.requestsPerCall.toFixed(2)} / ${op.ref.requestsPerCall.toFixed(2)} | ${x(op.wallRatio)} |`,
      )
    }
    lines.push('')
  }
  if (results.weight) {
    lines.push(
      '### Browser bundle (esbuild, minified ESM, dependencies included)',
      '',
      '| bundle | package | minified KiB | gzip KiB | brotli KiB | feature code present |',
      '|---|---|---:|---:|---:|---|',
    )
    for (const b of results.weight) {
      lines.push(
        `| ${b.bundle} | ${b.package} | ${kib(b.minified)} | ${kib(b.gzip)} | ${kib(b.brotli)} | ${b.features.join(', ') || 'none'} |`,
      )
    }
    lines.push('')
  }
  if (results.coldStart) {
    const c = results.coldStart
    lines.push(
      `### Cold start (median of ${c.runs} fresh processes, ms)`,
      '',
      '| | empty process | openid-rp | openid-client |',
      '|---|---:|---:|---:|',
      `| whole process | ${c.process.empty.toFixed(1)} | ${c.process.rp.toFixed(1)} | ${c.process.ref.toFixed(1)} |`,
      `| the import() alone | | ${c.importOnly.rp.toFixed(1)} | ${c.importOnly.ref.toFixed(1)} |`,
      '',
    )
  }
  if (results.heap) {
    const h = results.heap
    lines.push(
      `### Heap per Configuration (bytes, ${h.count} kept, --expose-gc; metadata document ${h.metadataBytes} B as JSON)`,
      '',
      '| built with | openid-rp | openid-client | rp / ref |',
      '|---|---:|---:|---:|',
      `| new Configuration(metadata) | ${h.constructed.rp} | ${h.constructed.ref} | ${(h.constructed.rp / h.constructed.ref).toFixed(2)} |`,
      `| discovery() | ${h.discovered.rp} | ${h.discovered.ref} | ${(h.discovered.rp / h.discovered.ref).toFixed(2)} |`,
      '',
    )
  }
  if (results.roundTrips) {
    lines.push(
      '### HTTP requests per step against oidc-provider (front channel not counted)',
      '',
      '| flow | step | minimum | openid-rp | openid-client |',
      '|---|---|---:|---:|---:|',
    )
    for (const s of results.roundTrips) {
      const mark = (n: number) => (n > s.minimum ? `**${n}**` : String(n))
      lines.push(`| ${s.flow} | ${s.step} | ${s.minimum} | ${mark(s.rp)} | ${mark(s.ref)} |`)
    }
    lines.push('')
  }
  return lines.join('\n')
}
