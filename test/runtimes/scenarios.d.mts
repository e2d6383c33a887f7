/** Types of the plain-ESM scenario module, for the TypeScript harness (run.ts). */
export declare const scenarioNames: readonly string[]

export interface ScenarioResult {
  name: string
  status: 'passed' | 'failed' | 'not applicable'
  ms?: number
  error?: string
  reason?: string
}

export interface Outcome {
  results: ScenarioResult[]
  passed: number
  failed: number
  notApplicable: ScenarioResult[]
}

export declare function summaryLine(runtime: string, outcome: Outcome): string
export declare function parseSummary(
  text: string,
  runtime: string,
): { passed: number; failed: number } | undefined
export declare function loadEnvironment(driver: string | URL): Promise<Record<string, unknown>>
export declare function runScenarios(
  lib: object,
  env: Record<string, unknown>,
  options?: { notApplicable?: Record<string, string>; log?: (line: string) => void },
): Promise<Outcome>
