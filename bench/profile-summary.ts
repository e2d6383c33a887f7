/** Self and inclusive time per function of a .cpuprofile, top entries, library frames only. */
import { readFileSync } from 'node:fs'

interface Node {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
  children?: number[]
}
const [file, filterArg = '-', limit = '30'] = process.argv.slice(2)
const filter = filterArg === '-' ? '' : filterArg
const profile = JSON.parse(readFileSync(file!, 'utf8')) as {
  nodes: Node[]
  samples: number[]
  timeDeltas: number[]
}
const byId = new Map(profile.nodes.map((n) => [n.id, n]))
const parent = new Map<number, number>()
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id)
const self = new Map<string, number>()
const inclusive = new Map<string, number>()
let total = 0
const label = (n: Node) => {
  const url = n.callFrame.url
    .replace(/^.*node_modules\//, '')
    .replace(/^file:\/\/.*\/work\/main\//, '')
  return `${url || '(native)'}:${n.callFrame.functionName || '(anonymous)'}:${n.callFrame.lineNumber + 1}`
}
profile.samples.forEach((id, i) => {
  const dt = profile.timeDeltas[i] ?? 0
  total += dt
  let node = byId.get(id)!
  self.set(label(node), (self.get(label(node)) ?? 0) + dt)
  const seen = new Set<string>()
  for (;;) {
    const l = label(node)
    if (!seen.has(l)) {
      inclusive.set(l, (inclusive.get(l) ?? 0) + dt)
      seen.add(l)
    }
    const p = parent.get(node.id)
    if (p === undefined) break
    node = byId.get(p)!
  }
})
const show = (title: string, map: Map<string, number>) => {
  console.log(`${title} (of ${(total / 1000).toFixed(0)} ms)`)
  for (const [l, t] of [...map]
    .filter(([l]) => l.includes(filter))
    .sort((a, b) => b[1] - a[1])
    .slice(0, Number(limit))) {
    console.log(`${((100 * t) / total).toFixed(1).padStart(5)}%  ${l}`)
  }
}
show('self', self)
show('inclusive', inclusive)
