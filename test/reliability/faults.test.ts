/** Writing outputs that cannot be written: nothing half-done, a clear error naming the path. */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { expect } from 'chai';
import { writeReports } from '../../reporters/output.js';
import { OutputFileError, writeFileAtomically } from '../../src/io/atomic-write.js';
import { parseFileContent, parseFileDigest } from '../../src/resources/file/index.js';
import { FactError } from '../../src/resources/resource.js';
import type { RunResult } from '../../src/results/schema.js';
import { frame } from '../support/frames.js';

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

describe('reliability: file reads that could block or never end', () => {
  it('is an error naming the path and what it is when it is no regular file', () => {
    expect(() => parseFileContent(frame('', 3, 'a FIFO\n'), '/run/fifo')).to.throw(
      FactError,
      "/run/fifo is a FIFO: only a regular file's content and sha256 are read",
    );
    expect(() => parseFileDigest(frame('', 3, 'a character device\n'), '/dev/zero')).to.throw(
      FactError,
      '/dev/zero is a character device',
    );
  });

  it('is an error when the read was stopped at its time limit, never an absent file', () => {
    for (const status of [124, 137]) {
      expect(() => parseFileContent(frame('', status), '/mnt/hung/file')).to.throw(FactError, /took longer than 30 s/);
      expect(() => parseFileDigest(frame('', status), '/mnt/hung/file')).to.throw(FactError, /took longer than 30 s/);
    }
  });
});
