import { countControlStatuses, waivedControlIds } from '../../src/controls/status.js';
import { impactName, type Control } from '../../src/plan/schema.js';
import { controlOnHost, describeSelection, describeWaiver } from '../details.js';
import {
  EVIDENCE_LIMIT,
  notApplicable,
  type CheckResult,
  type CheckStatus,
  type ControlResult,
  type Evidence,
  type HostResult,
  type RunResult,
  type StatusCounts,
} from '../../src/results/schema.js';
import type { Verdict } from '../../src/gate/verdict.js';
import { REPORT_JS } from './assets.js';
import { BASE_STYLE, contentSecurityPolicy, PAGE_END, pageStart } from './page.js';
import { html, type Html } from './template.js';

/**
 * One self-contained HTML page: inline CSS and script, no fetch of any kind (a Content Security
 * Policy forbids every load and every script but the page's own). The page is a pure function of
 * its input, so the same result always renders the same bytes.
 */
export function renderHtmlReport(result: RunResult, verdict: Verdict): string {
  return [...htmlReportPieces(result, verdict)].join('');
}

/** The same page in pieces, one per host: a fleet's page is written as it is rendered. */
export function* htmlReportPieces(result: RunResult, verdict: Verdict): Generator<string> {
  const controls = new Map(result.controls.map((c) => [c.id, c]));
  yield pageStart({
    policy: CONTENT_SECURITY_POLICY,
    generator: `${result.tool.name} ${result.tool.version}`,
    title: `driftspec report: ${verdict.summary} · ${specNames(result)}`,
    style: BASE_STYLE,
  });
  yield html`<main>
${renderHeader(result, verdict)}
${renderNotes(result)}
`.text;
  // A row per host: ten thousand rows are megabytes, written row by row.
  yield* hostTablePieces(result);
  yield html`
${renderAttention(result, controls)}
${renderFilters(result.counts)}
`.text;
  for (const [index, host] of result.hosts.entries()) yield renderHost(host, index, controls).text;
  yield `
</main>
<script>${SCRIPT}</script>
${PAGE_END}`;
}

// ---------------------------------------------------------------------------------------------
// Header, host table, controls needing attention, filters

const STATUSES: readonly CheckStatus[] = ['failed', 'error', 'skipped', 'not-applicable', 'passed'];
const STATUS_RANK: Record<CheckStatus, number> = { failed: 0, error: 1, skipped: 2, 'not-applicable': 3, passed: 4 };

/** The statuses with a tile, a column and a filter: "not-applicable" only in a run that has such checks. */
function shownStatuses(counts: StatusCounts): readonly CheckStatus[] {
  return notApplicable(counts) > 0 ? STATUSES : STATUSES.filter((s) => s !== 'not-applicable');
}

function countOf(counts: StatusCounts, status: CheckStatus): number {
  return counts[status] ?? 0;
}

function specNames(result: RunResult): string {
  return result.specs.map((s) => (s.version ? `${s.name} ${s.version}` : s.name)).join(', ');
}

function verdictTone(verdict: Verdict): 'ok' | 'fail' | 'warn' {
  if (verdict.verdict === 'passed') return 'ok';
  return verdict.exitCode === 1 ? 'fail' : 'warn';
}

/** Long lists (reasons, controls) show their head; the rest is one click away, not gone. */
const LIST_HEAD = 10;

function withMore<T>(items: readonly T[], render: (item: T) => Html, wrap: (rows: Html[]) => Html, noun: string): Html {
  const head = wrap(items.slice(0, LIST_HEAD).map(render));
  if (items.length <= LIST_HEAD) return head;
  const rest = items.length - LIST_HEAD;
  return html`${head}<details class="more"><summary>${rest} more ${noun}\
</summary>${wrap(items.slice(LIST_HEAD).map(render))}</details>`;
}

function renderHeader(result: RunResult, verdict: Verdict): Html {
  const total = totalOf(result.counts);
  // Counted in one pass, not filtered: hosts read back from a spool must not be held together.
  const byStatus = { completed: 0, unreachable: 0, error: 0 };
  for (const host of result.hosts) byStatus[host.status]++;
  const hostStates = Object.entries(byStatus)
    .filter(([, n]) => n > 0)
    .map(([status, n]) => `${n} ${status}`);
  const duration = runDuration(result);
  return html`<header>
<h1>driftspec report</h1>
<p class="specs">${result.specs.map(
    (s, i) => html`${i > 0 ? ', ' : ''}<b>${s.name}\
</b>${s.version ? ` ${s.version}` : ''}${s.title ? html` <span class="muted">— ${s.title}</span>` : ''}`,
  )}</p>
<div class="verdict ${verdictTone(verdict)}" id="verdict"><span class="label">verdict</span> <strong>${verdict.summary}\
</strong> <span class="exit">exit code ${verdict.exitCode}</span></div>
${
  verdict.reasons.length > 0
    ? withMore(
        verdict.reasons,
        (reason) => html`<li>${reason}</li>`,
        (rows) => html`<ul class="reasons">${rows}</ul>`,
        'reasons',
      )
    : ''
}
<div class="tiles">
<div class="tile"><b>${total}</b>checks on ${result.hosts.length} host${result.hosts.length === 1 ? '' : 's'}</div>
${shownStatuses(result.counts).map(
  (s) => html`<div class="tile t-${s}"><b data-total="${s}">${countOf(result.counts, s)}</b>${s}</div>`,
)}
</div>
<p class="muted">hosts: ${hostStates.join(', ') || 'none'} · started ${result.startedAt} · \
finished ${result.finishedAt}${duration ? ` (${duration})` : ''} · ${result.tool.name} ${result.tool.version}</p>
</header>`;
}

/** Warnings (an expired waiver, one for an unknown control), what the filters left out, the controls' statuses. */
function renderNotes(result: RunResult): Html | '' {
  const tally = [...countControlStatuses(result.hosts)];
  const warnings = result.warnings ?? [];
  if (warnings.length === 0 && !result.selection && tally.length === 0) return '';
  return html`<section id="notes">${
    tally.length > 0
      ? html`<p id="control-tally">controls: ${tally.map(
          ([status, n], i) => html`${i > 0 ? ', ' : ''}<span class="c-${status}">${n} ${status}</span>`,
        )}</p>`
      : ''
  }${
    warnings.length > 0 ? html`<ul class="warnings">${warnings.map((w) => html`<li>warning: ${w}</li>`)}</ul>` : ''
  }${result.selection ? html`<p class="muted">${describeSelection(result.selection)}</p>` : ''}</section>`;
}

function* hostTablePieces(result: RunResult): Generator<string> {
  if (result.hosts.length === 0) return yield html`<section><h2>Hosts</h2><p>No host was checked.</p></section>`.text;
  const statuses = shownStatuses(result.counts);
  yield html`<section id="hosts"><h2>Hosts</h2>
<table class="hosts"><thead><tr><th>target</th><th>status</th><th>OS</th><th>kernel</th>\
${statuses.map((s) => html`<th class="n">${s}</th>`)}<th class="n">time</th></tr></thead>
<tbody>`.text;
  for (const [index, host] of result.hosts.entries()) yield hostRow(host, index, statuses).text;
  yield '</tbody></table></section>';
}

function hostRow(host: HostResult, index: number, statuses: ReturnType<typeof shownStatuses>): Html {
  const facts = host.host;
  const os = facts ? (facts.os.prettyName ?? [facts.os.id, facts.os.versionId].filter(Boolean).join(' ')) : '';
  const kernel = facts ? `${facts.kernelRelease} ${facts.arch}`.trim() : '';
  const row = html`<tr><td><a href="#host-${index}">${host.target}</a>${inventoryNote(host)}</td><td>\
<span class="b ${host.status}">${host.status}</span></td><td>${os}</td><td>${kernel}</td>${statuses.map(
    (s) => html`\
<td class="n${countOf(host.counts, s) > 0 ? ` c-${s}` : ''}">${countOf(host.counts, s)}</td>`,
  )}\
<td class="n">${readableDuration(host.durationMs)}</td></tr>`;
  if (host.status === 'completed') return row;
  return html`${row}<tr class="reason"><td colspan="${5 + statuses.length}">${reasonText(host)}</td></tr>`;
}

function inventoryNote(host: HostResult): Html | '' {
  const inventory = host.inventory;
  if (!inventory) return '';
  const name = inventory.name !== host.target ? inventory.name : '';
  const groups = inventory.groups.length > 0 ? `groups: ${inventory.groups.join(', ')}` : '';
  const text = [name, groups].filter(Boolean).join(' · ');
  return text ? html`<div class="muted">${text}</div>` : '';
}

function reasonText(host: HostResult): Html {
  const kind = host.reasonKind ? html` <span class="muted">(${host.reasonKind})</span>` : '';
  return html`<b>${host.status}:</b> ${host.reason ?? 'no reason was recorded'}${kind}`;
}

/** Controls that failed or errored on hosts that were checked; unreachable hosts are in the host table. */
function renderAttention(result: RunResult, controls: ReadonlyMap<string, Control>): Html | '' {
  // Hosts are counted, not listed: each is met once, in order, so a control counts a host when it was not its last.
  const tally = new Map<string, { failed: number; error: number; hosts: number; lastHost: number }>();
  result.hosts.forEach((host, index) => {
    if (host.status !== 'completed') return;
    const waived = waivedControlIds(host);
    for (const check of host.results) {
      if (check.control === null || (check.status !== 'failed' && check.status !== 'error')) continue;
      if (waived.has(check.control)) continue;
      const entry = tally.get(check.control) ?? { failed: 0, error: 0, hosts: 0, lastHost: -1 };
      entry[check.status]++;
      if (entry.lastHost !== index) entry.hosts++;
      entry.lastHost = index;
      tally.set(check.control, entry);
    }
  });
  if (tally.size === 0) return '';
  const rows = [...tally]
    .map(([id, entry]) => ({ id, entry, control: controls.get(id) }))
    .sort((a, b) => (b.control?.impact ?? 0) - (a.control?.impact ?? 0) || b.entry.failed - a.entry.failed);
  const table = (body: Html[]) =>
    html`<table class="attention"><thead><tr><th>control</th><th>impact</th><th>title</th><th class="n">failed</th>\
<th class="n">error</th><th class="n">hosts</th></tr></thead><tbody>${body}</tbody></table>`;
  const row = ({ id, entry, control }: (typeof rows)[number]) =>
    html`<tr><td class="mono">${id}</td><td>${control ? impactBadge(control.impact) : ''}</td>\
<td>${control?.title ?? ''}</td><td class="n${entry.failed > 0 ? ' c-failed' : ''}">${entry.failed}</td>\
<td class="n${entry.error > 0 ? ' c-error' : ''}">${entry.error}</td><td class="n">${entry.hosts}</td></tr>`;
  return html`<section id="attention"><h2>Controls that need attention</h2>
${withMore(rows, row, table, 'controls')}</section>`;
}

/** Hidden until the script shows it: without JavaScript everything is listed and nothing filters. */
function renderFilters(counts: StatusCounts): Html {
  return html`<div id="filters" class="filters" role="group" aria-label="filter checks" hidden>
<span class="label">show</span>
${shownStatuses(counts).map(
  (s) => html`<label class="f-${s}"><input type="checkbox" value="${s}" checked> ${s} \
<span class="count">${countOf(counts, s)}</span></label>`,
)}
<input type="search" id="search" placeholder="filter by text (host, control, title, message)" aria-label="filter by \
text">
<span id="shown" class="muted"></span>
</div>`;
}

// ---------------------------------------------------------------------------------------------
// One host: its checks grouped by control, worst first, then the queries it ran

interface Group {
  control: string | null;
  checks: CheckResult[];
  worst: number;
}

function renderHost(host: HostResult, index: number, controls: ReadonlyMap<string, Control>): Html {
  const facts = host.host;
  const details = facts
    ? [
        facts.os.prettyName ?? facts.os.id,
        `kernel ${facts.kernelRelease}`,
        facts.arch,
        `hostname ${facts.hostname}`,
        `${facts.packageManager}/${facts.initSystem}`,
      ]
    : [];
  details.push(
    `started ${host.startedAt}`,
    readableDuration(host.durationMs),
    `${host.execCount} exec${host.execCount === 1 ? '' : 's'}`,
  );
  const heading = html`<h2><span class="b ${host.status}">${host.status}</span> ${host.target}</h2>
<p class="muted">${details.join(' · ')}</p>`;
  if (host.status !== 'completed') return renderUncheckedHost(host, index, heading);
  const evidenceIds = new Map(Object.keys(host.evidence).map((id, i) => [id, `ev-${index}-${i}`]));
  const groups = groupByControl(host.results, controls);
  return html`<section class="host" id="host-${index}">
${heading}
${groups.map((group) => renderGroup(group, controls, evidenceIds, controlOnHost(host, group.control)))}
<p class="nomatch muted" hidden>No check of this host matches the filter.</p>
${renderEvidenceList(host, evidenceIds)}
</section>`;
}

function renderUncheckedHost(host: HostResult, index: number, heading: Html): Html {
  const notRun = host.results.filter((r) => r.status !== 'skipped').length;
  const items = host.results.map(
    (check) =>
      html`<li class="check" data-status="${check.status}"><span class="b ${check.status}">${check.status}</span>\
<span class="t">${check.title}</span>${
        check.control !== null
          ? html` <span class="mono muted">${check.control}\
</span>`
          : ''
      }${check.status === 'skipped' ? html` <span class="muted">${check.message}</span>` : ''}</li>`,
  );
  return html`<section class="host" id="host-${index}">
${heading}
<p class="reason">${reasonText(host)}</p>
<details class="group notrun">\
<summary>${notRun} check${notRun === 1 ? '' : 's'} not run on this \
host${host.results.length > notRun ? `, ${host.results.length - notRun} skipped` : ''}</summary>
<ul class="checks">${items}</ul></details>
<p class="nomatch muted" hidden>No check of this host matches the filter.</p>
</section>`;
}

/** Groups in order of their worst status, then by impact; checks in each group worst first. */
function groupByControl(results: readonly CheckResult[], controls: ReadonlyMap<string, Control>): Group[] {
  const groups = new Map<string | null, Group>();
  for (const check of results) {
    const group = groups.get(check.control) ?? { control: check.control, checks: [], worst: STATUS_RANK.passed };
    group.checks.push(check);
    group.worst = Math.min(group.worst, STATUS_RANK[check.status]);
    groups.set(check.control, group);
  }
  for (const group of groups.values()) group.checks.sort((a, b) => STATUS_RANK[a.status] - STATUS_RANK[b.status]);
  const impact = (group: Group) => (group.control === null ? -1 : (controls.get(group.control)?.impact ?? 0));
  return [...groups.values()].sort((a, b) => a.worst - b.worst || impact(b) - impact(a));
}

function renderGroup(
  group: Group,
  controls: ReadonlyMap<string, Control>,
  evidenceIds: ReadonlyMap<string, string>,
  onHost?: ControlResult,
): Html {
  const counts = STATUSES.map((s) => [s, group.checks.filter((c) => c.status === s).length] as const).filter(
    ([, n]) => n > 0,
  );
  const tally = html`<span class="tally">${counts.map(([s, n]) => html`<span class="c-${s}">${n} ${s}</span>`)}</span>`;
  const checks = html`<ul class="checks">${group.checks.map((check) => renderCheck(check, evidenceIds))}</ul>`;
  if (group.control === null) {
    return html`<section class="group"><div class="gh"><h3>Checks outside any control</h3>${tally}</div>${checks}\
</section>`;
  }
  const control = controls.get(group.control);
  const tags = control
    ? Object.entries(control.tags).map(
        ([key, value]) =>
          html`<span class="tag">${key}: ${Array.isArray(value) ? value.join(', ') : String(value)}</span>`,
      )
    : [];
  const status = onHost ? html`<span class="b ${onHost.status}" title="control status">${onHost.status}</span> ` : '';
  const waiver = onHost?.waiver
    ? html`<p class="waiver">${describeWaiver(onHost.waiver)}${
        onHost.status === 'waived' ? ` (checks: ${onHost.outcome})` : ''
      }</p>`
    : '';
  return html`<section class="group"${onHost ? html` data-control-status="${onHost.status}"` : ''}><div class="gh">\
<h3>${status}<span class="mono">${group.control}\
</span>${control?.title ? html` ${control.title}` : ''}</h3>${control ? impactBadge(control.impact) : ''}${tally}</div>
${waiver}${tags.length > 0 ? html`<div class="tags">${tags}</div>` : ''}${
  control?.description
    ? html`\
<p class="desc">${control.description}</p>`
    : ''
}${
  control?.refs.length
    ? html`\
<p class="muted">refs: ${control.refs.join(' · ')}</p>`
    : ''
}${
  control?.skip
    ? html`\
<p class="muted">skipped: ${control.skip}</p>`
    : ''
}${control ? renderGuidance(control) : ''}
${checks}</section>`;
}

/** Rationale, remediation and references with their links (only http and https reach a reference's url). */
function renderGuidance(control: Control): Html | '' {
  const references = control.references ?? [];
  if (!control.rationale && !control.remediation && references.length === 0) return '';
  return html`<dl class="guidance">${
    control.rationale ? html`<dt>rationale</dt><dd>${control.rationale}</dd>` : ''
  }${control.remediation ? html`<dt>remediation</dt><dd>${control.remediation}</dd>` : ''}${
    references.length > 0
      ? html`<dt>references</dt><dd>${references.map(
          (ref, i) =>
            html`${i > 0 ? ' · ' : ''}${
              ref.url ? html`<a href="${ref.url}" rel="noreferrer">${ref.title ?? ref.url}</a>` : (ref.title ?? '')
            }`,
        )}</dd>`
      : ''
  }</dl>`;
}

function impactBadge(impact: number): Html {
  const name = impactName(impact);
  return html`<span class="impact i-${name}" title="impact">impact ${name} ${impact}</span>`;
}

function renderCheck(check: CheckResult, evidenceIds: ReadonlyMap<string, string>): Html {
  const evidenceId = check.evidence !== undefined ? evidenceIds.get(check.evidence) : undefined;
  const evidence = evidenceId ? html`<a class="ev" href="#${evidenceId}">evidence ${check.evidence}</a>` : '';
  const head = html`<li class="check" data-status="${check.status}"><span class="b ${check.status}">${check.status}\
</span><div class="cb"><div class="t">${check.title}${evidence}</div>`;
  if (check.status === 'passed') {
    return html`${head}${check.actual !== undefined ? html`<div class="muted">actual: ${check.actual}</div>` : ''}\
</div></li>`;
  }
  const message = check.message !== check.title ? html`<div class="m">${check.message}</div>` : '';
  const sideBySide =
    check.status !== 'skipped' && (check.expected !== undefined || check.actual !== undefined)
      ? html`<div class="ea"><div><span class="label">expected</span><pre>${check.expected ?? '—'}</pre></div><div>\
<span class="label">actual</span><pre>${check.actual ?? '—'}</pre></div></div>`
      : '';
  return html`${head}${message}${sideBySide}</div></li>`;
}

/** Each query once per host; a check's "evidence" link opens it (in place, with the script). */
function renderEvidenceList(host: HostResult, evidenceIds: ReadonlyMap<string, string>): Html | '' {
  const entries = Object.entries(host.evidence);
  if (entries.length === 0) return '';
  const users = new Map<string, number>();
  for (const check of host.results)
    if (check.evidence !== undefined) users.set(check.evidence, (users.get(check.evidence) ?? 0) + 1);
  return html`<details class="evlist"><summary>Queries and raw output (${entries.length})</summary>
${entries.map(([key, evidence]) => renderEvidence(evidence, evidenceIds.get(key)!, users.get(key) ?? 0))}
</details>`;
}

function renderEvidence(evidence: Evidence, domId: string, users: number): Html {
  const exit = evidence.exitCode === null ? 'no exit status' : `exit ${evidence.exitCode}`;
  const truncated = evidence.truncated
    ? html`<p class="trunc">Output truncated: each stream is kept to its first ${EVIDENCE_LIMIT} bytes (stdout \
had ${evidence.stdoutBytes}, stderr ${evidence.stderrBytes}).</p>`
    : '';
  return html`<details class="evd"><summary><span class="mono">${evidence.id}\
</span> · ${exit} · stdout ${evidence.stdoutBytes} B · stderr ${evidence.stderrBytes} B · used by ${users} \
check${users === 1 ? '' : 's'}${evidence.truncated ? ' · truncated' : ''}</summary>
<div class="evb" id="${domId}"><span class="label">query script</span><pre>${evidence.script}</pre>
<div class="ea"><div><span class="label">stdout</span><pre>${evidence.stdout || '(empty)'}</pre></div><div>\
<span class="label">stderr</span><pre>${evidence.stderr || '(empty)'}</pre></div></div>${truncated}</div></details>`;
}

// ---------------------------------------------------------------------------------------------
// Small helpers

function totalOf(counts: StatusCounts): number {
  return counts.passed + counts.failed + counts.error + counts.skipped + notApplicable(counts);
}

function readableDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const seconds = Math.round(ms / 1000);
  return `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
}

function runDuration(result: RunResult): string {
  const ms = Date.parse(result.finishedAt) - Date.parse(result.startedAt);
  return Number.isFinite(ms) && ms >= 0 ? readableDuration(ms) : '';
}

// ---------------------------------------------------------------------------------------------
// The page's script (reporters/html/assets/report.js), on lines of its own, allowed by its hash.

const SCRIPT = `\n${REPORT_JS}`;

const CONTENT_SECURITY_POLICY = contentSecurityPolicy({ style: BASE_STYLE, script: SCRIPT });
