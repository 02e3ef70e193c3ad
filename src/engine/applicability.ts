import { lookupMatcher, lookupResource } from '../plan/build.js';
import type { Check } from '../plan/schema.js';
import type { ResourceRegistry } from '../resources/index.js';
import type { CheckResult } from '../results/schema.js';
import type { Target } from '../targets/target.js';
import { checkResultBase } from './evaluate.js';

/** Why a running-state check is not judged on a target that is not booted. */
export const NOT_BOOTED_REASON = 'image not booted';

/** Checks split by whether the target can answer them; a skipped check stays with the judged ones. */
export interface Applicability {
  applicable: Check[];
  notApplicable: Check[];
}

export function splitByApplicability(
  checks: readonly Check[],
  target: Target,
  registry: ResourceRegistry,
): Applicability {
  if (target.booted !== false) return { applicable: [...checks], notApplicable: [] };
  const applicable: Check[] = [];
  const notApplicable: Check[] = [];
  for (const check of checks) {
    const onlyWhenRunning = check.skip === undefined && needsRunningSystem(check, registry);
    (onlyWhenRunning ? notApplicable : applicable).push(check);
  }
  return { applicable, notApplicable };
}

/** Whether the check's matcher reads a state only a running system has (a service running, a port listening). */
export function needsRunningSystem(check: Check, registry: ResourceRegistry): boolean {
  const matcher = lookupMatcher(lookupResource(registry, check.resource), check.matcher);
  return matcher.needsRunningSystem === true;
}

export function notApplicableResult(check: Check, reason: string): CheckResult {
  return { ...checkResultBase(check), status: 'not-applicable', message: `not applicable: ${reason}` };
}

/** The results in the plan's order: each judged check's result, or its not-applicable one. */
export function inPlanOrder(checks: readonly Check[], judged: readonly CheckResult[], reason: string): CheckResult[] {
  const byId = new Map(judged.map((result) => [result.checkId, result]));
  return checks.map((check) => byId.get(check.id) ?? notApplicableResult(check, reason));
}
