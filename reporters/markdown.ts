import { describeProfiles } from '../src/profiles/describe.js';
import type { Verdict } from '../src/gate/verdict.js';
import { impactName } from '../src/plan/schema.js';
import {
  notApplicable,
  type CheckResult,
  type ControlResult,
  type HostResult,
  type RunResult,
} from '../src/results/schema.js';
import { printable } from '../src/text/printable.js';
import { countControlStatuses } from '../src/controls/status.js';
import {
  controlOnHost,
  describeEvidence,
  describeSelection,
  describeSpecs,
  describeWaiver,
  findControl,
} from './details.js';

export interface MarkdownReportOptions {
  /** At most this many failed or errored checks are listed, over all hosts (default 25). */
  maxListed?: number;
}

const DEFAULT_MAX_LISTED = 25;
/** Table cells stay readable: longer expected/actual values are cut here (the JSON has them whole). */
const CELL_LIMIT = 160;
/** Evidence inside a collapsed section is cut to this many lines and characters. */
const EVIDENCE_LINES = 30;
const EVIDENCE_CHARS = 2000;

const STATUS_MARK = { passed: '✅', failed: '❌', error: '⚠️', skipped: '⏭️', 'not-applicable': '➖' } as const;

/**
 * A short GitHub-flavoured Markdown summary for pull requests and CI job pages: the verdict, a
 * table per host, the failed and errored checks with expected and actual values, and the evidence
 * collapsed. Everything taken from specs or hosts is escaped, so it renders as the text it is.
 */
export function renderMarkdownReport(result: RunResult, verdict: Verdict, options: MarkdownReportOptions = {}): string {
  return [...markdownReportPieces(result, verdict, options)].join('');
}

/**
 * The same text in pieces: the table of hosts in slices of rows, then each host's findings, so a
 * fleet's report is written as it is rendered rather than held whole (fifty thousand hosts' report
 * is some 23 MiB of text).
 */
export function* markdownReportPieces(
  result: RunResult,
  verdict: Verdict,
  options: MarkdownReportOptions = {},
): Generator<string> {
  const budget = { left: options.maxListed ?? DEFAULT_MAX_LISTED, omitted: 0 };
  let first = true;
  // Blocks are parted by a blank line; an empty block is left out.
  const block = (text: string): string => {
    if (text === '') return '';
    const piece = first ? text : `\n\n${text}`;
    first = false;
    return piece;
  };
  yield block(renderHeading(result, verdict));
  let tableStarted = false;
  for (const piece of hostTablePieces(result)) {
    yield tableStarted ? piece : block(piece);
    tableStarted = true;
  }
  yield block(renderReasons(verdict));
  yield block(renderNotes(result));
  yield block(renderControls(result));
  for (const host of result.hosts) yield block(renderHostFindings(host, result, budget));
  if (budget.omitted > 0)
    yield block(
      `_${budget.omitted} more failed or errored checks are not listed here; the JSON, JUnit and HTML reports have ` +
        `every check._`,
    );
  yield '\n';
}

function renderHeading(result: RunResult, verdict: Verdict): string {
  const mark = verdict.verdict === 'passed' ? '✅' : '❌';
  const c = result.counts;
  const checks = c.passed + c.failed + c.error + c.skipped + notApplicable(c);
  return [
    `### ${mark} driftspec: ${verdict.verdict} (exit ${verdict.exitCode})`,
    '',
    text(verdict.summary),
    '',
    `Specs: ${text(describeSpecs(result))} · hosts: ${result.hosts.length} · checks: ${checks} · driftspec ` +
      `${text(result.tool.version)} · ${text(result.finishedAt)}`,
    ...(result.profiles ? ['', `Profiles: ${text(describeProfiles(result.profiles))}`] : []),
  ].join('\n');
}

/** How many rows of the table of hosts are written in one piece. */
const HOST_ROWS_PER_PIECE = 256;

/** The table of hosts: its head first, then its rows in slices, each slice starting with a line break. */
function* hostTablePieces(result: RunResult): Generator<string> {
  const withNotApplicable = notApplicable(result.counts) > 0;
  const hostRow = (host: HostResult): string => {
    const os = host.host ? (host.host.os.prettyName ?? host.host.os.id) : '';
    const status = host.status === 'completed' ? '✅ completed' : `⚠️ ${host.status}`;
    const c = host.counts;
    return row([
      code(host.target),
      status,
      cell(os),
      String(c.passed),
      String(c.failed),
      String(c.error),
      String(c.skipped),
      ...(withNotApplicable ? [String(notApplicable(c))] : []),
    ]);
  };
  yield [
    row([
      'Host',
      'Status',
      'OS',
      'Passed',
      'Failed',
      'Errors',
      'Skipped',
      ...(withNotApplicable ? ['Not applicable'] : []),
    ]),
    `| :-- | :-- | :-- | --: | --: | --: | --: |${withNotApplicable ? ' --: |' : ''}`,
  ].join('\n');
  let rows: string[] = [];
  for (const host of result.hosts) {
    rows.push(hostRow(host));
    if (rows.length === HOST_ROWS_PER_PIECE) {
      yield `\n${rows.join('\n')}`;
      rows = [];
    }
  }
  if (rows.length > 0) yield `\n${rows.join('\n')}`;
}

/** Warnings (expired waivers, waivers of unknown controls) and what the filters left out. */
function renderNotes(result: RunResult): string {
  const notes = [
    ...(result.warnings ?? []).map((warning) => `- ⚠️ ${text(warning)}`),
    ...(result.selection ? [`- ${text(describeSelection(result.selection))}`] : []),
  ];
  return notes.length === 0 ? '' : ['**Notes**', '', ...notes].join('\n');
}

/** Hosts named in a control's status cell; the rest are counted (the JSON and HTML reports name them all). */
const HOSTS_PER_CONTROL = 20;

/**
 * Where each control is not plainly passed (or is waived), host by host in one pass over the
 * hosts, which a fleet's report reads back from its spool one at a time. Only the first hosts'
 * targets and statuses are kept, the others counted: a host must not stay in memory with its
 * evidence, nor fifty thousand hosts' names with every control.
 */
function notableControlsOnHosts(result: RunResult): Map<string, NotableControl> {
  const notable = new Map<string, NotableControl>();
  for (const host of result.hosts) {
    if (host.status !== 'completed') continue;
    // A control's first entry on the host is its result there, as controlOnHost finds it.
    const seen = new Set<string>();
    for (const found of host.controls ?? []) {
      if (seen.has(found.id)) continue;
      seen.add(found.id);
      if (found.status === 'passed' && found.waiver === undefined) continue;
      let entry = notable.get(found.id);
      if (!entry) {
        entry = { listed: [], more: new Map() };
        notable.set(found.id, entry);
      }
      if (entry.listed.length < HOSTS_PER_CONTROL) entry.listed.push({ target: host.target, status: found.status });
      else entry.more.set(found.status, (entry.more.get(found.status) ?? 0) + 1);
      entry.waiver ??= found.waiver;
    }
  }
  return notable;
}

interface NotableControl {
  listed: { target: string; status: ControlResult['status'] }[];
  /** The hosts past HOSTS_PER_CONTROL, by status. */
  more: Map<string, number>;
  /** The first waiver met for the control. */
  waiver?: ControlResult['waiver'];
}

/**
 * The controls that are not plainly passed on every host that completed, with their status per
 * host (the first HOSTS_PER_CONTROL hosts, then how many more), their waiver or their remediation;
 * then how many controls had each status.
 */
function renderControls(result: RunResult): string {
  const tally = countControlStatuses(result.hosts);
  if (tally.size === 0) return '';
  const notableOnHosts = notableControlsOnHosts(result);
  const rows: string[] = [];
  for (const control of result.controls) {
    const notable = notableOnHosts.get(control.id);
    if (notable === undefined) continue;
    const statuses = notable.listed.map(({ target, status }) =>
      result.hosts.length === 1 ? `${CONTROL_MARK[status]} ${status}` : `${code(target)}: ${status}`,
    );
    const more = [...notable.more.values()].reduce((sum, n) => sum + n, 0);
    if (more > 0)
      statuses.push(`… and ${more} more hosts: ${[...notable.more].map(([status, n]) => `${n} ${status}`).join(', ')}`);
    const { waiver } = notable;
    const note = waiver ? describeWaiver(waiver) : control.remediation ? `remediation: ${control.remediation}` : '';
    rows.push(
      row([code(control.id), cell(control.title ?? ''), impactName(control.impact), statuses.join('<br>'), cell(note)]),
    );
  }
  const summary = `Controls: ${[...tally].map(([status, n]) => `${n} ${status}`).join(', ')}.`;
  if (rows.length === 0) return summary;
  return [
    summary,
    '',
    row(['Control', 'Title', 'Impact', 'Status', 'Waiver or remediation']),
    TABLE_RULE,
    ...rows,
  ].join('\n');
}

const TABLE_RULE = '| :-- | :-- | :-- | :-- | :-- |';

const CONTROL_MARK = { ...STATUS_MARK, waived: '🏳️' } as const;

function renderReasons(verdict: Verdict): string {
  if (verdict.reasons.length === 0) return '';
  return ['**Why**', '', ...verdict.reasons.map((reason) => `- ${text(reason)}`)].join('\n');
}

function renderHostFindings(host: HostResult, result: RunResult, budget: { left: number; omitted: number }): string {
  if (host.status !== 'completed') {
    const skipped = host.counts.skipped > 0 ? ` (${host.counts.skipped} more were skipped)` : '';
    return (
      `#### ${code(host.target, false)}: ` +
      `${host.status}\n\n${text(host.reason ?? 'no reason given')}\n\n${host.counts.error} ` +
      `${host.counts.error === 1 ? 'check' : 'checks'} could not be checked${skipped}.`
    );
  }
  const findings = host.results.filter(
    (r) => (r.status === 'failed' || r.status === 'error') && controlOnHost(host, r.control)?.status !== 'waived',
  );
  if (findings.length === 0) return '';
  const listed = findings.slice(0, Math.max(0, budget.left));
  budget.left -= listed.length;
  budget.omitted += findings.length - listed.length;
  if (listed.length === 0) return '';
  const table = [
    row(['', 'Check', 'Control', 'Expected', 'Actual']),
    '| :-: | :-- | :-- | :-- | :-- |',
    ...listed.map((check) =>
      row([
        STATUS_MARK[check.status],
        cell(check.title),
        describeControl(check, result),
        valueCell(check.expected),
        valueCell(check.actual ?? (check.status === 'error' ? check.message : undefined)),
      ]),
    ),
  ].join('\n');
  return [
    `#### Failed and errored checks on ${code(host.target, false)}`,
    table,
    ...listed.map((check) => renderEvidence(check, host)),
  ].join('\n\n');
}

function describeControl(check: CheckResult, result: RunResult): string {
  if (check.control === null) return '';
  const control = findControl(result, check.control);
  return control ? `${code(control.id)} (${impactName(control.impact)})` : code(check.control);
}

/** A collapsed section per check: the message, then the query and its raw output. */
function renderEvidence(check: CheckResult, host: HostResult): string {
  const evidence = check.evidence === undefined ? undefined : host.evidence[check.evidence];
  const body = evidence ? describeEvidence(evidence) : '(no query output was recorded for this check)';
  const shown = cutEvidence(body);
  return [
    `<details><summary>${rawHtmlText(`${check.checkId}: ${check.title}`)}</summary>`,
    '',
    text(check.message),
    '',
    fenced(shown),
    '',
    '</details>',
  ].join('\n');
}

function cutEvidence(body: string): string {
  const lines = body.split('\n');
  let shown = lines.slice(0, EVIDENCE_LINES).join('\n');
  if (shown.length > EVIDENCE_CHARS) shown = shown.slice(0, EVIDENCE_CHARS);
  return shown.length < body.length ? `${shown}\n… (cut here; the JSON report has the evidence as recorded)` : body;
}

function row(cells: readonly string[]): string {
  return `| ${cells.join(' | ')} |`;
}

function valueCell(value: string | undefined): string {
  if (value === undefined || value === '') return '';
  return code(value.length > CELL_LIMIT ? `${value.slice(0, CELL_LIMIT)}…` : value);
}

function cell(value: string): string {
  return text(value);
}

/**
 * Inline text: every character Markdown could read as markup is backslash-escaped (CommonMark
 * allows that for any ASCII punctuation), `|` too so that a table cell does not split, line
 * breaks become spaces so that a table row stays one line, and other control characters escapes.
 */
export function text(value: string): string {
  return printable(value.replace(/\r?\n/g, ' ')).replace(/[\\`*_[\]<>|~&#]/g, '\\$&');
}

/**
 * A code span fenced with more backticks than the longest run inside. In a table GFM splits cells
 * on `|` before it reads code spans, so `|` is escaped there too (and shown without the backslash).
 */
export function code(value: string, inTable = true): string {
  const flat = printable(value.replace(/\r?\n/g, '⏎'));
  const fence = '`'.repeat(longestBacktickRun(flat) + 1);
  const pad = flat.startsWith('`') || flat.endsWith('`') || flat.startsWith(' ') ? ' ' : '';
  return `${fence}${pad}${inTable ? flat.replace(/\|/g, '\\|') : flat}${pad}${fence}`;
}

/** A fenced block whose fence no line of the content can close. */
function fenced(block: string): string {
  const value = printable(block, { keepLineBreaks: true });
  const fence = '`'.repeat(Math.max(3, longestBacktickRun(value) + 1));
  return `${fence}text\n${value}\n${fence}`;
}

/** Measured without spreading the runs into arguments: a value may hold more than a stack's worth. */
function longestBacktickRun(value: string): number {
  let longest = 0;
  for (const run of value.match(/`+/g) ?? []) longest = Math.max(longest, run.length);
  return longest;
}

/** Text inside raw HTML (the <summary>), where backslash escapes do not apply. */
function rawHtmlText(value: string): string {
  return printable(value.replace(/\r?\n/g, ' ')).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
