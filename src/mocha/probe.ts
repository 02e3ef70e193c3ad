import { inPlanOrder, NOT_BOOTED_REASON, splitByApplicability } from '../engine/applicability.js';
import { judgeChecks, makeEvidence } from '../engine/facts.js';
import { runFleet, type HostStop } from '../engine/fleet.js';
import { planQueries, type QueryPlan } from '../engine/queries.js';
import { hostFailure } from '../engine/run-host.js';
import { execOnce, execWhenReady, type WaitOptions } from '../engine/wait.js';
import type { Check, Plan } from '../plan/schema.js';
import { parseProbeOutput, type Frame } from '../probe/frames.js';
import { HOST_QUERY_ID, parseHostFrame, type HostFacts } from '../probe/host.js';
import type { ResourceRegistry } from '../resources/index.js';
import { countStatuses, timestamp, type Evidence, type HostResult } from '../results/schema.js';
import type { ExecResult, Target } from '../targets/target.js';

/**
 * What one exec on one host gathered: the facts' frames by the key of the fact query they answer,
 * so that any check reading one of those facts is judged without asking the host again.
 */
export type Gathered =
  | {
      ok: true;
      host: HostFacts;
      /** Fact key → the probe query that answered it (a grouped query answers for all its members). */
      queryOfFact: Map<string, string>;
      frames: ReadonlyMap<string, Frame>;
      evidence: Record<string, Evidence>;
      /** Why a query has no frame: the probe was cut short, or it did not report it. */
      missing: string;
    }
  | { ok: false; status: 'unreachable' | 'error'; reason: string };

export interface ProbeSettings {
  registry: ResourceRegistry;
  commandTimeoutMs: number;
  hostTimeoutMs: number;
  concurrency: number;
  wait?: WaitOptions;
  /** Prefix of the probe's query ids in evidence, so that the evidence of several probes of a host stays apart. */
  evidencePrefix: string;
}

/**
 * Probes every target once, concurrently, for the facts `checks` read (only those the target can
 * answer: an image that is not booted is not asked for running state). One exec per host, as
 * `driftspec run` does; a host that is not reached or does not answer is a failure, never facts.
 */
export async function probeTargets(
  targets: readonly Target[],
  checksOf: (index: number) => readonly Check[],
  settings: ProbeSettings,
): Promise<Gathered[]> {
  const fleet = await runFleet<Gathered>(targets, {
    concurrency: settings.concurrency,
    hostTimeoutMs: settings.hostTimeoutMs,
    work: (target, index) => probeTarget(target, checksOf(index), settings),
    stopped: (_target, stop) => ({
      ok: false,
      status: stop.kind === 'timeout' ? 'unreachable' : 'error',
      reason: why(stop),
    }),
  });
  return fleet.results;
}

function why(stop: HostStop): string {
  if (stop.kind === 'timeout') return `the host did not answer within its ${stop.budgetMs / 1000} s host timeout`;
  if (stop.kind === 'interrupted') return 'the probe was interrupted';
  return stop.error instanceof Error ? stop.error.message : String(stop.error);
}

async function probeTarget(target: Target, checks: readonly Check[], settings: ProbeSettings): Promise<Gathered> {
  const { applicable } = splitByApplicability(checks, target, settings.registry);
  const plan = planQueries(applicable, settings.registry);
  const first = settings.wait
    ? await execWhenReady(target, plan.queries, settings.commandTimeoutMs, settings.wait)
    : await execOnce(target, plan.queries, settings.commandTimeoutMs);
  if (!first.ok) return { ok: false, status: first.status, reason: first.reason };
  const probe = parseProbeOutput(first.exec.stdout);
  const hostFrame = probe.frames.get(HOST_QUERY_ID);
  if (!hostFrame) {
    const stderr = first.exec.stderr.toString('utf8').trim().slice(0, 500);
    return { ok: false, status: 'error', reason: `the probe produced no host facts${stderr ? `: ${stderr}` : ''}` };
  }
  let host: HostFacts;
  try {
    host = parseHostFrame(hostFrame);
  } catch (error) {
    return { ok: false, status: 'error', reason: `could not read the host facts: ${(error as Error).message}` };
  }
  const prefix = settings.evidencePrefix;
  const frames = new Map<string, Frame>();
  const evidence: Record<string, Evidence> = {};
  for (const query of plan.queries) {
    const frame = probe.frames.get(query.id);
    if (frame) frames.set(`${prefix}${query.id}`, frame);
    evidence[`${prefix}${query.id}`] = makeEvidence(`${prefix}${query.id}`, query.script, frame);
  }
  const missing = probe.complete
    ? 'the probe did not report this query'
    : `the probe ended early (${endOf(first.exec)}) before this query finished`;
  return { ok: true, host, queryOfFact: factKeys(plan, prefix), frames, evidence, missing };
}

function endOf(exec: ExecResult): string {
  return exec.timedOut ? 'timed out' : `exit ${exec.exitCode ?? exec.signal}`;
}

function factKeys(plan: QueryPlan, prefix: string): Map<string, string> {
  const keys = new Map<string, string>();
  for (const { queryId, fact } of plan.factByCheck.values()) keys.set(fact.key, `${prefix}${queryId}`);
  return keys;
}

/** The checks of `plan` whose facts `gathered` does not hold: they need a probe of their own. */
export function checksNotGathered(plan: Plan, target: Target, gathered: Gathered, registry: ResourceRegistry): Check[] {
  if (!gathered.ok) return [];
  const { applicable } = splitByApplicability(plan.checks, target, registry);
  const { factByCheck } = planQueries(applicable, registry);
  return applicable.filter((check) => {
    const entry = factByCheck.get(check.id);
    return entry !== undefined && !gathered.queryOfFact.has(entry.fact.key);
  });
}

/**
 * Judges a plan's checks from gathered facts, as `driftspec run` judges them from its probe: the
 * same results, messages and evidence. A host that gave no facts makes every check an error.
 */
export function judgeGathered(plan: Plan, target: Target, gathered: Gathered, registry: ResourceRegistry): HostResult {
  const started = Date.now();
  const startedAt = timestamp(new Date(started));
  if (!gathered.ok) return hostFailure(plan, target, gathered.status, gathered.reason, startedAt, started, 0);
  const { applicable, notApplicable } = splitByApplicability(plan.checks, target, registry);
  const { factByCheck } = planQueries(applicable, registry);
  const atGathered: QueryPlan['factByCheck'] = new Map();
  for (const [checkId, entry] of factByCheck) {
    const queryId = gathered.queryOfFact.get(entry.fact.key) ?? `not gathered: ${entry.fact.key}`;
    atGathered.set(checkId, { ...entry, queryId, parseKey: `${queryId}\0${entry.parseKey}` });
  }
  const judged = judgeChecks(applicable, atGathered, gathered.frames, gathered.host, registry, gathered.missing);
  const results = notApplicable.length === 0 ? judged : inPlanOrder(plan.checks, judged, NOT_BOOTED_REASON);
  const evidence: Record<string, Evidence> = {};
  for (const result of results)
    if (result.evidence && gathered.evidence[result.evidence])
      evidence[result.evidence] = gathered.evidence[result.evidence]!;
  return {
    target: target.name,
    status: 'completed',
    host: gathered.host,
    startedAt,
    durationMs: Date.now() - started,
    execCount: 0,
    counts: countStatuses(results),
    results,
    evidence,
  };
}
