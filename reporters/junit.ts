import junitReportBuilder, { type Builder, type TestCase, type TestSuite } from 'junit-report-builder';
import type { Verdict } from '../src/gate/verdict.js';
import type { CheckResult, HostResult, RunResult } from '../src/results/schema.js';
import { describeEvidence, describeImpact, describeSpecs, describeTags, findControl } from './details.js';
import { xmlText } from './xml.js';

export interface JunitReportOptions {
  /** The image under test (an AMI id, an image digest…), recorded on every testsuite. */
  imageId?: string;
}

/**
 * The package's types declare a default export, but its CommonJS code assigns a builder instance
 * to `module.exports`, which is what a default import receives. That shared instance is used only
 * to make a fresh builder per report, so two reports never mix.
 */
const builderFactory = junitReportBuilder as unknown as Builder;

/**
 * JUnit XML for Jenkins and other CI servers: one testsuite per host, one testcase per check.
 * The layout, and why, is in docs/reports.md; the XML is tested against the Jenkins JUnit XSD.
 */
export function renderJunitReport(result: RunResult, _verdict: Verdict, options: JunitReportOptions = {}): string {
  const report = builderFactory.newBuilder().name(xmlText(`driftspec: ${describeSpecs(result)}`));
  for (const host of result.hosts) addHostSuite(report.testSuite(), host, result, options);
  return `${withoutRootSkippedCount(report.build())}\n`;
}

function addHostSuite(suite: TestSuite, host: HostResult, result: RunResult, options: JunitReportOptions): void {
  suite.name(xmlText(host.target)).timestamp(host.startedAt).time(seconds(host.durationMs));
  // `hostname` is a testsuite attribute the builder has no method for; its attribute map is the way.
  (suite as unknown as { _attributes: Record<string, unknown> })._attributes.hostname = xmlText(host.target);
  for (const [name, value] of suiteProperties(host, result, options)) suite.property(xmlText(name), xmlText(value));
  const names = uniqueNames(host.results);
  for (const check of host.results) addCheckCase(suite.testCase(), check, names.get(check.checkId)!, host, result);
  if (host.status !== 'completed' && !host.results.some((r) => r.status === 'error')) {
    // Without an erroring testcase, a CI server would show a host that was never checked as green.
    suite
      .testCase()
      .className(xmlText(`${host.target}.host`))
      .name(`host ${host.status}`)
      .time(0)
      .error(xmlText(`host ${host.status}: ${host.reason ?? 'no reason given'}`), host.status);
  }
}

function suiteProperties(host: HostResult, result: RunResult, options: JunitReportOptions): Array<[string, string]> {
  const properties: Array<[string, string]> = [['target', host.target], ['status', host.status]];
  if (host.reason !== undefined) properties.push(['reason', host.reason]);
  if (options.imageId !== undefined) properties.push(['image.id', options.imageId]);
  for (const spec of result.specs) properties.push([`spec.${spec.name}`, spec.version ?? '']);
  properties.push(['driftspec.version', result.tool.version]);
  const facts = host.host;
  if (facts) {
    properties.push(['host.os', facts.os.prettyName ?? facts.os.id], ['host.os.id', facts.os.id]);
    if (facts.os.versionId !== undefined) properties.push(['host.os.version', facts.os.versionId]);
    properties.push(['host.hostname', facts.hostname], ['host.kernel', `${facts.kernel} ${facts.kernelRelease}`], ['host.arch', facts.arch]);
  }
  return properties;
}

function addCheckCase(testCase: TestCase, check: CheckResult, name: string, host: HostResult, result: RunResult): void {
  testCase
    .className(xmlText(`${host.target}.${check.control ?? check.resource}`))
    .name(xmlText(name))
    // Every check of a host is judged from the same single probe; its time is the suite's.
    .time(0);
  const details: string[] = [`check: ${check.checkId}`];
  const control = findControl(result, check.control);
  if (control) {
    details.push(`control: ${control.id}${control.title ? ` (${control.title})` : ''}`, `impact: ${describeImpact(control.impact)}`);
    if (Object.keys(control.tags).length > 0) details.push(`tags: ${describeTags(control.tags)}`);
    if (control.refs.length > 0) details.push(`refs: ${control.refs.join(' ')}`);
  }
  if (check.status === 'failed') {
    testCase.failure(xmlText(check.message), check.matcher).stacktrace(cdataText(expectedVersusActual(check)));
  } else if (check.status === 'error') {
    testCase.error(xmlText(check.message), host.status === 'completed' ? 'error' : host.status);
  } else if (check.status === 'skipped') {
    // The builder writes <skipped/> without a message, so the reason goes to system-out.
    testCase.skipped();
    details.push(check.message);
  }
  const evidence = check.evidence === undefined ? undefined : host.evidence[check.evidence];
  if (evidence && (check.status === 'failed' || check.status === 'error')) details.push('', describeEvidence(evidence));
  testCase.standardOutput(cdataText(details.join('\n')));
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

/**
 * The builder writes these texts as CDATA, and the xmlbuilder inside it splits only the FIRST
 * `]]>` of a text into two sections; a second one would end the section early and break the XML.
 * Splitting every later one here leaves the first to it, so the whole text survives exactly.
 * Control characters become visible escapes first (xmlText): the builder would drop them silently.
 */
function cdataText(raw: string): string {
  const text = xmlText(raw);
  const first = text.indexOf(']]>');
  if (first === -1) return text;
  return text.slice(0, first + 3) + text.slice(first + 3).replaceAll(']]>', ']]]]><![CDATA[>');
}

function seconds(ms: number): number {
  return Math.round(ms) / 1000;
}

/**
 * The builder counts skips on <testsuites> too, an attribute the Jenkins JUnit schema does not
 * allow there (it does on each <testsuite>). Attribute values are double-quoted with `"` escaped,
 * so stepping over whole attributes of the root tag finds exactly that one.
 */
function withoutRootSkippedCount(xml: string): string {
  return xml.replace(/(<testsuites(?:\s+[\w.:-]+="[^"]*")*?)\s+skipped="\d+"/, '$1');
}
