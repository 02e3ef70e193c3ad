import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { renderHtmlReport } from '../../reporters/html/run.js';
import { escapeHtml } from '../../reporters/html/template.js';
import { decideVerdict } from '../../src/gate/verdict.js';
import { RunResultSchema } from '../../src/results/schema.js';
import { expectGolden } from '../support/golden.js';
import { HOSTILE, LARGE_VERDICT, largeRun, SAMPLE_VERDICT, sampleRun } from '../fixtures/html/sample-run.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));

function render(result = sampleRun(), verdict = SAMPLE_VERDICT): string {
  return renderHtmlReport(result, verdict);
}

describe('html reporter (page text)', () => {
  it('golden: the sample run with hostile text (DRIFTSPEC_UPDATE_GOLDEN=1 rewrites it)', () => {
    expectGolden(`${FIXTURES}html/report.golden.html`, render());
  });

  it('golden: the recorded real run, strict default gate', () => {
    const result = RunResultSchema.parse(JSON.parse(readFileSync(`${FIXTURES}golden/run.json`, 'utf8')));
    expectGolden(`${FIXTURES}golden/report.html`, renderHtmlReport(result, decideVerdict(result)));
  });

  it('renders the same bytes for the same result', () => {
    expect(render()).to.equal(render());
  });

  it('escapes every piece of user data', () => {
    const page = render();
    const body = page.slice(page.indexOf('<body>'), page.lastIndexOf('<script>'));
    for (const text of Object.values(HOSTILE)) expect(body).to.include(escapeHtml(text));
    expect(body).not.to.match(/<(?:script|img|svg)\b/i);
    // The only script is the report's own, and the policy allows nothing else to run or load.
    expect(page.match(/<script>/g)).to.have.length(1);
    expect(page).to.match(
      new RegExp(
        /http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'sha256-[^']+'; script-src/
          .source + / 'sha256-[^']+';/.source,
      ),
    );
  });

  it('escapes the five characters that matter in text and attributes', () => {
    expect(escapeHtml(`<a href="x" title='y'>&amp;</a>`)).to.equal(
      '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;amp;&lt;/a&gt;',
    );
  });

  it('refers to nothing outside the page', () => {
    const page = render();
    expect(page).not.to.match(/\b(?:src|href)="(?!#|data:,)/);
    expect(page).not.to.match(/@import|url\(|https?:\/\//i);
  });

  it('counts each host once in "controls that need attention", however many of its checks fail', () => {
    const one = largeRun(40);
    const base = one.hosts[0]!;
    // Every check of ctl-000 (ten) fails on three hosts of four.
    const withStatus = (failing: boolean) =>
      base.results.map((r) => ({
        ...r,
        status: failing && r.control === 'ctl-000' ? ('failed' as const) : ('passed' as const),
      }));
    const hosts = [true, false, true, true].map((failing, i) => ({
      ...base,
      target: `ssh://h${i}:22`,
      results: withStatus(failing),
    }));
    const page = render({ ...one, hosts }, LARGE_VERDICT);
    const rows = [
      ...page.matchAll(
        new RegExp(
          '<tr><td class="mono">(ctl-\\d+)</td>.*?<td class="n[^"]*">(\\d+)</td>' +
            '<td class="n[^"]*">(\\d+)</td><td class="n">(\\d+)</td></tr>',
          'g',
        ),
      ),
    ];
    expect(rows.map((row) => [row[1], row[2], row[4]])).to.deep.equal([['ctl-000', '30', '3']]);
  });

  it('keeps a 1000-check report small and quick to render', () => {
    const result = largeRun(1000);
    const started = process.hrtime.bigint();
    const page = render(result, LARGE_VERDICT);
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    expect(page.length).to.be.below(800_000);
    expect(ms).to.be.below(2000);
    expect(page.match(/<li class="check"/g)).to.have.length(1000);
  });
});
