import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { renderCliReport } from '../../reporters/cli.js';
import { renderDriftCli } from '../../reporters/drift-cli.js';
import { renderDriftJson } from '../../reporters/drift-json.js';
import { renderDriftJunit } from '../../reporters/drift-junit.js';
import { renderDriftMarkdown } from '../../reporters/drift-markdown.js';
import { renderDriftHtml } from '../../reporters/html/drift.js';
import { renderHtmlReport } from '../../reporters/html/run.js';
import { renderJsonReport } from '../../reporters/json.js';
import { renderJunitReport } from '../../reporters/junit.js';
import { renderMarkdownReport } from '../../reporters/markdown.js';
import type { DriftReport } from '../../src/drift/diff-schema.js';
import { decideVerdict, type Verdict } from '../../src/gate/verdict.js';
import { RunResultSchema, type RunResult } from '../../src/results/schema.js';
import { printable } from '../../src/text/printable.js';
import { sampleDriftReport } from '../fixtures/drift/sample-drift.js';
import { requireXmllint, schemaErrors, writeXml } from '../support/xmllint.js';
import { fleetSummary } from '../../src/drift/fleet.js';

/**
 * Text a target or a spec controls, in every free-text field of every report: an OSC that
 * retitles the terminal, a screen clear, colour, a carriage return and a line break, NUL,
 * backspace, DEL, C1 controls (NEL, CSI), a bidi override and isolate, a line separator, markup.
 */
const HOSTILE = ' \u001b]0;owned\u0007\u001b[2J\u001b[31m\r\nX\u0000\u0008\u007f\u0085\u009b\u202e\u2066\u2028<i>&"\'';
const ESCAPED = '\\x1b]0;owned\\x07\\x1b[2J\\x1b[31m\\r\\nX\\x00\\x08\\x7f\\x85\\x9b\\u202e\\u2066\\u2028';

/** Anything a terminal or a renderer could act on; line feeds and tabs are the reports' own. */
const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/u;
/** The colour a report paints itself: Select Graphic Rendition, nothing else. */
const OWN_COLOUR = /\u001b\[\d+m/g;
/** What XML 1.0 does not allow at all. */
const NOT_XML = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\uFFFE\uFFFF]/u;

/** Fields whose text chooses what is rendered (states, kinds, times, ids that link two parts). */
const STRUCTURAL = new Set([
  'status',
  'state',
  'kind',
  'type',
  'compared',
  'action',
  'mode',
  'verdict',
  'resource',
  'matcher',
  'checkId',
  'evidence',
  'startedAt',
  'finishedAt',
  'takenAt',
  'generatedAt',
  'expires',
  'reasonKind',
  'packageManager',
  'initSystem',
  'attribute',
]);

/** A copy with the hostile text appended to every free-text string, however deep. */
function hostile<T>(value: T, key = ''): T {
  if (typeof value === 'string') return (STRUCTURAL.has(key) ? value : `${value}${HOSTILE}`) as T;
  if (Array.isArray(value)) return value.map((item) => hostile(item, key)) as T;
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(Object.entries(value).map(([name, member]) => [name, hostile(member, name)])) as T;
}

function hostileRun(): { result: RunResult; verdict: Verdict } {
  const path = fileURLToPath(new URL('../fixtures/golden/run.json', import.meta.url));
  const result = hostile(RunResultSchema.parse(JSON.parse(readFileSync(path, 'utf8'))));
  return { result, verdict: hostile(decideVerdict(result)) };
}

function hostileDrift(): DriftReport {
  return hostile(sampleDriftReport());
}

const joined = (text: string | Iterable<string>) => (typeof text === 'string' ? text : [...text].join(''));

function expectTerminalSafe(text: string): void {
  const match = RAW_CONTROL.exec(text.replace(OWN_COLOUR, ''));
  const at = match?.index ?? 0;
  const near = printable(text.replace(OWN_COLOUR, '').slice(Math.max(0, at - 40), at + 10));
  expect(match, `raw U+${match?.[0].codePointAt(0)?.toString(16)} near "${near}"`).to.equal(null);
}

describe('hostile text in every report', () => {
  it('the one escaping function: every control, separator and bidi character visible, twice the same', () => {
    expect(printable(HOSTILE)).to.equal(` ${ESCAPED}<i>&"'`);
    expect(printable(printable(HOSTILE))).to.equal(printable(HOSTILE));
    expect(printable('a\tb\nc\rd', { keepLineBreaks: true })).to.equal('a\tb\nc\\rd');
    expect(printable('plain ü 日本 \\n')).to.equal('plain ü 日本 \\n');
  });

  describe('run reports', () => {
    const { result, verdict } = hostileRun();

    it('cli, with and without colour: no control character but its own colours; the escapes shown', () => {
      for (const color of [false, true]) {
        const text = renderCliReport(result, verdict, { color, verbose: true });
        expectTerminalSafe(text);
        expect(text).to.include(ESCAPED);
      }
    });

    it('markdown: no control character', () => {
      const text = renderMarkdownReport(result, verdict, { maxListed: 1000 });
      expectTerminalSafe(text);
      expect(text).to.include('\\x1b]0;owned\\x07\\x1b[2J');
    });

    it('json: every text exactly as it was (JSON escapes by itself)', () => {
      const expected = JSON.parse(JSON.stringify({ ...result, verdict }));
      expect(JSON.parse(renderJsonReport(result, verdict))).to.deep.equal(expected);
    });

    it('junit: valid XML, the control characters shown instead of dropped', function () {
      requireXmllint(this);
      const xml = renderJunitReport(result, verdict);
      expect(NOT_XML.test(xml)).to.equal(false);
      expect(schemaErrors(writeXml(xml))).to.equal(null);
      expect(xml).to.include('\\x1b]0;owned\\x07');
    });

    it('html: markup escaped, control characters shown as escapes', () => {
      const text = renderHtmlReport(result, verdict);
      expect(text).to.not.include('<i>');
      expectTerminalSafe(text);
    });
  });

  describe('drift reports', () => {
    const report = hostileDrift();
    const verdict = report.verdict!;

    it('cli, with and without colour: no control character but its own colours; the escapes shown', () => {
      for (const color of [false, true]) {
        const text = joined(renderDriftCli(report, verdict, { color }));
        expectTerminalSafe(text);
        expect(text).to.include(ESCAPED);
      }
    });

    it('markdown: no control character', () => {
      const text = joined(renderDriftMarkdown(report, verdict, { maxListed: 1000 }));
      expectTerminalSafe(text);
      expect(text).to.include('\\x1b]0;owned\\x07\\x1b[2J');
    });

    it('json: every text exactly as it was', () => {
      // The fleet summary is derived from the hosts' drift, texts and all.
      const fleet = report.hosts.length > 1 ? { fleet: fleetSummary(report.hosts) } : {};
      const expected = JSON.parse(JSON.stringify({ ...report, verdict, ...fleet }));
      expect(JSON.parse(joined(renderDriftJson(report, verdict)))).to.deep.equal(expected);
    });

    it('junit: valid XML, the control characters shown instead of dropped', function () {
      requireXmllint(this);
      const xml = joined(renderDriftJunit(report, verdict));
      expect(NOT_XML.test(xml)).to.equal(false);
      expect(schemaErrors(writeXml(xml))).to.equal(null);
      expect(xml).to.include('\\x1b]0;owned\\x07');
    });

    it('html: markup escaped, control characters shown as escapes', () => {
      const text = joined(renderDriftHtml(report, verdict));
      expect(text).to.not.include('<i>');
      expectTerminalSafe(text);
    });
  });
});
