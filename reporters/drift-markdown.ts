import type { DriftReport, DriftVerdict, HostDrift } from '../src/drift/diff-schema.js';
import {
  decisionTone,
  describeCounts,
  describeDecision,
  describeExpired,
  describeNotCompared,
  describeRecord,
  describeSnapshotInfo,
  flatItems,
  formatValue,
  noun,
  stateWords,
  type FlatItem,
} from './drift-text.js';
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
 * from the snapshots is escaped, so it renders as the text it is.
 */
export function renderDriftMarkdown(report: DriftReport, verdict: DriftVerdict, options: DriftMarkdownOptions = {}): string {
  const budget = { left: options.maxListed ?? DEFAULT_MAX_LISTED, omitted: 0 };
  const blocks = [
    heading(report, verdict),
    hostTable(report),
    warnings(report),
    reasons(verdict),
    ...report.hosts.map((host) => hostDifferences(host, budget)),
  ];
  if (budget.omitted > 0) blocks.push(`_${budget.omitted} more differences are not listed here; the JSON, JUnit and HTML reports have every one._`);
  return `${blocks.filter((b) => b !== '').join('\n\n')}\n`;
}

function heading(report: DriftReport, verdict: DriftVerdict): string {
  const mark = verdict.verdict === 'passed' ? '✅' : '❌';
  return [
    `### ${mark} driftspec drift: ${verdict.verdict} (exit ${verdict.exitCode})`,
    '',
    text(verdict.summary),
    '',
    `Baseline: ${text(describeSnapshotInfo(report.baseline))} · hosts: ${report.hosts.length} · driftspec ${text(report.tool.version)} · ${text(report.generatedAt)}`,
  ].join('\n');
}

function hostTable(report: DriftReport): string {
  const rows = report.hosts.map((host) => {
    const c = host.counts;
    return row([code(host.target), `${STATE_MARK[host.state]} ${text(stateWords(host))}`, String(c.added), String(c.removed), String(c.changed), String(c.accepted), String(c.ignored), String(c.notCompared)]);
  });
  return [row(['Host', 'State', 'Added', 'Removed', 'Changed', 'Accepted', 'Ignored', 'Not compared']), '| :-- | :-- | --: | --: | --: | --: | --: | --: |', ...rows].join('\n');
}

function warnings(report: DriftReport): string {
  if (report.warnings.length === 0) return '';
  return ['**Warnings**', '', ...report.warnings.map((warning) => `- ⚠️ ${text(warning)}`)].join('\n');
}

function reasons(verdict: DriftVerdict): string {
  if (verdict.reasons.length === 0) return '';
  return ['**Why**', '', ...verdict.reasons.map((reason) => `- ${text(reason)}`)].join('\n');
}

function hostDifferences(host: HostDrift, budget: { left: number; omitted: number }): string {
  const items = flatItems(host);
  const parts: string[] = [];
  if (items.length > 0) {
    const listed = items.slice(0, Math.max(0, budget.left));
    budget.left -= listed.length;
    budget.omitted += items.length - listed.length;
    if (listed.length > 0) {
      parts.push(
        [row(['', 'Kind', 'Item', 'Difference', 'Decision']), '| :-: | :-- | :-- | :-- | :-- |', ...listed.map(itemRow)].join('\n'),
      );
    }
  }
  if (host.notCompared.length > 0 && host.candidate) parts.push(['**Not compared**', '', ...host.notCompared.map((entry) => `- ${text(describeNotCompared(entry))}`)].join('\n'));
  if (!host.candidate) return `#### ${code(host.target, false)}: not compared\n\n${text(host.reason ?? 'no snapshot of the host')}`;
  if (parts.length === 0) return '';
  return [`#### ${code(host.target, false)}: ${text(describeCounts(host))}`, ...parts].join('\n\n');
}

function itemRow({ kind, type, item }: FlatItem): string {
  const difference =
    'changes' in item
      ? item.changes.map((c) => `${text(c.attribute)}: ${code(formatValue(c.old, { shortHashes: true }))} → ${code(formatValue(c.new, { shortHashes: true }))}${c.accepted && !item.accepted ? ' (accepted)' : ''}`).join('<br>')
      : text(describeRecord(kind, item.record, { shortHashes: true }));
  const decision = describeDecision(item);
  const expired = describeExpired(item);
  const decisionCell = [decision ? `${DECISION_MARK[decisionTone(item)]} ${text(decision)}` : '', expired ? `⚠️ ${text(expired)}` : ''].filter(Boolean).join('<br>');
  return row([type, text(noun(kind)), code(item.key), difference, decisionCell]);
}

function row(cells: readonly string[]): string {
  return `| ${cells.join(' | ')} |`;
}
