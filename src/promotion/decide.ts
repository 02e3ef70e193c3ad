import type { DriftReport } from '../drift/diff-schema.js';
import { DRIFT_EXIT, judgeDrift } from '../gate/drift-policy.js';
import { EXIT } from '../gate/exit-codes.js';
import type { GatePolicy } from '../gate/policy.js';
import { decideVerdict } from '../gate/verdict.js';
import { notApplicable, timestamp, type RunResult } from '../results/schema.js';
import { GOLDEN_SCHEMA_VERSION, type GoldenRecord, type RecordedFile } from './golden-schema.js';

/** Everything a promotion is decided on, read and checked by ./promote.ts. */
export interface PromotionEvidence {
  imageId: string;
  run: RunResult;
  /** Absent: promoted on the run alone. */
  drift?: DriftReport;
  /** The gate policy: the default (strict) one when no file was given. */
  policy: GatePolicy;
  specFiles: readonly RecordedFile[];
  policyFile: RecordedFile | null;
  baselineFile: RecordedFile | null;
  /** The golden record in place now, if there is one. */
  current?: GoldenRecord;
  now: Date;
  toolVersion: string;
}

export type PromotionDecision =
  | { promoted: true; record: GoldenRecord }
  /** exitCode 1: the candidate failed the gate; 2: the run or drift could not look everywhere. */
  | { promoted: false; exitCode: typeof EXIT.failed | typeof EXIT.error; reasons: string[] };

/**
 * Promotes when the gate passes the run (the policy applied as `driftspec run` applies it) and,
 * when a drift report is given, the policy's drift rules pass it. Both are judged again here
 * rather than trusted from the files, so a promotion always follows the policy it names.
 */
export function decidePromotion(evidence: PromotionEvidence): PromotionDecision {
  const runVerdict = decideVerdict(evidence.run, evidence.policy);
  const drift = evidence.drift === undefined ? undefined : judgeDrift(evidence.drift, evidence.policy.drift);
  const driftVerdict = drift?.verdict;
  const reasons = [
    ...(runVerdict.verdict === 'blocked' ? blockingReasons('run', runVerdict) : []),
    ...(driftVerdict?.verdict === 'blocked' ? blockingReasons('drift', driftVerdict) : []),
  ];
  if (reasons.length > 0) {
    const incomplete =
      runVerdict.exitCode === EXIT.error || ((driftVerdict?.exitCode ?? 0) & DRIFT_EXIT.incomplete) !== 0;
    return { promoted: false, exitCode: incomplete ? EXIT.error : EXIT.failed, reasons };
  }
  return { promoted: true, record: goldenRecord(evidence, runVerdict.exitCode, drift) };
}

/** The verdict's summary, then what blocked (a verdict lists what the policy allowed after it). */
function blockingReasons(source: string, verdict: { summary: string; reasons: readonly string[] }): string[] {
  const blocking = verdict.reasons.filter((reason) => !reason.startsWith('allowed: '));
  return [`${source} ${verdict.summary}`, ...blocking.map((reason) => `${source}: ${reason}`)];
}

function goldenRecord(evidence: PromotionEvidence, runExitCode: number, drift: DriftReport | undefined): GoldenRecord {
  const { run, current } = evidence;
  return {
    schemaVersion: GOLDEN_SCHEMA_VERSION,
    imageId: evidence.imageId,
    promotedAt: timestamp(evidence.now),
    specs: [...evidence.specFiles],
    policy: evidence.policyFile,
    run: {
      targets: run.hosts.map((host) => host.target),
      counts: {
        passed: run.counts.passed,
        failed: run.counts.failed,
        error: run.counts.error,
        skipped: run.counts.skipped,
        'not-applicable': notApplicable(run.counts),
      },
      exitCode: runExitCode,
    },
    drift: drift === undefined ? null : { exitCode: drift.verdict!.exitCode, changed: unacceptedDrift(drift) },
    baseline: evidence.baselineFile,
    previous: current === undefined ? null : { imageId: current.imageId, promotedAt: current.promotedAt },
    tool: { name: 'driftspec', version: evidence.toolVersion },
  };
}

function unacceptedDrift(report: DriftReport): number {
  return report.hosts.reduce((sum, host) => sum + host.counts.added + host.counts.removed + host.counts.changed, 0);
}
