import type { TestSuite } from 'junit-report-builder';
import type { DriftReport, DriftVerdict, HostDrift } from '../src/drift/diff-schema.js';
import {
  describeCounts,
  describeDecision,
  describeExpired,
  describeNotCompared,
  describeRecord,
  describeSnapshotInfo,
  flatItems,
  formatValue,
  noun,
  printable,
  stateWords,
  type FlatItem,
} from './drift-text.js';
import { builderFactory, cdataText, withoutRootSkippedCount } from './junit.js';

/**
 * Drift as JUnit XML, so that Jenkins lists every drifted item: one testsuite per host, one
 * testcase per added, removed or changed item. Drift the policy blocks is a failure; drift it
 * allows passes; accepted drift is skipped (with its reason); what could not be compared is an
 * error. A host without drift has one passing testcase, so that it shows up at all.
 */
export function renderDriftJunit(report: DriftReport, _verdict: DriftVerdict): string {
  const builder = builderFactory.newBuilder().name(`driftspec drift: ${describeSnapshotInfo(report.baseline)}`);
  for (const host of report.hosts) addHostSuite(builder.testSuite(), host, report);
  return `${withoutRootSkippedCount(builder.build())}\n`;
}

function addHostSuite(suite: TestSuite, host: HostDrift, report: DriftReport): void {
  suite.name(host.target).timestamp(host.candidate?.takenAt ?? report.generatedAt).time(0);
  (suite as unknown as { _attributes: Record<string, unknown> })._attributes.hostname = host.target;
  suite.property('target', host.target).property('state', host.state).property('baseline', describeSnapshotInfo(report.baseline));
  if (host.candidate) suite.property('candidate', describeSnapshotInfo(host.candidate));
  if (host.reason !== undefined) suite.property('reason', host.reason);
  suite.property('counts', describeCounts(host)).property('driftspec.version', report.tool.version);
  for (const warning of report.warnings) suite.property('warning', warning);

  const items = flatItems(host);
  const names = uniqueNames(items);
  items.forEach((entry, i) => addItemCase(suite, host, entry, names[i]!));
  if (!host.candidate) {
    // One error for the host, not one per kind: nothing about it is known.
    suite.testCase().className(`${host.target}.host`).name('host not compared').time(0).error(host.reason ?? 'no snapshot of the host', 'incomplete');
    return;
  }
  for (const entry of host.notCompared) {
    suite
      .testCase()
      .className(`${host.target}.${entry.kind ?? 'snapshot'}`)
      .name(`not compared: ${entry.path === undefined ? (entry.kind ?? 'snapshot') : printable(entry.path)}`)
      .time(0)
      .error(describeNotCompared(entry), 'incomplete');
  }
  if (items.length === 0 && host.notCompared.length === 0) {
    suite.testCase().className(`${host.target}.drift`).name('no drift').time(0).standardOutput(cdataText(`${stateWords(host)}: ${describeCounts(host)}`));
  }
}

function addItemCase(suite: TestSuite, host: HostDrift, entry: FlatItem, name: string): void {
  const { item } = entry;
  const testCase = suite.testCase().className(`${host.target}.${entry.kind}`).name(name).time(0);
  const details = describeItem(entry);
  const decision = describeDecision(item);
  const expired = describeExpired(item);
  if (item.accepted) {
    testCase.skipped();
  } else if (item.gate?.action !== 'allow') {
    // Drift no policy judged counts as blocking: never a green line for drift nobody allowed.
    testCase.failure(`${details.join('; ')}${item.gate ? ` [${item.gate.rule}]` : ''}`, entry.type).stacktrace(cdataText(details.join('\n')));
  }
  testCase.standardOutput(cdataText([...details, ...(decision ? [decision] : []), ...(expired ? [expired] : [])].join('\n')));
}

/** "changed file /etc/motd: size 286 → 312", then one line per further attribute. */
function describeItem({ kind, type, item }: FlatItem): string[] {
  const head = `${type} ${noun(kind)} ${printable(item.key)}`;
  if (!('changes' in item)) return [`${head}: ${describeRecord(kind, item.record)}`];
  return item.changes.map((c, i) => `${i === 0 ? `${head}: ` : ''}${c.attribute} ${formatValue(c.old)} → ${formatValue(c.new)}${c.accepted && !item.accepted ? ` (accepted: ${c.accepted.reason})` : ''}`);
}

/** "changed file /etc/motd"; keys are unique within a kind, so names are unique within a suite. */
function uniqueNames(items: readonly FlatItem[]): string[] {
  return items.map(({ kind, type, item }) => `${type} ${noun(kind)} ${printable(item.key)}`);
}
