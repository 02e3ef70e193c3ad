import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { RunResultSchema } from '../../src/results/schema.js';
import { LocalTarget } from '../../src/targets/local.js';
import { PrivilegeError } from '../../src/targets/privilege.js';
import { runCli } from '../support/cli.js';
import { isRoot, requireInCi } from '../support/environment.js';

const work = mkdtempSync(join(tmpdir(), 'driftspec-local-sudo-'));
const PASSWORD = 'local-sudo-password-never-shown';

/**
 * `--target local --sudo`, run as root (sudo lets root become anyone without a password), so
 * nothing on this machine has to change: the probe becomes `nobody` through sudo.
 */
describe('local target through sudo', function () {
  this.timeout(60_000);

  before(function () {
    if (!isRoot()) return requireInCi(this, 'running the local probe through sudo without a password needs root');
    if (spawnSync('sudo', ['-n', 'true']).status !== 0)
      return requireInCi(this, 'sudo is not installed (apt-get install sudo)');
  });

  it('runs the probe as the --sudo-user', async () => {
    const target = new LocalTarget('/bin/sh', { user: 'nobody' });
    const result = await target.exec('id -un; id -u', { timeoutMs: 10_000 });
    expect(result.stdout.toString()).to.equal('nobody\n65534\n');
    expect(result.exitCode).to.equal(0);
  });

  it("makes sudo's refusal a PrivilegeError with the reason", async () => {
    const target = new LocalTarget('/bin/sh', { user: 'no-such-user-here' });
    let caught: unknown;
    try {
      await target.exec('id -u', { timeoutMs: 10_000 });
    } catch (error) {
      caught = error;
    }
    expect(caught).to.be.instanceOf(PrivilegeError);
    expect((caught as Error).message).to.include('sudo does not know the user "no-such-user-here"');
  });

  it('stops a probe that overruns its timeout although it runs as another user', async () => {
    const target = new LocalTarget('/bin/sh', { user: 'nobody' });
    const started = Date.now();
    const result = await target.exec('sleep 30; echo late', { timeoutMs: 500 });
    expect(result.timedOut).to.equal(true);
    expect(result.stdout.toString()).to.equal('');
    expect(Date.now() - started).to.be.below(5000);
  });

  it('from the command line, with a password sudo does not ask for: uid 65534, the password nowhere', async () => {
    const spec = join(work, 'env.json');
    writeFileSync(spec, JSON.stringify({ spec: 'env', checks: [{ command: 'env', exitStatus: 0 }] }));
    const run = await runCli(
      ['run', spec, '--format', 'json', '--target', 'local', '--sudo-user', 'nobody'],
      join(work, 'cache'),
      {
        DRIFTSPEC_SUDO_PASSWORD: PASSWORD,
      },
    );
    expect(run.code, run.stdout + run.stderr).to.equal(0);
    const host = RunResultSchema.parse(JSON.parse(run.stdout)).hosts[0]!;
    expect(host.host?.uid).to.equal(65534);
    const evidence = host.evidence[host.results[0]!.evidence!]!;
    expect(evidence.stdout).to.include('SUDO_USER=');
    expect(run.stdout).not.to.include(PASSWORD);
    expect(run.stderr).not.to.include(PASSWORD);
  });
});

describe('local target environment', () => {
  it("never hands driftspec's secrets to the probe's environment (also without sudo)", async () => {
    const saved = { ...process.env };
    Object.assign(process.env, {
      DRIFTSPEC_SUDO_PASSWORD: PASSWORD,
      DRIFTSPEC_SSH_PASSWORD: PASSWORD,
      DRIFTSPEC_SSH_PASSPHRASE: PASSWORD,
    });
    try {
      const result = await new LocalTarget().exec('env', { timeoutMs: 10_000 });
      expect(result.stdout.toString()).to.include('PATH=').and.not.include(PASSWORD);
    } finally {
      for (const name of ['DRIFTSPEC_SUDO_PASSWORD', 'DRIFTSPEC_SSH_PASSWORD', 'DRIFTSPEC_SSH_PASSPHRASE']) {
        if (saved[name] === undefined) delete process.env[name];
        else process.env[name] = saved[name];
      }
    }
  });
});

describe('sudo options', () => {
  const cache = join(work, 'cache');

  it('refuses an empty or control-character --sudo-user as wrong usage (exit 64)', async () => {
    for (const user of ['', 'a\nb']) {
      const run = await runCli(['run', '--sudo-user', user], cache);
      expect(run.code, run.stderr).to.equal(64);
      expect(run.stderr).to.include("option '--sudo-user <user>' argument");
    }
  });

  it('refuses a DRIFTSPEC_SUDO_PASSWORD with a line break (exit 78) without printing it', async () => {
    const run = await runCli(['run', '--sudo'], cache, { DRIFTSPEC_SUDO_PASSWORD: 'first-line\nsecond-line' });
    expect(run.code, run.stderr).to.equal(78);
    expect(run.stderr).to.include('DRIFTSPEC_SUDO_PASSWORD: the sudo password cannot contain a line break');
    expect(run.stdout + run.stderr).not.to.include('first-line');
  });
});
