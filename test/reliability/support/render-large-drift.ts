/**
 * Renders one drift report of a very large drift and writes what it measured as JSON on stdout:
 * `node --import tsx render-large-drift.ts <reporter> <items>`. Run by large-drift-reports.test.ts
 * in a child process whose heap is limited, so that a reporter holding its output whole fails.
 */
import { createHash } from 'node:crypto';
import { renderDriftCli } from '../../../reporters/drift-cli.js';
import { renderDriftJson } from '../../../reporters/drift-json.js';
import { renderDriftJunit } from '../../../reporters/drift-junit.js';
import { renderDriftMarkdown } from '../../../reporters/drift-markdown.js';
import { renderDriftHtml } from '../../../reporters/html/drift.js';
import type { ReportText } from '../../../reporters/output.js';
import type { AddedOrRemoved, ChangedItem, DriftReport, DriftVerdict } from '../../../src/drift/diff-schema.js';
import { sampleDriftReport } from '../../fixtures/drift/sample-drift.js';

const RENDERERS: Record<string, (report: DriftReport, verdict: DriftVerdict) => ReportText> = {
  cli: (report, verdict) => renderDriftCli(report, verdict, { color: true }),
  json: renderDriftJson,
  junit: renderDriftJunit,
  html: renderDriftHtml,
  markdown: (report, verdict) => renderDriftMarkdown(report, verdict),
};

/** The sample drift, its first host given `count` changed files, half of them added, half changed. */
function largeDrift(count: number): DriftReport {
  const report = sampleDriftReport();
  const record = { type: 'file', mode: '0644', owner: 'root', group: 'root', size: 4096 };
  const after = { ...record, size: 8192 };
  const changes = [{ attribute: 'size', old: 4096, new: 8192 }];
  const gate = { action: 'block' as const, rule: 'no rule matched (otherwise: block)' };
  const added: AddedOrRemoved[] = [];
  const changed: ChangedItem[] = [];
  for (let i = 0; i < count / 2; i++) {
    added.push({ key: `/srv/data/added/${i}`, record, gate });
    changed.push({ key: `/srv/data/changed/${i}`, changes, before: record, after, gate });
  }
  const host = report.hosts[0]!;
  host.kinds = [{ kind: 'files', compared: 'all', added, removed: [], changed }];
  host.counts = { ...host.counts, added: added.length, changed: changed.length };
  return report;
}

const [name, items] = process.argv.slice(2);
const render = RENDERERS[name ?? ''];
if (!render || !items) throw new Error(`usage: render-large-drift.ts <${Object.keys(RENDERERS).join('|')}> <items>`);
const report = largeDrift(Number(items));
const heapBefore = process.memoryUsage().heapUsed;
const hash = createHash('sha256');
let characters = 0;
let pieces = 0;
let largestPiece = 0;
const text = render(report, report.verdict!);
for (const piece of typeof text === 'string' ? [text] : text) {
  hash.update(piece);
  characters += piece.length;
  pieces++;
  largestPiece = Math.max(largestPiece, piece.length);
}
const measured = { characters, pieces, largestPiece, heapBefore, sha256: hash.digest('hex') };
process.stdout.write(`${JSON.stringify(measured)}\n`);
