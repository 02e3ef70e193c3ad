import type { DriftReport, DriftVerdict, HostDrift } from '../src/drift/diff-schema.js';
import {
  describeCounts,
  describeDecision,
  describeExpiredAcceptance,
  describeKindNote,
  describeNotCompared,
  describeAddedOrRemoved,
  describeSnapshotInfo,
  driftItems,
  formatValue,
  noun,
  printable,
  stateWords,
  type FlatItem,
  diffLines,
} from './drift-text.js';
import {
  addJunitCounts,
  junitClassName,
  junitDocument,
  noCounts,
  problem,
  SKIPPED,
  SUITE_END,
  suiteStart,
  systemOut,
  testCase,
  type JunitCounts,
} from './junit-xml.js';

/**
 * Drift as JUnit XML, so that Jenkins lists every drifted item: one testsuite per host, one
 * testcase per added, removed or changed item. Drift the policy blocks is a failure; drift it
 * allows passes; accepted drift is skipped (with its reason); what could not be compared is an
 * error. A host without drift has one passing testcase, so that it shows up at all.
 * Written testcase by testcase (reporters/junit-xml.ts), in the layout of the run's JUnit report.
 */
export function renderDriftJunit(report: DriftReport, _verdict: DriftVerdict): Generator<string> {
  const totals = report.hosts.map(suiteCounts).reduce(addJunitCounts, noCounts());
  return junitDocument(`driftspec drift: ${describeSnapshotInfo(report.baseline)}`, totals, suites(report));
}

function* suites(report: DriftReport): Generator<string> {
  for (const host of report.hosts) yield* suitePieces(host, report);
}

/** What each testcase of the host will be, counted before any is written (the suite's tag says it). */
function suiteCounts(host: HostDrift): JunitCounts {
  const counts = noCounts();
  for (const { item } of driftItems(host)) {
    counts.tests++;
    if (item.accepted) counts.skipped++;
    else if (item.gate?.action !== 'allow') counts.failures++;
  }
  if (!host.candidate) return { ...counts, tests: counts.tests + 1, errors: counts.errors + 1 };
  counts.tests += host.notCompared.length;
  counts.errors += host.notCompared.length;
  const skippedKinds = notComparedKinds(host).length;
  counts.tests += skippedKinds;
  counts.skipped += skippedKinds;
  if (counts.tests === 0) counts.tests = 1;
  return counts;
}

function* suitePieces(host: HostDrift, report: DriftReport): Generator<string> {
  const timestamp = host.candidate?.takenAt ?? report.generatedAt;
  const properties = suiteProperties(host, report);
  yield suiteStart({ name: host.target, timestamp, time: 0, counts: suiteCounts(host), properties });
  let items = 0;
  for (const entry of driftItems(host)) {
    items++;
    yield itemCase(host, entry);
  }
  if (!host.candidate) {
    // One error for the host, not one per kind: nothing about it is known.
    const error = problem('error', host.reason ?? 'no snapshot of the host', 'incomplete');
    yield testCase({ classname: junitClassName(host.target, 'host'), name: 'host not compared' }, [error]);
  } else {
    for (const entry of host.notCompared) {
      const what = entry.path === undefined ? (entry.kind ?? 'snapshot') : printable(entry.path);
      const classname = junitClassName(host.target, entry.kind ?? 'snapshot');
      const error = problem('error', describeNotCompared(entry), 'incomplete');
      yield testCase({ classname, name: `not compared: ${what}` }, [error]);
    }
    // A kind an image does not hold is left out by design: skipped, never an error.
    for (const note of notComparedKinds(host)) {
      const classname = junitClassName(host.target, note.kind);
      yield testCase({ classname, name: `not compared: ${note.kind}` }, [
        SKIPPED,
        ...systemOut(describeKindNote(note)),
      ]);
    }
    if (items === 0 && host.notCompared.length === 0 && notComparedKinds(host).length === 0) {
      const out = systemOut(`${stateWords(host)}: ${describeCounts(host)}`);
      yield testCase({ classname: junitClassName(host.target, 'drift'), name: 'no drift' }, out);
    }
  }
  yield SUITE_END;
}

function suiteProperties(host: HostDrift, report: DriftReport): Array<[string, string]> {
  const properties: Array<[string, string]> = [
    ['target', host.target],
    ['state', host.state],
    ['baseline', describeSnapshotInfo(report.baseline)],
  ];
  if (host.candidate) properties.push(['candidate', describeSnapshotInfo(host.candidate)]);
  if (host.inventory) {
    properties.push(['inventory.name', host.inventory.name]);
    for (const group of host.inventory.groups) properties.push(['inventory.group', group]);
    for (const tag of host.inventory.tags) properties.push(['inventory.tag', tag]);
  }
  if (host.reason !== undefined) properties.push(['reason', host.reason]);
  properties.push(['counts', describeCounts(host)], ['driftspec.version', report.tool.version]);
  for (const note of host.kindNotes ?? []) if (note.compared) properties.push(['kind', describeKindNote(note)]);
  for (const warning of report.warnings) properties.push(['warning', warning]);
  return properties;
}

function notComparedKinds(host: HostDrift) {
  return host.candidate ? (host.kindNotes ?? []).filter((note) => !note.compared) : [];
}

function itemCase(host: HostDrift, entry: FlatItem): string {
  const { item } = entry;
  const details = describeItem(entry);
  const decision = describeDecision(item);
  const expired = describeExpiredAcceptance(item);
  const children: string[] = [];
  if (item.accepted) {
    children.push(SKIPPED);
  } else if (item.gate?.action !== 'allow') {
    // Drift no policy judged counts as blocking: never a green line for drift nobody allowed.
    const message = `${details.join('; ')}${item.gate ? ` [${item.gate.rule}]` : ''}`;
    children.push(problem('failure', message, entry.type, details.join('\n')));
  }
  children.push(...systemOut([...details, ...(decision ? [decision] : []), ...(expired ? [expired] : [])].join('\n')));
  return testCase({ classname: junitClassName(host.target, entry.kind), name: itemName(entry) }, children);
}

/** "changed file /etc/motd: size 286 → 312", then one line per further attribute. */
function describeItem({ kind, type, item }: FlatItem): string[] {
  const head = itemName({ kind, type, item });
  if (!('changes' in item)) return [`${head}: ${describeAddedOrRemoved(kind, type, item)}`];
  return item.changes.map((c, i) => {
    const accepted = c.accepted && !item.accepted ? ` (accepted: ${c.accepted.reason})` : '';
    const diff = c.diff === undefined ? '' : `\n${diffLines(c.diff).join('\n')}`;
    const values = `${formatValue(c.old)} → ${formatValue(c.new)}`;
    return `${i === 0 ? `${head}: ` : ''}${c.attribute} ${values}${accepted}${diff}`;
  });
}

/** "changed file /etc/motd"; keys are unique within a kind, so names are unique within a suite. */
function itemName({ kind, type, item }: FlatItem): string {
  return `${type} ${noun(kind)} ${printable(item.key)}`;
}
