import { describeExpired, isExpired, type AcceptedDrift } from '../drift/accept.js';
import { describeSnapshot, unreachableHostDrift } from '../drift/diff.js';
import { DRIFT_REPORT_SCHEMA_VERSION, type DriftReport, type HostDrift } from '../drift/diff-schema.js';
import { recordedIgnoreOptions, type SnapshotOptions } from '../drift/snapshot.js';
import { snapshotHost } from '../drift/snapshot-host.js';
import type { Snapshot } from '../drift/snapshot-schema.js';
import { timestamp } from '../results/schema.js';
import type { Target } from '../targets/target.js';
import { defaultHostTimeoutSeconds } from './budget.js';
import { runFleet, type HostStop } from './fleet.js';
import { inventoryRecord, type HostInventoryInfo } from './run.js';
import type { WaitOptions } from './wait.js';

// Drift against live hosts, for `driftspec drift` and the drift() function: each host snapshotted
// as the baseline was, through the fleet executor, then compared with the baseline.

/**
 * The live snapshot records what the baseline recorded: the same file trees and the same
 * ignores. `driftspec snapshot` builds ignores from the defaults plus --ignore globs, so the
 * baseline's lists are taken apart into those two again; where that is impossible (a baseline
 * written some other way) the diff reports the ignores that differ as not compared.
 */
export function liveSnapshotOptions(baseline: Snapshot, timeoutSeconds: number, version: string): SnapshotOptions {
  return {
    fileRoots: baseline.fileRoots,
    // Text only where the baseline kept text: an older baseline has nothing to show a diff against.
    fileContent: baseline.fileContent ?? false,
    ...recordedIgnoreOptions(baseline),
    timeoutMs: timeoutSeconds * 1000,
    toolVersion: version,
  };
}

/**
 * How a live host is snapshotted: the baseline's trees and ignores, within one host budget, after waiting
 * for its boot.
 */
export interface LiveBudget {
  snapshot: SnapshotOptions;
  hostTimeoutMs: number;
  wait?: WaitOptions;
}

/** Seconds, except `wait` (milliseconds, as `--wait` parses). */
export interface LivePacing {
  timeout: number;
  connectTimeout: number;
  hostTimeout?: number;
  wait?: number;
  degraded: boolean;
}

export function liveBudget(baseline: Snapshot, pacing: LivePacing, version: string): LiveBudget {
  const waitMs = pacing.wait ?? 0;
  return {
    snapshot: liveSnapshotOptions(baseline, pacing.timeout, version),
    hostTimeoutMs:
      (pacing.hostTimeout ?? defaultHostTimeoutSeconds(pacing)) * 1000 +
      (pacing.hostTimeout === undefined ? waitMs : 0),
    ...(pacing.wait === undefined ? {} : { wait: { timeoutMs: pacing.wait, allowDegraded: pacing.degraded } }),
  };
}

export interface LiveDriftRun {
  concurrency: number;
  interrupt: AbortSignal;
  onHostDone?: (host: HostDrift) => void;
}

/**
 * The live hosts through the fleet executor, as `driftspec run` checks its hosts: each within its
 * budget. A host without a snapshot of its own (unreachable, out of time, interrupted) is
 * incomplete, with the reason: never "no drift".
 */
export async function snapshotLiveHosts(
  selected: { targets: readonly Target[]; inventory: ReadonlyMap<Target, HostInventoryInfo> },
  budget: LiveBudget,
  compare: (snapshot: Snapshot) => HostDrift,
  run: LiveDriftRun,
): Promise<{ hosts: HostDrift[]; interrupted: boolean }> {
  const { targets, inventory } = selected;
  const withInventory = (host: HostDrift, target: Target): HostDrift => {
    const info = inventory.get(target);
    return info ? { ...host, inventory: inventoryRecord(info) } : host;
  };
  const fleet = await runFleet(targets, {
    concurrency: run.concurrency,
    hostTimeoutMs: budget.hostTimeoutMs,
    async work(target) {
      const taken = await snapshotHost(target, budget.snapshot, budget.wait);
      if ('snapshot' in taken) return withInventory(compare(taken.snapshot), target);
      const reason = `${taken.failure.kind}: ${taken.failure.message}`;
      return withInventory(unreachableHostDrift(target.name, reason), target);
    },
    stopped: (target, stop) => {
      return withInventory(unreachableHostDrift(target.name, stopReason(target, stop, budget)), target);
    },
    interrupt: run.interrupt,
    ...(run.onHostDone ? { onHostDone: run.onHostDone } : {}),
  });
  return { hosts: fleet.results, interrupted: fleet.interrupted };
}

function stopReason(target: Target, stop: HostStop, budget: LiveBudget): string {
  if (stop.kind === 'interrupted') {
    if (stop.started) return 'interrupted (SIGINT) while this host was being snapshotted';
    return 'interrupted (SIGINT) before this host was started';
  }
  if (stop.kind === 'threw') {
    const message = stop.error instanceof Error ? stop.error.message : String(stop.error);
    return `internal error while snapshotting this host: ${message}`;
  }
  const steps = `connecting, logging in${budget.wait ? ', waiting for the boot' : ''} and the snapshot probe`;
  const within = `within the ${budget.hostTimeoutMs / 1000} s host timeout`;
  return `unreachable: ${target.name} did not finish ${within} (${steps})`;
}

/** The drift report of hosts compared with a baseline, before the gate judges it. */
export function driftReport(parts: {
  baseline: Snapshot;
  baselineFile?: string;
  hosts: HostDrift[];
  accept: AcceptedDrift;
  clock: Date;
  live: boolean;
  toolVersion: string;
}): DriftReport {
  return {
    schemaVersion: DRIFT_REPORT_SCHEMA_VERSION,
    tool: { name: 'driftspec', version: parts.toolVersion },
    generatedAt: timestamp(parts.clock),
    mode: parts.live ? 'live' : 'snapshots',
    baseline: describeSnapshot(parts.baseline, parts.baselineFile),
    hosts: parts.hosts,
    warnings: parts.accept.entries.filter((entry) => isExpired(entry, parts.clock)).map(describeExpired),
  };
}
