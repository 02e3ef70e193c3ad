import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { runCli } from '../support/cli.js';
import { journalCursor, sshdLogAfter } from '../support/sshd-log.js';
import { useTestbed, type TestInstance } from '../support/testbed.js';

const work = mkdtempSync(join(tmpdir(), 'driftspec-e2e-ciphers-'));
const cli = (...args: string[]) => runCli(args, join(work, 'cache'));

/** sshd offers one cipher only, and says in its log which one each connection agreed on. */
function onlyChacha({ upperDir }: { upperDir: string }): void {
  mkdirSync(join(upperDir, 'etc/ssh/sshd_config.d'), { recursive: true });
  writeFileSync(
    join(upperDir, 'etc/ssh/sshd_config.d/50-driftspec-ciphers.conf'),
    'Ciphers chacha20-poly1305@openssh.com\nLogLevel DEBUG1\n',
  );
}

// The CLI carries ssh2 in its bundle (scripts/bundle-cli.ts). chacha20-poly1305, which ssh2 offers
// after the AES ciphers OpenSSH takes by default, is the one that needs ssh2's WebAssembly
// poly1305 (or its native binding): it must work from the bundle too.
describe('driftspec over SSH with the ciphers a hardened sshd leaves', function () {
  this.timeout(120_000);
  const bed = useTestbed({ base: 208, count: 1, prepare: onlyChacha });
  const instance = (): TestInstance => bed.instances[0]!;

  it('checks a host that offers chacha20-poly1305 only', async () => {
    const spec = join(work, 'spec.yaml');
    writeFileSync(spec, 'spec: ciphers\nchecks:\n  - file: /etc/os-release\n    exists: true\n');
    const cursor = journalCursor(instance());
    const run = await cli(
      'run',
      spec,
      '--target',
      instance().url,
      '--identity',
      instance().keyPath,
      '--known-hosts',
      instance().knownHostsPath,
    );
    expect(run.code, run.stdout + run.stderr).to.equal(0);
    expect(run.stdout).to.include('Result: passed');
    const log = await sshdLogAfter(instance(), cursor, (lines) =>
      lines.some((l) => /^Disconnected from user root /.test(l)),
    );
    expect(log.filter((line) => /kex: client->server cipher: /.test(line))).to.have.length(1);
    expect(log.join('\n')).to.match(/kex: client->server cipher: chacha20-poly1305@openssh\.com /);
  });
});
