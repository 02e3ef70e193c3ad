import type { HostFacts } from '../probe/host.js';
import type { Control, Plan } from '../plan/schema.js';
import { countStatuses, type CheckResult, type HostResult } from '../results/schema.js';
import { satisfiesVersionConstraint } from '../versions/constraint.js';

/** Why the control does not apply to a host with these facts, or undefined when it does. */
export function notApplicableReason(control: Control, host: HostFacts): string | undefined {
  const onlyIf = control.onlyIf;
  if (!onlyIf) return undefined;
  const os = host.os;
  const ids = [os.id, ...os.idLike];
  const thisHost = `this host: ${[os.id, os.versionId].filter(Boolean).join(' ')}`;
  if (onlyIf.os && !onlyIf.os.some((id) => ids.includes(id)))
    return `the control applies only to ${onlyIf.os.join(', ')} (${thisHost})`;
  if (onlyIf.osVersion !== undefined) {
    // No VERSION_ID (a rolling release) satisfies no version constraint.
    if (os.versionId === undefined || !satisfiesVersionConstraint(os.versionId, onlyIf.osVersion, 'rpm'))
      return `the control applies only to OS version ${onlyIf.osVersion} (${thisHost})`;
  }
  return undefined;
}

/**
 * A completed host's results with the checks of every control whose `onlyIf` the host does not
 * meet turned `not-applicable`, naming why. Their queries ran in the same probe; what they found
 * is not judged. A host that did not complete keeps its errors: nothing says what it is.
 */
export function applyOnlyIf(plan: Plan, host: HostResult): HostResult {
  if (host.status !== 'completed' || !host.host) return host;
  const facts = host.host;
  const reasons = new Map<string, string>();
  for (const control of plan.controls) {
    const reason = notApplicableReason(control, facts);
    if (reason !== undefined) reasons.set(control.id, reason);
  }
  if (reasons.size === 0) return host;
  const results = host.results.map((result): CheckResult => {
    const reason = result.control === null ? undefined : reasons.get(result.control);
    if (reason === undefined || result.status === 'skipped') return result;
    const { expected: _e, actual: _a, evidence: _v, ...base } = result;
    return { ...base, status: 'not-applicable', message: `not applicable: ${reason}` };
  });
  return { ...host, results, counts: countStatuses(results) };
}
