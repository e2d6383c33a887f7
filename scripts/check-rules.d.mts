// Types of scripts/check-rules.mjs for the TypeScript tests that import it.

/** One broken rule: where, and what to do about it. */
export interface Violation {
  file: string
  line: number
  message: string
}

/** Checks the tree at `dir` (its src/ and package.json) against the layout rules. */
export function checkRules(dir: string): {
  files: number
  violations: Violation[]
  unusedExceptions: string[]
}
