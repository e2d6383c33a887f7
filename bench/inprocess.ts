/**
 * In-process timing: both implementations and the crypto floor interleaved per operation
 * (reference, openid-rp, floor; the order alternates per round), medians of the rounds.
 */
import type { Client } from './fixtures.ts'
import { generateKeys } from './fixtures.ts'
import { type Operation, operations, roundTripFloor } from './operations.ts'

export interface Timing {
  /** Median CPU microseconds per call over the rounds. */
  median: number
  /** Fastest and slowest round, CPU microseconds per call. */
  min: number
  max: number
  /** Median wall-clock microseconds per call. */
  wall: number
}

export interface OperationResult {
  name: string
  floorCrypto: string
  /** Median of the raw crypto, µs. */
  floor: number
  /** Fake-server round trip added to the floor of operations that fetch, µs. */
  roundTrip: number
  rp: Timing & { requestsPerCall: number; overhead: number }
  ref: Timing & { requestsPerCall: number; overhead: number }
  /** openid-client CPU time / openid-rp CPU time: above 1 means openid-rp is faster. */
  ratio: number
  /** The same ratio from wall-clock medians. */
  wallRatio: number
}

export interface InProcessOptions {
  rounds: number
  batchMs: number
  only?: string[]
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

const timing = (samples: Sample[]): Timing => {
  const cpu = samples.map((s) => s.cpu)
  return {
    median: median(cpu),
    min: Math.min(...cpu),
    max: Math.max(...cpu),
    wall: median(samples.map((s) => s.wall)),
  }
}

interface Sample {
  /** Process CPU time (all threads: the crypto thread pool included) per call, µs. */
  cpu: number
  /** Wall time per call, µs. */
  wall: number
}

/**
 * One timed batch. CPU time is the primary measure: on a shared machine wall time mostly
 * measures the neighbours, while the process's own CPU time is what the library costs.
 */
async function batch(run: () => Promise<unknown>, n: number): Promise<Sample> {
  const cpu = process.cpuUsage()
  const start = performance.now()
  for (let i = 0; i < n; i++) await run()
  const wall = ((performance.now() - start) * 1000) / n
  const used = process.cpuUsage(cpu)
  return { cpu: (used.user + used.system) / n, wall }
}

/** Calls per batch so one batch of `run` takes about `ms`. */
async function calibrate(run: () => Promise<unknown>, ms: number): Promise<number> {
  let n = 8
  for (;;) {
    const start = performance.now()
    for (let i = 0; i < n; i++) await run()
    const elapsed = performance.now() - start
    if (elapsed > ms / 4 || n > 1 << 20) return Math.max(4, Math.round((n * ms) / elapsed))
    n *= 4
  }
}

export async function loadImplementations(): Promise<{ rp: Client; ref: Client }> {
  const rp = (await import('openid-rp')) as unknown as Client
  const ref = await import('openid-client')
  return { rp, ref }
}

export async function findOperation(name: string): Promise<Operation> {
  const all = await operations(await generateKeys())
  const operation = all.find((op) => op.name === name || slug(op.name) === name)
  if (!operation)
    throw new Error(`no operation ${name}; one of: ${all.map((op) => slug(op.name)).join(', ')}`)
  return operation
}

export const slug = (name: string) =>
  name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')

export async function runInProcess(
  options: InProcessOptions,
  log: (line: string) => void = () => {},
): Promise<{ roundTrip: number; operations: OperationResult[] }> {
  const { rp, ref } = await loadImplementations()
  const keys = await generateKeys()
  const all = await operations(keys)
  const selected = options.only
    ? all.filter((op) => options.only!.some((o) => slug(op.name).includes(o)))
    : all

  const roundTrip = await roundTripFloor()
  const rtEnd = performance.now() + 500
  while (performance.now() < rtEnd) await roundTrip()
  const rtN = await calibrate(roundTrip, options.batchMs / 2)
  const rtAll: Sample[] = []

  const results: OperationResult[] = []
  for (const op of selected) {
    await op.checkFloor?.()
    const runners = { rp: await op.setup(rp), ref: await op.setup(ref) }
    // One batch size for both implementations, so each is timed under the same conditions
    // (GC cadence, crypto thread pool warmth) rather than for the same duration.
    const calls = Math.round(
      ((await calibrate(runners.rp.run, options.batchMs)) +
        (await calibrate(runners.ref.run, options.batchMs))) /
        2,
    )
    const n = { rp: calls, ref: calls, floor: await calibrate(op.floor, options.batchMs / 2) }
    const samples = {
      rp: [] as Sample[],
      ref: [] as Sample[],
      floor: [] as Sample[],
      rt: [] as Sample[],
    }
    const requests = { rp: 0, ref: 0 }
    for (let round = 0; round < options.rounds; round++) {
      const order = round % 2 === 0 ? (['ref', 'rp'] as const) : (['rp', 'ref'] as const)
      for (const impl of order) {
        const before = runners[impl].server.count
        samples[impl].push(await batch(runners[impl].run, n[impl]))
        requests[impl] += (runners[impl].server.count - before) / n[impl]
      }
      samples.floor.push(await batch(op.floor, n.floor))
      samples.rt.push(await batch(roundTrip, rtN))
    }
    rtAll.push(...samples.rt)
    const rtMedian = timing(samples.rt).median
    const floor = op.floorCrypto === 'none' ? 0 : timing(samples.floor).median
    const base = floor + (op.fetches ? rtMedian : 0)
    const rpTiming = timing(samples.rp)
    const refTiming = timing(samples.ref)
    const result: OperationResult = {
      name: op.name,
      floorCrypto: op.floorCrypto,
      floor,
      roundTrip: op.fetches ? rtMedian : 0,
      rp: {
        ...rpTiming,
        requestsPerCall: requests.rp / options.rounds,
        overhead: rpTiming.median / base,
      },
      ref: {
        ...refTiming,
        requestsPerCall: requests.ref / options.rounds,
        overhead: refTiming.median / base,
      },
      ratio: refTiming.median / rpTiming.median,
      wallRatio: refTiming.wall / rpTiming.wall,
    }
    results.push(result)
    log(
      `${op.name.padEnd(44)} openid-rp ${result.rp.median.toFixed(1).padStart(7)} µs  openid-client ${result.ref.median
        .toFixed(1)
        .padStart(7)} µs  ratio ${result.ratio.toFixed(2)}`,
    )
  }
  return { roundTrip: timing(rtAll).median, operations: results }
}
