import type { DriftReport, DriftVerdict } from '../src/drift/diff-schema.js';
import { fleetSummary } from '../src/drift/fleet.js';
import { jsonPieces } from './json.js';

/**
 * The whole drift report, as the JSON Schema from `driftspec schema drift` describes it: exactly
 * `JSON.stringify({ ...report, verdict }, null, 2)`, written item by item, so that a drift of
 * millions of items is never held as one string (which would exceed the longest string V8 makes).
 */
export function* renderDriftJson(report: DriftReport, verdict: DriftVerdict): Generator<string> {
  // Levels: the report, its hosts, a host, its kinds, a kind, its added/removed/changed lists; their items whole.
  const fleet = report.hosts.length > 1 ? { fleet: fleetSummary(report.hosts) } : {};
  yield* jsonPieces({ ...report, verdict, ...fleet }, 6);
  yield '\n';
}
