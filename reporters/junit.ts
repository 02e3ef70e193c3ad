import type { Verdict } from '../src/gate/verdict.js';
import type { CheckResult, HostResult, RunResult } from '../src/results/schema.js';
import {
  controlOnHost,
  describeControlGuidance,
  describeEvidence,
  describeImpact,
  describeSelection,
  describeSpecs,
  describeTags,
  describeWaiver,
  findControl,
} from './details.js';
import {
  addJunitCounts,
  junitClassName,
  junitDocument,
  noCounts,
  problem,
  SKIPPED,
  skippedWith,
  SUITE_END,
  suiteStart,
  systemOut,
  testCase,
  type JunitCounts,
} from './junit-xml.js';

export interface JunitReportOptions {
  /** The image under test (an AMI id, an image digest…), recorded on every testsuite. */
  imageId?: string;
}

/**
 * JUnit XML for Jenkins and other CI servers: one testsuite per host, one testcase per check.
 * The layout, and why, is in docs/reports.md; the XML is tested against the Jenkins JUnit XSD.
 */
export function renderJunitReport(result: RunResult, verdict: Verdict, options: JunitReportOptions = {}): string {
  return [...junitReportPieces(result, verdict, options)].join('');
}

/** The same XML in pieces, one per testcase (reporters/junit-xml.ts). */
export function junitReportPieces(
  result: RunResult,
  _verdict: Verdict,
  options: JunitReportOptions = {},
): Generator<string> {
  const totals = result.hosts.map(suiteCounts).reduce(addJunitCounts, noCounts());
  return junitDocument(`driftspec: ${describeSpecs(result)}`, totals, suites(result, options));
}

function* suites(result: RunResult, options: JunitReportOptions): Generator<string> {
  for (const host of result.hosts) yield* suitePieces(host, result, options);
}

function suiteCounts(host: HostResult): JunitCounts {
  const counts = noCounts();
  for (const check of host.results) {
    counts.tests++;
    if (controlOnHost(host, check.control)?.status === 'waived') counts.skipped++;
    else if (check.status === 'failed') counts.failures++;
    else if (check.status === 'error') counts.errors++;
    else if (check.status === 'skipped' || check.status === 'not-applicable') counts.skipped++;
  }
  return needsHostCase(host) ? { ...counts, tests: counts.tests + 1, errors: counts.errors + 1 } : counts;
}

/** Without an erroring testcase, a CI server would show a host that was never checked as green. */
function needsHostCase(host: HostResult): boolean {
  return host.status !== 'completed' && !host.results.some((r) => r.status === 'error');
}

function* suitePieces(host: HostResult, result: RunResult, options: JunitReportOptions): Generator<string> {
  const properties = suiteProperties(host, result, options);
  const counts = suiteCounts(host);
  const time = seconds(host.durationMs);
  yield suiteStart({ name: host.target, timestamp: host.startedAt, time, counts, properties });
  const names = uniqueNames(host.results);
  for (const check of host.results) yield checkCase(check, names.get(check.checkId)!, host, result);
  if (needsHostCase(host)) {
    const error = problem('error', `host ${host.status}: ${host.reason ?? 'no reason given'}`, host.status);
    yield testCase({ classname: junitClassName(host.target, 'host'), name: `host ${host.status}` }, [error]);
  }
  yield SUITE_END;
}

function suiteProperties(host: HostResult, result: RunResult, options: JunitReportOptions): Array<[string, string]> {
  const properties: Array<[string, string]> = [
    ['target', host.target],
    ['status', host.status],
  ];
  if (host.reason !== undefined) properties.push(['reason', host.reason]);
  if (options.imageId !== undefined) properties.push(['image.id', options.imageId]);
  for (const spec of result.specs) properties.push([`spec.${spec.name}`, spec.version ?? '']);
  for (const profile of result.profiles ?? [])
    properties.push([`profile.${profile.name}`, `${profile.version} ${profile.hash}`]);
  properties.push(['driftspec.version', result.tool.version]);
  if (result.selection) properties.push(['selection', describeSelection(result.selection)]);
  for (const warning of result.warnings ?? []) properties.push(['warning', warning]);
  const facts = host.host;
  if (facts) {
    properties.push(['host.os', facts.os.prettyName ?? facts.os.id], ['host.os.id', facts.os.id]);
    if (facts.os.versionId !== undefined) properties.push(['host.os.version', facts.os.versionId]);
    properties.push(
      ['host.hostname', facts.hostname],
      ['host.kernel', `${facts.kernel} ${facts.kernelRelease}`],
      ['host.arch', facts.arch],
    );
  }
  return properties;
}

function checkCase(check: CheckResult, name: string, host: HostResult, result: RunResult): string {
  const details: string[] = [`check: ${check.checkId}`];
  const control = findControl(result, check.control);
  if (control) {
    const title = control.title ? ` (${control.title})` : '';
    details.push(`control: ${control.id}${title}`, `impact: ${describeImpact(control.impact)}`);
    if (Object.keys(control.tags).length > 0) details.push(`tags: ${describeTags(control.tags)}`);
    if (control.refs.length > 0) details.push(`refs: ${control.refs.join(' ')}`);
    details.push(...describeControlGuidance(control));
  }
  const onHost = controlOnHost(host, check.control);
  if (onHost) details.push(`control status: ${onHost.status}`);
  if (onHost?.waiver?.expired) details.push(describeWaiver(onHost.waiver));
  const children: string[] = [];
  if (onHost?.status === 'waived' && onHost.waiver) {
    // A waived control's checks are skipped for the CI server whatever they found; what they found is kept.
    children.push(skippedWith(describeWaiver(onHost.waiver)));
    details.push(`check outcome: ${check.status}: ${check.message}`);
  } else if (check.status === 'failed') {
    children.push(problem('failure', check.message, check.matcher, expectedVersusActual(check)));
  } else if (check.status === 'error') {
    children.push(problem('error', check.message, host.status === 'completed' ? 'error' : host.status));
  } else if (check.status === 'skipped' || check.status === 'not-applicable') {
    // <skipped/> has no message in this layout, so the reason ("not applicable: …") goes to system-out.
    children.push(SKIPPED);
    details.push(check.message);
  }
  const evidence = check.evidence === undefined ? undefined : host.evidence[check.evidence];
  if (evidence && (check.status === 'failed' || check.status === 'error')) details.push('', describeEvidence(evidence));
  children.push(...systemOut(details.join('\n')));
  return testCase({ classname: junitClassName(host.target, check.control ?? check.resource), name }, children);
}

function expectedVersusActual(check: CheckResult): string {
  const lines = [];
  if (check.expected !== undefined) lines.push(`expected: ${check.expected}`);
  if (check.actual !== undefined) lines.push(`actual:   ${check.actual}`);
  return lines.length > 0 ? lines.join('\n') : check.message;
}

/** Titles, with the check id added to every title that more than one check of the host shares. */
function uniqueNames(results: readonly CheckResult[]): Map<string, string> {
  const uses = new Map<string, number>();
  for (const r of results) uses.set(r.title, (uses.get(r.title) ?? 0) + 1);
  return new Map(results.map((r) => [r.checkId, uses.get(r.title)! > 1 ? `${r.title} [${r.checkId}]` : r.title]));
}

function seconds(ms: number): number {
  return Math.round(ms) / 1000;
}
