import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { runCliSync } from '../support/cli.js';
import { fixturePath } from '../support/frames.js';

const work = mkdtempSync(join(tmpdir(), 'driftspec-cli-ssh-options-'));
const spec = fixturePath('specs/mini.yaml');

function cli(...args: string[]) {
  return runCliSync(args, join(work, 'cache'), { HOME: work });
}

/** None of these reach a network: every one fails before a connection is opened. */
describe('CLI: SSH target options', () => {
  it('lists the SSH options in run --help', () => {
    const help = cli('run', '--help').stdout;
    for (const option of ['--identity', '--known-hosts', '--host-key', '--accept-new-host-keys', '--connect-timeout'])
      expect(help).to.include(option);
  });

  it('exits 64 for a malformed --target, saying why', () => {
    const cases: [string, string][] = [
      ['ssh://root:secret@host.invalid', 'DRIFTSPEC_SSH_PASSWORD'],
      ['ssh://root@host.invalid/etc', 'no path, query or fragment'],
      ['ssh://root@host.invalid:0', 'the port must be 1-65535'],
      ['ssh://root@-oProxyCommand=sh', 'not a host name'],
      ['ssh://ro%0Aot@host.invalid', 'control character'],
      ['telnet://host.invalid', 'unknown target'],
    ];
    for (const [target, reason] of cases) {
      const run = cli('run', spec, '--target', target);
      expect(run.code, target).to.equal(64);
      // A password is never echoed (test/reliability/credentials.test.ts).
      const shown = target.replace(':secret@', ':***@');
      expect(run.stderr, target).to.include(`'${shown}' is invalid`).and.include(reason).and.not.include('secret');
    }
  });

  it('exits 64 for a malformed --host-key or --connect-timeout', () => {
    const pin = cli('run', spec, '--target', 'ssh://root@host.invalid', '--host-key', 'MD5:aa:bb');
    expect(pin.code).to.equal(64);
    expect(pin.stderr).to.include('SHA256 fingerprint');
    expect(cli('run', spec, '--target', 'ssh://root@host.invalid', '--connect-timeout', '0').code).to.equal(64);
  });

  it('exits 78 for a key or known_hosts file that cannot be used, before contacting any host', () => {
    const missing = cli('run', spec, '--target', 'ssh://root@host.invalid', '--identity', join(work, 'nope'));
    expect(missing.code).to.equal(78);
    expect(missing.stderr).to.include(`--identity ${join(work, 'nope')}: cannot read the key file: ENOENT`);

    const keyDir = mkdtempSync(join(tmpdir(), 'driftspec-cli-key-'));
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', 'secret', '-f', join(keyDir, 'id')]);
    const locked = cli('run', spec, '--target', 'ssh://root@host.invalid', '--identity', join(keyDir, 'id'));
    expect(locked.code).to.equal(78);
    expect(locked.stderr).to.include('the key is encrypted: set DRIFTSPEC_SSH_PASSPHRASE');
    const publicKey = cli('run', spec, '--target', 'ssh://root@host.invalid', '--identity', join(keyDir, 'id.pub'));
    expect(publicKey.code).to.equal(78);
    expect(publicKey.stderr).to.include('this is a public key');

    const knownHosts = cli('run', spec, '--target', 'ssh://root@host.invalid', '--known-hosts', join(work, 'none'));
    expect(knownHosts.code).to.equal(78);
    expect(knownHosts.stderr).to.include(
      `--known-hosts ${join(work, 'none')}: cannot read the known_hosts file: ENOENT`,
    );
  });

  it('keeps local the default target and reads no SSH settings for it', () => {
    const passing = join(work, 'passwd.yaml');
    writeFileSync(passing, 'spec: local\nchecks:\n  - file: /etc/passwd\n    type: file\n');
    const run = cli('run', passing, '--identity', join(work, 'nope'));
    expect(run.code, run.stdout + run.stderr).to.equal(0);
    expect(run.stdout).to.match(/^local /m);
  });
});
