import type { RunResult } from '../src/results/schema.js';
import type { Verdict } from '../src/gate/verdict.js';

/** The whole run result, as the JSON Schema from `driftspec schema result` describes it. */
export function renderJsonReport(result: RunResult, verdict: Verdict): string {
  return `${JSON.stringify({ ...result, verdict }, null, 2)}\n`;
}
