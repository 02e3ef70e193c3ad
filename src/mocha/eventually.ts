import { systemClock, type Clock } from '../engine/wait.js';
import { formatDuration } from '../plan/duration.js';
import type { Check, Eventually, Plan } from '../plan/schema.js';
import type { ResourceRegistry } from '../resources/index.js';
import { countStatuses, type CheckResult, type HostResult } from '../results/schema.js';
import type { Target } from '../targets/target.js';
import { judgeGathered, type Gathered } from './probe.js';

export interface RetryContext {
  target: Target;
  registry: ResourceRegistry;
  /** One exec on the host gathering just these checks' facts. */
  probe: (checks: readonly Check[]) => Promise<Gathered>;
  clock?: Clock;
}

type Retried = Check & { eventually: Eventually };

/**
 * An assertion's `eventually`: its checks that failed are re-probed, all of them in one exec per
 * round, until each passes or its timeout (counted from the first judging) passes. Only a
 * failure is retried: an error is not the state still settling.
 */
export async function retryFailing(
  plan: Plan,
  first: HostResult,
  context: RetryContext,
): Promise<{ result: HostResult; execCount: number }> {
  const clock = context.clock ?? systemClock;
  const started = clock.now();
  const results = new Map(first.results.map((result) => [result.checkId, result]));
  const evidence = { ...first.evidence };
  const failing = (check: Check): check is Retried =>
    check.eventually !== undefined && results.get(check.id)?.status === 'failed';
  let pending = plan.checks.filter(failing);
  let round = 0;
  let execCount = 0;
  while (pending.length > 0) {
    const intervalMs = Math.min(...pending.map((check) => check.eventually.intervalMs));
    const at = clock.now() + intervalMs;
    for (const check of pending.filter((check) => at > started + check.eventually.timeoutMs))
      results.set(check.id, gaveUp(results.get(check.id)!, check, round, clock.now() - started));
    pending = pending.filter((check) => at <= started + check.eventually.timeoutMs);
    if (pending.length === 0) break;
    await clock.sleep(intervalMs);
    round++;
    const gathered = await context.probe(pending);
    execCount++;
    const judged = judgeGathered({ ...plan, checks: pending }, context.target, gathered, context.registry);
    Object.assign(evidence, judged.evidence);
    for (const result of judged.results) results.set(result.checkId, result);
    pending = pending.filter(failing);
  }
  const ordered = plan.checks.map((check) => results.get(check.id)!);
  const status = first.status;
  return { result: { ...first, status, counts: countStatuses(ordered), results: ordered, evidence }, execCount };
}

function gaveUp(result: CheckResult, check: Retried, rounds: number, elapsedMs: number): CheckResult {
  const tried =
    rounds === 0
      ? 'not re-probed: its timeout left no room for a round'
      : `still failing after ${rounds} re-probe round${rounds === 1 ? '' : 's'} over ${formatDuration(elapsedMs)}`;
  const { timeoutMs, intervalMs } = check.eventually;
  return {
    ...result,
    message:
      `${result.message} (${tried}; eventually: timeout ${formatDuration(timeoutMs)}, ` +
      `interval ${formatDuration(intervalMs)})`,
  };
}
