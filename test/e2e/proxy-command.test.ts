import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { runCli } from '../support/cli.js';
import { useTestbed, type TestInstance } from '../support/testbed.js';

const work = mkdtempSync(join(tmpdir(), 'driftspec-proxy-command-'));
/** No ~/.ssh of the machine's user: only the files each test names. */
const home = join(work, 'home');
const cli = (...args: string[]) => runCli(args, join(work, 'cache'), { HOME: home });

/** A name that resolves nowhere: the instance is reachable only through the command. */
const ALIAS = 'cloud-instance';

/**
 * ProxyCommand as image pipelines use it (SSM, IAP): the command's stdin and stdout are the SSH
 * transport. Here the command enters the instance's network namespace and connects there
 * (`ip netns exec … nc`), or asks an SSH server to forward (`ssh -W`).
 */
describe('ProxyCommand against a booted instance', function () {
  this.timeout(120_000);
  after(() => rmSync(work, { recursive: true, force: true }));
  const bed = useTestbed({ base: 250, count: 1 });
  const instance = () => bed.instances[0]!;
  const files = { knownHosts: '', aliasKnownHosts: '', loopbackKnownHosts: '', stranger: '', spec: '', config: '' };

  before(function () {
    if (bed.instances.length < 1) return this.skip();
    mkdirSync(home, { recursive: true });
    const imageKeys = readFileSync(instance().knownHostsPath, 'utf8');
    files.knownHosts = join(work, 'known_hosts');
    writeFileSync(files.knownHosts, imageKeys);
    // As OpenSSH, the host key is looked up under the name connected to, which the command reached.
    files.aliasKnownHosts = join(work, 'known_hosts_alias');
    writeFileSync(files.aliasKnownHosts, imageKeys.replaceAll(`${instance().address} `, `${ALIAS} `));
    files.loopbackKnownHosts = join(work, 'known_hosts_loopback');
    writeFileSync(files.loopbackKnownHosts, imageKeys.replaceAll(`${instance().address} `, '127.0.0.1 '));
    files.stranger = join(work, 'id_stranger');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', files.stranger]);
    files.spec = join(work, 'hostname.yaml');
    writeFileSync(
      files.spec,
      `spec: hostname\nchecks:\n  - file: /etc/hostname\n    content: { matches: '^${instance().name}$', flags: m }\n`,
    );
    files.config = join(work, 'ssh_config');
    writeFileSync(
      files.config,
      [
        `Host ${ALIAS}`,
        `  ProxyCommand ip netns exec ${instance().name} nc 127.0.0.1 %p`,
        // The right key only through the Match block; the Host * key is refused.
        `Match originalhost ${ALIAS} user root !localuser nobody`,
        `  IdentityFile ${instance().keyPath}`,
        'Host *',
        `  IdentityFile ${files.stranger}`,
        '',
      ].join('\n'),
    );
  });

  it('reaches the instance through ssh_config ProxyCommand, the key chosen by Match, the command ended', async () => {
    const run = await cli(
      'run',
      files.spec,
      '--ssh-config',
      files.config,
      '--target',
      `ssh://root@${ALIAS}`,
      '--known-hosts',
      files.aliasKnownHosts,
      '--format',
      'json',
    );
    expect(run.code, run.stdout + run.stderr).to.equal(0);
    const host = JSON.parse(run.stdout).hosts[0];
    expect(host).to.deep.include({ target: `ssh://root@${ALIAS}:22`, status: 'completed' });
    expect(host.host.hostname).to.equal(instance().name);
    expect(processesInNamespace(instance(), 'nc'), 'the ProxyCommand is gone after the run').to.deep.equal([]);
  });

  it('reaches the instance through --proxy-command "ssh -W %h:%p", which replaces ssh_config', async () => {
    const forward = [
      'ssh -F /dev/null -o BatchMode=yes -o StrictHostKeyChecking=yes',
      `-o UserKnownHostsFile=${files.knownHosts} -i ${instance().keyPath}`,
      `-W %h:%p root@${instance().address}`,
    ].join(' ');
    const run = await cli(
      'run',
      files.spec,
      '-v',
      '--ssh-config',
      files.config,
      '--proxy-command',
      forward,
      '--target',
      `ssh://root@127.0.0.1`,
      '-i',
      instance().keyPath,
      '--known-hosts',
      files.loopbackKnownHosts,
    );
    expect(run.code, run.stdout + run.stderr).to.equal(0);
    expect(run.stdout).to.include(`^${instance().name}$`);
    const sshClients = execFileSync('ps', ['-eo', 'args='], { encoding: 'utf8' })
      .split('\n')
      .filter((line) => line.includes(`-W 127.0.0.1:22 root@${instance().address}`));
    expect(sshClients, 'the ssh -W process is gone after the run').to.deep.equal([]);
  });

  it('snapshots an inventory host reached through its proxyCommand, the command gone afterwards', async () => {
    const inventory = join(work, 'fleet.yaml');
    writeFileSync(
      inventory,
      [
        'defaults:',
        '  user: root',
        `  identity: ${instance().keyPath}`,
        'hosts:',
        `  ${ALIAS}:`,
        `    proxyCommand: ip netns exec ${instance().name} nc 127.0.0.1 %p`,
        '',
      ].join('\n'),
    );
    const output = join(work, 'snapshot.json');
    const run = await cli(
      'snapshot',
      `ssh://root@${ALIAS}`,
      '--no-ssh-config',
      '--proxy-command',
      `ip netns exec ${instance().name} nc 127.0.0.1 %p`,
      '-i',
      instance().keyPath,
      '--known-hosts',
      files.aliasKnownHosts,
      '--files',
      '/etc/hostname',
      '--output',
      output,
    );
    expect(run.code, run.stdout + run.stderr).to.equal(0);
    expect(readFileSync(output, 'utf8')).to.include(instance().name);
    const fleet = await cli(
      'run',
      files.spec,
      '--no-ssh-config',
      '--inventory',
      inventory,
      '--known-hosts',
      files.aliasKnownHosts,
      '--format',
      'json',
    );
    expect(fleet.code, fleet.stdout + fleet.stderr).to.equal(0);
    expect(JSON.parse(fleet.stdout).hosts[0].host.hostname).to.equal(instance().name);
    expect(processesInNamespace(instance(), 'nc')).to.deep.equal([]);
  });

  it('tells why the login failed when the command ends at once, with its stderr', async () => {
    const started = Date.now();
    const run = await cli(
      'run',
      files.spec,
      '--no-ssh-config',
      '--proxy-command',
      `ip netns exec ${instance().name} nc -v 127.0.0.1 2999`,
      '--target',
      `ssh://root@${ALIAS}`,
      '-i',
      instance().keyPath,
      '--known-hosts',
      files.aliasKnownHosts,
    );
    expect(run.code, run.stdout + run.stderr).to.equal(2);
    expect(run.stdout).to.include(
      `ProxyCommand "ip netns exec ${instance().name} nc -v 127.0.0.1 2999" (--proxy-command) exited with status 1 ` +
        'before SSH finished logging in',
    );
    expect(run.stdout).to.include('Connection refused');
    expect(Date.now() - started).to.be.below(8_000);
  });

  it('refuses --proxy-command together with --jump (usage, exit 64)', async () => {
    const run = await cli('run', files.spec, '--proxy-command', 'nc %h %p', '--jump', 'bastion', '-t', 'ssh://x');
    expect(run.code, run.stdout + run.stderr).to.equal(64);
    expect(run.stderr).to.match(/--proxy-command.*cannot be used with.*--jump/);
  });
});

/** The processes with this command name inside the instance's network namespace. */
function processesInNamespace(instance: TestInstance, name: string): string[] {
  const pids = execFileSync('ip', ['netns', 'pids', instance.name], { encoding: 'utf8' }).split('\n').filter(Boolean);
  return pids.filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === name;
    } catch {
      return false;
    }
  });
}
