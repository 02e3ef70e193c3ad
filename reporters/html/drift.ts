import type {
  AttributeValue,
  ChangeType,
  DriftReport,
  DriftVerdict,
  HostDrift,
  KindDrift,
} from '../../src/drift/diff-schema.js';
import { KIND_DEFINITIONS } from '../../src/drift/diff-kinds.js';
import type { SnapshotKind } from '../../src/drift/snapshot-schema.js';
import {
  decisionTone,
  describeCounts,
  describeDecision,
  describeExpiredAcceptance,
  describeGrouping,
  describeKindNote,
  describeNotCompared,
  describeSnapshotInfo,
  formatAttribute,
  formatValue,
  hasItems,
  KIND_NOTES_HEADING,
  noun,
  printable,
  reportTitle,
  stateWords,
  TYPE_MARK,
  toldUnderCause,
  TYPES,
  type DriftItem,
  diffLines,
  describeFleetGroup,
  describeInventory,
  FLEET_HEADING,
  fleetHosts,
} from '../drift-text.js';
import { fleetSummary } from '../../src/drift/fleet.js';
import type { FleetGroup } from '../../src/drift/diff-schema.js';
import { DRIFT_CSS } from './assets.js';
import { BASE_STYLE, contentSecurityPolicy, PAGE_END, pageStart } from './page.js';
import { html, type Html } from './template.js';

/**
 * One self-contained HTML page for a drift run, in the look of the check report (whose style it
 * extends): no script, no fetch of any kind (the Content Security Policy forbids every load but
 * the page's own style), a pure function of its input. Written in pieces, one per drifted item,
 * so that a drift of millions of items is never held as one string.
 */
export function* renderDriftHtml(report: DriftReport, verdict: DriftVerdict): Generator<string> {
  yield pageStart({
    policy: CONTENT_SECURITY_POLICY,
    generator: `${report.tool.name} ${report.tool.version}`,
    title: `driftspec drift: ${verdict.summary} · ${reportTitle(report)}`,
    style: PAGE_STYLE,
  });
  yield html`<main>
${renderHeader(report, verdict)}
${renderHostTable(report)}
`.text;
  yield renderFleet(report).text;
  for (const [index, host] of report.hosts.entries()) yield* hostPieces(host, index);
  yield `
</main>
${PAGE_END}`;
}

function verdictTone(verdict: DriftVerdict): 'ok' | 'fail' | 'warn' {
  if (verdict.verdict === 'passed') return 'ok';
  return verdict.exitCode & 7 ? 'fail' : 'warn';
}
function renderHeader(report: DriftReport, verdict: DriftVerdict): Html {
  const counts = report.hosts.reduce(
    (sum, host) => ({
      added: sum.added + host.counts.added,
      removed: sum.removed + host.counts.removed,
      changed: sum.changed + host.counts.changed,
      accepted: sum.accepted + host.counts.accepted,
    }),
    { added: 0, removed: 0, changed: 0, accepted: 0 },
  );
  return html`<header>
<h1>driftspec drift report</h1>
<p class="specs">${report.mode === 'live' ? 'baseline' : 'from'} <b>${describeSnapshotInfo(report.baseline)}</b></p>
<div class="verdict ${verdictTone(verdict)}" id="verdict"><span class="label">verdict</span> <strong>${verdict.summary}\
</strong> <span class="exit">exit code ${verdict.exitCode}</span></div>
${
  verdict.reasons.length > 0
    ? html`<ul class="reasons">${verdict.reasons.map((reason) => html`<li>${reason}</li>`)}\
</ul>`
    : ''
}
${
  report.warnings.length > 0
    ? html`<ul class="warnings">${report.warnings.map((warning) => html`<li>${warning}</li>`)}\
</ul>`
    : ''
}
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
      html`<tr><td><a href="#host-${index}">${host.target}</a></td><td><span class="b ${host.state}">${host.state}\
</span></td><td class="n">${host.counts.added}</td><td class="n">${host.counts.removed}</td>\
<td class="n">${host.counts.changed}</td><td class="n">${host.counts.accepted}</td><td class="n">${host.counts.ignored}\
</td><td class="n${host.counts.notCompared > 0 ? ' c-error' : ''}">${host.counts.notCompared}</td></tr>`,
  );
  return html`<section id="hosts"><h2>Hosts</h2>
<table class="hosts"><thead><tr><th>target</th><th>state</th><th class="n">added</th><th class="n">removed</th>\
<th class="n">changed</th><th class="n">accepted</th><th class="n">ignored</th><th class="n">not compared</th></tr>\
</thead>
<tbody>${rows}</tbody></table></section>`;
}

/** A host's section, one piece per drifted item. */
/** Drift the same on several hosts, told once with its hosts. */
function renderFleet(report: DriftReport): Html {
  const groups = report.hosts.length > 1 ? fleetSummary(report.hosts) : [];
  if (groups.length === 0) return html``;
  const described = (group: FleetGroup) => describeFleetGroup(group, { shortHashes: true });
  return html`<section class="fleet"><h2>${FLEET_HEADING}</h2><ul class="checks">${groups.map(
    (group) => html`<li class="check" data-type="${group.type}"><span class="b ${group.type}">\
${group.hosts.length} hosts</span><div class="cb"><div class="t mono">${described(group)}</div>\
<p class="muted">${fleetHosts(group)}</p></div></li>`,
  )}</ul></section>
`;
}

function* hostPieces(host: HostDrift, index: number): Generator<string> {
  const inventory = describeInventory(host);
  const details = host.candidate ? html`<p class="muted">candidate ${describeSnapshotInfo(host.candidate)}</p>` : '';
  const unknown = host.candidate ? host.notCompared.map(notComparedItem) : [];
  const notCompared =
    unknown.length > 0
      ? html`<div class="group"><div class="gh"><h3>Not compared</h3></div><ul class="checks">${unknown}</ul></div>`
      : '';
  yield html`<section class="host" id="host-${index}">
<h2><span class="b ${host.state}">${host.state}</span> ${host.target}</h2>
${details}${inventory ? html`<p class="muted">${inventory}</p>` : ''}
<p class="muted">${stateWords(host)} · ${describeCounts(host)}</p>
${notCompared}${kindNotes(host)}
`.text;
  const grouped = toldUnderCause(host);
  for (const kind of host.kinds) {
    if (kind.added.length + kind.removed.length + kind.changed.length > 0) yield* kindPieces(kind, grouped);
  }
  yield html`
${nothingToList(host)}
</section>`.text;
}

/** What the kinds of an image that was not booted hold, and which were not compared; nothing for booted hosts. */
function kindNotes(host: HostDrift): Html | '' {
  if (!host.candidate || !host.kindNotes || host.kindNotes.length === 0) return '';
  const items = host.kindNotes.map((note) => {
    const badge = note.compared
      ? html`<span class="b no-drift">compared</span>`
      : html`<span class="b">not compared</span>`;
    return html`<li class="check">${badge}<span class="cb">${describeKindNote(note)}</span></li>`;
  });
  const heading = html`<div class="gh"><h3>${KIND_NOTES_HEADING}</h3></div>`;
  return html`<div class="group">${heading}<ul class="checks">${items}</ul></div>`;
}

function notComparedItem(entry: HostDrift['notCompared'][number]): Html {
  const text = describeNotCompared(entry);
  return html`<li class="check"><span class="b incomplete">unknown</span><span class="cb">${text}</span></li>`;
}

function nothingToList(host: HostDrift): Html | '' {
  if (!host.candidate) {
    return html`<p class="reason"><b>not compared:</b> ${host.reason ?? 'no snapshot of the host'}</p>`;
  }
  if (hasItems(host)) return '';
  const words =
    host.state === 'no-drift'
      ? 'No drift: every item compared is equal.'
      : 'No difference found in what could be compared.';
  return html`<p>${words}</p>`;
}

function* kindPieces(kind: KindDrift, grouped: (type: ChangeType, item: DriftItem) => boolean): Generator<string> {
  const compared = kind.compared !== 'all' ? ` · compared ${kind.compared}` : '';
  yield html`<div class="group"><div class="gh"><h3>${kind.kind}</h3>\
<span class="tally">${kind.added.length} added · ${kind.removed.length} removed · ${kind.changed.length} \
changed${compared}</span></div>
<ul class="checks">`.text;
  for (const type of TYPES) {
    for (const item of kind[type] as DriftItem[])
      if (!grouped(type, item)) yield renderItem(kind.kind, type, item).text;
  }
  yield '</ul></div>';
}

function renderItem(kind: SnapshotKind, type: 'added' | 'removed' | 'changed', item: DriftItem): Html {
  const decision = describeDecision(item);
  const expired = describeExpiredAcceptance(item);
  const body =
    'changes' in item
      ? html`<table class="attrs"><tbody>${item.changes.map(
          (c) => html`<tr><th>${c.attribute}</th>\
<td class="old">${value(c.old)}</td><td class="arrow">→</td><td class="new">${value(c.new)}</td>\
<td>${c.accepted && !item.accepted ? html`<span class="muted">accepted: ${c.accepted.reason}</span>` : ''}</td></tr>`,
        )}\
</tbody></table>${item.changes.map((c) => (c.diff === undefined ? '' : contentDiff(c.diff)))}`
      : html`<table class="attrs"><tbody>${KIND_DEFINITIONS[kind].attributes
          .filter((attribute) => item.record[attribute] !== undefined)
          .map(
            (attribute) =>
              html`<tr><th>${attribute}</th><td class="${type === 'added' ? 'new' : 'old'}">\
<span class="mono">${formatAttribute(kind, attribute, item.record[attribute])}</span></td></tr>`,
          )}</tbody></table>`;
  const grouping = describeGrouping(type, item);
  return html`<li class="check" data-type="${type}" data-decision="${decisionTone(item)}">\
<span class="b ${type}">${TYPE_MARK[type]} ${type}</span><div class="cb"><div class="t">\
<span class="muted">${noun(kind)}</span> <span class="mono">${printable(item.key)}</span>${
    decision
      ? html` \
<span class="dec d-${decisionTone(item)}">${decision}</span>`
      : ''
  }</div>${body}${grouping ? html`<p class="muted">${grouping}</p>` : ''}${
    expired
      ? html`\
<p class="trunc">${expired}</p>`
      : ''
  }</div></li>`;
}

/** A unified diff, a line per element so the page colours removed and added lines. */
function contentDiff(diff: string): Html {
  const kind = (line: string) =>
    line.startsWith('@@') ? 'hunk' : line.startsWith('+') ? 'add' : line.startsWith('-') ? 'del' : 'ctx';
  return html`<pre class="diff">${diffLines(diff).map(
    (line) => html`<span class="${kind(line)}">${line}</span>\n`,
  )}</pre>`;
}

function value(v: AttributeValue | undefined): Html {
  return html`<span class="mono">${formatValue(v)}</span>`;
}

/** Content diffs: removed lines on red, added on green, hunk headers muted; long lines scroll. */
const DIFF_CSS =
  '.diff{margin:.4em 0;padding:.4em .6em;overflow-x:auto;font:12px/1.4 ui-monospace,monospace;' +
  'background:var(--bg-soft,#f6f8fa);border-radius:4px}.diff .add{background:#e6ffec;color:#116329}' +
  '.diff .del{background:#ffebe9;color:#82071e}.diff .hunk{color:#6e7781}';

const PAGE_STYLE = `${BASE_STYLE}\n${DRIFT_CSS}\n${DIFF_CSS}`;

const CONTENT_SECURITY_POLICY = contentSecurityPolicy({ style: PAGE_STYLE });
