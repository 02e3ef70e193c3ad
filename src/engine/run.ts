import { applyOnlyIf } from '../controls/only-if.js';
import { withControlResults } from '../controls/status.js';
import type { WaiverBook } from '../controls/waivers.js';
import type { HostPlan } from '../controls/host-plans.js';
import { maskSecretsDeep } from '../plan/mask.js';
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
import { memoryHostStore, type HostStore } from '../results/host-spool.js';
import type { Target } from '../targets/target.js';
import { runFleet, type FleetClock, type HostStop } from './fleet.js';
import { planQueries, type QueryPlan } from './queries.js';
import { hostFailure, runHost, type RunHostOptions } from './run-host.js';

/** What an inventory says about a host, recorded with its result. */
export interface HostInventoryInfo {
  name: string;
  /** Shared by the hosts of the same groups and tags: copied into a result, never changed. */
  groups: readonly string[];
  tags: readonly string[];
}

/** The inventory entry as a result records it: lists of its own, which the result may be given out with. */
export function inventoryRecord(info: HostInventoryInfo): { name: string; groups: string[]; tags: string[] } {
  return { name: info.name, groups: [...info.groups], tags: [...info.tags] };
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
  /**
   * A host's own plan, where inputs differ per host (inventory vars): its checks, the inputs it was
   * made with and the sensitive values masked in its result. Without it every host runs `plan`.
   */
  hostPlan?: (target: Target) => HostPlan;
  /**
   * Where finished hosts' results wait for the reports (a HostSpool: a temporary file); the
   * result's `hosts` are read from it. By default they are kept in memory.
   */
  hostStore?: HostStore;
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
  const planOf = (target: Target): HostPlan => options.hostPlan?.(target) ?? { plan, inputs: [], secrets: [] };
  const queryPlans = new Map<Plan, QueryPlan | undefined>();
  const optionsFor = (hostPlan: Plan): RunOptions => {
    if (!queryPlans.has(hostPlan)) queryPlans.set(hostPlan, options.queryPlan ?? sharedQueryPlan(hostPlan, options));
    const queryPlan = queryPlans.get(hostPlan);
    return { ...options, ...(queryPlan ? { queryPlan } : {}) };
  };
  const finishHost = (judged: HostResult, target: Target) => {
    const { plan: hostPlan, inputs, secrets } = planOf(target);
    const result = withControlResults(hostPlan, applyOnlyIf(hostPlan, judged), options.waivers);
    const inventory = options.inventory?.get(target);
    const recorded = {
      ...result,
      ...(inputs.length > 0 ? { inputs } : {}),
      ...(inventory ? { inventory: inventoryRecord(inventory) } : {}),
    };
    return maskSecretsDeep(recorded, secrets);
  };
  const store = options.hostStore ?? memoryHostStore(targets.length);
  let counts = emptyCounts();
  const keep = (host: HostResult, index: number) => {
    counts = addCounts(counts, host.counts);
    store.put(index, host);
  };
  const fleet = await runFleet(targets, {
    concurrency: options.concurrency,
    hostTimeoutMs: options.hostTimeoutMs,
    work: async (target) => {
      const hostPlan = planOf(target).plan;
      return finishHost(await runHost(hostPlan, target, optionsFor(hostPlan)), target);
    },
    stopped: (target, stop, started) => finishHost(stoppedHost(planOf(target).plan, target, stop, started), target),
    keep,
    ...(options.onHostDone ? { onHostDone: options.onHostDone } : {}),
    ...(options.interrupt ? { interrupt: options.interrupt } : {}),
    ...(options.clock ? { clock: options.clock } : {}),
  });
  const result: RunResult = {
    schemaVersion: RESULT_SCHEMA_VERSION,
    tool: { name: 'driftspec', version: options.toolVersion },
    startedAt,
    finishedAt: timestamp(),
    specs: plan.specs,
    controls: options.hostPlan ? everyControl(plan, new Set(targets.map((t) => planOf(t).plan))) : plan.controls,
    counts,
    hosts: store.hosts(),
    ...(options.waivers ? { waivers: options.waivers.outcomes } : {}),
    ...(options.selection ? { selection: options.selection } : {}),
    ...(options.waivers?.warnings.length ? { warnings: options.waivers.warnings } : {}),
  };
  return { result, interrupted: fleet.interrupted };
}

/**
 * The controls of every host's plan, each once, in the order first met. Hosts share plans (one per
 * set of input values): each plan is read once, not once per host.
 */
function everyControl(plan: Plan, hostPlans: Iterable<Plan>): Plan['controls'] {
  const byId = new Map<string, Plan['controls'][number]>();
  for (const distinct of new Set([plan, ...hostPlans]))
    for (const control of distinct.controls) if (!byId.has(control.id)) byId.set(control.id, control);
  return [...byId.values()];
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
