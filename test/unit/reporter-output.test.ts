import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { expect } from 'chai';
import { parseReporterOption, validateReporterRequests, writeReports } from '../../reporters/output.js';
import { writeFileAtomically } from '../../src/io/atomic-write.js';
import type { RunResult } from '../../src/results/schema.js';

const KNOWN = ['cli', 'json', 'junit'];

describe('reporter outputs', () => {
  it('reads name and optional path', () => {
    expect(parseReporterOption('cli', KNOWN)).to.deep.equal({ name: 'cli' });
    expect(parseReporterOption('junit:out/a:b.xml', KNOWN)).to.deep.equal({ name: 'junit', path: 'out/a:b.xml' });
    expect(() => parseReporterOption('xml:out.xml', KNOWN)).to.throw(
      /unknown reporter "xml".*expected one of: cli, json, junit/,
    );
    expect(() => parseReporterOption('json:', KNOWN)).to.throw(/path after ":" is empty/);
  });

  it('refuses two reports on stdout or two in one file', () => {
    expect(() => validateReporterRequests([{ name: 'cli' }, { name: 'json' }])).to.throw(
      /only one reporter can write to stdout/,
    );
    expect(() =>
      validateReporterRequests([
        { name: 'json', path: 'a.json' },
        { name: 'junit', path: './a.json' },
      ]),
    ).to.throw(/two reporters write to/);
    validateReporterRequests([{ name: 'cli' }, { name: 'json', path: 'a.json' }]);
  });

  it('writes files whole, creating folders, and leaves no temporary file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'driftspec-reports-'));
    const chunks: string[] = [];
    const stdout = new Writable({
      write: (chunk, _enc, done) => {
        chunks.push(String(chunk));
        done();
      },
    });
    const renderers = { cli: () => 'table\n', json: () => '{"a":1}\n' };
    await writeReports(
      [{ name: 'cli' }, { name: 'json', path: join(dir, 'deep/er/run.json') }],
      renderers,
      {} as RunResult,
      { verdict: 'passed', exitCode: 0, summary: 'passed', reasons: [] },
      stdout,
    );
    expect(chunks.join('')).to.equal('table\n');
    expect(readFileSync(join(dir, 'deep/er/run.json'), 'utf8')).to.equal('{"a":1}\n');
    expect(readdirSync(join(dir, 'deep/er'))).to.deep.equal(['run.json']);
  });

  it('writes a large report to stdout in slices that join to the report, each valid UTF-8', async () => {
    const lines = Array.from({ length: 30_000 }, (_, i) => `  "line ${i}": "€ and 😀 ${'x'.repeat(40)}"`).join('\n');
    const noNewline = `${'y'.repeat((1 << 20) - 1)}😀${'z'.repeat(10)}`;
    for (const report of [lines, noNewline]) {
      const chunks: Buffer[] = [];
      const stdout = new Writable({
        write: (chunk: Buffer, _enc, done) => {
          chunks.push(chunk);
          done();
        },
      });
      await writeReports(
        [{ name: 'json' }],
        { json: () => report },
        {} as RunResult,
        { verdict: 'passed', exitCode: 0, summary: 'passed', reasons: [] },
        stdout,
      );
      expect(chunks.length).to.be.greaterThan(1);
      for (const chunk of chunks) expect(chunk.toString('utf8')).not.to.include('\ufffd');
      expect(Buffer.concat(chunks).toString('utf8')).to.equal(report);
    }
  });

  it('writes no file when a renderer fails', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'driftspec-reports-'));
    const renderers = {
      json: () => 'ok',
      junit: () => {
        throw new Error('boom');
      },
    };
    const sink = new Writable({ write: (_c, _e, done) => done() });
    await writeReports(
      [
        { name: 'json', path: join(dir, 'a.json') },
        { name: 'junit', path: join(dir, 'b.xml') },
      ],
      renderers,
      {} as RunResult,
      { verdict: 'passed', exitCode: 0, summary: 'passed', reasons: [] },
      sink,
    ).catch(() => undefined);
    expect(existsSync(join(dir, 'a.json'))).to.equal(false);
  });

  it('replaces an existing file in one step', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'driftspec-reports-'));
    await writeFileAtomically(join(dir, 'r.json'), 'old');
    await writeFileAtomically(join(dir, 'r.json'), 'new');
    expect(readFileSync(join(dir, 'r.json'), 'utf8')).to.equal('new');
    expect(readdirSync(dir)).to.deep.equal(['r.json']);
  });
});
