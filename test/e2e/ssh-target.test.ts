import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import {
  appendFileSync,
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { control, planSpecs, resourceFunction, spec } from '../../src/dsl/spec.js';
import { runHost } from '../../src/engine/run-host.js';
import type { ResourceRegistry } from '../../src/resources/index.js';
import { fileResource } from '../../src/resources/file/index.js';
import { parseTargetAddress, type SshAddress } from '../../src/targets/address.js';
import { parseKnownHosts } from '../../src/targets/known-hosts.js';
import { loadIdentity, type SshCredentials } from '../../src/targets/ssh-credentials.js';
import { REMOTE_COMMAND, SshTarget } from '../../src/targets/ssh.js';
import { TargetUnreachableError, type UnreachableKind } from '../../src/targets/target.js';
import { useTestbed, type TestInstance } from '../support/testbed.js';

const keys = { dir: '', rsa: '', ecdsa: '', stranger: '' };
const ECDSA_PASSPHRASE = 'correct horse battery staple';
const PROBE_USER = 'probe';
const PROBE_PASSWORD = 'probe-password-1';
const LOGIN_SHELL_LOG = '/run/driftspec-login-shell.log';

/**
 * Instances count what sshd does: at LogLevel DEBUG1 sshd logs "Starting session: command …"
 * once per session and every user name it is asked for; root's login shell is a wrapper that
 * logs when and how sshd started it and when it ended. `MaxSessions 1` makes sshd itself refuse
 * a second session on a connection while one is open. sshd also listens on port 2200, and root
 * accepts extra RSA and (encrypted) ECDSA keys.
 */
function prepareCountingInstance({ upperDir, rootfs }: { upperDir: string; rootfs: string }): void {
  generateKeys();
  mkdirSync(join(upperDir, 'etc/ssh/sshd_config.d'), { recursive: true });
  writeFileSync(
    join(upperDir, 'etc/ssh/sshd_config.d/50-driftspec-test.conf'),
    'LogLevel DEBUG1\nMaxSessions 1\nPort 22\nPort 2200\n',
  );
  const shell = '/usr/local/sbin/driftspec-login-shell';
  mkdirSync(join(upperDir, 'usr/local/sbin'), { recursive: true });
  writeFileSync(
    join(upperDir, shell),
    [
      '#!/bin/sh',
      `printf 'start %s %s\\n' "$(date +%s%N)" "$*" >> ${LOGIN_SHELL_LOG}`,
      '/bin/bash "$@"',
      'status=$?',
      `printf 'end %s\\n' "$(date +%s%N)" >> ${LOGIN_SHELL_LOG}`,
      'exit $status',
      '',
    ].join('\n'),
  );
  chmodSync(join(upperDir, shell), 0o755);
  const passwd = readFileSync(join(rootfs, 'etc/passwd'), 'utf8').replace(
    /^(root:[^:]*:0:0:[^:]*:[^:]*):.*$/m,
    `$1:${shell}`,
  );
  writeFileSync(join(upperDir, 'etc/passwd'), passwd);
  mkdirSync(join(upperDir, 'root/.ssh'), { recursive: true, mode: 0o700 });
  const authorized = join(upperDir, 'root/.ssh/authorized_keys');
  copyFileSync(join(rootfs, 'root/.ssh/authorized_keys'), authorized);
  appendFileSync(authorized, readFileSync(`${keys.rsa}.pub`) + readFileSync(`${keys.ecdsa}.pub`).toString());
  chmodSync(authorized, 0o600);
}

function generateKeys(): void {
  if (keys.dir) return;
  keys.dir = mkdtempSync(join(tmpdir(), 'driftspec-ssh-keys-'));
  keys.rsa = join(keys.dir, 'id_rsa');
  keys.ecdsa = join(keys.dir, 'id_ecdsa');
  keys.stranger = join(keys.dir, 'id_stranger');
  execFileSync('ssh-keygen', ['-q', '-t', 'rsa', '-b', '3072', '-N', '', '-f', keys.rsa]);
  execFileSync('ssh-keygen', ['-q', '-t', 'ecdsa', '-N', ECDSA_PASSPHRASE, '-f', keys.ecdsa]);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', keys.stranger]);
}

describe('SSH target against booted instances', function () {
  this.timeout(60_000);
  const bed = useTestbed({ base: 200, count: 2, prepare: prepareCountingInstance });
  const counted = () => bed.instances[0]!;
  const spare = () => bed.instances[1]!;

  describe('running the probe', () => {
    it('runs a file check in one /bin/sh -s session, counted by sshd', async () => {
      const instance = counted();
      const cursor = sshdCursor(instance);
      const shellLogBefore = loginShellLog(instance).length;
      const registry: ResourceRegistry = new Map([[fileResource.type, fileResource]]);
      const file = resourceFunction(fileResource);
      const plan = planSpecs(
        [
          {
            definition: spec('instance', () =>
              control('hostname', () => {
                file('/etc/hostname')
                  .isFile()
                  .contains(new RegExp(`^${instance.name}$`, 'm'));
                file('/etc/os-release').exists();
              }),
            ),
          },
        ],
        registry,
      );
      const target = sshTarget(instance);
      const result = await runHost(plan, target, { registry, commandTimeoutMs: 30_000 });
      await target.close();

      expect(result.status, result.reason).to.equal('completed');
      expect(result.results.map((r) => `${r.status}: ${r.message}`)).to.satisfy((lines: string[]) =>
        lines.every((line) => line.startsWith('passed')),
      );
      expect(result.host?.hostname).to.equal(instance.name);
      expect(result.host?.os).to.include({
        id: 'debian',
        versionId: '12',
        prettyName: 'Debian GNU/Linux 12 (bookworm)',
      });
      expect(result.execCount).to.equal(1);

      const log = await sshdLogAfter(instance, cursor, (lines) => count(lines, /^Disconnected from user root /) === 1);
      expect(count(log, /^Accepted publickey for root /), log.join('\n')).to.equal(1);
      expect(
        log.filter((line) => line.startsWith('Starting session:')),
        log.join('\n'),
      ).to.have.length(1);
      expect(count(log, /^Starting session: command for root /)).to.equal(1);
      const shells = loginShellLog(instance).slice(shellLogBefore);
      expect(shells.map((line) => line.replace(/ \d+/, ''))).to.deep.equal([`start -c ${REMOTE_COMMAND}`, 'end']);
    });

    it('reuses one connection and never runs two sessions at once', async () => {
      const instance = counted();
      const cursor = sshdCursor(instance);
      const shellLogBefore = loginShellLog(instance).length;
      const target = sshTarget(instance);
      const runs = await Promise.all(
        [1, 2, 3].map((n) => target.exec(`echo run ${n}; sleep 0.2`, { timeoutMs: 10_000 })),
      );
      await target.close();
      expect(runs.map((run) => run.stdout.toString())).to.deep.equal(['run 1\n', 'run 2\n', 'run 3\n']);

      const log = await sshdLogAfter(instance, cursor, (lines) => count(lines, /^Disconnected from user root /) === 1);
      expect(count(log, /^Accepted publickey for root /), log.join('\n')).to.equal(1);
      expect(
        log.filter((line) => line.startsWith('Starting session:')),
        log.join('\n'),
      ).to.have.length(3);
      // Each login shell ended before the next one started, by the instance's own clock.
      const shells = loginShellLog(instance).slice(shellLogBefore);
      expect(shells.map((line) => line.split(' ')[0])).to.deep.equal(['start', 'end', 'start', 'end', 'start', 'end']);
      const times = shells.map((line) => BigInt(line.split(' ')[1]!));
      expect(times.every((time, i) => i === 0 || time >= times[i - 1]!)).to.equal(true);
    });

    it('returns stdout and stderr as bytes, with the exit status', async () => {
      const target = sshTarget(counted());
      try {
        const result = await target.exec("printf '\\000\\377ok'; printf 'warn\\n' >&2; exit 7", { timeoutMs: 10_000 });
        expect([...result.stdout]).to.deep.equal([0, 255, 0x6f, 0x6b]);
        expect(result.stderr.toString()).to.equal('warn\n');
        expect(result).to.include({ exitCode: 7, signal: null, timedOut: false });
      } finally {
        await target.close();
      }
    });

    it('stops waiting at the probe timeout, kills a non-root probe, and connects again afterwards', async () => {
      const instance = counted();
      instance.inContainer([
        'sh',
        '-c',
        `id ${PROBE_USER} >/dev/null 2>&1 || useradd -m ${PROBE_USER}; echo '${PROBE_USER}:${PROBE_PASSWORD}' | ` +
          `chpasswd`,
      ]);
      const target = sshTarget(instance, {
        user: PROBE_USER,
        credentials: { identities: [], password: PROBE_PASSWORD },
      });
      try {
        const started = Date.now();
        const result = await target.exec('sleep 27; echo late', { timeoutMs: 1500 });
        expect(result.timedOut).to.equal(true);
        expect(result.stdout.toString()).to.equal('');
        expect(Date.now() - started).to.be.within(1400, 4000);
        await waitFor(
          () => !instance.inContainer(['ps', '-u', PROBE_USER, '-o', 'args=']).includes('sleep 27'),
          5000,
          'the timed-out sleep to be killed',
        );
        const again = await target.exec('id -un', { timeoutMs: 10_000 });
        expect(again.stdout.toString()).to.equal(`${PROBE_USER}\n`);
      } finally {
        await target.close();
      }
    });
  });

  describe('authentication', () => {
    it('logs in with an RSA key', async () => {
      expect(await hostnameVia(counted(), { credentials: { identities: [loadIdentity(keys.rsa)] } })).to.equal(
        counted().name,
      );
    });

    it('logs in with an encrypted ECDSA key and its passphrase', async () => {
      expect(
        await hostnameVia(counted(), { credentials: { identities: [loadIdentity(keys.ecdsa, ECDSA_PASSPHRASE)] } }),
      ).to.equal(counted().name);
    });

    it('logs in through ssh-agent', async () => {
      const socket = join(mkdtempSync(join(tmpdir(), 'driftspec-agent-')), 'agent.sock');
      const agent = spawn('ssh-agent', ['-D', '-a', socket], { stdio: 'ignore' });
      try {
        await waitFor(() => existsSync(socket), 5000, 'ssh-agent to listen');
        execFileSync('ssh-add', ['-q', counted().keyPath], {
          env: { ...process.env, SSH_AUTH_SOCK: socket },
          stdio: 'ignore',
        });
        expect(await hostnameVia(counted(), { credentials: { identities: [], agentSocket: socket } })).to.equal(
          counted().name,
        );
      } finally {
        stopProcess(agent);
      }
    });

    it('logs in with a password', async () => {
      const instance = counted();
      instance.inContainer([
        'sh',
        '-c',
        `id ${PROBE_USER} >/dev/null 2>&1 || useradd -m ${PROBE_USER}; echo '${PROBE_USER}:${PROBE_PASSWORD}' | ` +
          `chpasswd`,
      ]);
      expect(
        await hostnameVia(instance, { user: PROBE_USER, credentials: { identities: [], password: PROBE_PASSWORD } }),
      ).to.equal(instance.name);
    });

    it('reports a key the host does not accept as auth, naming host, user and key', async () => {
      const error = await unreachable(counted(), { credentials: { identities: [loadIdentity(keys.stranger)] } });
      expect(error.kind).to.equal('auth');
      expect(error.message).to.include(`${counted().address}:22 refused the login as "root"`);
      expect(error.message).to.include(keys.stranger);
      expect(error.message).to.match(/the server accepts: publickey/);
    });

    it('never lets a hostile user name reach a shell', async () => {
      const instance = counted();
      const cursor = sshdCursor(instance);
      const hostile = `$(touch /tmp/driftspec-pwned)\`touch /tmp/driftspec-pwned2\`;touch /tmp/driftspec-pwned3 'x"*`;
      const address = parseTargetAddress(`ssh://${encodeURIComponent(hostile)}@${instance.address}`) as SshAddress;
      expect(address.user).to.equal(hostile);
      const error = await unreachable(instance, { user: hostile });
      expect(error.kind).to.equal('auth');
      const log = await sshdLogAfter(instance, cursor, (lines) =>
        lines.some((line) => line.startsWith('Connection closed by invalid user ')),
      );
      // It arrived as data: sshd was asked for exactly this user name.
      expect(
        log.some((line) => line.startsWith(`debug1: userauth-request for user ${hostile} service `)),
        log.join('\n'),
      ).to.equal(true);
      expect(instance.inContainer(['ls', '-A', '/tmp', '/root'])).not.to.include('driftspec-pwned');
      expect(
        existsSync('/tmp/driftspec-pwned') ||
          existsSync('/tmp/driftspec-pwned2') ||
          existsSync('/tmp/driftspec-pwned3'),
      ).to.equal(false);
    });
  });

  describe('host keys', () => {
    it('accepts the key known_hosts lists, also as a hashed entry', async () => {
      const instance = counted();
      expect(await hostnameVia(instance, { knownHosts: instance.knownHostsLine })).to.equal(instance.name);
      const hashed = knownHostsFile(readFileSync(instance.knownHostsPath, 'utf8'));
      execFileSync('ssh-keygen', ['-q', '-H', '-f', hashed], { stdio: 'ignore' });
      expect(readFileSync(hashed, 'utf8')).to.match(/^\|1\|/);
      expect(await hostnameVia(instance, { knownHosts: readFileSync(hashed, 'utf8') })).to.equal(instance.name);
    });

    it('looks up [host]:port for a port other than 22', async () => {
      const instance = counted();
      const onPort = `[${instance.address}]:2200 ${instance.knownHostsLine.split(' ').slice(1).join(' ')}`;
      expect(await hostnameVia(instance, { port: 2200, knownHosts: onPort })).to.equal(instance.name);
      const error = await unreachable(instance, { port: 2200, knownHosts: instance.knownHostsLine });
      expect(error.kind).to.equal('host-key');
      expect(error.message).to.include(`looked up "[${instance.address}]:2200"`);
    });

    it('refuses a host that known_hosts does not list, and says what to do', async () => {
      const instance = counted();
      const error = await unreachable(instance, { knownHosts: '' });
      expect(error.kind).to.equal('host-key');
      expect(error.message).to.include(`is not known (it presented ED25519 ${instance.hostKeyFingerprint}`);
      expect(error.message).to.include('--accept-new-host-keys');
    });

    it('accepts an unknown host with accept-new, reporting the fingerprint ssh-keygen shows', async () => {
      const instance = counted();
      const target = sshTarget(instance, { knownHosts: '', acceptNew: true });
      try {
        expect((await target.exec('uname -n', { timeoutMs: 10_000 })).stdout.toString().trim()).to.equal(instance.name);
        expect(target.acceptedNewHostKey).to.equal(instance.hostKeyFingerprint);
      } finally {
        await target.close();
      }
    });

    it('refuses a changed key, even with accept-new, showing both fingerprints', async () => {
      const instance = counted();
      const otherKey = readFileSync(`${keys.stranger}.pub`, 'utf8').split(' ').slice(0, 2).join(' ');
      const otherFingerprint = execFileSync('ssh-keygen', ['-lf', `${keys.stranger}.pub`], { encoding: 'utf8' }).split(
        ' ',
      )[1]!;
      for (const acceptNew of [false, true]) {
        const error = await unreachable(instance, { knownHosts: `${instance.address} ${otherKey}\n`, acceptNew });
        expect(error.kind).to.equal('host-key');
        expect(error.message).to.include(`host key mismatch for ${instance.address}:22`);
        expect(error.message).to.include(`expects ED25519 ${otherFingerprint}`);
        expect(error.message).to.include(`presented ED25519 ${instance.hostKeyFingerprint}`);
      }
    });

    it('refuses a key marked @revoked', async () => {
      const instance = counted();
      const key = instance.knownHostsLine.split(' ').slice(1).join(' ');
      const error = await unreachable(instance, { knownHosts: `${instance.knownHostsLine}\n@revoked * ${key}\n` });
      expect(error.kind).to.equal('host-key');
      expect(error.message).to.include('@revoked');
    });

    it('accepts a pinned fingerprint and refuses a wrong pin, showing expected and presented', async () => {
      const instance = counted();
      expect(await hostnameVia(instance, { knownHosts: '', pins: [instance.hostKeyFingerprint] })).to.equal(
        instance.name,
      );
      const wrong = `SHA256:${'A'.repeat(43)}`;
      const error = await unreachable(instance, { pins: [wrong] });
      expect(error.kind).to.equal('host-key');
      expect(error.message).to.include(
        `expected ${wrong} (--host-key) but the host presented ED25519 ${instance.hostKeyFingerprint}`,
      );
    });
  });

  describe('unreachable hosts', () => {
    it('reports a closed port as refused', async () => {
      const error = await unreachable(counted(), { port: 2222 });
      expect(error.kind).to.equal('refused');
      expect(error.message).to.include(`${counted().address}:2222`);
    });

    it('reports dropped packets as a timeout within the connect timeout', async () => {
      const instance = spare();
      // Answers from the instance to the host vanish: SYN-ACKs never arrive.
      instance.inNamespace(['ip', 'route', 'add', 'blackhole', `10.231.${instance.index}.1/32`]);
      try {
        const started = Date.now();
        const error = await unreachable(instance, { connectTimeoutMs: 2000 });
        const elapsed = Date.now() - started;
        expect(error.kind).to.equal('timeout');
        expect(error.message).to.include(`no answer from ${instance.address}:22 within the 2 s connect timeout`);
        expect(elapsed).to.be.within(1900, 3000);
      } finally {
        instance.inNamespace(['ip', 'route', 'del', 'blackhole', `10.231.${instance.index}.1/32`]);
      }
      expect(await hostnameVia(instance)).to.equal(instance.name);
    });

    it('reports a vanished network path (no route to host) as network', async () => {
      const instance = spare();
      instance.inNamespace(['ip', 'link', 'set', 'eth0', 'down']);
      execFileSync('ip', ['neigh', 'flush', 'dev', `vh-${instance.name}`]);
      try {
        const error = await unreachable(instance, { connectTimeoutMs: 15_000 });
        expect(error.kind).to.equal('network');
        expect(error.message).to.include(`cannot connect to ${instance.address}:22`);
        expect(error.message).to.include('EHOSTUNREACH');
      } finally {
        instance.inNamespace(['ip', 'link', 'set', 'eth0', 'up']);
      }
      await waitFor(
        async () => (await hostnameVia(instance).catch(() => '')) === instance.name,
        10_000,
        'the instance to answer again',
      );
    });

    it('reports a stopped sshd as refused', async () => {
      const instance = spare();
      instance.inContainer(['systemctl', 'stop', 'ssh.service']);
      const error = await unreachable(instance);
      expect(error.kind).to.equal('refused');
      expect(error.message).to.include(`cannot connect to ${instance.address}:22: connection refused`);
    });
  });
});

interface Overrides {
  user?: string;
  port?: number;
  credentials?: SshCredentials;
  /** known_hosts text; default: the instance's own file. */
  knownHosts?: string;
  pins?: string[];
  acceptNew?: boolean;
  connectTimeoutMs?: number;
}

function sshTarget(instance: TestInstance, overrides: Overrides = {}): SshTarget {
  const knownHostsText = overrides.knownHosts ?? readFileSync(instance.knownHostsPath, 'utf8');
  return new SshTarget({
    address: {
      kind: 'ssh',
      user: overrides.user ?? 'root',
      host: instance.address,
      port: overrides.port ?? instance.port,
    },
    credentials: overrides.credentials ?? { identities: [loadIdentity(instance.keyPath)] },
    hostKeys: {
      knownHosts: parseKnownHosts(knownHostsText, 'test-known-hosts'),
      knownHostsFiles: ['test-known-hosts'],
      pins: overrides.pins ?? [],
      acceptNew: overrides.acceptNew ?? false,
    },
    connectTimeoutMs: overrides.connectTimeoutMs ?? 10_000,
  });
}

async function hostnameVia(instance: TestInstance, overrides: Overrides = {}): Promise<string> {
  const target = sshTarget(instance, overrides);
  try {
    return (await target.exec('uname -n', { timeoutMs: 10_000 })).stdout.toString().trim();
  } finally {
    await target.close();
  }
}

async function unreachable(
  instance: TestInstance,
  overrides: Overrides = {},
): Promise<TargetUnreachableError & { kind: UnreachableKind }> {
  const target = sshTarget(instance, overrides);
  try {
    await target.exec('uname -n', { timeoutMs: 10_000 });
  } catch (error) {
    expect(error).to.be.instanceOf(TargetUnreachableError);
    return error as TargetUnreachableError;
  } finally {
    await target.close();
  }
  throw new Error('expected the host to be unreachable');
}

function knownHostsFile(text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'driftspec-known-hosts-')), 'known_hosts');
  writeFileSync(path, text);
  return path;
}

/** A position in the instance's sshd log, read from its journal without SSH. */
function sshdCursor(instance: TestInstance): string {
  const output = instance.inContainer(['journalctl', '-t', 'sshd', '-n', '1', '--show-cursor', '-o', 'cat']);
  const cursor = /^-- cursor: (.+)$/m.exec(output)?.[1];
  if (!cursor) throw new Error(`no journal cursor in: ${output}`);
  return cursor;
}

/** sshd's log lines after the cursor, once `done` holds (journald may lag a little). */
async function sshdLogAfter(
  instance: TestInstance,
  cursor: string,
  done: (lines: string[]) => boolean,
): Promise<string[]> {
  let lines: string[] = [];
  await waitFor(
    () => {
      lines = instance
        .inContainer(['journalctl', '-t', 'sshd', `--after-cursor=${cursor}`, '-o', 'cat'])
        .split('\n')
        .filter(Boolean);
      return done(lines);
    },
    10_000,
    'sshd to log the connection',
  );
  return lines;
}

function loginShellLog(instance: TestInstance): string[] {
  return instance
    .inContainer(['sh', '-c', `cat ${LOGIN_SHELL_LOG} 2>/dev/null || true`])
    .split('\n')
    .filter(Boolean);
}

function count(lines: readonly string[], pattern: RegExp): number {
  return lines.filter((line) => pattern.test(line)).length;
}

async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function stopProcess(child: ChildProcess): void {
  if (child.exitCode === null && child.pid !== undefined) child.kill('SIGTERM');
}
