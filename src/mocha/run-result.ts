import type { Control, SpecInfo } from '../plan/schema.js';
import {
  addCounts,
  countStatuses,
  emptyCounts,
  RESULT_SCHEMA_VERSION,
  type HostResult,
  type RunResult,
  type Waiver,
} from '../results/schema.js';
import { controlResults } from '../controls/status.js';
import { waiverBookOf } from '../controls/waivers.js';
import type { MochaRecord } from './record.js';

export interface RunTimes {
  toolVersion: string;
  startedAt: string;
  finishedAt: string;
}

/**
 * The run result of a mocha run's driftspec assertions, as `driftspec run` would have made it:
 * one host per target (in the order the hosts were probed), its checks in the order their
 * assertions ran, its exec count that of every probe it cost.
 */
export function assembleRunResult(records: readonly MochaRecord[], times: RunTimes): RunResult {
  const hosts = new Map<string, HostResult>();
  const specs = new Map<string, SpecInfo>();
  const controls = new Map<string, Control>();
  const waivers = new Map<string, Waiver & { expired: boolean }>();
  const hostOf = (target: string, startedAt: string) => {
    let host = hosts.get(target);
    if (!host) {
      host = {
        target,
        status: 'completed',
        startedAt,
        durationMs: 0,
        execCount: 0,
        counts: emptyCounts(),
        results: [],
        evidence: {},
      };
      hosts.set(target, host);
    }
    return host;
  };
  for (const record of records) {
    if (record.kind === 'probe') {
      const host = hostOf(record.target, times.startedAt);
      host.execCount += record.execCount;
      if (record.status !== 'completed' && host.status === 'completed') {
        host.status = record.status;
        if (record.reason !== undefined) host.reason = record.reason;
      }
      if (record.inventory) host.inventory = record.inventory;
      continue;
    }
    if (!specs.has(record.spec.name)) specs.set(record.spec.name, record.spec);
    for (const control of record.controls) if (!controls.has(control.id)) controls.set(control.id, control);
    for (const { control, ...waiver } of record.waivers ?? []) waivers.set(control, waiver);
    const { result } = record;
    const host = hostOf(result.target, result.startedAt);
    host.host ??= result.host;
    host.durationMs += result.durationMs;
    host.execCount += result.execCount;
    host.results.push(...result.results);
    Object.assign(host.evidence, result.evidence);
    if (record.inventory) host.inventory = record.inventory;
  }
  // Each host's control statuses, as `driftspec run` gives them.
  const controlList = [...controls.values()];
  const hostResults = [...hosts.values()].map((host) => {
    const counted = { ...host, counts: countStatuses(host.results) };
    if (controlList.length === 0) return counted;
    return { ...counted, controls: controlResults(controlList, host.results, waiverBookOf(waivers)) };
  });
  return {
    schemaVersion: RESULT_SCHEMA_VERSION,
    tool: { name: 'driftspec', version: times.toolVersion },
    startedAt: times.startedAt,
    finishedAt: times.finishedAt,
    specs: [...specs.values()],
    controls: [...controls.values()],
    counts: hostResults.map((host) => host.counts).reduce(addCounts, emptyCounts()),
    hosts: hostResults,
  };
}

/**
 * Whether a failed mocha test is accounted for by the gate: it made a driftspec assertion that
 * failed or could not be judged. Any other failure (a plain chai assertion, a thrown error, a
 * failed hook) is mocha's own and fails the run even when the gate passes.
 */
export function failureJudgedByDriftspec(
  records: readonly MochaRecord[],
  test: { title: string; file?: string },
): boolean {
  return records.some(
    (record) =>
      record.kind === 'assertion' &&
      record.test?.title === test.title &&
      (test.file === undefined || record.test.file === undefined || record.test.file === test.file) &&
      record.result.results.some((result) => result.status === 'failed' || result.status === 'error'),
  );
}
