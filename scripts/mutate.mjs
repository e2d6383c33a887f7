#!/usr/bin/env node
// `npm run mutate [-- <module>[:<lines>]...]`: Stryker over each module of stryker.config.mjs (all
// when none is named; `core/errors:127-228` mutates only those lines), one at a time, with
// concurrency 1; prints each module's score and duration.
// The tests load openid-rp from src/ through scripts/mutation/from-source.mjs, so no build runs.
import { Stryker } from '@stryker-mutator/core'

import { MODULES, optionsFor } from '../stryker.config.mjs'

const requested = process.argv.slice(2)
const moduleOf = (argument) => argument.split(':')[0]
const unknown = requested.filter((argument) => !Object.hasOwn(MODULES, moduleOf(argument)))
if (unknown.length > 0) {
  console.error(`unknown module ${unknown.join(', ')}; known: ${Object.keys(MODULES).join(', ')}`)
  process.exit(2)
}

// Inherited by the test processes and by what they spawn (the CLI): src/ instead of build/, and
// openid-rp only (the reference implementation is not under test).
process.env.NODE_OPTIONS = [
  process.env.NODE_OPTIONS,
  '--import tsx --import ./scripts/mutation/from-source.mjs',
]
  .filter(Boolean)
  .join(' ')
process.env.IMPL = 'openid-rp'

const DETECTED = new Set(['Killed', 'Timeout'])
const UNDETECTED = new Set(['Survived', 'NoCoverage'])
const summary = []
for (const argument of requested.length > 0 ? requested : Object.keys(MODULES)) {
  const [name, lines] = argument.split(':')
  const options = optionsFor(name)
  if (lines !== undefined) options.mutate = options.mutate.map((file) => `${file}:${lines}`)
  const started = Date.now()
  const results = await new Stryker(options).runMutationTest()
  const detected = results.filter((r) => DETECTED.has(r.status)).length
  const undetected = results.filter((r) => UNDETECTED.has(r.status))
  const valid = detected + undetected.length
  summary.push({
    module: argument,
    score: valid === 0 ? null : Math.round((detected / valid) * 10_000) / 100,
    killed: detected,
    survived: undetected.length,
    minutes: Math.round((Date.now() - started) / 6_000) / 10,
  })
  for (const mutant of undetected) {
    const { line, column } = mutant.location.start
    console.error(
      `${argument}: ${mutant.status} ${mutant.fileName}:${line}:${column + 1} ${mutant.mutatorName} -> ${JSON.stringify(mutant.replacement)}`,
    )
  }
}
console.table(summary)
