import { describeValueMatcher, formatActual, matchValue, type ValueMatcher } from '../matchers/value.js';
import { lookupMatcher, lookupResource } from '../plan/build.js';
import { describeExpectation } from '../plan/describe.js';
import type { Check } from '../plan/schema.js';
import type { HostFacts } from '../probe/host.js';
import type { ResourceRegistry } from '../resources/index.js';
import { isAbsent, type AnyMatcher, type AnyResource } from '../resources/resource.js';
import type { CheckResult } from '../results/schema.js';

/** A parsed fact, or why it could not be had: `error`, or `not-applicable` where the target has no such fact. */
export type FactOutcome = { ok: true; value: unknown } | { ok: false; error: string; notApplicable?: true };

interface Judgement {
  status: 'passed' | 'failed' | 'error' | 'not-applicable';
  message: string;
  expected?: string;
  actual?: string;
}

/** Judges one check against its fact. Nothing here touches the machine. */
export function evaluateCheck(
  check: Check,
  fact: FactOutcome | undefined,
  host: HostFacts,
  registry: ResourceRegistry,
  evidenceId?: string,
): CheckResult {
  const base = { ...checkResultBase(check), ...(evidenceId ? { evidence: evidenceId } : {}) };
  if (check.skip !== undefined) return { ...base, status: 'skipped', message: `skipped: ${check.skip}` };
  const resource = lookupResource(registry, check.resource);
  const matcher = lookupMatcher(resource, check.matcher);
  const verdict = judge(check, resource, matcher, fact, host);
  return { ...base, ...verdict };
}

/** What every result of a check repeats from the plan, whatever its outcome. */
export function checkResultBase(check: Check): Omit<CheckResult, 'status' | 'message'> {
  return {
    checkId: check.id,
    control: check.control,
    title: check.title,
    resource: check.resource,
    subject: check.subject,
    matcher: check.matcher,
    negated: check.negated,
  };
}

function judge(
  check: Check,
  resource: AnyResource,
  matcher: AnyMatcher,
  fact: FactOutcome | undefined,
  host: HostFacts,
): Judgement {
  const subject = resource.title(check.subject, check.options ?? {});
  const expectation = `${check.negated ? 'not ' : ''}to ${describeExpectation(matcher, check.args)}`;
  if (!fact) return { status: 'error', message: `expected ${subject} ${expectation}, but its fact was not gathered` };
  if (!fact.ok && fact.notApplicable) return { status: 'not-applicable', message: `not applicable: ${fact.error}` };
  if (!fact.ok) return { status: 'error', message: `could not check ${subject}: ${fact.error}` };
  try {
    return matcher.kind === 'predicate'
      ? judgePredicate(check, matcher, fact.value, host, subject, expectation)
      : judgeAttribute(check, matcher, fact.value, host, subject, expectation);
  } catch (error) {
    return { status: 'error', message: `could not check ${subject}: ${(error as Error).message}` };
  }
}

function judgePredicate(
  check: Check,
  matcher: Extract<AnyMatcher, { kind: 'predicate' }>,
  fact: unknown,
  host: HostFacts,
  subject: string,
  expectation: string,
): Judgement {
  const args = matcher.args.parse(check.args ?? {});
  const outcome = matcher.test(fact, args, host);
  const actual = withSource(outcome.actual, matcher, fact);
  const pass = outcome.pass !== check.negated;
  const expected = `${check.negated ? 'not ' : ''}${matcher.describe(args)}`;
  return {
    status: pass ? 'passed' : 'failed',
    message: pass ? withSource(check.title, matcher, fact) : `expected ${subject} ${expectation}, but ${actual}`,
    expected,
    actual,
  };
}

function judgeAttribute(
  check: Check,
  matcher: Extract<AnyMatcher, { kind: 'attribute' }>,
  fact: unknown,
  host: HostFacts,
  subject: string,
  expectation: string,
): Judgement {
  const expectedMatcher = check.args as ValueMatcher;
  const expected = `${check.negated ? 'not ' : ''}${describeValueMatcher(expectedMatcher, matcher.format)}`;
  const value = matcher.read(fact, host, { expected: expectedMatcher, negated: check.negated });
  // An attribute of something that is not there is never evidence for a negated check either.
  if (isAbsent(value))
    return {
      status: 'failed',
      message: `expected ${subject} ${expectation}, but ${value.absent}`,
      expected,
      actual: value.absent,
    };
  const actual = withSource(formatActual(value, matcher.format), matcher, fact);
  const pass = matchValue(value, expectedMatcher) !== check.negated;
  return {
    status: pass ? 'passed' : 'failed',
    message: pass ? withSource(check.title, matcher, fact) : `expected ${subject} ${expectation}, but got ${actual}`,
    expected,
    actual,
  };
}

/** "… (configured in the image by /etc/sysctl.d/99-sysctl.conf line 28)" where the matcher names a source. */
function withSource(text: string, matcher: AnyMatcher, fact: unknown): string {
  const source = matcher.source?.(fact);
  return source === undefined ? text : `${text} (${source})`;
}
