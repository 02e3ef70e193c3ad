import Table from 'cli-table3';
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
  printable,
  stateWords,
  TYPE_MARK,
  type FlatItem,
} from './drift-text.js';

export interface DriftCliOptions {
  color: boolean;
}

/**
 * The terminal drift report: a summary table per host and kind, then every difference, changed
 * attributes old → new, each with what the gate made of it; warnings and the verdict last.
 */
export function renderDriftCli(report: DriftReport, verdict: DriftVerdict, options: DriftCliOptions): string {
  const paint = painter(options.color);
  const lines: string[] = [paint.dim(`driftspec ${report.tool.version} · drift from ${describeSnapshotInfo(report.baseline)}`)];
  lines.push('', renderSummary(report));
  for (const host of report.hosts) lines.push('', ...renderHost(host, paint));
  if (report.warnings.length > 0) {
    lines.push('', paint.yellow('Warnings:'));
    for (const warning of report.warnings) lines.push(paint.yellow(`  ! ${warning}`));
  }
  const tone = verdict.exitCode === 0 ? paint.green : paint.red;
  lines.push('', tone(`Result: ${verdict.summary} (exit ${verdict.exitCode})`));
  for (const reason of verdict.reasons) lines.push(reason.startsWith('allowed: ') ? paint.dim(`  - ${reason}`) : `  - ${reason}`);
  return `${lines.join('\n')}\n`;
}

type Painter = ReturnType<typeof painter>;

function painter(enabled: boolean) {
  const wrap = (code: string) => (text: string) => (enabled ? `\u001b[${code}m${text}\u001b[0m` : text);
  return { red: wrap('31'), green: wrap('32'), yellow: wrap('33'), cyan: wrap('36'), dim: wrap('2'), bold: wrap('1') };
}

/** One row per host and kind that has anything to say; a host with nothing gets one row. */
function renderSummary(report: DriftReport): string {
  const table = new Table({ head: ['host', 'state', 'kind', 'added', 'removed', 'changed', 'accepted', 'compared'], style: { head: [], border: [] } });
  for (const host of report.hosts) {
    const rows = host.kinds
      .map((kind) => {
        const open = (type: 'added' | 'removed' | 'changed') => kind[type].filter((item) => !item.accepted).length;
        const accepted = kind.added.filter((i) => i.accepted).length + kind.removed.filter((i) => i.accepted).length + kind.changed.filter((i) => i.accepted).length;
        return [kind.kind, open('added'), open('removed'), open('changed'), accepted, kind.compared] as const;
      })
      .filter(([, added, removed, changed, accepted, compared]) => added + removed + changed + accepted > 0 || compared !== 'all');
    if (rows.length === 0) {
      table.push([host.target, host.state, '(all)', 0, 0, 0, 0, 'all']);
      continue;
    }
    rows.forEach((row, i) => table.push([i === 0 ? host.target : '', i === 0 ? host.state : '', ...row]));
  }
  return table.toString();
}

function renderHost(host: HostDrift, paint: Painter): string[] {
  const tone = host.state === 'no-drift' ? paint.green : host.state === 'drift' ? paint.red : paint.yellow;
  const lines = [`${paint.bold(host.target)} ${tone(stateWords(host))}`];
  if (host.candidate) lines.push(paint.dim(`  candidate ${describeSnapshotInfo(host.candidate)}`));
  lines.push(paint.dim(`  ${describeCounts(host)}`));
  let kind: string | undefined;
  for (const entry of flatItems(host)) {
    if (entry.kind !== kind) {
      kind = entry.kind;
      lines.push(`  ${paint.cyan(entry.kind)}`);
    }
    lines.push(...renderItem(entry, paint));
  }
  if (host.notCompared.length > 0 && host.candidate) {
    lines.push(`  ${paint.yellow('not compared')}`);
    for (const entry of host.notCompared) lines.push(paint.yellow(`    ? ${describeNotCompared(entry)}`));
  }
  return lines;
}

function renderItem({ kind, type, item }: FlatItem, paint: Painter): string[] {
  const decision = describeDecision(item);
  const tone = { accepted: paint.dim, block: paint.red, allow: paint.green, open: (s: string) => s }[decisionTone(item)];
  const head = `    ${TYPE_MARK[type]} ${noun(kind)} ${printable(item.key)}`;
  const lines = [decision ? `${tone(head)}  ${paint.dim(`[${decision}]`)}` : tone(head)];
  if ('changes' in item) {
    const width = Math.max(...item.changes.map((c) => c.attribute.length));
    for (const change of item.changes) {
      const accepted = change.accepted && !item.accepted ? paint.dim(`  [accepted: ${change.accepted.reason}]`) : '';
      lines.push(`        ${change.attribute.padEnd(width)}  ${formatValue(change.old, { shortHashes: true })} → ${formatValue(change.new, { shortHashes: true })}${accepted}`);
    }
  } else {
    const record = describeRecord(kind, item.record, { shortHashes: true });
    if (record) lines.push(paint.dim(`        ${record}`));
  }
  const expired = describeExpired(item);
  if (expired) lines.push(paint.yellow(`        ${expired}`));
  return lines;
}
