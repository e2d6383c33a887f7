/**
 * Cold start: fresh Node processes that import the package (interleaved with the reference and
 * an empty process), and heap per Configuration measured in a child with --expose-gc.
 */
import { spawnSync } from 'node:child_process'

export interface ColdStart {
  runs: number
  /** Median wall time of the whole process, ms. */
  process: { empty: number; rp: number; ref: number }
  /** Median time of the `import()` alone, measured inside the process, ms. */
  importOnly: { rp: number; ref: number }
}

export interface HeapPerConfiguration {
  count: number
  /** Bytes of heap per Configuration built with `new Configuration(metadata, ...)`. */
  constructed: { rp: number; ref: number }
  /** Bytes of heap per Configuration built by `discovery()` (the parsed document included). */
  discovered: { rp: number; ref: number }
  /** Size of the metadata document as JSON, bytes. */
  metadataBytes: number
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

function timeProcess(source: string): { total: number; inner: number } {
  const start = performance.now()
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', source], {
    encoding: 'utf8',
  })
  const total = performance.now() - start
  if (child.status !== 0) throw new Error(`cold start child failed: ${child.stderr}`)
  return { total, inner: Number(child.stdout.trim() || 0) }
}

const importSource = (name: string) =>
  `const t = performance.now(); await import('${name}'); process.stdout.write(String(performance.now() - t))`

export function runColdStart(runs: number): ColdStart {
  const samples = {
    empty: [] as number[],
    rp: [] as number[],
    ref: [] as number[],
    rpImport: [] as number[],
    refImport: [] as number[],
  }
  timeProcess(importSource('openid-rp'))
  timeProcess(importSource('openid-client'))
  for (let i = 0; i < runs; i++) {
    samples.empty.push(timeProcess('').total)
    const order = i % 2 ? (['rp', 'ref'] as const) : (['ref', 'rp'] as const)
    for (const which of order) {
      const { total, inner } = timeProcess(
        importSource(which === 'rp' ? 'openid-rp' : 'openid-client'),
      )
      samples[which].push(total)
      samples[`${which}Import`].push(inner)
    }
  }
  return {
    runs,
    process: { empty: median(samples.empty), rp: median(samples.rp), ref: median(samples.ref) },
    importOnly: { rp: median(samples.rpImport), ref: median(samples.refImport) },
  }
}

export function runHeap(count: number): HeapPerConfiguration {
  const measure = (name: string, mode: 'constructed' | 'discovered'): number => {
    const child = spawnSync(
      process.execPath,
      [
        '--expose-gc',
        '--import',
        'tsx',
        new URL('./heap-child.ts', import.meta.url).pathname,
        name,
        mode,
        String(count),
      ],
      { encoding: 'utf8' },
    )
    if (child.status !== 0) throw new Error(`heap child failed: ${child.stderr}`)
    return Number(child.stdout.trim())
  }
  const take = (name: string, mode: 'constructed' | 'discovered') =>
    median([measure(name, mode), measure(name, mode), measure(name, mode)])
  return {
    count,
    constructed: {
      rp: take('openid-rp', 'constructed'),
      ref: take('openid-client', 'constructed'),
    },
    discovered: { rp: take('openid-rp', 'discovered'), ref: take('openid-client', 'discovered') },
    metadataBytes: 0,
  }
}
