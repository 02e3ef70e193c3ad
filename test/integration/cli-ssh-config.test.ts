import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { runCliSync } from '../support/cli.js';
import { fixturePath } from '../support/frames.js';

const spec = fixturePath('specs/mini.yaml');

function cli(home: string, ...args: string[]) {
  return runCliSync(args, join(home, 'cache'), { HOME: home });
}

function homeWithConfig(text: string): string {
  const home = mkdtempSync(join(tmpdir(), 'driftspec-cli-ssh-config-'));
  mkdirSync(join(home, '.ssh'));
  writeFileSync(join(home, '.ssh', 'config'), text);
  return home;
}

/** Every run here fails before a connection is opened, or connects only to 127.0.0.1 port 1. */
describe('CLI: ssh_config and jump hosts', () => {
  it('lists the options in run --help', () => {
    const help = cli(homeWithConfig('')).stdout + cli(homeWithConfig(''), 'run', '--help').stdout;
    for (const option of ['--ssh-config <file>', '--no-ssh-config', '-J, --jump <hosts>'])
      expect(help).to.include(option);
  });

  it('exits 78 naming the file and line of a malformed ~/.ssh/config, and ignores it with --no-ssh-config', () => {
    const home = homeWithConfig('Host web\n  HostName 10.0.0.5\n  Port 22x\n');
    const run = cli(home, 'run', spec, '--target', 'ssh://root@127.0.0.1:1');
    expect(run.code, run.stderr).to.equal(78);
    expect(run.stderr).to.include(`driftspec: ${join(home, '.ssh', 'config')}:3: Port must be a number 1-65535`);
    const without = cli(
      home,
      'run',
      spec,
      '--target',
      'ssh://root@127.0.0.1:1',
      '--no-ssh-config',
      '--known-hosts',
      '/dev/null',
    );
    expect(without.code, without.stdout + without.stderr).to.equal(2);
    expect(without.stdout).to.include('cannot connect to 127.0.0.1:1: connection refused');
  });

  it('exits 78 for a named --ssh-config that cannot be read, and for a target that needs ProxyCommand', () => {
    const home = homeWithConfig('Host legacy\n  ProxyCommand nc %h %p\n');
    const missing = cli(home, 'run', spec, '--target', 'ssh://root@127.0.0.1:1', '--ssh-config', join(home, 'absent'));
    expect(missing.code, missing.stderr).to.equal(78);
    expect(missing.stderr).to.include(`${join(home, 'absent')}: cannot read the ssh_config file: ENOENT`);
    const proxyCommand = cli(home, 'run', spec, '--target', 'ssh://root@legacy');
    expect(proxyCommand.code, proxyCommand.stderr).to.equal(78);
    expect(proxyCommand.stderr).to.include(
      `${join(home, '.ssh', 'config')}:2: ProxyCommand applies to ssh://root@legacy:22`,
    );
  });

  it('uses User and Port from ssh_config for the target, under the name typed', () => {
    const home = homeWithConfig('Host local-one\n  HostName 127.0.0.1\n  User nobody\n  Port 1\n');
    const run = cli(home, 'run', spec, '--target', 'ssh://local-one', '--known-hosts', '/dev/null');
    expect(run.code, run.stdout + run.stderr).to.equal(2);
    expect(run.stdout)
      .to.include('ssh://nobody@local-one:1')
      .and.include('cannot connect to 127.0.0.1:1: connection refused');
  });

  it('exits 64 for a malformed --jump, and names the first hop when it refuses', () => {
    const home = homeWithConfig('');
    const bad = cli(home, 'run', spec, '--target', 'ssh://root@127.0.0.1', '--jump', 'root@');
    expect(bad.code).to.equal(64);
    expect(bad.stderr).to.include('"root@" is not a jump host');
    const refused = cli(
      home,
      'run',
      spec,
      '--target',
      'ssh://root@10.232.0.2',
      '--jump',
      'ssh://root@127.0.0.1:1',
      '--known-hosts',
      '/dev/null',
    );
    expect(refused.code, refused.stdout + refused.stderr).to.equal(2);
    expect(refused.stdout).to.include(
      'via jump host ssh://root@127.0.0.1:1: cannot connect to 127.0.0.1:1: connection refused',
    );
  });
});
