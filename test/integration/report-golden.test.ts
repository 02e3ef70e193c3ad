import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { renderCliReport } from '../../reporters/cli.js';
import { shouldUseColor } from '../../src/text/paint.js';
import { renderJsonReport } from '../../reporters/json.js';
import { renderJunitReport } from '../../reporters/junit.js';
import { renderMarkdownReport } from '../../reporters/markdown.js';
import { loadGatePolicy } from '../../src/gate/policy.js';
import { decideVerdict } from '../../src/gate/verdict.js';
import { RunResultSchema, type RunResult } from '../../src/results/schema.js';
import { expectGolden } from '../support/golden.js';
import { requireXmllint, schemaErrors, writeXml } from '../support/xmllint.js';

const GOLDEN = fileURLToPath(new URL('../fixtures/golden/', import.meta.url));

/**
 * A real run of fixtures/golden/spec.yaml on a Debian 12 machine and an unreachable host, normalised
 * (README.md there).
 */
function goldenRun(): RunResult {
  return RunResultSchema.parse(JSON.parse(readFileSync(`${GOLDEN}run.json`, 'utf8')));
}

describe('golden reports', () => {
  it('the recorded run has every outcome the reports must show', () => {
    const result = goldenRun();
    expect(result.hosts.map((h) => h.status)).to.deep.equal(['completed', 'unreachable']);
    expect(result.hosts[0]!.counts).to.deep.include({ passed: 4, failed: 3, error: 1, skipped: 1 });
    expect(Object.values(result.hosts[0]!.evidence).some((e) => e.truncated)).to.equal(true);
  });

  it('junit: the strict default gate', () => {
    const result = goldenRun();
    expectGolden(
      `${GOLDEN}junit.xml`,
      renderJunitReport(result, decideVerdict(result), { imageId: 'sha256:4f1c0a9e2d7b' }),
    );
  });

  it('junit: the golden file is valid under the Jenkins JUnit schema', function () {
    requireXmllint(this);
    expect(schemaErrors(writeXml(readFileSync(`${GOLDEN}junit.xml`, 'utf8')))).to.equal(null);
  });

  it('cli: failures first with expected, actual and evidence; tables per control and per host', () => {
    const result = goldenRun();
    expectGolden(`${GOLDEN}cli.txt`, renderCliReport(result, decideVerdict(result), { color: false, verbose: false }));
    expectGolden(
      `${GOLDEN}cli-verbose.txt`,
      renderCliReport(result, decideVerdict(result), { color: false, verbose: true }),
    );
  });

  it('cli: colour only when asked for, and a non-empty NO_COLOR turns it off', () => {
    const result = goldenRun();
    expect(renderCliReport(result, decideVerdict(result), { color: true, verbose: false })).to.include('\u001b[31m');
    expect(shouldUseColor({ isTTY: true }, {})).to.equal(true);
    expect(shouldUseColor({ isTTY: true }, { NO_COLOR: '1' })).to.equal(false);
    expect(shouldUseColor({ isTTY: false }, {})).to.equal(false);
  });

  it('json: the whole result with the verdict, in a stable order', () => {
    const result = goldenRun();
    expectGolden(`${GOLDEN}run-report.json`, renderJsonReport(result, decideVerdict(result)));
  });

  it('markdown: blocked by the strict default gate', () => {
    const result = goldenRun();
    const verdict = decideVerdict(result);
    expect(verdict).to.deep.include({ verdict: 'blocked', exitCode: 2 });
    expectGolden(`${GOLDEN}summary-blocked.md`, renderMarkdownReport(result, verdict));
  });

  it('markdown: passed under a lenient policy file, with what it allowed', () => {
    const result = goldenRun();
    const verdict = decideVerdict(result, loadGatePolicy(`${GOLDEN}gate.yaml`));
    expect(verdict).to.deep.include({ verdict: 'passed', exitCode: 0 });
    expectGolden(`${GOLDEN}summary-allowed.md`, renderMarkdownReport(result, verdict));
  });
});
