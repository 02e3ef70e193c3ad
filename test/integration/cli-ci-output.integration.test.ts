import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { expect } from 'chai';
import { main } from '../../src/cli/main.js';
import { runCli } from '../support/cli.js';

// What CI systems need from the CLI (docs/cli.md: Progress, Quiet, Colour, spec arguments): the
// compiled CLI on real pipes, and main() with streams that say they are a terminal.

const ESCAPE = '\u001b';

/** A stream that records what is written, and says it is a terminal when asked to. */
class Capture extends Writable {
  text = '';
  constructor(
    readonly isTTY: boolean,
    readonly columns = 200,
  ) {
    super();
  }
  override _write(chunk: Buffer, _encoding: string, done: () => void): void {
    this.text += String(chunk);
    done();
  }
}

async function inProcess(args: string[], options: { tty: boolean; env?: NodeJS.ProcessEnv; cwd?: string }) {
  const stdout = new Capture(options.tty);
  const stderr = new Capture(options.tty);
  const env = { DRIFTSPEC_CACHE_DIR: cacheDir, ...options.env };
  const code = await main(args, { stdout, stderr, env, cwd: options.cwd ?? process.cwd() });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

let cacheDir: string;
let specs: string;

describe('the CLI in CI: progress, -q, colour, spec folders and globs', function () {
  this.timeout(120_000);

  before(() => {
    cacheDir = mkdtempSync(join(tmpdir(), 'driftspec-ci-output-cache-'));
    specs = mkdtempSync(join(tmpdir(), 'driftspec-ci-output-specs-'));
    const spec = (name: string) => `spec: ${name}\nchecks:\n  - file: /etc/passwd\n    owner: root\n`;
    writeFileSync(join(specs, 'b-second.yaml'), spec('second'));
    writeFileSync(join(specs, 'a-first.yml'), spec('first'));
    writeFileSync(join(specs, 'notes.md'), 'not a spec\n');
    mkdirSync(join(specs, 'more'));
    writeFileSync(join(specs, 'more', 'c-third.yaml'), spec('third'));
    mkdirSync(join(specs, 'empty'));
  });

  after(() => {
    rmSync(cacheDir, { recursive: true, force: true });
    rmSync(specs, { recursive: true, force: true });
  });

  const twoHosts = () => ['run', join(specs, 'a-first.yml'), '-t', 'local', '-t', 'local'];

  describe('progress', () => {
    it('on a pipe: one plain line per finished host on stderr, no control characters', async () => {
      const run = await runCli([...twoHosts(), '-f', 'json'], cacheDir);
      expect(run.code, run.stderr).to.equal(0);
      const lines = run.stderr.split('\n').filter((line) => line !== '');
      expect(lines).to.have.length(2);
      expect(lines[0]).to.match(/^\[1\/2\] local passed 1, failed 0 \(\d+\.\d s\)$/);
      expect(lines[1]).to.match(/^\[2\/2\] local passed 1, failed 0 \(\d+\.\d s\)$/);
      expect(run.stderr).not.to.match(/[\u0000-\u0009\u000b-\u001f]/);
      expect(JSON.parse(run.stdout).hosts).to.have.length(2);
    });

    it('on a terminal: the line rewritten in place, no plain lines', async () => {
      const run = await inProcess(twoHosts(), { tty: true, env: { NO_COLOR: '1' } });
      expect(run.code, run.stderr).to.equal(0);
      expect(run.stderr).to.include('\r\u001b[2Kdriftspec: 2/2 hosts · 2 passed');
      expect(run.stderr).not.to.include('[1/2]');
    });

    it('on a dumb terminal: plain lines', async () => {
      const run = await inProcess(twoHosts(), { tty: true, env: { TERM: 'dumb' } });
      expect(run.stderr).to.match(/^\[1\/2\] local passed 1, failed 0 \(\d+\.\d s\)\n\[2\/2\] /);
      expect(run.stderr).not.to.include(ESCAPE);
    });

    it('none with --no-progress', async () => {
      const run = await runCli([...twoHosts(), '--no-progress'], cacheDir);
      expect(run.code, run.stderr).to.equal(0);
      expect(run.stderr).to.equal('');
      expect(run.stdout).to.include('Result:');
    });
  });

  it('drift of live hosts: plain lines on a pipe; nothing with -q', async () => {
    const baseline = join(specs, 'baseline.json');
    const snapshot = ['snapshot', 'local', '--files', '/etc/hostname', '--allow-incomplete', '-o', baseline, '-q'];
    expect((await runCli(snapshot, cacheDir)).code).to.equal(0);
    const drift = ['drift', '--baseline', baseline, 'local', 'local'];
    const loud = await runCli(drift, cacheDir);
    expect(loud.stderr).to.match(/^\[1\/2\] local (no drift|drift|incomplete): added \d+, removed \d+, changed \d+/);
    expect(loud.stderr.split('\n').filter((line) => line.startsWith('['))).to.have.length(2);
    const quiet = await runCli([...drift, '-q'], cacheDir);
    expect([quiet.stdout, quiet.stderr, quiet.code]).to.deep.equal(['', '', loud.code]);
    rmSync(baseline);
  });

  describe('-q', () => {
    it('writes nothing at all for a run without --reporter: no progress, no cli report', async () => {
      const run = await runCli([...twoHosts(), '-q'], cacheDir);
      expect([run.code, run.stdout, run.stderr]).to.deep.equal([0, '', '']);
    });

    it('leaves out the note about the bundled spec, and keeps the exit code', async () => {
      const loud = await inProcess(['run', '--no-progress'], { tty: false });
      const quiet = await inProcess(['run', '-q'], { tty: false });
      expect(loud.stderr).to.match(/^driftspec: no spec named; checking the bundled /);
      expect([quiet.stdout, quiet.stderr]).to.deep.equal(['', '']);
      expect(quiet.code).to.equal(loud.code);
    });

    it('still writes a report that was asked for: --format json, --reporter to stdout and to files', async () => {
      const json = await runCli([...twoHosts(), '-q', '-f', 'json'], cacheDir);
      expect(json.stderr).to.equal('');
      expect(JSON.parse(json.stdout).hosts).to.have.length(2);
      const cli = await runCli([...twoHosts(), '-q', '-r', 'cli'], cacheDir);
      expect([cli.stderr, cli.stdout.includes('Result:')]).to.deep.equal(['', true]);
      const file = join(specs, 'quiet-junit.xml');
      const junit = await runCli([...twoHosts(), '-q', '-r', `junit:${file}`], cacheDir);
      expect([junit.code, junit.stdout, junit.stderr]).to.deep.equal([0, '', '']);
      rmSync(file);
    });

    it('snapshot: no summary line on stderr', async () => {
      const output = join(specs, 'quiet-snapshot.json');
      const args = ['snapshot', 'local', '--files', '/etc/hostname', '--allow-incomplete', '-o', output];
      const loud = await runCli(args, cacheDir);
      expect(loud.stderr).to.match(/^snapshot of local /);
      const quiet = await runCli([...args, '-q'], cacheDir);
      expect([quiet.code, quiet.stdout, quiet.stderr]).to.deep.equal([0, '', '']);
      rmSync(output);
    });

    it('keeps errors on stderr', async () => {
      const run = await runCli(['run', '-q', join(specs, 'missing.yaml')], cacheDir);
      expect(run.code).to.equal(78);
      expect(run.stderr).to.include('missing.yaml');
    });
  });

  describe('colour', () => {
    it('FORCE_COLOR=1 colours the report on a pipe, over NO_COLOR', async () => {
      const run = await runCli(['run', join(specs, 'a-first.yml')], cacheDir, { FORCE_COLOR: '1', NO_COLOR: '1' });
      expect(run.stdout).to.include(`${ESCAPE}[`);
    });

    it('FORCE_COLOR=0 turns it off on a terminal', async () => {
      const run = await inProcess(['run', join(specs, 'a-first.yml')], { tty: true, env: { FORCE_COLOR: '0' } });
      expect(run.stdout).to.include('Result:');
      expect(run.stdout).not.to.include(ESCAPE);
    });
  });

  describe('spec folders and globs', () => {
    const specNames = (stdout: string) => (JSON.parse(stdout).specs as Array<{ name: string }>).map((s) => s.name);

    it("a folder gives its specs in name order, not its subfolders' nor other files", async () => {
      const run = await runCli(['plan', specs], cacheDir);
      expect(run.code, run.stderr).to.equal(0);
      expect(specNames(run.stdout)).to.deep.equal(['first', 'second']);
    });

    it('a quoted glob is expanded by driftspec, ** included', async () => {
      const run = await runCli(['run', `${specs}/**/*.yaml`, '-f', 'json'], cacheDir);
      expect(run.code, run.stderr).to.equal(0);
      expect(specNames(run.stdout)).to.deep.equal(['second', 'third']);
    });

    it('a folder without specs, or a glob matching nothing, is exit 78 naming it', async () => {
      const empty = await runCli(['run', join(specs, 'empty')], cacheDir);
      expect(empty.code).to.equal(78);
      expect(empty.stderr).to.include(`${join(specs, 'empty')}: a folder with no spec file`);
      const glob = `${specs}/*.toml`;
      const none = await runCli(['run', glob], cacheDir);
      expect(none.code).to.equal(78);
      expect(none.stderr).to.include(`${glob}: no file matches this glob`);
    });
  });
});
