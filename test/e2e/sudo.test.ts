import { execFileSync } from 'node:child_process';
import {
  appendFileSync,
  chmodSync,
  chownSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { RunResultSchema, type HostResult } from '../../src/results/schema.js';
import { runCli, type CliRun } from '../support/cli.js';
import { useTestbed, type TestInstance } from '../support/testbed.js';

/**
 * Non-root logins that raise the probe with sudo. Each user logs in with the test bed's key;
 * sudoers files as an administrator would write them (mode 0440).
 */
const USERS = {
  /** NOPASSWD for everything. */
  auditor: { uid: 2001, password: undefined, sudoers: 'auditor ALL=(ALL:ALL) NOPASSWD: ALL' },
  /** sudo with its own password. */
  keyholder: { uid: 2002, password: "keyholder pass: $(not) `code` 'q'", sudoers: 'keyholder ALL=(ALL:ALL) ALL' },
  /** No sudoers entry at all. */
  outsider: { uid: 2003, password: 'outsider-password', sudoers: undefined },
  /** NOPASSWD, but sudo wants a terminal. */
  ttybound: {
    uid: 2004,
    password: undefined,
    sudoers: 'Defaults:ttybound requiretty\nttybound ALL=(ALL:ALL) NOPASSWD: ALL',
  },
} as const;
type UserName = keyof typeof USERS;

const work = mkdtempSync(join(tmpdir(), 'driftspec-sudo-'));
const cli = (args: readonly string[], env: NodeJS.ProcessEnv = {}) =>
  runCli(args, join(work, 'cache'), { DRIFTSPEC_SUDO_PASSWORD: '', ...env });

/** Facts only root may read: /etc/shadow's content and root's password ageing. */
const ROOT_ONLY_SPEC = writeSpec('root-only', [
  { file: '/etc/shadow', content: { matches: '^root:', flags: 'm' } },
  { user: 'root', maxDays: 99999 },
]);

/** Where the probe below leaves its snapshot; the test reads it through the instance's overlay. */
const SNAPSHOT = 'var/tmp/driftspec-sudo-snapshot.txt';

/**
 * The same, plus a snapshot of every process while the sudo'd probe runs (command lines and
 * environments), to look for the password in afterwards.
 */
const SNOOPING_SPEC = writeSpec('root-only-snooping', [
  { file: '/etc/shadow', content: { matches: '^root:', flags: 'm' } },
  {
    command:
      `{ ps -e -o pid=,user=,args=; for f in /proc/[0-9]*/environ; do tr '\\000' '\\n' < "$f"; echo; done; } ` +
      `> /${SNAPSHOT} 2>/dev/null; true`,
    exitStatus: 0,
  },
]);

const WHOAMI_SPEC = writeSpec('whoami', [{ command: 'id -un', exitStatus: 0 }]);

function writeSpec(name: string, checks: object[]): string {
  const path = join(work, `${name}.json`);
  writeFileSync(path, JSON.stringify({ spec: name, checks }, null, 2));
  return path;
}

function prepareSudoUsers({ upperDir, rootfs }: { upperDir: string; rootfs: string }): void {
  const etc = join(upperDir, 'etc');
  mkdirSync(join(etc, 'sudoers.d'), { recursive: true, mode: 0o755 });
  mkdirSync(join(etc, 'ssh/sshd_config.d'), { recursive: true });
  // DEBUG1 makes sshd log "Starting session: command for USER" once per session.
  writeFileSync(join(etc, 'ssh/sshd_config.d/50-driftspec-sudo.conf'), 'LogLevel DEBUG1\n');
  const passwd: string[] = [];
  const group: string[] = [];
  const shadow: string[] = [];
  const gshadow: string[] = [];
  for (const [name, user] of Object.entries(USERS) as [UserName, (typeof USERS)[UserName]][]) {
    const home = join(upperDir, 'home', name);
    passwd.push(`${name}:x:${user.uid}:${user.uid}::/home/${name}:/bin/bash`);
    group.push(`${name}:x:${user.uid}:`);
    shadow.push(`${name}:${user.password === undefined ? '*' : hashPassword(user.password)}:20000:0:99999:7:::`);
    gshadow.push(`${name}:!::`);
    mkdirSync(join(home, '.ssh'), { recursive: true });
    copyFileSync(join(rootfs, 'root/.ssh/authorized_keys'), join(home, '.ssh/authorized_keys'));
    chmodSync(join(home, '.ssh/authorized_keys'), 0o600);
    chmodSync(join(home, '.ssh'), 0o700);
    for (const path of [home, join(home, '.ssh'), join(home, '.ssh/authorized_keys')])
      chownSync(path, user.uid, user.uid);
    if (user.sudoers !== undefined) {
      const file = join(etc, 'sudoers.d', `driftspec-${name}`);
      writeFileSync(file, `${user.sudoers}\n`);
      chmodSync(file, 0o440);
    }
  }
  for (const [file, lines, mode] of [
    ['passwd', passwd, 0o644],
    ['group', group, 0o644],
    ['shadow', shadow, 0o640],
    ['gshadow', gshadow, 0o640],
  ] as const) {
    const path = join(etc, file);
    copyFileSync(join(rootfs, 'etc', file), path);
    appendFileSync(path, `${lines.join('\n')}\n`);
    chmodSync(path, mode);
    if (file === 'shadow' || file === 'gshadow') chownSync(path, 0, shadowGid(rootfs));
  }
}

function hashPassword(password: string): string {
  return execFileSync('openssl', ['passwd', '-6', '-stdin'], { input: `${password}\n`, encoding: 'utf8' }).trim();
}

function shadowGid(rootfs: string): number {
  const line = readFileSync(join(rootfs, 'etc/group'), 'utf8')
    .split('\n')
    .find((entry) => entry.startsWith('shadow:'));
  return Number(line?.split(':')[2] ?? 0);
}

describe('sudo on a booted instance (--sudo, --sudo-user, DRIFTSPEC_SUDO_PASSWORD)', function () {
  this.timeout(90_000);
  const bed = useTestbed({ base: 30, count: 1, prepare: prepareSudoUsers });
  const instance = () => bed.instances[0]!;

  function targetArgs(user: UserName): string[] {
    const { address, keyPath, knownHostsPath } = instance();
    return ['--target', `ssh://${user}@${address}`, '--identity', keyPath, '--known-hosts', knownHostsPath];
  }

  async function runAs(
    user: UserName,
    spec: string,
    extra: string[] = [],
    env: NodeJS.ProcessEnv = {},
  ): Promise<{ run: CliRun; host: HostResult }> {
    const run = await cli(['run', spec, '--format', 'json', ...targetArgs(user), ...extra], env);
    expect(run.stdout, run.stderr).not.to.equal('');
    const host = RunResultSchema.parse(JSON.parse(run.stdout)).hosts[0]!;
    return { run, host };
  }

  function statuses(host: HostResult): string[] {
    return host.results.map((result) => result.status);
  }

  it('without --sudo, a non-root login gets errors for root-only facts, never a pass (exit 2)', async () => {
    const { run, host } = await runAs('auditor', ROOT_ONLY_SPEC);
    expect(host.status, host.reason).to.equal('completed');
    expect(host.host?.uid).to.equal(USERS.auditor.uid);
    expect(statuses(host)).to.deep.equal(['error', 'error']);
    expect(host.results[0]!.message).to.match(/permission denied/i);
    expect(host.results[1]!.message).to.include('need root: run driftspec as root or with sudo');
    expect(run.code).to.equal(2);
  });

  it('NOPASSWD: the probe runs as root in one SSH session, and root-only checks pass', async () => {
    const cursor = journalCursor(instance());
    const { run, host } = await runAs('auditor', ROOT_ONLY_SPEC, ['--sudo']);
    expect(run.code, run.stdout).to.equal(0);
    expect(host.status).to.equal('completed');
    expect(host.host?.uid).to.equal(0);
    expect(statuses(host)).to.deep.equal(['passed', 'passed']);
    expect(host.execCount).to.equal(1);
    const log = await journalAfter(instance(), cursor, (lines) =>
      lines.some((line) => /Disconnected from user auditor /.test(line)),
    );
    expect(
      log.filter((line) => line.startsWith('Starting session: command for auditor ')),
      log.join('\n'),
    ).to.have.length(1);
    expect(log.filter((line) => /^Starting session: /.test(line))).to.have.length(1);
    expect(log.filter((line) => line.includes('COMMAND=/bin/sh -s'))).to.have.length(1);
  });

  it('--sudo-user runs the probe as that user', async () => {
    const { run, host } = await runAs('auditor', WHOAMI_SPEC, ['--sudo-user', 'nobody']);
    expect(run.code, run.stdout).to.equal(0);
    expect(host.host?.uid).to.equal(65534);
    expect(host.evidence[host.results[0]!.evidence!]?.stdout).to.include('nobody');
  });

  describe('with a password', () => {
    const password = USERS.keyholder.password;

    it('passes, and the password is in no report, command line, environment or journal', async () => {
      const cursor = journalCursor(instance());
      const { run, host } = await runAs('keyholder', SNOOPING_SPEC, ['--sudo'], { DRIFTSPEC_SUDO_PASSWORD: password });
      expect(run.code, run.stdout).to.equal(0);
      expect(host.host?.uid).to.equal(0);
      expect(statuses(host)).to.deep.equal(['passed', 'passed']);
      expect(host.execCount).to.equal(1);
      // The snapshot was taken while sudo ran the probe: sudo's own command line is in it.
      const snapshot = readFileSync(join(instance().upperDir, SNAPSHOT), 'utf8');
      expect(snapshot).to.match(/^\s*\d+ root\s+sudo -S -p {2}-- \/bin\/sh -c IFS= read -r ds_line/m);
      expect(snapshot).to.include('SUDO_USER=keyholder');
      expect(snapshot).not.to.include(password);
      expect(run.stdout).not.to.include(password);
      expect(run.stderr).not.to.include(password);
      const journal = await journalAfter(instance(), cursor, (lines) =>
        lines.some((line) => /Disconnected from user keyholder /.test(line)),
      );
      expect(journal.some((line) => line.includes('keyholder : PWD=') && line.includes('COMMAND=/bin/sh -c'))).to.equal(
        true,
      );
      expect(journal.join('\n')).not.to.include(password);
      expect(wholeJournal(instance())).not.to.include(password);
    });

    it('is dropped, not run, when sudo does not ask for it (NOPASSWD)', async () => {
      const cursor = journalCursor(instance());
      const { run, host } = await runAs('auditor', ROOT_ONLY_SPEC, ['--sudo'], { DRIFTSPEC_SUDO_PASSWORD: password });
      expect(run.code, run.stdout).to.equal(0);
      expect(statuses(host)).to.deep.equal(['passed', 'passed']);
      expect(run.stdout).not.to.include(password);
      const journal = await journalAfter(instance(), cursor, (lines) =>
        lines.some((line) => /Disconnected from user auditor /.test(line)),
      );
      expect(journal.join('\n')).not.to.include(password);
    });

    it('a wrong password is that host’s error with the remedy (exit 2)', async () => {
      const { run, host } = await runAs('keyholder', ROOT_ONLY_SPEC, ['--sudo'], {
        DRIFTSPEC_SUDO_PASSWORD: 'not the password',
      });
      expect(host.status).to.equal('error');
      expect(host.reason).to.match(
        new RegExp(
          /^sudo refused the password in DRIFTSPEC_SUDO_PASSWORD: set it to keyholder's password on this host/.source +
            / \[.*incorrect password attempts\]$/.source,
        ),
      );
      expect(statuses(host)).to.deep.equal(['error', 'error']);
      expect(host.execCount).to.equal(1);
      expect(run.code).to.equal(2);
    });
  });

  it('password required but none given: error naming NOPASSWD and DRIFTSPEC_SUDO_PASSWORD (exit 2)', async () => {
    const { run, host } = await runAs('keyholder', ROOT_ONLY_SPEC, ['--sudo']);
    expect(host.status).to.equal('error');
    expect(host.reason)
      .to.include('sudo needs a password for keyholder')
      .and.include('DRIFTSPEC_SUDO_PASSWORD')
      .and.include('NOPASSWD');
    expect(run.code).to.equal(2);
  });

  it('not in sudoers: error with the sudoers remedy (exit 2)', async () => {
    const { run, host } = await runAs('outsider', ROOT_ONLY_SPEC, ['--sudo'], {
      DRIFTSPEC_SUDO_PASSWORD: USERS.outsider.password,
    });
    expect(host.status).to.equal('error');
    expect(host.reason).to.equal(
      'outsider may not use sudo on this host: a sudoers rule such as "outsider ALL=(root) /bin/sh" in ' +
        '/etc/sudoers.d (mode 0440) [outsider is not in the sudoers file.]',
    );
    expect(statuses(host)).to.deep.equal(['error', 'error']);
    expect(run.code).to.equal(2);
    expect(run.stdout).not.to.include(USERS.outsider.password);
  });

  it('requiretty: error with the "!requiretty" remedy (exit 2)', async () => {
    const { run, host } = await runAs('ttybound', ROOT_ONLY_SPEC, ['--sudo']);
    expect(host.status).to.equal('error');
    expect(host.reason).to.include('requires a terminal (requiretty)').and.include('"Defaults:ttybound !requiretty"');
    expect(run.code).to.equal(2);
  });

  it('a hostile --sudo-user stays one word for sudo: unknown user, nothing run', async () => {
    const hostile = "x'; touch /tmp/sudo-user-pwned; '$(touch /tmp/sudo-user-pwned)";
    const { run, host } = await runAs('auditor', ROOT_ONLY_SPEC, ['--sudo-user', hostile]);
    expect(host.status).to.equal('error');
    expect(host.reason).to.include(`sudo does not know the user ${JSON.stringify(hostile)}`);
    expect(run.code).to.equal(2);
    expect(instance().inContainer(['sh', '-c', 'ls /tmp/sudo-user-pwned 2>&1 || true'])).to.include('No such file');
  });

  it('in one fleet run, each refusal is its own host’s error and the others complete', async () => {
    const { address, keyPath, knownHostsPath } = instance();
    const run = await cli([
      'run',
      ROOT_ONLY_SPEC,
      '--format',
      'json',
      '--sudo',
      '--identity',
      keyPath,
      '--known-hosts',
      knownHostsPath,
      ...(['auditor', 'outsider', 'ttybound'] as const).flatMap((user) => ['--target', `ssh://${user}@${address}`]),
    ]);
    const hosts = RunResultSchema.parse(JSON.parse(run.stdout)).hosts;
    expect(hosts.map((host) => `${host.target} ${host.status}`)).to.deep.equal([
      `ssh://auditor@${address}:22 completed`,
      `ssh://outsider@${address}:22 error`,
      `ssh://ttybound@${address}:22 error`,
    ]);
    expect(hosts[0]!.counts.passed).to.equal(2);
    expect(hosts.every((host) => host.execCount === 1)).to.equal(true);
    expect(run.code).to.equal(2);
  });
});

/** Every field of every journal entry since boot, exported inside the instance and read through its overlay. */
function wholeJournal(instance: TestInstance): string {
  instance.inContainer(['sh', '-c', 'journalctl -o export --no-pager > /var/tmp/driftspec-journal.export']);
  return readFileSync(join(instance.upperDir, 'var/tmp/driftspec-journal.export'), 'latin1');
}

/** The journal's position now, so a test reads only what came after. */
function journalCursor(instance: TestInstance): string {
  const output = instance.inContainer(['journalctl', '-n', '0', '--show-cursor', '-o', 'cat']);
  const cursor = /^-- cursor: (.+)$/m.exec(output)?.[1];
  if (!cursor) throw new Error(`no journal cursor in: ${output}`);
  return cursor;
}

/** Every journal line after the cursor, once `done` holds (journald may lag a little). */
async function journalAfter(
  instance: TestInstance,
  cursor: string,
  done: (lines: string[]) => boolean,
): Promise<string[]> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const lines = instance
      .inContainer(['journalctl', `--after-cursor=${cursor}`, '-o', 'cat', '--no-pager'])
      .split('\n')
      .filter(Boolean);
    if (done(lines)) return lines;
    if (Date.now() > deadline) throw new Error(`timed out waiting for the journal; it has:\n${lines.join('\n')}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
