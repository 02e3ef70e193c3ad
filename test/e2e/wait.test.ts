import { chmodSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { expect } from 'chai';
import { RunResultSchema, type RunResult } from '../../src/results/schema.js';
import { runCli, type CliRun } from '../support/cli.js';
import { useTestbed, type TestInstance } from '../support/testbed.js';

const work = mkdtempSync(join(tmpdir(), 'driftspec-wait-'));
const cli = (...args: string[]) => runCli(args, join(work, 'cache'));
const SESSION_LOG = '/run/driftspec-sessions.log';
const CLOUD_INIT_DONE = '/run/fake-cloud-init-done';

function put(upperDir: string, path: string, text: string, mode = 0o644): void {
  const full = join(upperDir, path);
  mkdirSync(dirname(full), { recursive: true });
  writeFileSync(full, text);
  chmodSync(full, mode);
}

/** A unit enabled in multi-user.target, written into the overlay. */
function enableUnit(upperDir: string, name: string, service: string): void {
  put(
    upperDir,
    `etc/systemd/system/${name}`,
    `[Unit]\nDescription=${name}\n\n[Service]\n${service}\n\n[Install]\nWantedBy=multi-user.target\n`,
  );
  mkdirSync(join(upperDir, 'etc/systemd/system/multi-user.target.wants'), { recursive: true });
  symlinkSync(`/etc/systemd/system/${name}`, join(upperDir, 'etc/systemd/system/multi-user.target.wants', name));
}

/** Root's login shell logs every session sshd starts, so execs are counted on the server. */
function countSessions({ upperDir, rootfs }: { upperDir: string; rootfs: string }): void {
  const shell = '/usr/local/sbin/driftspec-counting-shell';
  put(upperDir, shell, `#!/bin/sh\necho "session $*" >> ${SESSION_LOG}\nexec /bin/bash "$@"\n`, 0o755);
  const passwd = readFileSync(join(rootfs, 'etc/passwd'), 'utf8').replace(
    /^(root:[^:]*:0:0:[^:]*:[^:]*):.*$/m,
    `$1:${shell}`,
  );
  put(upperDir, 'etc/passwd', passwd);
}

/**
 * A stand-in for cloud-init whose final stage ends about 4 s after boot, well after systemd
 * reports `running`: `status --wait` prints dots until then, as the real one does.
 */
function fakeCloudInit(upperDir: string): void {
  put(
    upperDir,
    'usr/local/bin/cloud-init',
    [
      '#!/bin/sh',
      'case "$*" in',
      `  "status --wait") while [ ! -e ${CLOUD_INIT_DONE} ]; do printf .; sleep 0.5; done; printf '\\nstatus: ` +
        `done\\n' ;;`,
      `  status) if [ -e ${CLOUD_INIT_DONE} ]; then echo 'status: done'; else echo 'status: running'; fi ;;`,
      '  *) exit 2 ;;',
      'esac',
      '',
    ].join('\n'),
    0o755,
  );
  enableUnit(
    upperDir,
    'fake-cloud-final.service',
    `Type=simple\nExecStart=/bin/sh -c 'sleep 4; touch ${CLOUD_INIT_DONE}'`,
  );
}

function writeSpec(name: string, text: string): string {
  const path = join(work, `${name}.yaml`);
  writeFileSync(path, text);
  return path;
}

function parseResult(stdout: string): RunResult {
  return RunResultSchema.parse(JSON.parse(stdout));
}

/** Host keys are pinned from the image: known_hosts is being written by the boot at the same moment. */
function sshArgs(instance: TestInstance): string[] {
  return [
    '--target',
    instance.url,
    '--identity',
    instance.keyPath,
    '--host-key',
    instance.hostKeyFingerprint,
    '--known-hosts',
    '/dev/null',
  ];
}

describe('--wait against an instance booting at the same moment', function () {
  this.timeout(10 * 60_000);
  let withoutSshd = false;
  const bed = useTestbed({
    base: 60,
    count: 1,
    boot: 'later',
    prepare: (instance) => {
      countSessions(instance);
      fakeCloudInit(instance.upperDir);
      if (withoutSshd) symlinkSync('/dev/null', join(instance.upperDir, 'etc/systemd/system/ssh.service'));
    },
  });

  const bootSpec = () =>
    writeSpec(
      'boot',
      [
        'spec: freshly-booted',
        'checks:',
        `  - file: ${CLOUD_INIT_DONE}`,
        '    exists: true',
        '  - service: nginx',
        '    running: true',
        '  - service: ssh',
        '    running: true',
        '  - port: 80',
        '    listening: true',
        '',
      ].join('\n'),
    );

  // The run starts the moment systemd-nspawn does, not before: until the instance's network
  // namespace exists, its address would be routed off this machine.
  it('completes five fresh boots in a row, each in one exec counted by the instance', async () => {
    const instance = bed.instances[0]!;
    const spec = bootSpec();
    let waitedInSession = 0;
    for (let boot = 1; boot <= 5; boot++) {
      const started = Date.now();
      try {
        await bed.start(instance, { wait: false });
        const run = await cli('run', spec, '--wait', '60s', '--format', 'json', ...sshArgs(instance));
        const elapsed = Date.now() - started;
        expect(run.code, `boot ${boot}: ${run.stdout}${run.stderr}`).to.equal(0);
        const host = parseResult(run.stdout).hosts[0]!;
        expect(host).to.deep.include({ status: 'completed', execCount: 1 });
        expect(host.results.map((result) => result.status)).to.deep.equal(['passed', 'passed', 'passed', 'passed']);
        expect(host.evidence.boot?.stdout)
          .to.match(/^status: done$/m)
          .and.match(/^systemd: running$/m);
        // Dots: cloud-init was still running when the session began, and the probe waited for it.
        if (/^\.+$/m.test(host.evidence.boot!.stdout)) waitedInSession++;
        const sessions = instance.inContainer(['cat', SESSION_LOG]).trim().split('\n');
        expect(sessions, `boot ${boot}`).to.deep.equal(['session -c /bin/sh -s']);
        console.log(`      boot ${boot}: passed in ${(elapsed / 1000).toFixed(1)} s from the moment of boot`);
      } finally {
        await bed.stop(instance);
      }
    }
    expect(waitedInSession, 'boots in which the session began before cloud-init finished').to.be.greaterThan(0);
  });

  it('is unreachable after the deadline when sshd never comes up, saying what it waited for', async () => {
    const instance = bed.instances[0]!;
    withoutSshd = true;
    let run: CliRun;
    let elapsed: number;
    try {
      await bed.start(instance, { wait: false });
      const started = Date.now();
      run = await cli(
        'run',
        bootSpec(),
        '--wait',
        '4s',
        '--connect-timeout',
        '2',
        '--format',
        'json',
        ...sshArgs(instance),
      );
      elapsed = Date.now() - started;
    } finally {
      withoutSshd = false;
      await bed.stop(instance);
    }
    expect(run.code, run.stderr).to.equal(2);
    const host = parseResult(run.stdout).hosts[0]!;
    expect(host).to.deep.include({ status: 'unreachable', reasonKind: 'timeout', execCount: 0 });
    expect(host.reason).to.match(
      new RegExp(
        `^${instance.url} did not answer SSH within --wait 4s: \\d+ connection attempts, the last: cannot connect ` +
          `to ${instance.address}:22: connection refused`,
      ),
    );
    // The last attempt starts by the deadline and takes at most the connect timeout; then the CLI's own start and exit.
    expect(elapsed, host.reason).to.be.below(4000 + 2000 + 5000);
    console.log(`      gave up after ${(elapsed / 1000).toFixed(1)} s: ${host.reason}`);
  });
});

describe('--wait and eventually on a booted instance whose systemd is degraded', function () {
  this.timeout(5 * 60_000);
  const bed = useTestbed({
    base: 60,
    count: 1,
    prepare: ({ upperDir }) => enableUnit(upperDir, 'driftspec-broken.service', 'Type=oneshot\nExecStart=/bin/false'),
  });
  const spec = () => writeSpec('degraded', 'spec: degraded\nchecks:\n  - file: /etc/hostname\n    exists: true\n');

  it('accepts degraded by default', async () => {
    const instance = bed.instances[0]!;
    expect(instance.inContainer(['sh', '-c', 'systemctl is-system-running || true']).trim()).to.equal('degraded');
    const run = await cli('run', spec(), '--wait', '30s', '--format', 'json', ...sshArgs(instance));
    expect(run.code, run.stdout + run.stderr).to.equal(0);
    const host = parseResult(run.stdout).hosts[0]!;
    expect(host).to.deep.include({ status: 'completed', execCount: 1 });
    expect(host.evidence.boot?.stdout).to.match(/^systemd: degraded$/m);
  });

  it('refuses it with --no-degraded, naming the failed unit', async () => {
    const instance = bed.instances[0]!;
    const run = await cli('run', spec(), '--wait', '30s', '--no-degraded', ...sshArgs(instance));
    expect(run.code, run.stdout + run.stderr).to.equal(2);
    expect(run.stdout).to.include(
      'systemd finished booting degraded (failed units: driftspec-broken.service), and --no-degraded refuses that',
    );
  });

  it('passes a check with eventually once nginx, stopped, starts 5 s later, in more than one round', async () => {
    const instance = bed.instances[0]!;
    instance.inContainer(['systemctl', 'stop', 'nginx']);
    instance.inContainer(['systemd-run', '--quiet', '--on-active=5', 'systemctl', 'start', 'nginx']);
    const path = writeSpec(
      'eventually',
      'spec: slow-service\nchecks:\n  - service: nginx\n    eventually: { timeout: 20s, interval: 1s }\n    ' +
        'running: true\n  - file: /etc/hostname\n    exists: true\n',
    );
    const started = Date.now();
    const run = await cli('run', path, '--format', 'json', ...sshArgs(instance));
    const elapsed = Date.now() - started;
    expect(run.code, run.stdout + run.stderr).to.equal(0);
    const host = parseResult(run.stdout).hosts[0]!;
    const nginx = host.results[0]!;
    expect(nginx.status).to.equal('passed');
    const round = Number(/passed at re-probe round (\d+), /.exec(nginx.message)?.[1]);
    expect(round, nginx.message).to.be.greaterThan(1);
    expect(host.execCount).to.equal(1 + round);
    expect(nginx.evidence).to.equal(`round${round}.q1`);
    expect(elapsed).to.be.above(4000).and.below(20_000);
    console.log(`      nginx passed at re-probe round ${round}, ${(elapsed / 1000).toFixed(1)} s`);
  });
});
