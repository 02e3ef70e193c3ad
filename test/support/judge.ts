import { planSpecs, spec } from '../../src/dsl/index.js';
import { evaluateCheck, type FactOutcome } from '../../src/engine/evaluate.js';
import { factQueryFor } from '../../src/engine/queries.js';
import type { Check } from '../../src/plan/schema.js';
import type { Frame } from '../../src/probe/frames.js';
import type { HostFacts } from '../../src/probe/host.js';
import type { ResourceRegistry } from '../../src/resources/index.js';
import { FactError, NotApplicableError } from '../../src/resources/resource.js';
import type { CheckResult } from '../../src/results/schema.js';
import { hostFacts } from './frames.js';

/**
 * Plans the DSL `body`, parses `probeFrame` (or the frame it gives for the check) for each check as the engine
 * would (a FactError becomes an error outcome, a NotApplicableError not applicable, anything else is thrown),
 * and judges every check.
 */
export function judgeFrame(
  registry: ResourceRegistry,
  body: () => void,
  probeFrame: Frame | ((check: Check) => Frame),
  host: HostFacts = hostFacts(),
): CheckResult[] {
  const plan = planSpecs([{ definition: spec('t', body) }], registry);
  return plan.checks.map((check) => {
    let outcome: FactOutcome;
    try {
      const frame = typeof probeFrame === 'function' ? probeFrame(check) : probeFrame;
      outcome = { ok: true, value: factQueryFor(check, registry).parse(frame, host) };
    } catch (error) {
      if (error instanceof NotApplicableError) return evaluateCheck(check, notApplicable(error), host, registry);
      if (!(error instanceof FactError)) throw error;
      outcome = { ok: false, error: error.message };
    }
    return evaluateCheck(check, outcome, host, registry);
  });
}

/** Each result as one line, `status: message`. */
export function resultLines(results: readonly CheckResult[]): string[] {
  return results.map((r) => `${r.status}: ${r.message}`);
}

/** The status of each result, whether given as a CheckResult or as a `status: message` line. */
export function statuses(results: readonly (CheckResult | string)[]): string[] {
  return results.map((r) => (typeof r === 'string' ? r.slice(0, r.indexOf(':')) : r.status));
}

/** The message of the FactError that `parse` throws; fails the test when it throws nothing or something else. */
export function parseError(parse: () => unknown): string {
  try {
    parse();
  } catch (error) {
    if (!(error instanceof FactError)) throw new Error(`expected a FactError, got ${String(error)}`);
    return error.message;
  }
  throw new Error('expected a FactError');
}

function notApplicable(error: NotApplicableError): FactOutcome {
  return { ok: false, error: error.message, notApplicable: true };
}
