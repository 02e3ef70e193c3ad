/**
 * Signals to driftspec at each phase of a run on this machine: every process the run started
 * ends with it, and no report or temporary file is left. Over SSH: signals.e2e.test.ts.
 */
import { spawnSync } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { isRoot } from '../support/environment.js';
import { processesMatching, stubborn, waitForNone } from './processes.js';
import { startCli, waitUntil } from './signal-run.js';

describe('reliability: signals to driftspec on the local target', function () {
  this.timeout(60_000);
  let work = '';
  beforeEach(() => {
    work = mkdtempSync(join(tmpdir(), 'driftspec-signals-'));
  });
  afterEach(() => rmSync(work, { recursive: true, force: true }));

  function specWith(commandText: string): string {
    const path = join(work, 'spec.yaml');
    const check = `  - command: ${JSON.stringify(commandText)}\n    options: { timeout: 600 }\n    stdout: x\n`;
    writeFileSync(path, `spec: signals\nchecks:\n${check}`);
    return path;
  }

  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
    ['SIGHUP', 129],
  ] as const) {
    it(`${signal} while probing: exit ${code}, the probe and the command's own process group end`, async () => {
      const marker = `ds-signal-probing-${signal}-${process.pid}`;
      const reports = join(work, 'reports');
      // In the process group timeout(1) gives it.
      const run = startCli(
        ['run', specWith(stubborn(marker)), '-r', `json:${join(reports, 'run.json')}`],
        join(work, 'cache'),
      );
      await waitUntil(() => processesMatching(marker).length >= 2, 15_000, 'the command started');
      run.child.kill(signal);
      expect(await run.ended, run.stderr()).to.equal(code);
      await waitForNone(marker, 2_000);
      // Ctrl-C stops a fleet gracefully: the report of what was gathered is written (docs/cli.md).
      const written = signal === 'SIGINT' ? ['reports'] : [];
      expect(readdirSync(work).filter((name) => name !== 'spec.yaml' && name !== 'cache')).to.deep.equal(written);
      if (signal === 'SIGINT') expect(readdirSync(reports)).to.deep.equal(['run.json']);
    });
  }

  it('SIGKILL while probing: no exit hook runs, the watchdog ends probe and command, no file left', async () => {
    const marker = `ds-signal-kill-${process.pid}`;
    const tmp = join(work, 'tmp');
    mkdirSync(tmp);
    const run = startCli(['run', specWith(stubborn(marker))], join(work, 'cache'), {
      readStdout: true,
      env: { TMPDIR: tmp },
    });
    await waitUntil(() => processesMatching(marker).length >= 2, 15_000, 'the command started');
    run.child.kill('SIGKILL');
    expect(await run.ended).to.equal('SIGKILL');
    // The watchdog looks once a second, then SIGTERM, and SIGKILL two seconds later.
    await waitForNone(marker, 5_000);
    // The run's host spool had no name from the start (src/results/host-spool.ts).
    await waitUntil(() => readdirSync(tmp).length === 0, 5_000, 'the probe cleaned up');
  });

  it('SIGKILL while probing as another user through sudo: the watchdog sees sudo orphaned', async function () {
    if (!isRoot() || spawnSync('sudo', ['-n', 'true']).status !== 0) this.skip();
    const marker = `ds-signal-sudo-kill-${process.pid}`;
    const run = startCli(['run', specWith(stubborn(marker)), '--sudo-user', 'nobody'], join(work, 'cache'));
    await waitUntil(() => processesMatching(marker).length >= 2, 15_000, 'the command started');
    run.child.kill('SIGKILL');
    expect(await run.ended).to.equal('SIGKILL');
    await waitForNone(marker, 5_000);
  });

  it('SIGTERM while writing reports: no report and no temporary file is left', async () => {
    const reports = join(work, 'reports');
    mkdirSync(reports);
    // 2000 checks make a JSON report larger than a pipe holds, and nobody reads it.
    const spec = join(work, 'many.yaml');
    const checks = Array.from({ length: 2000 }, (_, i) => `  - file: /nonexistent/${i}\n    exists: false\n`);
    writeFileSync(spec, `spec: many\nchecks:\n${checks.join('')}`);
    const run = startCli(['run', spec, '-r', 'json', '-r', `html:${join(reports, 'run.html')}`], join(work, 'cache'), {
      readStdout: false,
    });
    await waitUntil(
      () => readdirSync(reports).some((name) => name.endsWith('.tmp')),
      30_000,
      'the HTML report is being written',
    );
    run.child.kill('SIGTERM');
    expect(await run.ended, run.stderr()).to.equal(143);
    expect(readdirSync(reports)).to.deep.equal([]);
  });

  it('SIGINT while connecting: exit 130 at once, without waiting for the connect timeout', async () => {
    const silent: Server = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = silent.address() as { port: number };
      const spec = specWith('true');
      const run = startCli(
        ['run', spec, '-t', `ssh://root@127.0.0.1:${port}`, '--connect-timeout', '60', '--known-hosts', '/dev/null'],
        join(work, 'cache'),
      );
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      const signalled = Date.now();
      run.child.kill('SIGINT');
      expect(await run.ended, run.stderr()).to.equal(130);
      expect(Date.now() - signalled).to.be.lessThan(2_000);
    } finally {
      silent.close();
    }
  });
});
