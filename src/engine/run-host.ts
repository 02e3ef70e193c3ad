import type { Plan } from '../plan/schema.js';
import { parseProbeOutput, type Frame } from '../probe/frames.js';
import { HOST_QUERY_ID, parseHostFrame, type HostFacts } from '../probe/host.js';
import { PROBE_SETUP_FAILED } from '../probe/script.js';
import type { ResourceRegistry } from '../resources/index.js';
import { countStatuses, timestamp, type CheckResult, type Evidence, type HostResult } from '../results/schema.js';
import type { ExecResult, Target, UnreachableKind } from '../targets/target.js';
import { inPlanOrder, NOT_BOOTED_REASON, splitByApplicability } from './applicability.js';
import { checkResultBase } from './evaluate.js';
import { retryEventually } from './eventually.js';
import { judgeChecks, makeEvidence } from './facts.js';
import { planQueries, type QueryPlan } from './queries.js';
import { hostPhases, type PhaseRecorder } from './timeline.js';
import { sharedProbeScript } from './check-probe.js';
import { BOOT_QUERY_ID, execOnce, execWhenReady, type WaitOptions } from './wait.js';

export interface RunHostOptions {
  registry: ResourceRegistry;
  /** How long the probe may run on the host before it is killed and the host is an error. */
  commandTimeoutMs: number;
  /** `--wait`: retry connecting while the host boots, and let its boot finish before the probe. */
  wait?: WaitOptions;
  /**
   * The plan's queries, when a fleet run made them once for every host: the hosts then share one
   * copy of every query script (in their evidence too) instead of holding one each.
   */
  queryPlan?: QueryPlan;
  /** `--timings`: where each host's connection, probe and judging are noted as they end. */
  timeline?: PhaseRecorder;
}

/**
 * One host, one exec: gather every fact the plan needs, then judge every check offline. More
 * execs only where unavoidable: a host still booting under `--wait`, and re-probe rounds of
 * checks with `eventually` that fail.
 */
export async function runHost(plan: Plan, target: Target, options: RunHostOptions): Promise<HostResult> {
  const started = Date.now();
  const startedAt = timestamp(new Date(started));
  // On an image that is not booted, running-state checks are not applicable and not queried.
  const { applicable, notApplicable } = splitByApplicability(plan.checks, target, options.registry);
  const sharedPlan = notApplicable.length === 0 ? options.queryPlan : undefined;
  const { queries, factByCheck } = sharedPlan ?? planQueries(applicable, options.registry);
  const onPhase = hostPhases(options.timeline, target.name);
  const first = options.wait
    ? await execWhenReady(target, queries, options.commandTimeoutMs, options.wait, onPhase)
    : await execOnce(
        target,
        queries,
        options.commandTimeoutMs,
        onPhase,
        sharedPlan && sharedProbeScript(sharedPlan, target),
      );
  if (!first.ok)
    return hostFailure(plan, target, first.status, first.reason, startedAt, started, first.execCount, first.reasonKind);
  const { exec } = first;
  const probe = parseProbeOutput(exec.stdout);
  const failure = probeFailure(exec, probe.frames.get(HOST_QUERY_ID), options.commandTimeoutMs);
  if (failure) return hostFailure(plan, target, 'error', failure, startedAt, started, first.execCount);
  let host: HostFacts;
  try {
    host = parseHostFrame(probe.frames.get(HOST_QUERY_ID)!);
  } catch (error) {
    return hostFailure(
      plan,
      target,
      'error',
      `could not read the host facts: ${(error as Error).message}`,
      startedAt,
      started,
      first.execCount,
    );
  }
  const cutShort = probe.complete ? undefined : describeCutShort(exec, options.commandTimeoutMs);
  const evidence: Record<string, Evidence> = {};
  if (first.boot) evidence[BOOT_QUERY_ID] = makeEvidence(BOOT_QUERY_ID, first.boot.query.script, first.boot.frame);
  for (const query of queries) evidence[query.id] = makeEvidence(query.id, query.script, probe.frames.get(query.id));
  const judged = judgeChecks(
    applicable,
    factByCheck,
    probe.frames,
    host,
    options.registry,
    cutShort ?? 'the probe did not report this query',
  );
  const retried = await retryEventually(applicable, judged, {
    target,
    registry: options.registry,
    host,
    commandTimeoutMs: options.commandTimeoutMs,
    firstProbeAt: Date.now(),
  });
  const results =
    notApplicable.length === 0 ? retried.results : inPlanOrder(plan.checks, retried.results, NOT_BOOTED_REASON);
  Object.assign(evidence, retried.evidence);
  options.timeline?.mark('evaluated', target.name);
  return {
    target: target.name,
    status: 'completed',
    host,
    startedAt,
    durationMs: Date.now() - started,
    execCount: first.execCount + retried.execCount,
    counts: countStatuses(results),
    results,
    evidence,
  };
}

function probeFailure(exec: ExecResult, hostFrame: Frame | undefined, timeoutMs: number): string | undefined {
  if (hostFrame) return undefined;
  if (exec.timedOut) return `the probe did not finish within ${timeoutMs} ms`;
  const stderr = exec.stderr.toString('utf8').trim();
  if (exec.exitCode === PROBE_SETUP_FAILED) return `the probe could not start: ${stderr}`;
  return (
    `the probe produced no host facts (exit ` +
    `${exec.exitCode ?? exec.signal})${stderr ? `: ${stderr.slice(0, 500)}` : ''}`
  );
}

function describeCutShort(exec: ExecResult, timeoutMs: number): string {
  if (exec.timedOut) return `the probe was killed after ${timeoutMs} ms before this query finished`;
  return `the probe ended early (exit ${exec.exitCode ?? exec.signal}) before this query finished`;
}

/** A host that gave no facts: every check is an error naming why (skipped checks stay skipped). */
export function hostFailure(
  plan: Plan,
  target: Target,
  status: 'unreachable' | 'error',
  reason: string,
  startedAt: string,
  started: number,
  execCount: number,
  reasonKind?: UnreachableKind,
): HostResult {
  const results: CheckResult[] = plan.checks.map((check) => ({
    ...checkResultBase(check),
    status: check.skip !== undefined ? 'skipped' : 'error',
    message: check.skip !== undefined ? `skipped: ${check.skip}` : `not checked: host ${status}: ${reason}`,
  }));
  return {
    target: target.name,
    status,
    reason,
    ...(reasonKind ? { reasonKind } : {}),
    startedAt,
    durationMs: Date.now() - started,
    execCount,
    counts: countStatuses(results),
    results,
    evidence: {},
  };
}
