import type { Plan } from '../plan/schema.js';
import { addCounts, emptyCounts, RESULT_SCHEMA_VERSION, timestamp, type HostResult, type RunResult } from '../results/schema.js';
import type { Target } from '../targets/target.js';
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
}

/** How long closing a finished host's connection may take before the run stops waiting for it. */
export const CLOSE_LIMIT_MS = 2000;

/**
 * Runs the plan on every target, at most `concurrency` at a time. Every host ends completed,
 * unreachable or error within its own budget; a host that fails, hangs or throws never stops or
 * delays the others, and all results form one run result in the targets' order.
 */
export async function runPlan(plan: Plan, targets: readonly Target[], options: RunOptions): Promise<RunResult> {
  const startedAt = timestamp();
  const hosts = new Array<HostResult>(targets.length);
  const closing: Promise<void>[] = [];
  const shared: RunOptions = { ...options, queryPlan: options.queryPlan ?? sharedQueryPlan(plan, options) };
  let next = 0;
  const worker = async () => {
    while (next < targets.length) {
      const index = next++;
      const target = targets[index]!;
      const result = await runWithinBudget(plan, target, shared);
      // Closing also abandons whatever a host that ran out of time was still doing.
      closing.push(closeWithin(target, CLOSE_LIMIT_MS));
      const inventory = options.inventory?.get(target);
      hosts[index] = inventory ? { ...result, inventory } : result;
      options.onHostDone?.(hosts[index]);
    }
  };
  const workers = Math.max(1, Math.min(Math.floor(options.concurrency), targets.length));
  await Promise.all(Array.from({ length: workers }, worker));
  await Promise.all(closing);
  return {
    schemaVersion: RESULT_SCHEMA_VERSION,
    tool: { name: 'driftspec', version: options.toolVersion },
    startedAt,
    finishedAt: timestamp(),
    specs: plan.specs,
    controls: plan.controls,
    counts: hosts.reduce((sum, h) => addCounts(sum, h.counts), emptyCounts()),
    hosts,
  };
}

/** One host, never longer than its budget and never throwing. */
/** One query plan for every host; a plan it cannot be made for fails on each host instead, as before. */
function sharedQueryPlan(plan: Plan, options: RunOptions): QueryPlan | undefined {
  try {
    return planQueries(plan.checks, options.registry);
  } catch {
    return undefined;
  }
}

async function runWithinBudget(plan: Plan, target: Target, options: RunOptions): Promise<HostResult> {
  const started = Date.now();
  const startedAt = timestamp(new Date(started));
  let timer: NodeJS.Timeout | undefined;
  const outOfTime = new Promise<HostResult>((resolve) => {
    timer = setTimeout(() => {
      const seconds = options.hostTimeoutMs / 1000;
      const reason = `${target.name} did not finish within the ${seconds} s host timeout (connecting, logging in and running the probe)`;
      resolve(hostFailure(plan, target, 'unreachable', reason, startedAt, started, 0, 'timeout'));
    }, options.hostTimeoutMs);
  });
  const checked = runHost(plan, target, options).catch((error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    return hostFailure(plan, target, 'error', `internal error while checking this host: ${message}`, startedAt, started, 0);
  });
  try {
    return await Promise.race([checked, outOfTime]);
  } finally {
    clearTimeout(timer);
  }
}

/** A target whose close() fails or hangs is left behind rather than holding up the run. */
export function closeWithin(target: Target, limitMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<void>((resolve) => (timer = setTimeout(resolve, limitMs)));
  const closed = Promise.resolve()
    .then(() => target.close())
    .catch(() => undefined);
  return Promise.race([closed, limit]).finally(() => clearTimeout(timer));
}
