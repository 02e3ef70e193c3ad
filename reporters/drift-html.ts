import type { AttributeValue, DriftReport, DriftVerdict, HostDrift, KindDrift } from '../src/drift/diff-schema.js';
import {
  decisionTone,
  describeCounts,
  describeDecision,
  describeExpired,
  describeNotCompared,
  describeSnapshotInfo,
  flatItems,
  formatAttribute,
  formatValue,
  noun,
  printable,
  reportTitle,
  stateWords,
  TYPE_MARK,
  type DriftItem,
} from './drift-text.js';
import { KIND_DEFINITIONS } from '../src/drift/diff-kinds.js';
import type { SnapshotKind } from '../src/drift/snapshot-schema.js';
import { contentSecurityPolicy, html, pageStart, STYLE, type Html } from './html.js';

/**
 * One self-contained HTML page for a drift run, in the look of the check report (reporters/html.ts,
 * whose style it reuses): no script, no fetch of any kind (the Content Security Policy forbids
 * every load but the page's own style), a pure function of its input.
 */
export function renderDriftHtml(report: DriftReport, verdict: DriftVerdict): string {
  const body = html`<main>
${renderHeader(report, verdict)}
${renderHostTable(report)}
${report.hosts.map((host, index) => renderHost(host, index))}
</main>`;
  const start = pageStart({
    policy: CONTENT_SECURITY_POLICY,
    generator: `${report.tool.name} ${report.tool.version}`,
    title: `driftspec drift: ${verdict.summary} · ${reportTitle(report)}`,
    style: PAGE_STYLE,
  });
  return `${start}${body}
</body>
</html>
`;
}

function verdictTone(verdict: DriftVerdict): 'ok' | 'fail' | 'warn' {
  if (verdict.verdict === 'passed') return 'ok';
  return verdict.exitCode & 7 ? 'fail' : 'warn';
}

function renderHeader(report: DriftReport, verdict: DriftVerdict): Html {
  const counts = report.hosts.reduce(
    (sum, host) => ({ added: sum.added + host.counts.added, removed: sum.removed + host.counts.removed, changed: sum.changed + host.counts.changed, accepted: sum.accepted + host.counts.accepted }),
    { added: 0, removed: 0, changed: 0, accepted: 0 },
  );
  return html`<header>
<h1>driftspec drift report</h1>
<p class="specs">${report.mode === 'live' ? 'baseline' : 'from'} <b>${describeSnapshotInfo(report.baseline)}</b></p>
<div class="verdict ${verdictTone(verdict)}" id="verdict"><span class="label">verdict</span> <strong>${verdict.summary}</strong> <span class="exit">exit code ${verdict.exitCode}</span></div>
${verdict.reasons.length > 0 ? html`<ul class="reasons">${verdict.reasons.map((reason) => html`<li>${reason}</li>`)}</ul>` : ''}
${report.warnings.length > 0 ? html`<ul class="warnings">${report.warnings.map((warning) => html`<li>${warning}</li>`)}</ul>` : ''}
<div class="tiles">
<div class="tile"><b>${report.hosts.length}</b>host${report.hosts.length === 1 ? '' : 's'}</div>
<div class="tile t-added"><b>${counts.added}</b>added</div>
<div class="tile t-removed"><b>${counts.removed}</b>removed</div>
<div class="tile t-changed"><b>${counts.changed}</b>changed</div>
<div class="tile"><b>${counts.accepted}</b>accepted</div>
</div>
<p class="muted">generated ${report.generatedAt} · ${report.tool.name} ${report.tool.version}</p>
</header>`;
}

function renderHostTable(report: DriftReport): Html {
  const rows = report.hosts.map(
    (host, index) =>
      html`<tr><td><a href="#host-${index}">${host.target}</a></td><td><span class="b ${host.state}">${host.state}</span></td><td class="n">${host.counts.added}</td><td class="n">${host.counts.removed}</td><td class="n">${host.counts.changed}</td><td class="n">${host.counts.accepted}</td><td class="n">${host.counts.ignored}</td><td class="n${host.counts.notCompared > 0 ? ' c-error' : ''}">${host.counts.notCompared}</td></tr>`,
  );
  return html`<section id="hosts"><h2>Hosts</h2>
<table class="hosts"><thead><tr><th>target</th><th>state</th><th class="n">added</th><th class="n">removed</th><th class="n">changed</th><th class="n">accepted</th><th class="n">ignored</th><th class="n">not compared</th></tr></thead>
<tbody>${rows}</tbody></table></section>`;
}

function renderHost(host: HostDrift, index: number): Html {
  const details = host.candidate ? html`<p class="muted">candidate ${describeSnapshotInfo(host.candidate)}</p>` : '';
  const notCompared =
    host.notCompared.length > 0 && host.candidate
      ? html`<div class="group"><div class="gh"><h3>Not compared</h3></div><ul class="checks">${host.notCompared.map((entry) => html`<li class="check"><span class="b incomplete">unknown</span><span class="cb">${describeNotCompared(entry)}</span></li>`)}</ul></div>`
      : '';
  const kinds = host.kinds.filter((kind) => kind.added.length + kind.removed.length + kind.changed.length > 0);
  const nothing = !host.candidate
    ? html`<p class="reason"><b>not compared:</b> ${host.reason ?? 'no snapshot of the host'}</p>`
    : flatItems(host).length === 0
      ? html`<p>${host.state === 'no-drift' ? 'No drift: every item compared is equal.' : 'No difference found in what could be compared.'}</p>`
      : '';
  return html`<section class="host" id="host-${index}">
<h2><span class="b ${host.state}">${host.state}</span> ${host.target}</h2>
${details}
<p class="muted">${stateWords(host)} · ${describeCounts(host)}</p>
${notCompared}
${kinds.map(renderKind)}
${nothing}
</section>`;
}

function renderKind(kind: KindDrift): Html {
  const rows = (['added', 'removed', 'changed'] as const).flatMap((type) => (kind[type] as DriftItem[]).map((item) => renderItem(kind.kind, type, item)));
  return html`<div class="group"><div class="gh"><h3>${kind.kind}</h3><span class="tally">${kind.added.length} added · ${kind.removed.length} removed · ${kind.changed.length} changed${kind.compared !== 'all' ? ` · compared ${kind.compared}` : ''}</span></div>
<ul class="checks">${rows}</ul></div>`;
}

function renderItem(kind: SnapshotKind, type: 'added' | 'removed' | 'changed', item: DriftItem): Html {
  const decision = describeDecision(item);
  const expired = describeExpired(item);
  const body =
    'changes' in item
      ? html`<table class="attrs"><tbody>${item.changes.map((c) => html`<tr><th>${c.attribute}</th><td class="old">${value(c.old)}</td><td class="arrow">→</td><td class="new">${value(c.new)}</td><td>${c.accepted && !item.accepted ? html`<span class="muted">accepted: ${c.accepted.reason}</span>` : ''}</td></tr>`)}</tbody></table>`
      : html`<table class="attrs"><tbody>${KIND_DEFINITIONS[kind].attributes
          .filter((attribute) => item.record[attribute] !== undefined)
          .map((attribute) => html`<tr><th>${attribute}</th><td class="${type === 'added' ? 'new' : 'old'}"><span class="mono">${formatAttribute(kind, attribute, item.record[attribute])}</span></td></tr>`)}</tbody></table>`;
  return html`<li class="check" data-type="${type}" data-decision="${decisionTone(item)}"><span class="b ${type}">${TYPE_MARK[type]} ${type}</span><div class="cb"><div class="t"><span class="muted">${noun(kind)}</span> <span class="mono">${printable(item.key)}</span>${decision ? html` <span class="dec d-${decisionTone(item)}">${decision}</span>` : ''}</div>${body}${expired ? html`<p class="trunc">${expired}</p>` : ''}</div></li>`;
}

function value(v: AttributeValue | undefined): Html {
  return html`<span class="mono">${formatValue(v)}</span>`;
}

const DRIFT_STYLE = `
.b.added{background:var(--passed)}.b.removed{background:var(--failed)}.b.changed{background:var(--error)}
.b.no-drift{background:var(--passed)}.b.drift{background:var(--failed)}.b.incomplete{background:var(--error)}
.t-added b{color:var(--passed)}.t-removed b{color:var(--failed)}.t-changed b{color:var(--error)}
.warnings{margin:0 0 12px;padding-left:22px;color:var(--error)}
.attrs{width:auto;margin-top:4px}
.attrs th,.attrs td{border:0;padding:1px 10px 1px 0;font-weight:400}
.attrs th{color:var(--muted);font-size:12.5px;white-space:nowrap}
.attrs .old{color:var(--failed);overflow-wrap:anywhere}.attrs .new{color:var(--passed);overflow-wrap:anywhere}
.arrow{color:var(--muted)}
.dec{font-size:12px;margin-left:8px;border-radius:10px;padding:0 8px;border:1px solid var(--line)}
.d-block{color:var(--failed);border-color:var(--failed)}.d-allow{color:var(--passed);border-color:var(--passed)}.d-accepted{color:var(--muted)}
.check[data-decision=accepted]{opacity:.75}
`;

const PAGE_STYLE = `${STYLE}${DRIFT_STYLE}`;

const CONTENT_SECURITY_POLICY = contentSecurityPolicy({ style: PAGE_STYLE });
