import { createHash } from 'node:crypto';
import { impactName, type Control } from '../src/plan/schema.js';
import {
  EVIDENCE_LIMIT,
  type CheckResult,
  type CheckStatus,
  type Evidence,
  type HostResult,
  type RunResult,
  type StatusCounts,
} from '../src/results/schema.js';
import type { Verdict } from '../src/gate/verdict.js';

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
    style: STYLE,
  });
  yield html`<main>
${renderHeader(result, verdict)}
${renderHostTable(result)}
${renderAttention(result, controls)}
${renderFilters(result.counts)}
`.text;
  for (const [index, host] of result.hosts.entries()) yield renderHost(host, index, controls).text;
  yield `
</main>
<script>${SCRIPT}</script>
</body>
</html>
`;
}

/** The page up to its body, as the check report and the drift report both begin. */
export function pageStart(page: { policy: string; generator: string; title: string; style: string }): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${page.policy}">
<meta name="generator" content="${escapeHtml(page.generator)}">
<title>${escapeHtml(page.title)}</title>
<link rel="icon" href="data:,">
<style>${page.style}</style>
</head>
<body>
`;
}

/** Every load forbidden but the page's own style (and script, where it has one), named by hash. */
export function contentSecurityPolicy(page: { style: string; script?: string }): string {
  return [
    "default-src 'none'",
    `style-src ${sha256(page.style)}`,
    ...(page.script === undefined ? [] : [`script-src ${sha256(page.script)}`]),
    'img-src data:',
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
}

// ---------------------------------------------------------------------------------------------
// Escaping: every interpolation in an html`` template is escaped unless it is itself Html.

export class Html {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}

export type Fragment = Html | string | number | boolean | null | undefined | readonly Fragment[];

export function html(strings: TemplateStringsArray, ...values: Fragment[]): Html {
  let out = strings[0]!;
  values.forEach((value, i) => (out += fragment(value) + strings[i + 1]!));
  return new Html(out);
}

function fragment(value: Fragment): string {
  if (value instanceof Html) return value.text;
  if (Array.isArray(value)) return value.map(fragment).join('');
  if (value === null || value === undefined || value === false || value === true) return '';
  return escapeHtml(String(value));
}

// ---------------------------------------------------------------------------------------------
// Header, host table, controls needing attention, filters

const STATUSES: readonly CheckStatus[] = ['failed', 'error', 'skipped', 'passed'];
const STATUS_RANK: Record<CheckStatus, number> = { failed: 0, error: 1, skipped: 2, passed: 3 };

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
  return html`${head}<details class="more"><summary>${rest} more ${noun}</summary>${wrap(items.slice(LIST_HEAD).map(render))}</details>`;
}

function renderHeader(result: RunResult, verdict: Verdict): Html {
  const total = totalOf(result.counts);
  const hostStates = (['completed', 'unreachable', 'error'] as const)
    .map((status) => [status, result.hosts.filter((h) => h.status === status).length] as const)
    .filter(([, n]) => n > 0)
    .map(([status, n]) => `${n} ${status}`);
  const duration = runDuration(result);
  return html`<header>
<h1>driftspec report</h1>
<p class="specs">${result.specs.map((s, i) => html`${i > 0 ? ', ' : ''}<b>${s.name}</b>${s.version ? ` ${s.version}` : ''}${s.title ? html` <span class="muted">— ${s.title}</span>` : ''}`)}</p>
<div class="verdict ${verdictTone(verdict)}" id="verdict"><span class="label">verdict</span> <strong>${verdict.summary}</strong> <span class="exit">exit code ${verdict.exitCode}</span></div>
${verdict.reasons.length > 0 ? withMore(verdict.reasons, (reason) => html`<li>${reason}</li>`, (rows) => html`<ul class="reasons">${rows}</ul>`, 'reasons') : ''}
<div class="tiles">
<div class="tile"><b>${total}</b>checks on ${result.hosts.length} host${result.hosts.length === 1 ? '' : 's'}</div>
${STATUSES.map((s) => html`<div class="tile t-${s}"><b data-total="${s}">${result.counts[s]}</b>${s}</div>`)}
</div>
<p class="muted">hosts: ${hostStates.join(', ') || 'none'} · started ${result.startedAt} · finished ${result.finishedAt}${duration ? ` (${duration})` : ''} · ${result.tool.name} ${result.tool.version}</p>
</header>`;
}

function renderHostTable(result: RunResult): Html {
  if (result.hosts.length === 0) return html`<section><h2>Hosts</h2><p>No host was checked.</p></section>`;
  const rows = result.hosts.map((host, index) => {
    const facts = host.host;
    const os = facts ? facts.os.prettyName ?? [facts.os.id, facts.os.versionId].filter(Boolean).join(' ') : '';
    const kernel = facts ? `${facts.kernelRelease} ${facts.arch}`.trim() : '';
    const row = html`<tr><td><a href="#host-${index}">${host.target}</a>${inventoryNote(host)}</td><td><span class="b ${host.status}">${host.status}</span></td><td>${os}</td><td>${kernel}</td>${STATUSES.map((s) => html`<td class="n${host.counts[s] > 0 ? ` c-${s}` : ''}">${host.counts[s]}</td>`)}<td class="n">${formatDuration(host.durationMs)}</td></tr>`;
    if (host.status === 'completed') return row;
    return html`${row}<tr class="reason"><td colspan="9">${reasonText(host)}</td></tr>`;
  });
  return html`<section id="hosts"><h2>Hosts</h2>
<table class="hosts"><thead><tr><th>target</th><th>status</th><th>OS</th><th>kernel</th><th class="n">failed</th><th class="n">error</th><th class="n">skipped</th><th class="n">passed</th><th class="n">time</th></tr></thead>
<tbody>${rows}</tbody></table></section>`;
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
  const tally = new Map<string, { failed: number; error: number; hosts: Set<number> }>();
  result.hosts.forEach((host, index) => {
    if (host.status !== 'completed') return;
    for (const check of host.results) {
      if (check.control === null || (check.status !== 'failed' && check.status !== 'error')) continue;
      const entry = tally.get(check.control) ?? { failed: 0, error: 0, hosts: new Set<number>() };
      entry[check.status]++;
      entry.hosts.add(index);
      tally.set(check.control, entry);
    }
  });
  if (tally.size === 0) return '';
  const rows = [...tally]
    .map(([id, entry]) => ({ id, entry, control: controls.get(id) }))
    .sort((a, b) => (b.control?.impact ?? 0) - (a.control?.impact ?? 0) || b.entry.failed - a.entry.failed);
  const table = (body: Html[]) =>
    html`<table class="attention"><thead><tr><th>control</th><th>impact</th><th>title</th><th class="n">failed</th><th class="n">error</th><th class="n">hosts</th></tr></thead><tbody>${body}</tbody></table>`;
  const row = ({ id, entry, control }: (typeof rows)[number]) =>
    html`<tr><td class="mono">${id}</td><td>${control ? impactBadge(control.impact) : ''}</td><td>${control?.title ?? ''}</td><td class="n${entry.failed > 0 ? ' c-failed' : ''}">${entry.failed}</td><td class="n${entry.error > 0 ? ' c-error' : ''}">${entry.error}</td><td class="n">${entry.hosts.size}</td></tr>`;
  return html`<section id="attention"><h2>Controls that need attention</h2>
${withMore(rows, row, table, 'controls')}</section>`;
}

/** Hidden until the script shows it: without JavaScript everything is listed and nothing filters. */
function renderFilters(counts: StatusCounts): Html {
  return html`<div id="filters" class="filters" role="group" aria-label="filter checks" hidden>
<span class="label">show</span>
${STATUSES.map((s) => html`<label class="f-${s}"><input type="checkbox" value="${s}" checked> ${s} <span class="count">${counts[s]}</span></label>`)}
<input type="search" id="search" placeholder="filter by text (host, control, title, message)" aria-label="filter by text">
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
    ? [facts.os.prettyName ?? facts.os.id, `kernel ${facts.kernelRelease}`, facts.arch, `hostname ${facts.hostname}`, `${facts.packageManager}/${facts.initSystem}`]
    : [];
  details.push(`started ${host.startedAt}`, formatDuration(host.durationMs), `${host.execCount} exec${host.execCount === 1 ? '' : 's'}`);
  const heading = html`<h2><span class="b ${host.status}">${host.status}</span> ${host.target}</h2>
<p class="muted">${details.join(' · ')}</p>`;
  if (host.status !== 'completed') return renderUncheckedHost(host, index, heading);
  const evidenceIds = new Map(Object.keys(host.evidence).map((id, i) => [id, `ev-${index}-${i}`]));
  const groups = groupByControl(host.results, controls);
  return html`<section class="host" id="host-${index}">
${heading}
${groups.map((group) => renderGroup(group, controls, host, evidenceIds))}
<p class="nomatch muted" hidden>No check of this host matches the filter.</p>
${renderEvidenceList(host, evidenceIds)}
</section>`;
}

function renderUncheckedHost(host: HostResult, index: number, heading: Html): Html {
  const notRun = host.results.filter((r) => r.status !== 'skipped').length;
  const items = host.results.map((check) =>
    html`<li class="check" data-status="${check.status}"><span class="b ${check.status}">${check.status}</span><span class="t">${check.title}</span>${check.control !== null ? html` <span class="mono muted">${check.control}</span>` : ''}${check.status === 'skipped' ? html` <span class="muted">${check.message}</span>` : ''}</li>`,
  );
  return html`<section class="host" id="host-${index}">
${heading}
<p class="reason">${reasonText(host)}</p>
<details class="group notrun"><summary>${notRun} check${notRun === 1 ? '' : 's'} not run on this host${host.results.length > notRun ? `, ${host.results.length - notRun} skipped` : ''}</summary>
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
  const impact = (group: Group) => (group.control === null ? -1 : controls.get(group.control)?.impact ?? 0);
  return [...groups.values()].sort((a, b) => a.worst - b.worst || impact(b) - impact(a));
}

function renderGroup(group: Group, controls: ReadonlyMap<string, Control>, host: HostResult, evidenceIds: ReadonlyMap<string, string>): Html {
  const counts = STATUSES.map((s) => [s, group.checks.filter((c) => c.status === s).length] as const).filter(([, n]) => n > 0);
  const tally = html`<span class="tally">${counts.map(([s, n]) => html`<span class="c-${s}">${n} ${s}</span>`)}</span>`;
  const checks = html`<ul class="checks">${group.checks.map((check) => renderCheck(check, host, evidenceIds))}</ul>`;
  if (group.control === null) {
    return html`<section class="group"><div class="gh"><h3>Checks outside any control</h3>${tally}</div>${checks}</section>`;
  }
  const control = controls.get(group.control);
  const tags = control ? Object.entries(control.tags).map(([key, value]) => html`<span class="tag">${key}: ${Array.isArray(value) ? value.join(', ') : String(value)}</span>`) : [];
  return html`<section class="group"><div class="gh"><h3><span class="mono">${group.control}</span>${control?.title ? html` ${control.title}` : ''}</h3>${control ? impactBadge(control.impact) : ''}${tally}</div>
${tags.length > 0 ? html`<div class="tags">${tags}</div>` : ''}${control?.description ? html`<p class="desc">${control.description}</p>` : ''}${control?.refs.length ? html`<p class="muted">refs: ${control.refs.join(' · ')}</p>` : ''}${control?.skip ? html`<p class="muted">skipped: ${control.skip}</p>` : ''}
${checks}</section>`;
}

function impactBadge(impact: number): Html {
  const name = impactName(impact);
  return html`<span class="impact i-${name}" title="impact">impact ${name} ${impact}</span>`;
}

function renderCheck(check: CheckResult, host: HostResult, evidenceIds: ReadonlyMap<string, string>): Html {
  const evidenceId = check.evidence !== undefined ? evidenceIds.get(check.evidence) : undefined;
  const evidence = evidenceId ? html`<a class="ev" href="#${evidenceId}">evidence ${check.evidence}</a>` : '';
  const head = html`<li class="check" data-status="${check.status}"><span class="b ${check.status}">${check.status}</span><div class="cb"><div class="t">${check.title}${evidence}</div>`;
  if (check.status === 'passed') {
    return html`${head}${check.actual !== undefined ? html`<div class="muted">actual: ${check.actual}</div>` : ''}</div></li>`;
  }
  const message = check.message !== check.title ? html`<div class="m">${check.message}</div>` : '';
  const sideBySide =
    check.status !== 'skipped' && (check.expected !== undefined || check.actual !== undefined)
      ? html`<div class="ea"><div><span class="label">expected</span><pre>${check.expected ?? '—'}</pre></div><div><span class="label">actual</span><pre>${check.actual ?? '—'}</pre></div></div>`
      : '';
  return html`${head}${message}${sideBySide}</div></li>`;
}

/** Each query once per host; a check's "evidence" link opens it (in place, with the script). */
function renderEvidenceList(host: HostResult, evidenceIds: ReadonlyMap<string, string>): Html | '' {
  const entries = Object.entries(host.evidence);
  if (entries.length === 0) return '';
  const users = new Map<string, number>();
  for (const check of host.results) if (check.evidence !== undefined) users.set(check.evidence, (users.get(check.evidence) ?? 0) + 1);
  return html`<details class="evlist"><summary>Queries and raw output (${entries.length})</summary>
${entries.map(([key, evidence]) => renderEvidence(evidence, evidenceIds.get(key)!, users.get(key) ?? 0))}
</details>`;
}

function renderEvidence(evidence: Evidence, domId: string, users: number): Html {
  const exit = evidence.exitCode === null ? 'no exit status' : `exit ${evidence.exitCode}`;
  const truncated = evidence.truncated
    ? html`<p class="trunc">Output truncated: each stream is kept to its first ${EVIDENCE_LIMIT} bytes (stdout had ${evidence.stdoutBytes}, stderr ${evidence.stderrBytes}).</p>`
    : '';
  return html`<details class="evd"><summary><span class="mono">${evidence.id}</span> · ${exit} · stdout ${evidence.stdoutBytes} B · stderr ${evidence.stderrBytes} B · used by ${users} check${users === 1 ? '' : 's'}${evidence.truncated ? ' · truncated' : ''}</summary>
<div class="evb" id="${domId}"><span class="label">query script</span><pre>${evidence.script}</pre>
<div class="ea"><div><span class="label">stdout</span><pre>${evidence.stdout || '(empty)'}</pre></div><div><span class="label">stderr</span><pre>${evidence.stderr || '(empty)'}</pre></div></div>${truncated}</div></details>`;
}

// ---------------------------------------------------------------------------------------------
// Small helpers

function totalOf(counts: StatusCounts): number {
  return counts.passed + counts.failed + counts.error + counts.skipped;
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const seconds = Math.round(ms / 1000);
  return `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
}

function runDuration(result: RunResult): string {
  const ms = Date.parse(result.finishedAt) - Date.parse(result.startedAt);
  return Number.isFinite(ms) && ms >= 0 ? formatDuration(ms) : '';
}

// ---------------------------------------------------------------------------------------------
// Inline style and script. Neither contains data: both are constants, allowed by their hashes.

export const STYLE = `
:root{--fg:#1f2328;--muted:#59636e;--bg:#fff;--panel:#f6f8fa;--line:#d1d9e0;--failed:#cf222e;--error:#9a6700;--skipped:#6e7781;--passed:#1a7f37;--failed-bg:#ffebe9;--error-bg:#fff8c5;--passed-bg:#dafbe1}
@media (prefers-color-scheme:dark){:root{--fg:#e6edf3;--muted:#9198a1;--bg:#0d1117;--panel:#161b22;--line:#30363d;--failed:#f85149;--error:#d29922;--skipped:#8d96a0;--passed:#3fb950;--failed-bg:#3c1618;--error-bg:#3b2e0a;--passed-bg:#12261e}}
*{box-sizing:border-box}
[hidden]{display:none!important}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;color:var(--fg);background:var(--bg)}
main{max-width:1200px;margin:0 auto;padding:20px 24px 48px}
h1{font-size:22px;margin:0 0 2px}
h2{font-size:17px;margin:28px 0 8px}
h3{font-size:14px;margin:0}
a{color:inherit}
.mono,pre{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"DejaVu Sans Mono",monospace;font-size:12.5px}
pre{margin:2px 0 0;padding:6px 9px;background:var(--panel);border:1px solid var(--line);border-radius:6px;white-space:pre-wrap;overflow-wrap:anywhere;max-height:22em;overflow:auto}
.muted{color:var(--muted)}
.label{display:block;font-size:11px;text-transform:uppercase;letter-spacing:.04em;color:var(--muted)}
.specs{margin:0 0 10px}
.verdict{display:flex;flex-wrap:wrap;align-items:baseline;gap:4px 14px;border-radius:8px;padding:12px 16px;margin:10px 0 14px;border-left:6px solid;font-size:17px}
.verdict .label{display:inline}
.verdict.ok{background:var(--passed-bg);border-color:var(--passed)}
.verdict.fail{background:var(--failed-bg);border-color:var(--failed)}
.verdict.warn{background:var(--error-bg);border-color:var(--error)}
.verdict .exit{font-size:13px;color:var(--muted)}
.tiles{display:flex;flex-wrap:wrap;gap:10px;margin-bottom:8px}
.tile{border:1px solid var(--line);border-radius:8px;padding:6px 14px;min-width:110px;color:var(--muted)}
.tile b{display:block;font-size:22px;color:var(--fg)}
.t-failed b,.c-failed{color:var(--failed)}.t-error b,.c-error{color:var(--error)}.t-passed b,.c-passed{color:var(--passed)}.c-skipped{color:var(--skipped)}
.c-failed,.c-error{font-weight:600}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:5px 10px;border-bottom:1px solid var(--line);vertical-align:top}
th{font-size:12px;color:var(--muted);font-weight:600}
.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.hosts td:first-child{overflow-wrap:break-word}
.reasons{margin:0 0 12px;padding-left:22px}
.more>summary{margin:6px 0;color:var(--muted)}
tr.reason td{border-top:0;padding-top:0;color:var(--error)}
.b{display:inline-block;min-width:74px;text-align:center;border-radius:10px;padding:0 8px;font-size:12px;font-weight:600;line-height:18px;color:#fff;background:var(--skipped)}
.b.failed{background:var(--failed)}.b.error,.b.unreachable{background:var(--error)}.b.passed,.b.completed{background:var(--passed)}
.filters{position:sticky;top:0;z-index:1;display:flex;flex-wrap:wrap;align-items:center;gap:6px 14px;margin:24px 0 0;padding:8px 12px;background:var(--panel);border:1px solid var(--line);border-radius:8px}
.filters .label{display:inline}
.filters label{cursor:pointer;white-space:nowrap}
.filters .count{color:var(--muted)}
.filters input[type=search]{flex:1;min-width:200px;padding:4px 8px;border:1px solid var(--line);border-radius:6px;background:var(--bg);color:var(--fg)}
.host{margin-top:8px}
.host>h2{border-bottom:2px solid var(--line);padding-bottom:4px;margin-bottom:2px}
.host>h2 .b{vertical-align:2px}
.reason{color:var(--error)}
.group{border:1px solid var(--line);border-radius:8px;margin:12px 0;overflow:hidden}
.gh{display:flex;flex-wrap:wrap;align-items:center;gap:6px 12px;padding:8px 12px;background:var(--panel)}
.gh h3{flex:1;min-width:16em}
.tally{display:flex;gap:10px;font-size:12px}
.impact{font-size:12px;border:1px solid var(--line);border-radius:10px;padding:0 8px;background:var(--bg)}
.i-critical,.i-high{border-color:var(--failed);color:var(--failed)}.i-medium{border-color:var(--error);color:var(--error)}
.tags{padding:0 12px 6px;background:var(--panel)}
.tag{display:inline-block;font-size:12px;margin:2px 6px 0 0;padding:0 6px;border-radius:4px;background:var(--bg);border:1px solid var(--line)}
.desc{margin:0;padding:0 12px 8px;background:var(--panel)}
.group>.muted{margin:0;padding:0 12px 6px;background:var(--panel)}
.checks{list-style:none;margin:0;padding:0}
.check{display:flex;gap:10px;align-items:flex-start;padding:6px 12px;border-top:1px solid var(--line)}
.check>.b{flex:none;margin-top:1px}
.cb{flex:1;min-width:0;overflow-wrap:anywhere}
.check[data-status=failed] .t,.check[data-status=error] .t{font-weight:600}
.m{margin-top:2px}
.ev{font-size:12px;margin-left:8px;font-weight:400;white-space:nowrap}
.ea{display:grid;grid-template-columns:1fr 1fr;gap:10px;margin-top:6px}
@media (max-width:700px){.ea{grid-template-columns:1fr}}
details>summary{cursor:pointer}
.notrun>summary{padding:8px 12px;background:var(--panel)}
.evlist{margin:12px 0}
.evlist>summary{font-weight:600}
.evd{margin:6px 0 0 16px}
.evb{padding:4px 0 8px}
.evb>.label{margin-top:4px}
.check .evd{margin:8px 0 0}
.trunc{margin:6px 0 0;color:var(--error)}
@media print{.filters{display:none}.group{break-inside:avoid}}
`;

const SCRIPT = `
(function () {
  var bar = document.getElementById('filters');
  var search = document.getElementById('search');
  var shown = document.getElementById('shown');
  var checks = Array.prototype.slice.call(document.querySelectorAll('.check'));
  function context(el, selector, heading) {
    var outer = el.closest(selector);
    var head = outer && outer.querySelector(heading);
    return head ? head.textContent + ' ' : '';
  }
  // A check matches the text filter by its own text, its control's header or its host's name.
  var texts = checks.map(function (el) {
    return (context(el, '.host', 'h2') + context(el, '.group', '.gh') + el.textContent).toLowerCase();
  });
  function each(selector, fn) { Array.prototype.forEach.call(document.querySelectorAll(selector), fn); }
  function apply() {
    var wanted = {};
    each('#filters input[type=checkbox]', function (box) { wanted[box.value] = box.checked; });
    var query = search.value.trim().toLowerCase();
    var visible = 0;
    checks.forEach(function (el, i) {
      var show = wanted[el.getAttribute('data-status')] && (!query || texts[i].indexOf(query) !== -1);
      el.hidden = !show;
      if (show) visible++;
    });
    each('.group', function (group) { group.hidden = !group.querySelector('.check:not([hidden])'); });
    each('.host', function (host) {
      var none = !host.querySelector('.check:not([hidden])');
      var note = host.querySelector('.nomatch');
      if (note) note.hidden = !none;
    });
    shown.textContent = 'showing ' + visible + ' of ' + checks.length + ' checks';
  }
  bar.addEventListener('change', apply);
  search.addEventListener('input', apply);
  bar.hidden = false;
  apply();
  document.addEventListener('click', function (event) {
    var link = event.target.closest && event.target.closest('a.ev');
    if (!link) return;
    var body = document.getElementById(link.getAttribute('href').slice(1));
    var source = body && body.closest('details');
    if (!source) return;
    event.preventDefault();
    var item = link.closest('.cb');
    var open = item.querySelector(':scope > details.evd');
    if (open) { open.remove(); link.setAttribute('aria-expanded', 'false'); return; }
    var copy = source.cloneNode(true);
    copy.querySelector('.evb').removeAttribute('id');
    copy.open = true;
    item.appendChild(copy);
    link.setAttribute('aria-expanded', 'true');
  });
})();
`;

function sha256(text: string): string {
  return `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
}

const CONTENT_SECURITY_POLICY = contentSecurityPolicy({ style: STYLE, script: SCRIPT });
