// Per-check `eventually`: re-probe only the checks that still fail, all of them in one exec per round.
import { formatDuration } from '../plan/duration.js';
import type { Check, Eventually } from '../plan/schema.js';
import { parseProbeOutput } from '../probe/frames.js';
import { HOST_QUERY_ID, type HostFacts } from '../probe/host.js';
import type { ResourceRegistry } from '../resources/index.js';
import type { CheckResult, Evidence } from '../results/schema.js';
import type { Target } from '../targets/target.js';
import { judgeChecks, makeEvidence } from './facts.js';
import { checkProbeScript } from './check-probe.js';
import { planQueries } from './queries.js';
import { systemClock, type Clock } from './wait.js';

export interface EventuallyContext {
  target: Target;
  registry: ResourceRegistry;
  /** Facts of the first probe: the host does not change OS between rounds. */
  host: HostFacts;
  commandTimeoutMs: number;
  /** When the first probe's answer came in (after any --wait); each check's timeout counts from here. */
  firstProbeAt: number;
  clock?: Clock;
}

export interface EventuallyOutcome {
  /** Every check's result, the re-probed ones replaced by their last round's. */
  results: CheckResult[];
  /** Evidence of the re-probes, as `round<n>.<query>`. */
  evidence: Record<string, Evidence>;
  /** Execs the rounds cost (one per round). */
  execCount: number;
}

/**
 * Re-probes the checks with `eventually` that failed, until each passes or its timeout passes.
 * Each round is one exec holding only the queries of the checks still failing; rounds come at
 * the shortest interval among them. Only `failed` is retried: an `error` (a missing tool, a
 * denied read, output that does not parse) is not the state still settling, so asking again
 * would only repeat it, and a round that itself fails ends the retrying with an error.
 */
export async function retryEventually(
  checks: readonly Check[],
  firstResults: readonly CheckResult[],
  context: EventuallyContext,
): Promise<EventuallyOutcome> {
  const clock = context.clock ?? systemClock;
  const results = [...firstResults];
  const position = new Map(results.map((result, index) => [result.checkId, index]));
  const evidence: Record<string, Evidence> = {};
  const resultOf = (check: Check) => results[position.get(check.id)!]!;
  const settle = (check: Check, result: CheckResult) => {
    results[position.get(check.id)!] = result;
  };
  let pending = checks.filter(
    (check): check is Check & { eventually: Eventually } =>
      check.eventually !== undefined && resultOf(check).status === 'failed',
  );
  let round = 0;
  let execCount = 0;
  while (pending.length > 0) {
    const nextRound = nextRoundFor(pending, context, clock);
    const tooLate = pending.filter((check) => !nextRound.checks.includes(check));
    for (const check of tooLate)
      settle(check, gaveUp(resultOf(check), check, round, clock.now() - context.firstProbeAt));
    pending = nextRound.checks;
    if (pending.length === 0) break;
    await clock.sleep(nextRound.at - clock.now());
    round++;
    const { queries, factByCheck } = planQueries(pending, context.registry);
    let stdout: Buffer;
    try {
      const exec = await context.target.exec(checkProbeScript(queries, context.target), {
        timeoutMs: context.commandTimeoutMs,
      });
      execCount++;
      stdout = exec.stdout;
    } catch (error) {
      for (const check of pending)
        settle(check, roundFailed(resultOf(check), round, error instanceof Error ? error.message : String(error)));
      break;
    }
    const probe = parseProbeOutput(stdout);
    if (!probe.frames.has(HOST_QUERY_ID)) {
      for (const check of pending) settle(check, roundFailed(resultOf(check), round, 'the probe produced no output'));
      break;
    }
    const evidenceId = (queryId: string) => `round${round}.${queryId}`;
    for (const query of queries)
      evidence[evidenceId(query.id)] = makeEvidence(evidenceId(query.id), query.script, probe.frames.get(query.id));
    const missing = probe.complete
      ? 'the probe did not report this query'
      : 'the re-probe ended before this query finished';
    const roundResults = judgeChecks(
      pending,
      factByCheck,
      probe.frames,
      context.host,
      context.registry,
      missing,
      evidenceId,
    );
    const elapsed = clock.now() - context.firstProbeAt;
    pending = pending.filter((check, index) => {
      const result = roundResults[index]!;
      if (result.status === 'failed') {
        settle(check, result);
        return true;
      }
      settle(check, {
        ...result,
        message:
          `${result.message} (${result.status === 'passed' ? 'passed' : 'error'} at re-probe round ${round}, ` +
          `${formatDuration(elapsed)} after the first probe)`,
      });
      return false;
    });
  }
  return { results, evidence, execCount };
}

/** The longest `eventually` timeout in a plan (0 when none): how much longer a host may take. */
export function longestEventuallyMs(checks: readonly Check[]): number {
  return Math.max(0, ...checks.map((check) => (check.skip === undefined ? (check.eventually?.timeoutMs ?? 0) : 0)));
}

/**
 * When the next round runs and who is in it: checks whose timeout would pass before it drop out, which may
 * make it sooner.
 */
function nextRoundFor<C extends Check & { eventually: Eventually }>(
  pending: readonly C[],
  context: EventuallyContext,
  clock: Clock,
): { at: number; checks: C[] } {
  let checks = [...pending];
  for (;;) {
    if (checks.length === 0) return { at: clock.now(), checks };
    const at = clock.now() + Math.min(...checks.map((check) => check.eventually.intervalMs));
    const inTime = checks.filter((check) => at <= deadlineOf(check, context));
    if (inTime.length === checks.length) return { at, checks };
    checks = inTime;
  }
}

function deadlineOf(check: Check & { eventually: Eventually }, context: EventuallyContext): number {
  return context.firstProbeAt + check.eventually.timeoutMs;
}

function gaveUp(
  result: CheckResult,
  check: Check & { eventually: Eventually },
  rounds: number,
  elapsedMs: number,
): CheckResult {
  const { timeoutMs, intervalMs } = check.eventually;
  const tried =
    rounds === 0
      ? 'not re-probed: its timeout left no room for a round'
      : `still failing after ${rounds} re-probe round${rounds === 1 ? '' : 's'} over ${formatDuration(elapsedMs)}`;
  return {
    ...result,
    message:
      `${result.message} (${tried}; eventually: timeout ${formatDuration(timeoutMs)}, interval ` +
      `${formatDuration(intervalMs)})`,
  };
}

function roundFailed(result: CheckResult, round: number, why: string): CheckResult {
  return {
    ...result,
    status: 'error',
    message:
      `re-probe round ${round} could not run, so this check cannot be judged: ` + `${why} (before: ${result.message})`,
  };
}
