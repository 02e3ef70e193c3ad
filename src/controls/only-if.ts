import type { HostFacts } from '../probe/host.js';
import { buildCheck } from '../plan/build.js';
import type { Check, Control, Plan, Supports } from '../plan/schema.js';
import type { ResourceRegistry } from '../resources/index.js';
import { countStatuses, type CheckResult, type HostResult } from '../results/schema.js';
import { satisfiesVersionConstraint } from '../versions/constraint.js';

/**
 * The marker in the id of a check that asks a control's `onlyIf` condition (a package installed, a
 * file present). Control ids cannot hold `#`, so no check of a spec has it.
 */
const CONDITION_MARK = '#onlyIf:';

export function isConditionCheckId(checkId: string): boolean {
  return checkId.includes(CONDITION_MARK);
}

function asList(value: string | readonly string[] | undefined): readonly string[] {
  if (value === undefined) return [];
  return typeof value === 'string' ? [value] : value;
}

/**
 * The checks that gather a control's `onlyIf` facts in the same probe as its own checks: one
 * `package … installed` per package, one `file … exists` per path. Their results decide whether
 * the control applies and are then taken out of the host's results.
 */
export function conditionChecks(registry: ResourceRegistry, control: Control): Check[] {
  const onlyIf = control.onlyIf;
  if (!onlyIf) return [];
  const skip = control.skip === undefined ? {} : { skip: control.skip };
  const build = (resource: string, subject: string, matcher: string) =>
    buildCheck(
      registry,
      { control: control.id, resource, subject, matcher, negated: false, args: undefined, ...skip },
      `${control.id}${CONDITION_MARK}${resource}:${subject}`,
    );
  return [
    ...asList(onlyIf.package).map((name) => build('package', name, 'installed')),
    ...asList(onlyIf.file).map((path) => build('file', path, 'exists')),
  ];
}

/** A condition the host's facts answer: why the control does not apply, or undefined when it does. */
function hostFactsReason(control: Control, host: HostFacts): string | undefined {
  const onlyIf = control.onlyIf;
  const os = host.os;
  const ids = [os.id, ...os.idLike];
  const thisHost = `this host: ${[os.id, os.versionId].filter(Boolean).join(' ')}`;
  if (control.supports) {
    const reason = unsupportedReason(control.supports, host);
    if (reason !== undefined) return reason;
  }
  if (!onlyIf) return undefined;
  if (onlyIf.os && !onlyIf.os.some((id) => ids.includes(id)))
    return `the control applies only to ${onlyIf.os.join(', ')} (${thisHost})`;
  if (onlyIf.osVersion !== undefined) {
    // No VERSION_ID (a rolling release) satisfies no version constraint.
    if (os.versionId === undefined || !satisfiesVersionConstraint(os.versionId, onlyIf.osVersion, 'rpm'))
      return `the control applies only to OS version ${onlyIf.osVersion} (${thisHost})`;
  }
  if (onlyIf.container !== undefined && host.container !== undefined) {
    const inside = host.container !== 'none';
    if (inside !== onlyIf.container)
      return onlyIf.container
        ? 'the control applies only inside a container (this host: not in a container)'
        : `the control applies only outside a container (this host: in a ${host.container} container)`;
  }
  return undefined;
}

/** Why a host is not one of the platforms a profile supports, or undefined when it is. */
export function unsupportedReason(supports: Supports, host: HostFacts): string | undefined {
  const os = host.os;
  const ids = [os.id, ...os.idLike];
  const matches = supports.platforms.some(
    (platform) =>
      ids.includes(platform.os) &&
      (platform.versions === undefined ||
        (os.versionId !== undefined && satisfiesVersionConstraint(os.versionId, platform.versions, 'rpm'))),
  );
  if (matches) return undefined;
  const wanted = supports.platforms.map((p) => [p.os, p.versions].filter(Boolean).join(' ')).join('; ');
  const thisHost = [os.id, os.versionId].filter(Boolean).join(' ');
  return `profile ${supports.profile} supports only ${wanted} (this host: ${thisHost})`;
}

/** Why the control does not apply to a host with these facts, or undefined when it does (host facts only). */
export function notApplicableReason(control: Control, host: HostFacts): string | undefined {
  return hostFactsReason(control, host);
}

type Verdict = { kind: 'applies' } | NotApplying;
type NotApplying = { kind: 'not-applicable'; reason: string } | { kind: 'error'; message: string };

/** The verdict of a control's conditions on a host: its host facts first, then its condition checks. */
function judgeControl(control: Control, facts: HostFacts, conditions: readonly CheckResult[]): Verdict {
  const reason = hostFactsReason(control, facts);
  if (reason !== undefined) return { kind: 'not-applicable', reason };
  if (control.onlyIf?.container !== undefined && facts.container === undefined)
    return { kind: 'error', message: 'onlyIf container: this host did not say whether it runs in a container' };
  for (const condition of conditions) {
    if (condition.status === 'passed' || condition.status === 'skipped') continue;
    const isPackage = condition.resource === 'package';
    const what = `${isPackage ? 'package' : 'file'} ${condition.subject}`;
    if (condition.status === 'failed')
      return {
        kind: 'not-applicable',
        reason: `the control applies only where ${what} ${isPackage ? 'is installed' : 'exists'}`,
      };
    return { kind: 'error', message: `onlyIf ${what}: could not be told: ${condition.message}` };
  }
  return { kind: 'applies' };
}

/**
 * A completed host's results with the checks of every control whose `onlyIf` (or profile's
 * `supports`) the host does not meet turned `not-applicable`, naming why, and the results of the
 * condition checks taken out. A condition that could not be told makes the control's checks
 * errors, never a pass. A host that did not complete keeps its errors: nothing says what it is.
 */
export function applyOnlyIf(plan: Plan, host: HostResult): HostResult {
  const conditions = host.results.filter((result) => isConditionCheckId(result.checkId));
  const own = host.results.filter((result) => !isConditionCheckId(result.checkId));
  if (host.status !== 'completed' || !host.host) {
    return conditions.length === 0 ? host : { ...host, results: own, counts: countStatuses(own) };
  }
  const facts = host.host;
  const verdicts = new Map<string, NotApplying>();
  for (const control of plan.controls) {
    const verdict = judgeControl(
      control,
      facts,
      conditions.filter((result) => result.control === control.id),
    );
    if (verdict.kind !== 'applies') verdicts.set(control.id, verdict);
  }
  if (verdicts.size === 0 && conditions.length === 0) return host;
  const results = own.map((result): CheckResult => {
    const verdict = result.control === null ? undefined : verdicts.get(result.control);
    if (verdict === undefined || result.status === 'skipped') return result;
    const { expected: _e, actual: _a, evidence: _v, ...base } = result;
    return verdict.kind === 'error'
      ? { ...base, status: 'error', message: verdict.message }
      : { ...base, status: 'not-applicable', message: `not applicable: ${verdict.reason}` };
  });
  return { ...host, results, counts: countStatuses(results) };
}
