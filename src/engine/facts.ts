import type { Check } from '../plan/schema.js';
import type { Frame } from '../probe/frames.js';
import type { HostFacts } from '../probe/host.js';
import type { ResourceRegistry } from '../resources/index.js';
import { FactError, NotApplicableError } from '../resources/resource.js';
import { EVIDENCE_LIMIT, type CheckResult, type Evidence } from '../results/schema.js';
import { evaluateCheck, type FactOutcome } from './evaluate.js';
import type { QueryPlan } from './queries.js';

/** A fact parsed from its frame, or why it could not be: a FactError's message, or a parse failure. */
export function parseFact(
  parse: (frame: Frame, host: HostFacts) => unknown,
  frame: Frame,
  host: HostFacts,
): FactOutcome {
  try {
    return { ok: true, value: parse(frame, host) };
  } catch (error) {
    if (error instanceof NotApplicableError) return { ok: false, error: error.message, notApplicable: true };
    if (error instanceof FactError) return { ok: false, error: error.message };
    return { ok: false, error: `could not parse the output: ${(error as Error).message}` };
  }
}

/** The query and its raw output, each stream cut to EVIDENCE_LIMIT bytes. */
export function makeEvidence(id: string, script: string, frame: Frame | undefined): Evidence {
  const stdout = frame?.stdout ?? Buffer.alloc(0);
  const stderr = frame?.stderr ?? Buffer.alloc(0);
  return {
    id,
    script,
    exitCode: frame ? frame.exitCode : null,
    stdout: truncate(stdout),
    stderr: truncate(stderr),
    stdoutBytes: stdout.length,
    stderrBytes: stderr.length,
    truncated: stdout.length > EVIDENCE_LIMIT || stderr.length > EVIDENCE_LIMIT,
  };
}

function truncate(bytes: Buffer): string {
  return bytes.subarray(0, EVIDENCE_LIMIT).toString('utf8');
}

/**
 * Judges checks against one probe's frames. A query shared by several checks (one socket table
 * for every port) is parsed once per subject; a frame the probe did not deliver is `missing`.
 */
export function judgeChecks(
  checks: readonly Check[],
  factByCheck: QueryPlan['factByCheck'],
  frames: ReadonlyMap<string, Frame>,
  host: HostFacts,
  registry: ResourceRegistry,
  missing: string,
  evidenceId: (queryId: string) => string = (queryId) => queryId,
): CheckResult[] {
  const facts = new Map<string, FactOutcome>();
  return checks.map((check) => {
    const entry = factByCheck.get(check.id);
    if (!entry) return evaluateCheck(check, undefined, host, registry);
    let outcome = facts.get(entry.parseKey);
    if (!outcome) {
      const frame = frames.get(entry.queryId);
      outcome = frame ? parseFact(entry.fact.parse, frame, host) : { ok: false, error: missing };
      facts.set(entry.parseKey, outcome);
    }
    return evaluateCheck(check, outcome, host, registry, evidenceId(entry.queryId));
  });
}
