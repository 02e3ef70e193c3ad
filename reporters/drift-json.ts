import type { DriftReport, DriftVerdict } from '../src/drift/diff-schema.js';

/** The whole drift report, as the JSON Schema from `driftspec schema drift` describes it. */
export function renderDriftJson(report: DriftReport, verdict: DriftVerdict): string {
  return `${JSON.stringify({ ...report, verdict }, null, 2)}\n`;
}
