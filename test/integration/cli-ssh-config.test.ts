import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { cliArgv, cliEnvironment, runCli, runCliSync } from '../support/cli.js';
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

  it('exits 78 for a named --ssh-config that cannot be read, a ProxyCommand token not replaced, a Match exec', () => {
    const home = homeWithConfig('Host legacy\n  ProxyCommand nc %C\n');
    const missing = cli(home, 'run', spec, '--target', 'ssh://root@127.0.0.1:1', '--ssh-config', join(home, 'absent'));
    expect(missing.code, missing.stderr).to.equal(78);
    expect(missing.stderr).to.include(`${join(home, 'absent')}: cannot read the ssh_config file: ENOENT`);
    const token = cli(home, 'run', spec, '--target', 'ssh://root@legacy');
    expect(token.code, token.stderr).to.equal(78);
    expect(token.stderr).to.include(`${join(home, '.ssh', 'config')}:2: ProxyCommand token %C is not supported`);
    const exec = homeWithConfig('Match host aws-* exec "test -e /tmp/on-aws"\n  User ec2-user\n');
    const refused = cli(exec, 'run', spec, '--target', 'ssh://aws-1', '--known-hosts', '/dev/null');
    expect(refused.code, refused.stderr).to.equal(78);
    expect(refused.stderr).to.include(`${join(exec, '.ssh', 'config')}:1: Match exec "test -e /tmp/on-aws" would run`);
    const badOption = cli(homeWithConfig(''), 'run', spec, '-t', 'ssh://a', '--proxy-command', 'nc %C');
    expect(badOption.code, badOption.stderr).to.equal(64);
    expect(badOption.stderr).to.include('ProxyCommand token %C is not supported');
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

  describe('a ProxyCommand that does not give an SSH connection', () => {
    const marker = `${process.pid}${Date.now() % 1000}`;
    const cache = mkdtempSync(join(tmpdir(), 'driftspec-proxy-cache-'));
    after(() => rmSync(cache, { recursive: true, force: true }));
    const proxyRun = (command: string, ...more: string[]) =>
      runCli(
        ['run', spec, '--no-ssh-config', '--known-hosts', '/dev/null', '-t', 'ssh://root@cloud', ...more].concat(
          '--proxy-command',
          command,
        ),
        cache,
      );

    it('is an unreachable host naming the command, its status and stderr, when it exits at once', async () => {
      const run = await proxyRun('sh -c "echo no route to %h:%p as %r >&2; exit 3"');
      expect(run.code, run.stdout + run.stderr).to.equal(2);
      expect(run.stdout).to.include(
        'ProxyCommand "sh -c "echo no route to cloud:22 as root >&2; exit 3"" (--proxy-command) exited with status 3 ' +
          'before SSH finished logging in: no route to cloud:22 as root',
      );
    });

    it('has what it left behind in its process group ended too', async () => {
      const run = await proxyRun(`sh -c "sleep 6${marker} & echo gone >&2; exit 4"`);
      expect(run.code, run.stdout + run.stderr).to.equal(2);
      expect(run.stdout).to.include('exited with status 4 before SSH finished logging in: gone');
      expect(await settledProcesses(`sleep 6${marker}`)).to.deep.equal([]);
    });

    it('is unreachable within the connect timeout when it never speaks SSH, and is ended', async () => {
      const started = Date.now();
      const run = await proxyRun(`sh -c "echo garbage; exec sleep 7${marker}"`, '--connect-timeout', '2');
      expect(run.code, run.stdout + run.stderr).to.equal(2);
      expect(run.stdout).to.include('no SSH login through ProxyCommand "sh -c "echo garbage; exec sleep');
      expect(run.stdout).to.include('within the 2 s connect timeout');
      expect(Date.now() - started).to.be.below(10_000);
      expect(await settledProcesses(`sleep 7${marker}`)).to.deep.equal([]);
    });

    it('is unreachable at once when it prints bytes that are no SSH, and is ended', async () => {
      const run = await proxyRun(`sh -c "head -c 300000 /dev/urandom; exec sleep 8${marker}"`);
      expect(run.code, run.stdout + run.stderr).to.equal(2);
      expect(run.stdout).to.match(/the SSH connection to cloud:22 failed: .* \(through ProxyCommand "sh -c/);
      expect(await settledProcesses(`sleep 8${marker}`)).to.deep.equal([]);
    });

    it('is started again with --wait, as a booting instance needs, until the wait is over', async () => {
      const tries = join(cache, 'tries');
      const run = await proxyRun(`sh -c "echo try >> ${tries}; exit 1"`, '--wait', '3s');
      expect(run.code, run.stdout + run.stderr).to.equal(2);
      expect(run.stdout).to.match(
        /did not answer SSH within --wait 3s: \d+ connection attempts, the last: ProxyCommand/,
      );
      expect(readFileSync(tries, 'utf8').split('\n').filter(Boolean).length).to.be.greaterThan(1);
    });

    it('is ended when the run is interrupted (SIGINT)', async () => {
      const command = `exec sleep 9${marker}`;
      const child = spawn(
        process.execPath,
        cliArgv(['run', spec, '--no-ssh-config', '--known-hosts', '/dev/null', '-t', 'ssh://root@cloud'])
          .slice(1)
          .concat('--connect-timeout', '60', '--proxy-command', `sh -c "${command}"`),
        { env: cliEnvironment(cache), stdio: 'ignore' },
      );
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      expect(await settledProcesses(`sleep 9${marker}`, 1), 'the command runs').to.have.length(1);
      child.kill('SIGINT');
      expect(await exited, 'the exit code of an interrupted run').to.equal(130);
      expect(await settledProcesses(`sleep 9${marker}`)).to.deep.equal([]);
    });
  });
});

/** The processes whose command line is exactly `args`, once there are `count` of them (or after 5 s). */
async function settledProcesses(args: string, count = 0): Promise<string[]> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const found = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' })
      .split('\n')
      .filter((line) => line.trim().replace(/^\d+\s+/, '') === args);
    if (found.length === count || Date.now() > deadline) return found;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
