import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { parseKnownHosts } from '../../src/targets/known-hosts.js';
import { loadIdentity } from '../../src/targets/ssh-credentials.js';
import { SshTarget } from '../../src/targets/ssh.js';
import { runCli } from '../support/cli.js';
import { useTestbed, type TestInstance } from '../support/testbed.js';

const work = mkdtempSync(join(tmpdir(), 'driftspec-proxy-jump-'));
/** No ~/.ssh of the machine's user: only the files each test names. */
const home = join(work, 'home');
const cli = (...args: string[]) => runCli(args, join(work, 'cache'), { HOME: home });

/**
 * Two instances; the second ("hidden") is reachable only through the first ("jump host"): a
 * private veth link joins the two instances' namespaces (10.232.<i>.1 in the jump host,
 * 10.232.<i>.2 in the hidden one), and the host has an `unreachable` route for that /30, so a
 * direct attempt fails at once and no packet for it ever leaves the machine.
 */
describe('jump hosts (ProxyJump through ssh2 forwardOut) against booted instances', function () {
  this.timeout(120_000);
  const link = { subnet: '', jumpSide: '', hiddenAddress: '', device: '', namespace: '', hostRoute: false };

  // Registered before the test bed's own after(), so it runs first, while the namespaces exist.
  after(() => {
    removePrivateLink(link);
    rmSync(work, { recursive: true, force: true });
  });
  const bed = useTestbed({ base: 20, count: 2 });
  const jumpHost = () => bed.instances[0]!;
  const hidden = () => bed.instances[1]!;
  const files = { knownHosts: '', stranger: '', spec: '', config: '', badJumpConfig: '' };

  before(function () {
    if (bed.instances.length < 2) return this.skip();
    addPrivateLink(link, jumpHost(), hidden());
    mkdirSync(home, { recursive: true });
    files.knownHosts = join(work, 'known_hosts');
    const imageKeys = readFileSync(jumpHost().knownHostsPath, 'utf8');
    // Both instances share the image's host keys: the same keys under each address.
    writeFileSync(
      files.knownHosts,
      imageKeys + imageKeys.replaceAll(`${jumpHost().address} `, `${link.hiddenAddress} `),
    );
    files.stranger = join(work, 'id_stranger');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', files.stranger]);
    files.spec = join(work, 'hidden.yaml');
    writeFileSync(
      files.spec,
      `spec: hidden\nchecks:\n  - file: /etc/hostname\n    content: { matches: '^${hidden().name}$', flags: m }\n`,
    );
    files.config = join(work, 'ssh_config');
    writeFileSync(
      files.config,
      [
        'Host hidden',
        `  HostName ${link.hiddenAddress}`,
        '  ProxyJump jumpbox',
        'Host jumpbox',
        `  HostName ${jumpHost().address}`,
        'Host *',
        '  User root',
        `  IdentityFile ${jumpHost().keyPath}`,
        '',
      ].join('\n'),
    );
    files.badJumpConfig = join(work, 'ssh_config_bad_jump_key');
    writeFileSync(
      files.badJumpConfig,
      [
        'Host hidden',
        `  HostName ${link.hiddenAddress}`,
        `  IdentityFile ${jumpHost().keyPath}`,
        '  ProxyJump jumpbox',
        'Host jumpbox',
        `  HostName ${jumpHost().address}`,
        `  IdentityFile ${files.stranger}`,
        'Host *',
        '  User root',
        '',
      ].join('\n'),
    );
  });

  it('cannot reach the hidden instance directly', async () => {
    const run = await cli(
      'run',
      files.spec,
      '--target',
      `ssh://root@${link.hiddenAddress}`,
      '-i',
      jumpHost().keyPath,
      '--known-hosts',
      files.knownHosts,
      '--connect-timeout',
      '3',
    );
    expect(run.code, run.stdout + run.stderr).to.equal(2);
    expect(run.stdout).to.match(
      new RegExp(`unreachable: cannot connect to ${link.hiddenAddress}:22: the network path failed`),
    );
  });

  it('checks the hidden instance through --jump, both host keys verified', async () => {
    const run = await cli(
      'run',
      files.spec,
      '-v',
      '--target',
      `ssh://root@${link.hiddenAddress}`,
      '--jump',
      jumpHost().url,
      '-i',
      jumpHost().keyPath,
      '--known-hosts',
      files.knownHosts,
    );
    expect(run.code, run.stdout + run.stderr).to.equal(0);
    expect(run.stdout).to.include(`ssh://root@${link.hiddenAddress}:22 (Debian GNU/Linux 12 (bookworm))`);
    expect(run.stdout).to.include(`^${hidden().name}$`);
  });

  it('checks the hidden instance through ProxyJump in an ssh_config file, named as typed', async () => {
    const run = await cli(
      'run',
      files.spec,
      '-v',
      '--ssh-config',
      files.config,
      '--target',
      'ssh://hidden',
      '--known-hosts',
      files.knownHosts,
      '--format',
      'json',
    );
    expect(run.code, run.stdout + run.stderr).to.equal(0);
    const host = JSON.parse(run.stdout).hosts[0];
    expect(host).to.deep.include({ target: 'ssh://root@hidden:22', status: 'completed', execCount: 1 });
    expect(host.host.hostname).to.equal(hidden().name);
  });

  it('says which hop failed: the jump host refusing the login', async () => {
    const run = await cli(
      'run',
      files.spec,
      '--ssh-config',
      files.badJumpConfig,
      '--target',
      'ssh://hidden',
      '--known-hosts',
      files.knownHosts,
    );
    expect(run.code, run.stdout + run.stderr).to.equal(2);
    expect(run.stdout).to.include(
      `via jump host ssh://root@jumpbox:22: ${jumpHost().address}:22 refused the login as "root": tried key ED25519`,
    );
    expect(run.stdout).to.include(files.stranger);
  });

  it('refuses a jump host whose key is not known, before anything is forwarded', async () => {
    const targetOnly = join(work, 'known_hosts_target_only');
    writeFileSync(
      targetOnly,
      readFileSync(files.knownHosts, 'utf8')
        .split('\n')
        .filter((line) => line.startsWith(`${link.hiddenAddress} `))
        .join('\n'),
    );
    const run = await cli(
      'run',
      files.spec,
      '--target',
      `ssh://root@${link.hiddenAddress}`,
      '--jump',
      jumpHost().url,
      '-i',
      jumpHost().keyPath,
      '--known-hosts',
      targetOnly,
    );
    expect(run.code, run.stdout + run.stderr).to.equal(2);
    expect(run.stdout).to.include(
      `via jump host ${jumpHost().url}: the host key of ${jumpHost().address}:22 is not known`,
    );
  });

  it('says when the jump host cannot connect to the target', async () => {
    const run = await cli(
      'run',
      files.spec,
      '--target',
      `ssh://root@${link.hiddenAddress}:2999`,
      '--jump',
      jumpHost().url,
      '-i',
      jumpHost().keyPath,
      '--known-hosts',
      files.knownHosts,
    );
    expect(run.code, run.stdout + run.stderr).to.equal(2);
    expect(run.stdout).to.include(
      `via jump host ${jumpHost().url}: cannot connect to ${link.hiddenAddress}:2999: connection refused`,
    );
  });

  it('times out a target that does not answer the jump host, within the connect timeout', async () => {
    // The hidden instance's answers to the jump host vanish, so the jump host's connect hangs.
    hidden().inNamespace(['ip', 'route', 'add', 'blackhole', `${link.jumpSide}/32`]);
    try {
      const started = Date.now();
      const run = await cli(
        'run',
        files.spec,
        '--target',
        `ssh://root@${link.hiddenAddress}`,
        '--jump',
        jumpHost().url,
        '-i',
        jumpHost().keyPath,
        '--known-hosts',
        files.knownHosts,
        '--connect-timeout',
        '2',
      );
      expect(run.code, run.stdout + run.stderr).to.equal(2);
      expect(run.stdout).to.include(
        `via jump host ${jumpHost().url}: no answer from ${link.hiddenAddress}:22 within the 2 s connect timeout`,
      );
      expect(Date.now() - started).to.be.below(15_000);
    } finally {
      hidden().inNamespace(['ip', 'route', 'del', 'blackhole', `${link.jumpSide}/32`]);
    }
  });

  it('reaches the target via the jump host, reuses the chain for every exec, closes it with the target', async () => {
    const knownHosts = parseKnownHosts(readFileSync(files.knownHosts, 'utf8'), files.knownHosts);
    const credentials = { identities: [loadIdentity(jumpHost().keyPath)] };
    const target = new SshTarget({
      address: { kind: 'ssh', user: 'root', host: link.hiddenAddress, port: 22 },
      credentials,
      hostKeys: { knownHosts, knownHostsFiles: [files.knownHosts], pins: [], acceptNew: false },
      connectTimeoutMs: 10_000,
      jumps: [
        {
          name: jumpHost().url,
          address: { kind: 'ssh', user: 'root', host: jumpHost().address, port: 22 },
          credentials,
        },
      ],
    });
    try {
      const first = await target.exec('echo "$SSH_CONNECTION"', { timeoutMs: 10_000 });
      const second = await target.exec('uname -n', { timeoutMs: 10_000 });
      const [client, , server] = first.stdout.toString().trim().split(' ');
      expect(client, 'sshd on the hidden instance sees the jump host as the client').to.equal(link.jumpSide);
      expect(server).to.equal(link.hiddenAddress);
      expect(second.stdout.toString().trim()).to.equal(hidden().name);
      expect(sshConnections(jumpHost()), 'one connection into the jump host, one forwarded out of it').to.deep.equal({
        in: 1,
        out: 1,
      });
    } finally {
      await target.close();
    }
    expect(await settled(() => sshConnections(jumpHost()), { in: 0, out: 0 })).to.deep.equal({ in: 0, out: 0 });
  });
});

function addPrivateLink(
  link: {
    subnet: string;
    jumpSide: string;
    hiddenAddress: string;
    device: string;
    namespace: string;
    hostRoute: boolean;
  },
  jumpHost: TestInstance,
  hidden: TestInstance,
): void {
  link.subnet = `10.232.${jumpHost.index}.0/30`;
  link.jumpSide = `10.232.${jumpHost.index}.1`;
  link.hiddenAddress = `10.232.${jumpHost.index}.2`;
  link.device = `pj${jumpHost.index}a`;
  link.namespace = jumpHost.name;
  const peer = `pj${jumpHost.index}b`;
  execFileSync('ip', ['route', 'add', 'unreachable', link.subnet]);
  link.hostRoute = true;
  execFileSync('ip', [
    'link',
    'add',
    link.device,
    'netns',
    jumpHost.name,
    'type',
    'veth',
    'peer',
    'name',
    peer,
    'netns',
    hidden.name,
  ]);
  execFileSync('ip', ['-n', jumpHost.name, 'addr', 'add', `${link.jumpSide}/30`, 'dev', link.device]);
  execFileSync('ip', ['-n', jumpHost.name, 'link', 'set', link.device, 'up']);
  execFileSync('ip', ['-n', hidden.name, 'addr', 'add', `${link.hiddenAddress}/30`, 'dev', peer]);
  execFileSync('ip', ['-n', hidden.name, 'link', 'set', peer, 'up']);
}

function removePrivateLink(link: { subnet: string; device: string; namespace: string; hostRoute: boolean }): void {
  try {
    // Deleting one end of a veth deletes both.
    if (link.device) execFileSync('ip', ['-n', link.namespace, 'link', 'del', link.device], { stdio: 'ignore' });
  } catch {
    // Not created, or gone with its namespace.
  }
  if (link.hostRoute) execFileSync('ip', ['route', 'del', 'unreachable', link.subnet]);
  link.hostRoute = false;
}

/** Established TCP connections of the jump host's sshd: in from the host, out to the hidden instance. */
function sshConnections(instance: TestInstance): { in: number; out: number } {
  const count = (filter: string) =>
    instance
      .inNamespace(['ss', '-Htn', 'state', 'established', filter])
      .split('\n')
      .filter((line) => line.trim() !== '').length;
  return { in: count('( sport = :22 )'), out: count('( dport = :22 )') };
}

async function settled<T>(read: () => T, expected: T, timeoutMs = 3000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = read();
    if (JSON.stringify(value) === JSON.stringify(expected) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
