/** Writing outputs that cannot be written: nothing half-done, a clear error naming the path. */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { expect } from 'chai';
import { writeReports } from '../../reporters/output.js';
import { OutputFileError, writeFileAtomically } from '../../src/io/atomic-write.js';
import type { RunResult } from '../../src/results/schema.js';

const VERDICT = { verdict: 'passed', exitCode: 0, summary: 'passed', reasons: [] } as const;
const sink = () => new Writable({ write: (_chunk, _encoding, done) => done() });

describe('reliability: unwritable outputs', () => {
  let work = '';
  beforeEach(() => {
    work = mkdtempSync(join(tmpdir(), 'driftspec-outputs-'));
  });
  afterEach(() => rmSync(work, { recursive: true, force: true }));

  it('writes no report when one of several paths is a directory, and names that path', async () => {
    mkdirSync(join(work, 'report.html'));
    const renderers = { json: () => '{}\n', html: () => '<html></html>\n' };
    const requests = [
      { name: 'json', path: join(work, 'ok.json') },
      { name: 'html', path: join(work, 'report.html') },
    ];
    const writing = writeReports(requests, renderers, {} as RunResult, VERDICT, sink());
    const error = await writing.then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    expect(error).to.be.instanceOf(OutputFileError);
    expect((error as Error).message).to.equal(`cannot write ${join(work, 'report.html')}: it is a directory`);
    expect(readdirSync(work)).to.deep.equal(['report.html']);
  });

  it('names the path and the reason when a parent is not a directory', async () => {
    writeFileSync(join(work, 'file'), 'x');
    const error = await writeFileAtomically(join(work, 'file', 'run.json'), '{}').catch((thrown: unknown) => thrown);
    expect(error).to.be.instanceOf(OutputFileError);
    expect((error as Error).message).to.match(/^cannot write .*file\/run\.json: /);
    expect(existsSync(join(work, 'file'))).to.equal(true);
  });
});
