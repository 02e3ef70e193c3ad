import { expect } from 'chai';
import { code, renderMarkdownReport, text } from '../../reporters/markdown.js';
import { decideVerdict } from '../../src/gate/verdict.js';
import {
  countStatuses,
  RunResultSchema,
  type CheckResult,
  type HostResult,
  type RunResult,
} from '../../src/results/schema.js';

describe('markdown report', () => {
  it('escapes inline text so that it renders as written', () => {
    expect(text('a|b `c` *d* _e_ [f](g) <h> & ~i~ #j \\k')).to.equal(
      'a\\|b \\`c\\` \\*d\\* \\_e\\_ \\[f\\](g) \\<h\\> \\& \\~i\\~ \\#j \\\\k',
    );
    expect(text('two\nlines')).to.equal('two lines');
  });

  it('fences code spans past any backticks inside, and escapes | for tables', () => {
    expect(code('plain')).to.equal('`plain`');
    expect(code('a `b` c')).to.equal('``a `b` c``');
    expect(code('``x``')).to.equal('``` ``x`` ```');
    expect(code('a|b')).to.equal('`a\\|b`');
    expect(code('a|b', false)).to.equal('`a|b`');
    expect(code('x\ny')).to.equal('`x⏎y`');
  });

  it('keeps every table row to its columns, whatever the titles and values hold', () => {
    const hostile = check({
      title: 'file /a|b `|` should | exist',
      status: 'failed',
      expected: '|x|',
      actual: '`|`\n|',
    });
    const md = render(
      run([host('ssh://a|b:22', [hostile, check({ checkId: 'c-01#2', status: 'error', message: 'boom | bang' })])]),
    );
    const rows = md.split('\n').filter((line) => line.startsWith('|'));
    expect(rows.length).to.be.greaterThan(4);
    for (const line of rows) {
      const cells = line.replace(/\\\|/g, '').split('|').length - 2;
      expect([5, 7], line).to.include(cells);
    }
  });

  it('shows the verdict, the reasons and a table per host', () => {
    const md = render(
      run([
        host('local', [
          check({ status: 'passed' }),
          check({ checkId: 'c-01#2', status: 'failed', expected: '0644', actual: '0600' }),
        ]),
      ]),
    );
    expect(md).to.match(/^### ❌ driftspec: blocked \(exit 1\)\n\nblocked: 1 failed control\n/);
    expect(md).to.include('| `local` | ✅ completed |  | 1 | 1 | 0 | 0 |');
    expect(md).to.include('- local: 1 failed medium control (c-01); medium failures are not allowed');
    expect(md).to.include('| ❌ | file /x should exist | `c-01` (medium) | `0644` | `0600` |');
    expect(md).to.include('<details><summary>c-01#2: file /x should exist</summary>');
  });

  it('says little for a clean pass', () => {
    const md = render(run([host('local', [check({ status: 'passed' })])]));
    expect(md).to.match(/^### ✅ driftspec: passed \(exit 0\)\n\npassed\n/);
    expect(md).to.not.include('Why');
    expect(md).to.not.include('<details>');
  });

  it('escapes the summary of a collapsed section as HTML', () => {
    const md = render(run([host('local', [check({ title: 'a <b> & </details>', status: 'failed' })])]));
    expect(md).to.include('<summary>c-01#1: a &lt;b&gt; &amp; &lt;/details&gt;</summary>');
  });

  it('fences evidence past any backticks in it and cuts long evidence', () => {
    const evidence = {
      id: 'q1',
      script: 'echo ````',
      exitCode: 0,
      stdout: Array.from({ length: 100 }, (_, i) => `line ${i}`).join('\n'),
      stderr: '',
      stdoutBytes: 700,
      stderrBytes: 0,
      truncated: false,
    };
    const h = { ...host('local', [check({ status: 'failed', evidence: 'q1' })]), evidence: { q1: evidence } };
    const md = render(run([h]));
    expect(md).to.include('`````text\nquery q1 exited 0\n--- script ---\necho ````\n');
    expect(md).to.include('line 25\n… (cut here; the JSON report has the evidence as recorded)\n`````');
    expect(md).to.not.include('line 40');
  });

  it('lists at most maxListed failed or errored checks and says how many more there are', () => {
    const many = Array.from({ length: 8 }, (_, i) => check({ checkId: `c-01#${i + 1}`, status: 'failed' }));
    const result = run([host('a', many.slice(0, 4)), host('b', many.slice(4))]);
    const md = renderMarkdownReport(result, decideVerdict(result), { maxListed: 5 });
    expect(md.match(/<details>/g)).to.have.length(5);
    expect(md).to.include('_3 more failed or errored checks are not listed here;');
  });

  it('describes an unreachable host by its reason, not check by check', () => {
    const down: HostResult = {
      ...host('ssh://b:22', [
        check({ status: 'error', message: 'not checked' }),
        check({ checkId: 'c-01#2', status: 'skipped' }),
      ]),
      status: 'unreachable',
      reason: 'timed out after 10 s',
    };
    const md = render(run([host('a', [check({ status: 'passed' })]), down]));
    expect(md).to.include(
      '#### `ssh://b:22`: unreachable\n\ntimed out after 10 s\n\n1 check could not be checked (1 more were skipped).',
    );
    expect(md).to.not.include('not checked');
  });
});

function render(result: RunResult): string {
  return renderMarkdownReport(result, decideVerdict(result));
}

function check(fields: Partial<CheckResult> & Pick<CheckResult, 'status'>): CheckResult {
  return {
    checkId: 'c-01#1',
    control: 'c-01',
    title: 'file /x should exist',
    resource: 'file',
    subject: '/x',
    matcher: 'exists',
    negated: false,
    message: `it ${fields.status}`,
    ...fields,
  };
}

function host(target: string, results: CheckResult[]): HostResult {
  return {
    target,
    status: 'completed',
    startedAt: '2025-01-01T10:00:00.000+00:00',
    durationMs: 12,
    execCount: 1,
    counts: countStatuses(results),
    results,
    evidence: {},
  };
}

function run(hosts: HostResult[]): RunResult {
  return RunResultSchema.parse({
    schemaVersion: 1,
    tool: { name: 'driftspec', version: '0.0.0' },
    startedAt: '2025-01-01T10:00:00.000+00:00',
    finishedAt: '2025-01-01T10:00:01.000+00:00',
    specs: [{ name: 'unit', version: '1' }],
    controls: [{ id: 'c-01', impact: 0.5, tags: {}, refs: [] }],
    counts: countStatuses(hosts.flatMap((h) => h.results)),
    hosts,
  });
}
