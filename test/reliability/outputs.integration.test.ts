/** Writing a report into a target that is no regular file: written as it is, never replaced. */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { writeFileAtomically } from '../../src/io/atomic-write.js';

describe('reliability: outputs that are no regular file', () => {
  let work = '';
  beforeEach(() => {
    work = mkdtempSync(join(tmpdir(), 'driftspec-outputs-'));
  });
  afterEach(() => rmSync(work, { recursive: true, force: true }));

  it('writes into a named pipe as it is (as into /dev/null), never renaming a file over it', async () => {
    const pipe = join(work, 'report.pipe');
    execFileSync('mkfifo', [pipe]);
    const reader = spawn('cat', [pipe], { stdio: ['ignore', 'pipe', 'ignore'] });
    const chunks: Buffer[] = [];
    reader.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    const read = new Promise<string>((resolve) => reader.on('close', () => resolve(Buffer.concat(chunks).toString())));
    try {
      await writeFileAtomically(pipe, 'through the pipe\n');
      const unread = new Promise<string>((resolve) => setTimeout(() => resolve('(nothing came through)'), 5000));
      expect(await Promise.race([read, unread])).to.equal('through the pipe\n');
    } finally {
      reader.kill();
    }
    expect(statSync(pipe).isFIFO(), 'still a pipe').to.equal(true);
    expect(readdirSync(work)).to.deep.equal(['report.pipe']);
  });
});
