import { describeProfiles } from '../src/profiles/describe.js';
import Table from 'cli-table3';
import { BoxTable } from './box-table.js';
import { impactName } from '../src/plan/schema.js';
import { countControlStatuses } from '../src/controls/status.js';
import {
  emptyCounts,
  notApplicable,
  type CheckResult,
  type ControlResult,
  type ControlStatus,
  type HostResult,
  type RunResult,
  type StatusCounts,
} from '../src/results/schema.js';
import type { Verdict } from '../src/gate/verdict.js';
import { painter, type Painter } from '../src/text/paint.js';
import { printable } from '../src/text/printable.js';
import { evidenceLine } from '../src/results/evidence-line.js';
import { controlOnHost, describeSelection, describeWaiver } from './details.js';

export interface CliReportOptions {
  color: boolean;
  /** List passing and skipped checks too, not only what needs attention. */
  verbose: boolean;
}

const MARKS = { passed: '✓', failed: '✗', error: '!', skipped: '-', 'not-applicable': '~' } as const;

export function renderCliReport(result: RunResult, verdict: Verdict, options: CliReportOptions): string {
  return [...cliReportPieces(result, verdict, options)].join('');
}

/**
 * The same text in pieces, one per host: a fleet's report is written as it is rendered. Every text
 * from a spec or a target is printable(): it cannot move the cursor or split a line.
 */
export function* cliReportPieces(result: RunResult, verdict: Verdict, options: CliReportOptions): Generator<string> {
  const paint = painter(options.color);
  const specNames = result.specs.map((s) => (s.version ? `${s.name} ${s.version}` : s.name)).join(', ');
  yield paint.dim(printable(`driftspec ${result.tool.version} · ${specNames}`));
  if (result.profiles) yield `\n${paint.dim(printable(`profiles: ${describeProfiles(result.profiles)}`))}`;
  const summary = summaryTable(result);
  for (const host of result.hosts) {
    yield `\n\n${renderHost(host, result, options, paint).join('\n')}`;
    summary.add(printable(host.target), host.status, summary.cells(host.counts));
  }
  const controls = renderControlTable(result);
  if (controls) yield `\n\n${controls}`;
  if (result.hosts.length > 1) summary.add('all hosts', '', summary.cells(result.counts));
  yield* summary.pieces();
  const verdictColor = verdict.exitCode === 0 ? paint.green : verdict.exitCode === 1 ? paint.red : paint.yellow;
  const lines: string[] = [];
  const controlTally = describeControlTally(result);
  if (controlTally) lines.push(`Controls: ${controlTally}`);
  if (result.selection) lines.push(paint.dim(printable(describeSelection(result.selection))));
  for (const warning of result.warnings ?? []) lines.push(paint.yellow(`Warning: ${printable(warning)}`));
  if (lines.length > 0) lines.push('');
  lines.push(verdictColor(`Result: ${printable(verdict.summary)}`));
  for (const reason of verdict.reasons) {
    const line = `  - ${printable(reason)}`;
    lines.push(reason.startsWith('allowed: ') ? paint.dim(line) : line);
  }
  yield `\n\n${lines.join('\n')}\n`;
}

function renderHost(host: HostResult, result: RunResult, options: CliReportOptions, paint: Painter): string[] {
  const os = host.host?.os.prettyName ?? host.host?.os.id;
  const header = paint.bold(printable(`${host.target}${os ? ` (${os})` : ''}`));
  if (host.status !== 'completed') return [header, paint.yellow(`  ${host.status}: ${printable(host.reason ?? '')}`)];
  const lines = [header];
  const groups = groupByControl(host.results);
  for (const [controlId, results] of groups) {
    const onHost = controlOnHost(host, controlId);
    const waived = onHost?.status === 'waived';
    const needsAttention = results.filter((r) => r.status === 'failed' || r.status === 'error');
    // A waived control is listed with its waiver; its checks only with -v, its outcome is in the heading.
    const shown = options.verbose ? results : waived ? [] : needsAttention;
    if (shown.length === 0 && !onHost?.waiver) continue;
    if (controlId !== null) lines.push(...renderControlHeading(controlId, onHost, result, paint));
    for (const check of shown) lines.push(...renderCheck(check, host, controlId === null ? '  ' : '    ', paint));
  }
  if (lines.length === 1) lines.push(paint.green(`  all ${host.results.length} checks ${allPassedPhrase(host)}`));
  return lines;
}

function renderControlHeading(
  id: string,
  onHost: ControlResult | undefined,
  result: RunResult,
  paint: Painter,
): string[] {
  const control = result.controls.find((c) => c.id === id);
  const title = control?.title ? `  ${printable(control.title)}` : '';
  const impact = control ? paint.dim(` [${impactName(control.impact)}]`) : '';
  const status = onHost ? ` ${CONTROL_COLORS(paint)[onHost.status](controlStatusText(onHost))}` : '';
  const lines = [`  ${paint.bold(printable(id))}${title}${impact}${status}`];
  if (onHost?.waiver) lines.push(paint.dim(`    ${printable(describeWaiver(onHost.waiver))}`));
  if (control?.remediation && (onHost?.outcome === 'failed' || onHost?.outcome === 'error'))
    lines.push(paint.dim(`    remediation: ${printable(control.remediation)}`));
  return lines;
}

/** `failed`, or `waived (checks: failed)`: a waived control still says what its checks found. */
function controlStatusText(control: ControlResult): string {
  return control.status === 'waived' ? `waived (checks: ${control.outcome})` : control.status;
}

function CONTROL_COLORS(paint: Painter): Record<ControlStatus, (text: string) => string> {
  return {
    passed: paint.green,
    failed: paint.red,
    error: paint.yellow,
    skipped: paint.dim,
    'not-applicable': paint.dim,
    waived: paint.yellow,
  };
}

function renderCheck(check: CheckResult, host: HostResult, indent: string, paint: Painter): string[] {
  const color = {
    passed: paint.green,
    failed: paint.red,
    error: paint.yellow,
    skipped: paint.dim,
    'not-applicable': paint.dim,
  }[check.status];
  const lines = [`${indent}${color(MARKS[check.status])} ${printable(check.title)}`];
  const message = printable(check.message);
  if (check.status === 'failed' || check.status === 'error') lines.push(`${indent}    ${color(message)}`);
  if (check.status === 'skipped' || check.status === 'not-applicable') lines.push(`${indent}    ${paint.dim(message)}`);
  const evidence = check.evidence ? host.evidence[check.evidence] : undefined;
  if ((check.status === 'error' || check.status === 'failed') && evidence)
    lines.push(paint.dim(`${indent}    ${evidenceLine(evidence)}`));
  return lines;
}

/** Booted hosts keep the old wording; a host with checks not applicable says so. */
function allPassedPhrase(host: HostResult): string {
  return notApplicable(host.counts) > 0 ? 'passed, were skipped or not applicable' : 'passed or were skipped';
}

function groupByControl(results: readonly CheckResult[]): Map<string | null, CheckResult[]> {
  const groups = new Map<string | null, CheckResult[]>();
  for (const r of results) {
    const list = groups.get(r.control) ?? [];
    list.push(r);
    groups.set(r.control, list);
  }
  return groups;
}

/** `2 passed, 1 failed, 1 waived`: each control counted once per host. */
function describeControlTally(result: RunResult): string {
  const counts = countControlStatuses(result.hosts);
  return [...counts].map(([status, n]) => `${n} ${status}`).join(', ');
}

/** A control's statuses over the hosts: `failed`, or `passed 2, failed 1`. */
function describeStatusOverHosts(statuses: ReadonlyMap<string, number> | undefined, hosts: number): string {
  if (statuses === undefined) return '';
  if (statuses.size === 1 && hosts === 1) return [...statuses.keys()][0]!;
  return [...statuses].map(([status, n]) => `${status} ${n}`).join(', ');
}

/**
 * Checks per control (or per resource type outside controls), summed over the hosts that
 * completed, with each control's statuses over them: one pass over the hosts, which a fleet's
 * report reads back from its spool one at a time.
 */
function renderControlTable(result: RunResult): string | undefined {
  const rows = new Map<string, { impact: string; control: string | null; counts: StatusCounts }>();
  const statuses = new Map<string, Map<string, number>>();
  for (const host of result.hosts) {
    if (host.status !== 'completed') continue;
    const seen = new Set<string>();
    for (const { id, status } of host.controls ?? []) {
      if (seen.has(id)) continue;
      seen.add(id);
      const counted = statuses.get(id) ?? new Map<string, number>();
      counted.set(status, (counted.get(status) ?? 0) + 1);
      statuses.set(id, counted);
    }
    for (const check of host.results) {
      const key = check.control ?? `(${check.resource})`;
      let row = rows.get(key);
      if (!row) {
        const control = check.control === null ? undefined : result.controls.find((c) => c.id === check.control);
        row = { impact: control ? impactName(control.impact) : '', control: check.control, counts: emptyCounts() };
        rows.set(key, row);
      }
      row.counts[check.status] = (row.counts[check.status] ?? 0) + 1;
    }
  }
  if (rows.size === 0) return undefined;
  const columns = countColumns(result);
  const withStatus = result.hosts.some((h) => h.controls !== undefined);
  const table = new Table({
    head: ['control / resource', 'impact', ...(withStatus ? ['status'] : []), ...columns.head],
    style: { head: [], border: [] },
  });
  for (const [key, { impact, control, counts }] of rows) {
    const status = control === null ? '' : describeStatusOverHosts(statuses.get(control), result.hosts.length);
    table.push([printable(key), impact, ...(withStatus ? [status] : []), ...columns.cells(counts)]);
  }
  return table.toString();
}

/** How many of the summary table's rows are written in one piece. */
const SUMMARY_ROWS_PER_PIECE = 256;

/**
 * The table of hosts and their counts, drawn once every row is known (a column is as wide as its
 * widest cell). A row is kept as its first two cells and its counts, the cells' text made again
 * when it is drawn (fifty thousand hosts' rows as text were some 15 MiB); the table's text is
 * written in slices.
 */
function summaryTable(result: RunResult) {
  const columns = countColumns(result);
  const table = new BoxTable(['target', 'status', ...columns.head]);
  const labels: string[] = [];
  const statuses: string[] = [];
  // A status read back from the spool is a string of its own per host: the first one met is kept.
  const sameStatus = new Map<string, string>();
  const counts: number[] = [];
  const width = columns.head.length;
  const rowAt = (index: number): string[] => [
    labels[index]!,
    statuses[index]!,
    ...counts.slice(index * width, (index + 1) * width).map(String),
  ];
  return {
    cells: (hostCounts: StatusCounts) => columns.cells(hostCounts),
    add(label: string, status: string, cells: readonly number[]): void {
      table.measure([label, status, ...cells.map(String)]);
      labels.push(label);
      if (!sameStatus.has(status)) sameStatus.set(status, status);
      statuses.push(sameStatus.get(status)!);
      counts.push(...cells);
    },
    *pieces(): Generator<string> {
      yield `\n\n${[table.top(), ...table.headLines(labels.length > 0)].join('\n')}`;
      for (let start = 0; start < labels.length; start += SUMMARY_ROWS_PER_PIECE) {
        const end = Math.min(start + SUMMARY_ROWS_PER_PIECE, labels.length);
        const lines: string[] = [];
        for (let index = start; index < end; index++)
          lines.push(...table.rowLines(rowAt(index), index === labels.length - 1));
        yield `\n${lines.join('\n')}`;
      }
    },
  };
}

/** The count columns; "not applicable" only in a run that had such checks. */
function countColumns(result: RunResult): { head: string[]; cells(counts: StatusCounts): number[] } {
  const withNotApplicable = notApplicable(result.counts) > 0;
  return {
    head: ['passed', 'failed', 'error', 'skipped', ...(withNotApplicable ? ['not applicable'] : [])],
    cells: (c) => [c.passed, c.failed, c.error, c.skipped, ...(withNotApplicable ? [notApplicable(c)] : [])],
  };
}
