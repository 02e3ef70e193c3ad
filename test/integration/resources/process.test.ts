import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { control, planSpecs, resourceFunction, spec } from '../../../src/dsl/spec.js';
import { runHost } from '../../../src/engine/run-host.js';
import { createRegistry } from '../../../src/resources/index.js';
import {
  parseProcessTable,
  PROCESS_TABLE_SCRIPT,
  processResource,
  selectProcesses,
} from '../../../src/resources/process/index.js';
import { LocalTarget } from '../../../src/targets/local.js';
import { isRoot, requireInCi } from '../../support/environment.js';
import { hostFacts } from '../../support/frames.js';
import { outcomes, runLocally } from '../../support/local.js';
import { runFragment, withoutProgram } from '../../fixtures/local/process/run-fragment.js';

const processes = resourceFunction(processResource);
const me = userInfo().username;
const registry = createRegistry([processResource]);

function failures(lines: string[]): string[] {
  return lines.filter((line) => !line.startsWith('passed'));
}

function started(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    child.once('spawn', () => resolve());
    child.once('error', reject);
  });
}

describe('process resource on this machine', function () {
  this.timeout(60_000);
  const suffix = randomBytes(3).toString('hex');
  /** 15 characters: the whole kernel name. */
  const short = `ds-sleep-${suffix}`;
  /** 20 characters: the kernel keeps the first 15. */
  const long = `ds-long-sleep-${suffix}`;
  /** A name holding a newline, whose second line looks like the start of pid 1's stat line. */
  const forging = `x\n1 (dsforged`;
  const dir = mkdtempSync(join(tmpdir(), 'ds-process-it-'));
  const children: ChildProcess[] = [];

  before(async () => {
    chmodSync(dir, 0o755);
    copyFileSync('/bin/sleep', join(dir, short));
    copyFileSync('/bin/sleep', join(dir, long));
    children.push(spawn(join(dir, short), ['3600'], { stdio: 'ignore' }));
    children.push(spawn(join(dir, long), ['3601'], { stdio: 'ignore' }));
    copyFileSync('/bin/sleep', join(dir, forging));
    children.push(spawn(join(dir, forging), ['3604'], { stdio: 'ignore' }));
    if (isRoot()) children.push(spawn(join(dir, short), ['3602'], { stdio: 'ignore', uid: 65534, gid: 65534 }));
    await Promise.all(children.map(started));
  });

  after(() => {
    for (const child of children) child.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it('passes what is true and fails what is not', async () => {
    const result = await runLocally(() => {
      control('true', () => {
        processes(short)
          .running()
          .count({ ge: 1 })
          .runsAs(me)
          .args({ contains: `${join(dir, short)} 3600` });
        processes(long)
          .running()
          .count(1)
          .args({ matches: `/${long} 3601$` });
        processes('ds-sleep').not.running().count(0);
        processes(`${long}x`).not.running();
        processes(`ds-sleep-${suffix}x`).not.running();
      });
      control('false', () => {
        processes('ds-sleep').running();
        processes(short).not.running();
        processes(long).count(2);
        processes(short).args({ contains: '--no-such-argument' });
      });
    }, [processResource]);
    const lines = outcomes(result);
    expect(failures(lines.slice(0, 11))).to.deep.equal([]);
    expect(lines.slice(11).map((l) => l.slice(0, l.indexOf(',') > 0 ? l.indexOf(',') : l.length))).to.deep.equal([
      'failed: expected process ds-sleep to be running',
      `failed: expected process ${short} not to be running`,
      `failed: expected process ${long} to have a process count of 2`,
      `failed: expected process ${short} to have command lines containing "--no-such-argument"`,
    ]);
  });

  it('reads the users of processes run by different users (as root)', async function () {
    if (!isRoot()) return requireInCi(this, 'starting a process as another user needs root');
    const result = await runLocally(() => {
      control('users', () => {
        processes(short)
          .count(2)
          .user({ contains: ['root', 'nobody'] })
          .runsAs('nobody');
        processes(long).user({ not: { contains: 'nobody' } });
      });
    }, [processResource]);
    expect(failures(outcomes(result))).to.deep.equal([]);
  });

  it("does not count the probe's own shell and subshells", async () => {
    // The probe runs under a copy of dash with a name of its own, so every probe process has it.
    const shellName = `ds-probe-${suffix}`;
    copyFileSync('/bin/dash', join(dir, shellName));
    const plan = planSpecs(
      [{ definition: spec('self', () => control('self', () => processes(shellName).not.running().count(0))) }],
      registry,
    );
    const result = await runHost(plan, new LocalTarget(join(dir, shellName)), { registry, commandTimeoutMs: 60_000 });
    expect(outcomes(result).map((l) => l.slice(0, 6))).to.deep.equal(['passed', 'passed']);
  });

  const shells: Array<{ title: string; shell?: string[]; prefix?: string; cmdline?: boolean; loop?: boolean }> = [
    { title: 'bash', shell: ['/bin/bash'] },
    { title: 'busybox ash', shell: ['/bin/busybox', 'ash'] },
    {
      title: 'busybox ash with busybox grep',
      shell: ['/bin/busybox', 'ash'],
      prefix: 'grep() { busybox grep "$@"; }\n',
    },
    // The fallback where there is no ps: /proc/PID/cmdline.
    { title: 'dash without ps', prefix: withoutProgram('ps'), cmdline: true },
    // The fallback where there is no grep: the shell reads each stat and status.
    { title: 'dash without grep', prefix: withoutProgram('grep'), loop: true },
    // And where grep gives nothing, as when the shell cannot start it for a list of files too long.
    {
      title: 'dash whose grep cannot start',
      prefix: "grep() { echo 'grep: Argument list too long' >&2; return 126; }\n",
      loop: true,
    },
  ];
  for (const { title, shell, prefix = '', cmdline = false, loop = false } of shells) {
    it(`gives the same facts under ${title}`, async function () {
      if (shell && !existsSync(shell[0]!)) return this.skip();
      const host = hostFacts({ uid: process.getuid?.() ?? 0 });
      const frame = await runFragment(prefix + PROCESS_TABLE_SCRIPT, shell ? { shell } : {});
      const table = parseProcessTable(frame, host);
      expect(table.argsSource).to.equal(cmdline ? 'cmdline' : 'ps');
      expect(frame.stdout.toString('utf8')).to.include(loop ? '\n@ds:procs\n' : '\n@ds:proc-files\n');
      const pick = (name: string) =>
        selectProcesses(table, name)
          .processes.map((p) => `${p.user} ${p.args}`)
          .sort();
      expect(pick(short)).to.deep.equal(
        [`${me} ${join(dir, short)} 3600`, ...(isRoot() ? [`nobody ${join(dir, short)} 3602`] : [])].sort(),
      );
      expect(pick(long)).to.deep.equal([`${me} ${join(dir, long)} 3601`]);
      // grep passed the forged line on, named by the forging process's own stat file; it is not a process.
      if (!loop) expect(frame.stdout.toString('utf8')).to.include(`/proc/${children[2]!.pid}/stat:1 (dsforged) `);
      expect(table.processes.filter((p) => p.comm.includes('dsforged') || p.pid === children[2]!.pid)).to.deep.equal(
        [],
      );
    });
  }
});
