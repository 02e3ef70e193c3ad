import type { DriftReport, DriftVerdict, HostDrift } from '../src/drift/diff-schema.js';
import {
  describeCounts,
  describeDecision,
  describeExpired,
  describeNotCompared,
  describeRecord,
  describeSnapshotInfo,
  driftItems,
  formatValue,
  noun,
  printable,
  stateWords,
  type FlatItem,
} from './drift-text.js';
import { cdataElement, startTag } from './xml.js';

/**
 * Drift as JUnit XML, so that Jenkins lists every drifted item: one testsuite per host, one
 * testcase per added, removed or changed item. Drift the policy blocks is a failure; drift it
 * allows passes; accepted drift is skipped (with its reason); what could not be compared is an
 * error. A host without drift has one passing testcase, so that it shows up at all.
 * Written testcase by testcase (reporters/xml.ts), in the layout of the run's JUnit report.
 */
export function* renderDriftJunit(report: DriftReport, _verdict: DriftVerdict): Generator<string> {
  const totals = report.hosts.map(suiteCounts).reduce(addCounts, { tests: 0, failures: 0, errors: 0, skipped: 0 });
  const name = `driftspec drift: ${describeSnapshotInfo(report.baseline)}`;
  const root = { name, tests: totals.tests, failures: totals.failures, errors: totals.errors };
  yield '<?xml version="1.0" encoding="UTF-8"?>\n';
  if (report.hosts.length === 0) return yield `${startTag('testsuites', root, true)}\n`;
  yield `${startTag('testsuites', root)}\n`;
  for (const host of report.hosts) yield* suitePieces(host, report);
  yield '</testsuites>\n';
}

interface SuiteCounts {
  tests: number;
  failures: number;
  errors: number;
  skipped: number;
}

/** What each testcase of the host will be, counted before any is written (the suite's tag says it). */
function suiteCounts(host: HostDrift): SuiteCounts {
  const counts = { tests: 0, failures: 0, errors: 0, skipped: 0 };
  for (const { item } of driftItems(host)) {
    counts.tests++;
    if (item.accepted) counts.skipped++;
    else if (item.gate?.action !== 'allow') counts.failures++;
  }
  if (!host.candidate) return { ...counts, tests: counts.tests + 1, errors: counts.errors + 1 };
  counts.tests += host.notCompared.length;
  counts.errors += host.notCompared.length;
  if (counts.tests === 0) counts.tests = 1;
  return counts;
}

function addCounts(sum: SuiteCounts, counts: SuiteCounts): SuiteCounts {
  return {
    tests: sum.tests + counts.tests,
    failures: sum.failures + counts.failures,
    errors: sum.errors + counts.errors,
    skipped: sum.skipped + counts.skipped,
  };
}

function* suitePieces(host: HostDrift, report: DriftReport): Generator<string> {
  const timestamp = host.candidate?.takenAt ?? report.generatedAt;
  const suite = { name: host.target, timestamp, time: 0, hostname: host.target, ...suiteCounts(host) };
  yield `  ${startTag('testsuite', suite)}\n    <properties>\n`;
  for (const [name, value] of suiteProperties(host, report)) {
    yield `      ${startTag('property', { name, value }, true)}\n`;
  }
  yield '    </properties>\n';
  let items = 0;
  for (const entry of driftItems(host)) {
    items++;
    yield itemCase(host, entry);
  }
  if (!host.candidate) {
    // One error for the host, not one per kind: nothing about it is known.
    const error = startTag('error', { message: host.reason || 'no snapshot of the host', type: 'incomplete' }, true);
    yield testCase({ classname: `${host.target}.host`, name: 'host not compared' }, [error]);
  } else {
    for (const entry of host.notCompared) {
      const what = entry.path === undefined ? (entry.kind ?? 'snapshot') : printable(entry.path);
      const error = startTag('error', { message: describeNotCompared(entry), type: 'incomplete' }, true);
      const classname = `${host.target}.${entry.kind ?? 'snapshot'}`;
      yield testCase({ classname, name: `not compared: ${what}` }, [error]);
    }
    if (items === 0 && host.notCompared.length === 0) {
      const out = cdataElement('system-out', {}, `${stateWords(host)}: ${describeCounts(host)}`);
      yield testCase({ classname: `${host.target}.drift`, name: 'no drift' }, [out]);
    }
  }
  yield '  </testsuite>\n';
}

function suiteProperties(host: HostDrift, report: DriftReport): Array<[string, string]> {
  const properties: Array<[string, string]> = [
    ['target', host.target],
    ['state', host.state],
    ['baseline', describeSnapshotInfo(report.baseline)],
  ];
  if (host.candidate) properties.push(['candidate', describeSnapshotInfo(host.candidate)]);
  if (host.reason !== undefined) properties.push(['reason', host.reason]);
  properties.push(['counts', describeCounts(host)], ['driftspec.version', report.tool.version]);
  for (const warning of report.warnings) properties.push(['warning', warning]);
  return properties;
}

/** A testcase and its child elements, in the order JUnit readers expect (failure, skipped, output). */
function testCase(attributes: { classname: string; name: string }, children: readonly string[]): string {
  const tag = startTag('testcase', { ...attributes, time: 0 }, children.length === 0);
  if (children.length === 0) return `    ${tag}\n`;
  return `    ${tag}\n${children.map((child) => `      ${child}\n`).join('')}    </testcase>\n`;
}

function itemCase(host: HostDrift, entry: FlatItem): string {
  const { item } = entry;
  const details = describeItem(entry);
  const decision = describeDecision(item);
  const expired = describeExpired(item);
  const children: string[] = [];
  if (item.accepted) {
    children.push('<skipped/>');
  } else if (item.gate?.action !== 'allow') {
    // Drift no policy judged counts as blocking: never a green line for drift nobody allowed.
    const message = `${details.join('; ')}${item.gate ? ` [${item.gate.rule}]` : ''}`;
    children.push(cdataElement('failure', { message, type: entry.type }, details.join('\n')));
  }
  const output = [...details, ...(decision ? [decision] : []), ...(expired ? [expired] : [])].join('\n');
  if (output !== '') children.push(cdataElement('system-out', {}, output));
  return testCase({ classname: `${host.target}.${entry.kind}`, name: itemName(entry) }, children);
}

/** "changed file /etc/motd: size 286 → 312", then one line per further attribute. */
function describeItem({ kind, type, item }: FlatItem): string[] {
  const head = itemName({ kind, type, item });
  if (!('changes' in item)) return [`${head}: ${describeRecord(kind, item.record)}`];
  return item.changes.map((c, i) => {
    const accepted = c.accepted && !item.accepted ? ` (accepted: ${c.accepted.reason})` : '';
    return `${i === 0 ? `${head}: ` : ''}${c.attribute} ${formatValue(c.old)} → ${formatValue(c.new)}${accepted}`;
  });
}

/** "changed file /etc/motd"; keys are unique within a kind, so names are unique within a suite. */
function itemName({ kind, type, item }: FlatItem): string {
  return `${type} ${noun(kind)} ${printable(item.key)}`;
}
