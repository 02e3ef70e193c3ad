/**
 * Faults a target can hold against the probe, on this machine through the real local target:
 * files that never end or block, commands that ignore SIGTERM or print without end, a full
 * temporary file system. The same faults over SSH are in faults.e2e.test.ts.
 */
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { command, file, planSpecs, spec } from '../../src/dsl/index.js';
import { runHost } from '../../src/engine/run-host.js';
import { createRegistry } from '../../src/resources/index.js';
import type { HostResult } from '../../src/results/schema.js';
import { LocalTarget } from '../../src/targets/local.js';
import { runCli } from '../support/cli.js';
import { isRoot } from '../support/environment.js';
import { outcomes } from '../support/local.js';
import { processesMatching, stubborn, waitForNone } from './processes.js';

const registry = createRegistry();

/**
 * Each timing bound below lies far from both sides: what the fault costs when handled (a few
 * seconds) and what it costs when not (a probe held until PROBE_TIMEOUT_MS, or a `sleep 300`). A
 * shared machine may stall a run for many seconds; that is not what these tests look for.
 */
const PROBE_TIMEOUT_MS = 60_000;
const HALF_THE_PROBE_TIMEOUT = PROBE_TIMEOUT_MS / 2;

async function runOn(target: LocalTarget, body: () => void, commandTimeoutMs = PROBE_TIMEOUT_MS): Promise<HostResult> {
  const plan = planSpecs([{ definition: spec('faults', body) }], registry);
  return runHost(plan, target, { registry, commandTimeoutMs });
}

describe('reliability: faults on the local target', function () {
  this.timeout(PROBE_TIMEOUT_MS + 30_000);
  let work = '';
  before(() => {
    work = mkdtempSync(join(tmpdir(), 'driftspec-faults-'));
  });
  after(() => work && rmSync(work, { recursive: true, force: true }));

  it('refuses a FIFO and /dev/zero by name, and every other check still runs', async () => {
    const fifo = join(work, 'pipe');
    execFileSync('mkfifo', [fifo]);
    writeFileSync(join(work, 'plain'), 'hello\n');
    const started = Date.now();
    const result = await runOn(new LocalTarget(), () => {
      file(fifo).contains('x');
      file(fifo).sha256('0'.repeat(64));
      file('/dev/zero').sha256('0'.repeat(64));
      file(work).contains('x');
      file(join(work, 'plain')).contains('hello');
    });
    const all = outcomes(result);
    expect(Date.now() - started, all.join('\n')).to.be.lessThan(HALF_THE_PROBE_TIMEOUT);
    expect(all[0]).to.match(/^error: .*pipe is a FIFO: only a regular file's content and sha256 are read/);
    expect(all[1]).to.match(/^error: .*pipe is a FIFO/);
    expect(all[2]).to.match(/^error: .*\/dev\/zero is a character device/);
    expect(all[3]).to.match(/^error: .* is a directory/);
    expect(all[4]).to.match(/^passed: /);
  });

  it('ends a command that ignores SIGTERM at its timeout, with its whole process group', async () => {
    const marker = `ds-ignores-term-${process.pid}`;
    const started = Date.now();
    const result = await runOn(new LocalTarget(), () => {
      command(stubborn(marker), { timeout: 1 }).exitStatus(0);
    });
    expect(outcomes(result)[0]).to.match(/^error: .*(timed out after 1 s|killed by signal 9)/);
    // 1 s, then SIGKILL 2 s later (COMMAND_KILL_AFTER); left to run, it would hold the probe for
    // PROBE_TIMEOUT_MS. The bound lies between the two, far from both: a busy machine may stall.
    expect(Date.now() - started).to.be.lessThan(HALF_THE_PROBE_TIMEOUT);
    await waitForNone(marker, 3_000);
  });

  it('ends a command that ignores SIGTERM under BusyBox timeout too, with its children', async function () {
    if (!existsSync('/usr/bin/busybox')) this.skip();
    const tools = join(work, 'busybox-timeout');
    mkdirSync(tools);
    symlinkSync('/usr/bin/busybox', join(tools, 'timeout'));
    const shell = join(work, 'sh-with-busybox-timeout');
    writeFileSync(shell, `#!/bin/sh\nPATH=${tools}:$PATH exec /bin/sh "$@"\n`);
    chmodSync(shell, 0o755);
    const marker = `ds-busybox-timeout-${process.pid}`;
    const started = Date.now();
    const result = await runOn(new LocalTarget(shell), () => command(stubborn(marker), { timeout: 1 }).exitStatus(0));
    expect(outcomes(result)[0]).to.match(/^error: .*(timed out after 1 s|killed by signal 9)/);
    expect(Date.now() - started).to.be.lessThan(HALF_THE_PROBE_TIMEOUT);
    await waitForNone(marker, 2_000);
  });

  it('ends what a finished command left running in its group, without waiting for it', async () => {
    const marker = `ds-left-behind-${process.pid}`;
    const started = Date.now();
    const result = await runOn(new LocalTarget(), () =>
      command(`sh -c 'sleep 300; : ${marker}' & echo started`).stdout('started\n'),
    );
    expect(outcomes(result)[0]).to.match(/^passed: /);
    expect(Date.now() - started).to.be.lessThan(HALF_THE_PROBE_TIMEOUT);
    await waitForNone(marker, 1_000);
  });

  it('caps what a command prints on the target and still counts it', async () => {
    const result = await runOn(new LocalTarget(), () => {
      command('head -c 50000000 /dev/zero; echo done >&2').exitStatus(0).not.stdout({ contains: 'x' }).stderr('done\n');
    });
    expect(outcomes(result).map((o) => o.split(':')[0])).to.deep.equal(['passed', 'error', 'passed']);
    expect(result.results[1]!.message).to.match(/50000000 bytes/);
  });

  it('says which stream could not be kept when the temporary file system is full', async function () {
    if (!isRoot()) this.skip();
    const tiny = join(work, 'tiny');
    mkdirSync(tiny);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', tiny]);
    try {
      const shell = join(work, 'sh-with-tiny-tmp');
      writeFileSync(shell, `#!/bin/sh\nTMPDIR=${tiny} exec /bin/sh "$@"\n`);
      chmodSync(shell, 0o755);
      const result = await runOn(new LocalTarget(shell), () => {
        command('head -c 3000000 /dev/zero').exitStatus(0);
        command('echo small').stdout('small\n');
      });
      const all = outcomes(result);
      expect(all[0], all.join('\n')).to.match(
        /^error: .*the command ran \(exit 0\), but its stdout could not be kept .*file system full/,
      );
      expect(all[1], all.join('\n')).to.match(/^passed: /);
    } finally {
      execFileSync('umount', [tiny]);
    }
  });

  it('ends the probe and every command group it started at the probe timeout', async () => {
    const marker = `ds-probe-timeout-${process.pid}`;
    const started = Date.now();
    const result = await runOn(
      new LocalTarget(),
      () => command(`sleep 300; : ${marker}`, { timeout: 600 }).exitStatus(0),
      1_500,
    );
    expect(outcomes(result)[0]).to.match(/^error: /);
    // The probe's own timeout is 1.5 s here; the command would run 300 s.
    expect(Date.now() - started).to.be.lessThan(HALF_THE_PROBE_TIMEOUT);
    await waitForNone(marker, 2_000);
    expect(processesMatching(marker)).to.deep.equal([]);
  });

  describe('outputs that cannot be written (exit 73, the path named, nothing written)', () => {
    const spec = () => {
      const path = join(work, 'spec.yaml');
      writeFileSync(path, 'spec: outputs\nchecks:\n  - command: "true"\n    exitStatus: 0\n');
      return path;
    };

    it('with several reports, writes none when one path is a directory', async () => {
      const out = join(work, 'reports-dir');
      mkdirSync(join(out, 'report.html'), { recursive: true });
      const run = await runCli(
        ['run', spec(), '-r', `json:${join(out, 'ok.json')}`, '-r', `html:${join(out, 'report.html')}`],
        join(work, 'cache'),
      );
      expect(run.code, run.stderr).to.equal(73);
      expect(run.stderr).to.include(`cannot write ${join(out, 'report.html')}: it is a directory`);
      expect(run.stderr).to.not.include('internal error');
      expect(readdirSync(out)).to.deep.equal(['report.html']);
    });

    it('names a read-only file system for a report, a snapshot and a generated spec', async function () {
      if (!isRoot()) this.skip();
      const readOnly = join(work, 'read-only');
      mkdirSync(join(work, 'small-tree'));
      mkdirSync(readOnly);
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'ro,size=64k', 'tmpfs', readOnly]);
      try {
        const runs = [
          ['run', spec(), '-r', `json:${join(readOnly, 'run.json')}`],
          ['snapshot', 'local', '--output', join(readOnly, 'snapshot.json'), '--files', join(work, 'small-tree')],
        ];
        for (const args of runs) {
          const run = await runCli(args, join(work, 'cache'));
          expect(run.code, `${args.join(' ')}\n${run.stderr}`).to.equal(73);
          expect(run.stderr).to.match(new RegExp(`cannot write ${readOnly}/\\w+\\.json: the file system is read-only`));
        }
        const snapshot = join(work, 'snapshot.json');
        const taken = await runCli(
          ['snapshot', 'local', '--output', snapshot, '--files', join(work, 'small-tree')],
          join(work, 'cache'),
        );
        expect(taken.code, taken.stderr).to.equal(0);
        const generated = await runCli(
          ['generate', '--from', snapshot, '--output', join(readOnly, 'spec.yaml')],
          join(work, 'cache'),
        );
        expect(generated.code, generated.stderr).to.equal(73);
        expect(generated.stderr).to.include(
          `cannot write ${join(readOnly, 'spec.yaml')}: the file system is read-only`,
        );
        expect(readdirSync(readOnly)).to.deep.equal([]);
      } finally {
        execFileSync('umount', [readOnly]);
      }
    });
  });
});
