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
  const budget = { left: options.maxListed ?? DEFAULT_MAX_LISTED, omitted: 0 };
  const blocks = [
    renderHeading(result, verdict),
    renderHostTable(result),
    renderReasons(verdict),
    renderNotes(result),
    renderControls(result),
    ...result.hosts.map((host) => renderHostFindings(host, result, budget)),
  ];
  if (budget.omitted > 0)
    blocks.push(
      `_${budget.omitted} more failed or errored checks are not listed here; the JSON, JUnit and HTML reports have ` +
        `every check._`,
    );
  return `${blocks.filter((b) => b !== '').join('\n\n')}\n`;
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

function renderHostTable(result: RunResult): string {
  const withNotApplicable = notApplicable(result.counts) > 0;
  const rows = result.hosts.map((host) => {
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
  });
  return [
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
    ...rows,
  ].join('\n');
}

/** Warnings (expired waivers, waivers of unknown controls) and what the filters left out. */
function renderNotes(result: RunResult): string {
  const notes = [
    ...(result.warnings ?? []).map((warning) => `- ⚠️ ${text(warning)}`),
    ...(result.selection ? [`- ${text(describeSelection(result.selection))}`] : []),
  ];
  return notes.length === 0 ? '' : ['**Notes**', '', ...notes].join('\n');
}

/**
 * Where each control is not plainly passed (or is waived), host by host in one pass over the
 * hosts, which a fleet's report reads back from its spool one at a time. The target, not the host,
 * is kept: a host must not stay in memory with its evidence.
 */
function notableControlsOnHosts(result: RunResult): Map<string, NotableControl[]> {
  const notable = new Map<string, NotableControl[]>();
  for (const host of result.hosts) {
    if (host.status !== 'completed') continue;
    // A control's first entry on the host is its result there, as controlOnHost finds it.
    const seen = new Set<string>();
    for (const found of host.controls ?? []) {
      if (seen.has(found.id)) continue;
      seen.add(found.id);
      if (found.status === 'passed' && found.waiver === undefined) continue;
      const list = notable.get(found.id) ?? [];
      list.push({ target: host.target, found });
      notable.set(found.id, list);
    }
  }
  return notable;
}

interface NotableControl {
  target: string;
  found: ControlResult;
}

/**
 * The controls that are not plainly passed on every host that completed, with their status per
 * host, their waiver or their remediation; then how many controls had each status.
 */
function renderControls(result: RunResult): string {
  const tally = countControlStatuses(result.hosts);
  if (tally.size === 0) return '';
  const notableOnHosts = notableControlsOnHosts(result);
  const rows: string[] = [];
  for (const control of result.controls) {
    const notable = notableOnHosts.get(control.id) ?? [];
    if (notable.length === 0) continue;
    const statuses = notable.map(({ target, found }) =>
      result.hosts.length === 1 ? `${CONTROL_MARK[found.status]} ${found.status}` : `${code(target)}: ${found.status}`,
    );
    const waiver = notable.find(({ found }) => found.waiver)?.found.waiver;
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
