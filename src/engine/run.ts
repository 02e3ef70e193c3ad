import { withControlResults } from '../controls/status.js';
import type { WaiverBook } from '../controls/waivers.js';
import type { Plan } from '../plan/schema.js';
import {
  addCounts,
  emptyCounts,
  RESULT_SCHEMA_VERSION,
  timestamp,
  type HostResult,
  type RunResult,
  type Selection,
} from '../results/schema.js';
import type { Target } from '../targets/target.js';
import { runFleet, type FleetClock, type HostStop } from './fleet.js';
import { planQueries, type QueryPlan } from './queries.js';
import { hostFailure, runHost, type RunHostOptions } from './run-host.js';

/** What an inventory says about a host, recorded with its result. */
export interface HostInventoryInfo {
  name: string;
  groups: string[];
  tags: string[];
}

export interface RunOptions extends RunHostOptions {
  toolVersion: string;
  /** How many hosts run at once. */
  concurrency: number;
  /**
   * One host's whole budget from the moment it starts: connecting, logging in and the probe.
   * When it runs out the host is unreachable (timeout) and its connection is dropped.
   */
  hostTimeoutMs: number;
  /** Called as each host reaches its terminal state (progress display). */
  onHostDone?: (result: HostResult) => void;
  /** Inventory entries of targets that came from an inventory file. */
  inventory?: ReadonlyMap<Target, HostInventoryInfo>;
  /** Aborted on the first SIGINT: no host is started after it, and hosts in progress end as errors. */
  interrupt?: AbortSignal;
  clock?: FleetClock;
  /** `--waivers`, sorted against the plan: waived controls get the status `waived`. */
  waivers?: WaiverBook;
  /** `--controls` / `--tags`, recorded in the result. */
  selection?: Selection;
}

export interface PlanRun {
  result: RunResult;
  /** The run was interrupted: some hosts were not checked (their checks are errors). */
  interrupted: boolean;
}

/**
 * Runs the plan on every target through the fleet executor. Every host ends completed,
 * unreachable or error within its own budget, and all results form one run result in the targets' order.
 */
export async function runPlan(plan: Plan, targets: readonly Target[], options: RunOptions): Promise<RunResult> {
  return (await runPlanInterruptibly(plan, targets, options)).result;
}

export async function runPlanInterruptibly(
  plan: Plan,
  targets: readonly Target[],
  options: RunOptions,
): Promise<PlanRun> {
  const startedAt = timestamp();
  const shared: RunOptions = { ...options, queryPlan: options.queryPlan ?? sharedQueryPlan(plan, options) };
  const withInventory = (judged: HostResult, index: number) => {
    const result = withControlResults(plan, judged, options.waivers);
    const inventory = options.inventory?.get(targets[index]!);
    return inventory ? { ...result, inventory } : result;
  };
  const fleet = await runFleet(targets, {
    concurrency: options.concurrency,
    hostTimeoutMs: options.hostTimeoutMs,
    work: async (target, index) => withInventory(await runHost(plan, target, shared), index),
    stopped: (target, stop, started, index) => withInventory(stoppedHost(plan, target, stop, started), index),
    ...(options.onHostDone ? { onHostDone: options.onHostDone } : {}),
    ...(options.interrupt ? { interrupt: options.interrupt } : {}),
    ...(options.clock ? { clock: options.clock } : {}),
  });
  const hosts = fleet.results;
  const result: RunResult = {
    schemaVersion: RESULT_SCHEMA_VERSION,
    tool: { name: 'driftspec', version: options.toolVersion },
    startedAt,
    finishedAt: timestamp(),
    specs: plan.specs,
    controls: plan.controls,
    counts: hosts.reduce((sum, h) => addCounts(sum, h.counts), emptyCounts()),
    hosts,
    ...(options.waivers ? { waivers: options.waivers.outcomes } : {}),
    ...(options.selection ? { selection: options.selection } : {}),
    ...(options.waivers?.warnings.length ? { warnings: options.waivers.warnings } : {}),
  };
  return { result, interrupted: fleet.interrupted };
}

/** One query plan for every host; a plan it cannot be made for fails on each host instead, as before. */
function sharedQueryPlan(plan: Plan, options: RunOptions): QueryPlan | undefined {
  try {
    return planQueries(plan.checks, options.registry);
  } catch {
    return undefined;
  }
}

/** A host that did not finish: every check an error naming why. */
function stoppedHost(plan: Plan, target: Target, stop: HostStop, started: number): HostResult {
  const startedAt = timestamp(new Date(started));
  if (stop.kind === 'timeout') {
    const budget = `${stop.budgetMs / 1000} s host timeout`;
    const reason = `${target.name} did not finish within the ${budget} (connecting, logging in and running the probe)`;
    return hostFailure(plan, target, 'unreachable', reason, startedAt, started, 0, 'timeout');
  }
  if (stop.kind === 'interrupted') {
    const reason = stop.started
      ? 'interrupted (SIGINT) while this host was being checked'
      : 'interrupted (SIGINT) before this host was started';
    return hostFailure(plan, target, 'error', reason, startedAt, started, 0);
  }
  const message = stop.error instanceof Error ? stop.error.message : String(stop.error);
  const reason = `internal error while checking this host: ${message}`;
  return hostFailure(plan, target, 'error', reason, startedAt, started, 0);
}
