import type { DriftReport, DriftVerdict, HostDrift } from '../src/drift/diff-schema.js';
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
  itemCount,
  KIND_NOTES_HEADING,
  noun,
  stateWords,
  type FlatItem,
  contentDiffs,
  diffLines,
  describeFleetGroup,
  describeInventory,
  FLEET_HEADING,
  fleetHosts,
} from './drift-text.js';
import { fleetSummary } from '../src/drift/fleet.js';
import { code, text } from './markdown.js';

export interface DriftMarkdownOptions {
  /** At most this many differences are listed, over all hosts (default 50). */
  maxListed?: number;
}

const DEFAULT_MAX_LISTED = 50;
const STATE_MARK = { 'no-drift': '✅', drift: '❌', incomplete: '⚠️' } as const;
const DECISION_MARK = { block: '❌', allow: '✅', accepted: '☑️', open: '' } as const;

/**
 * A short GitHub-flavoured Markdown drift summary for pull requests and CI job pages: the verdict,
 * a table per host, and the differences with every changed attribute old → new. Everything taken
 * from the snapshots is escaped, so it renders as the text it is. Written block by block.
 */
export function* renderDriftMarkdown(
  report: DriftReport,
  verdict: DriftVerdict,
  options: DriftMarkdownOptions = {},
): Generator<string> {
  let first = true;
  for (const block of blocks(report, verdict, options)) {
    if (block === '') continue;
    yield first ? block : `\n\n${block}`;
    first = false;
  }
  yield '\n';
}

function* blocks(report: DriftReport, verdict: DriftVerdict, options: DriftMarkdownOptions): Generator<string> {
  const budget = { left: options.maxListed ?? DEFAULT_MAX_LISTED, omitted: 0 };
  yield heading(report, verdict);
  yield hostTable(report);
  yield warnings(report);
  yield reasons(verdict);
  yield fleetTable(report);
  for (const host of report.hosts) yield hostDifferences(host, budget);
  if (budget.omitted > 0) {
    yield `_${budget.omitted} more differences are not listed here; the JSON, JUnit and HTML reports have every one._`;
  }
}

function heading(report: DriftReport, verdict: DriftVerdict): string {
  const mark = verdict.verdict === 'passed' ? '✅' : '❌';
  return [
    `### ${mark} driftspec drift: ${verdict.verdict} (exit ${verdict.exitCode})`,
    '',
    text(verdict.summary),
    '',
    `Baseline: ${text(describeSnapshotInfo(report.baseline))} · hosts: ${report.hosts.length} · driftspec ` +
      `${text(report.tool.version)} · ${text(report.generatedAt)}`,
  ].join('\n');
}

function hostTable(report: DriftReport): string {
  const rows = report.hosts.map((host) => {
    const c = host.counts;
    return row([
      code(host.target),
      `${STATE_MARK[host.state]} ${text(stateWords(host))}`,
      String(c.added),
      String(c.removed),
      String(c.changed),
      String(c.accepted),
      String(c.ignored),
      String(c.notCompared),
    ]);
  });
  return [
    row(['Host', 'State', 'Added', 'Removed', 'Changed', 'Accepted', 'Ignored', 'Not compared']),
    '| :-- | :-- | --: | --: | --: | --: | --: | --: |',
    ...rows,
  ].join('\n');
}

function warnings(report: DriftReport): string {
  if (report.warnings.length === 0) return '';
  return ['**Warnings**', '', ...report.warnings.map((warning) => `- ⚠️ ${text(warning)}`)].join('\n');
}

function reasons(verdict: DriftVerdict): string {
  if (verdict.reasons.length === 0) return '';
  return ['**Why**', '', ...verdict.reasons.map((reason) => `- ${text(reason)}`)].join('\n');
}

function fleetTable(report: DriftReport): string {
  if (report.hosts.length < 2) return '';
  const groups = fleetSummary(report.hosts);
  if (groups.length === 0) return '';
  return [
    `### ${text(FLEET_HEADING)}`,
    '',
    row(['Hosts', 'Difference', 'On']),
    '| --: | :-- | :-- |',
    ...groups.map((group) =>
      row([
        String(group.hosts.length),
        text(describeFleetGroup(group, { shortHashes: true })),
        text(fleetHosts(group)),
      ]),
    ),
  ].join('\n');
}

function hostDifferences(host: HostDrift, budget: { left: number; omitted: number }): string {
  const count = itemCount(host);
  const parts: string[] = [];
  if (count > 0) {
    const listed = firstItems(host, Math.max(0, budget.left));
    budget.left -= listed.length;
    budget.omitted += count - listed.length;
    if (listed.length > 0) {
      parts.push(
        [
          row(['', 'Kind', 'Item', 'Difference', 'Decision']),
          '| :-: | :-- | :-- | :-- | :-- |',
          ...listed.map(itemRow),
        ].join('\n'),
      );
      const diffs = listed.flatMap((entry) => contentDiffs(entry.item).map((diff) => contentDiffBlock(entry, diff)));
      if (diffs.length > 0) parts.push(['**Content diffs**', ...diffs].join('\n\n'));
    }
  }
  if (host.notCompared.length > 0 && host.candidate)
    parts.push(
      ['**Not compared**', '', ...host.notCompared.map((entry) => `- ${text(describeNotCompared(entry))}`)].join('\n'),
    );
  if (host.kindNotes && host.kindNotes.length > 0 && host.candidate) {
    const notes = host.kindNotes.map((note) => `- ${text(describeKindNote(note))}`);
    parts.push([`**${text(KIND_NOTES_HEADING)}**`, '', ...notes].join('\n'));
  }
  if (!host.candidate)
    return `#### ${code(host.target, false)}: not compared\n\n${text(host.reason ?? 'no snapshot of the host')}`;
  if (parts.length === 0) return '';
  const inventory = describeInventory(host);
  return [
    `#### ${code(host.target, false)}: ${text(describeCounts(host))}`,
    ...(inventory ? [`_${text(inventory)}_`] : []),
    ...parts,
  ].join('\n\n');
}

/** A fence longer than any run of backticks in the diff, so no line of the file can end the block. */
function contentDiffBlock({ item }: FlatItem, diff: string): string {
  const lines = diffLines(diff);
  const longest = Math.max(
    2,
    ...lines.map((line) => Math.max(0, ...(line.match(/`+/g) ?? []).map((run) => run.length))),
  );
  const fence = '`'.repeat(longest + 1);
  return [`${code(item.key)}:`, '', `${fence}diff`, ...lines, fence].join('\n');
}

function firstItems(host: HostDrift, limit: number): FlatItem[] {
  const items: FlatItem[] = [];
  for (const item of driftItems(host)) {
    if (items.length >= limit) break;
    items.push(item);
  }
  return items;
}

function itemRow({ kind, type, item }: FlatItem): string {
  const difference =
    'changes' in item
      ? item.changes
          .map(
            (c) =>
              `${text(c.attribute)}: ${code(formatValue(c.old, { shortHashes: true }))} → ` +
              `${code(formatValue(c.new, { shortHashes: true }))}${c.accepted && !item.accepted ? ' (accepted)' : ''}`,
          )
          .join('<br>')
      : text(describeAddedOrRemoved(kind, type, item, { shortHashes: true }));
  const decision = describeDecision(item);
  const expired = describeExpiredAcceptance(item);
  const decisionCell = [
    decision ? `${DECISION_MARK[decisionTone(item)]} ${text(decision)}` : '',
    expired ? `⚠️ ${text(expired)}` : '',
  ]
    .filter(Boolean)
    .join('<br>');
  return row([type, text(noun(kind)), code(item.key), difference, decisionCell]);
}

function row(cells: readonly string[]): string {
  return `| ${cells.join(' | ')} |`;
}
