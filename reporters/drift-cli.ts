import Table from 'cli-table3';
import type { ChangeType, DriftReport, DriftVerdict, HostDrift } from '../src/drift/diff-schema.js';
import { painter, type Painter } from '../src/text/paint.js';
import {
  decisionTone,
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
  KIND_NOTES_HEADING,
  stateWords,
  TYPE_MARK,
  TYPES,
  type DriftItem,
  type FlatItem,
  diffLines,
  describeFleetGroup,
  describeInventory,
  FLEET_HEADING,
  fleetHosts,
} from './drift-text.js';
import { fleetSummary } from '../src/drift/fleet.js';

export interface DriftCliOptions {
  color: boolean;
}

/**
 * The terminal drift report: a summary table per host and kind, then every difference, changed
 * attributes old → new, each with what the gate made of it; warnings and the verdict last.
 * Written line by line, so that a drift of millions of items is never held as one string.
 */
export function* renderDriftCli(
  report: DriftReport,
  verdict: DriftVerdict,
  options: DriftCliOptions,
): Generator<string> {
  let first = true;
  for (const line of reportLines(report, verdict, painter(options.color))) {
    yield first ? line : `\n${line}`;
    first = false;
  }
  yield '\n';
}

function* reportLines(report: DriftReport, verdict: DriftVerdict, paint: Painter): Generator<string> {
  yield paint.dim(`driftspec ${printable(report.tool.version)} · drift from ${describeSnapshotInfo(report.baseline)}`);
  yield '';
  yield renderSummary(report);
  for (const host of report.hosts) {
    yield '';
    yield* hostLines(host, paint);
  }
  yield* fleetLines(report, paint);
  if (report.warnings.length > 0) {
    yield '';
    yield paint.yellow('Warnings:');
    for (const warning of report.warnings) yield paint.yellow(`  ! ${printable(warning)}`);
  }
  const tone = verdict.exitCode === 0 ? paint.green : paint.red;
  yield '';
  yield tone(`Result: ${printable(verdict.summary)} (exit ${verdict.exitCode})`);
  for (const reason of verdict.reasons) {
    const line = `  - ${printable(reason)}`;
    yield reason.startsWith('allowed: ') ? paint.dim(line) : line;
  }
}

/** One row per host and kind that has anything to say; a host with nothing gets one row. */
function renderSummary(report: DriftReport): string {
  const table = new Table({
    head: ['host', 'state', 'kind', 'added', 'removed', 'changed', 'accepted', 'compared'],
    style: { head: [], border: [] },
  });
  for (const host of report.hosts) {
    const rows = host.kinds
      .map((kind) => {
        const open = (type: ChangeType) => countOf(kind[type] as DriftItem[], (item) => !item.accepted);
        const isAccepted = (item: DriftItem) => Boolean(item.accepted);
        const accepted = TYPES.reduce((sum, type) => sum + countOf(kind[type] as DriftItem[], isAccepted), 0);
        return [kind.kind, open('added'), open('removed'), open('changed'), accepted, kind.compared] as const;
      })
      .filter(
        ([, added, removed, changed, accepted, compared]) =>
          added + removed + changed + accepted > 0 || compared !== 'all',
      );
    if (rows.length === 0) {
      table.push([printable(host.target), host.state, '(all)', 0, 0, 0, 0, 'all']);
      continue;
    }
    rows.forEach((row, i) => {
      table.push([i === 0 ? printable(host.target) : '', i === 0 ? host.state : '', ...row]);
    });
  }
  return table.toString();
}

/** Counted in one pass: a kind may hold millions of items. */
function countOf<T>(items: readonly T[], wanted: (item: T) => boolean): number {
  let count = 0;
  for (const item of items) if (wanted(item)) count++;
  return count;
}

/** Drift the same on several hosts, each told once with how many hosts and which. */
function* fleetLines(report: DriftReport, paint: Painter): Generator<string> {
  if (report.hosts.length < 2) return;
  const groups = fleetSummary(report.hosts);
  if (groups.length === 0) return;
  yield '';
  yield paint.bold(`${FLEET_HEADING}:`);
  for (const group of groups) {
    yield `  ${group.hosts.length} hosts: ${describeFleetGroup(group, { shortHashes: true })}`;
    yield paint.dim(`      ${fleetHosts(group)}`);
  }
}

function* hostLines(host: HostDrift, paint: Painter): Generator<string> {
  const tone = host.state === 'no-drift' ? paint.green : host.state === 'drift' ? paint.red : paint.yellow;
  yield `${paint.bold(printable(host.target))} ${tone(stateWords(host))}`;
  const inventory = describeInventory(host);
  if (inventory) yield paint.dim(`  ${inventory}`);
  if (host.candidate) yield paint.dim(`  candidate ${describeSnapshotInfo(host.candidate)}`);
  yield paint.dim(`  ${describeCounts(host)}`);
  let kind: string | undefined;
  for (const entry of driftItems(host)) {
    if (entry.kind !== kind) {
      kind = entry.kind;
      yield `  ${paint.cyan(entry.kind)}`;
    }
    yield* itemLines(entry, paint);
  }
  if (host.notCompared.length > 0 && host.candidate) {
    yield `  ${paint.yellow('not compared')}`;
    for (const entry of host.notCompared) yield paint.yellow(`    ? ${describeNotCompared(entry)}`);
  }
  if (host.kindNotes && host.kindNotes.length > 0) {
    yield `  ${paint.dim(KIND_NOTES_HEADING)}`;
    for (const note of host.kindNotes) yield paint.dim(`    - ${describeKindNote(note)}`);
  }
}

function paintDiffLine(line: string, paint: Painter): string {
  const tone = line.startsWith('@@')
    ? paint.dim
    : line.startsWith('+')
      ? paint.green
      : line.startsWith('-')
        ? paint.red
        : undefined;
  return `          ${tone ? tone(line) : line}`;
}

function itemLines({ kind, type, item }: FlatItem, paint: Painter): string[] {
  const decision = describeDecision(item);
  const tone = { accepted: paint.dim, block: paint.red, allow: paint.green, open: (s: string) => s }[
    decisionTone(item)
  ];
  const head = `    ${TYPE_MARK[type]} ${noun(kind)} ${printable(item.key)}`;
  const lines = [decision ? `${tone(head)}  ${paint.dim(`[${decision}]`)}` : tone(head)];
  if ('changes' in item) {
    const width = Math.max(...item.changes.map((c) => c.attribute.length));
    for (const change of item.changes) {
      const acceptance = change.accepted && !item.accepted ? change.accepted : undefined;
      const accepted = acceptance ? paint.dim(`  [accepted: ${printable(acceptance.reason)}]`) : '';
      lines.push(
        `        ${change.attribute.padEnd(width)}  ${formatValue(change.old, { shortHashes: true })} → ` +
          `${formatValue(change.new, { shortHashes: true })}${accepted}`,
      );
      if (change.diff !== undefined) lines.push(...diffLines(change.diff).map((line) => paintDiffLine(line, paint)));
    }
  } else {
    const record = describeAddedOrRemoved(kind, type, item, { shortHashes: true });
    if (record) lines.push(paint.dim(`        ${record}`));
  }
  const expired = describeExpiredAcceptance(item);
  if (expired) lines.push(paint.yellow(`        ${expired}`));
  return lines;
}
