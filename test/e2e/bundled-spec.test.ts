import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { RunResultSchema, type HostResult } from '../../src/results/schema.js';
import { runCli } from '../support/cli.js';
import { useTestbed, type TestInstance } from '../support/testbed.js';

const SPEC = fileURLToPath(new URL('../../specs/debian-web-server.yaml', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'driftspec-bundled-'));

async function runBundledSpec(instance: TestInstance): Promise<{ code: number | null; host: HostResult }> {
  const run = await runCli(
    [
      'run',
      SPEC,
      '--format',
      'json',
      '--target',
      instance.url,
      '--identity',
      instance.keyPath,
      '--known-hosts',
      instance.knownHostsPath,
    ],
    join(work, 'cache'),
  );
  const result = RunResultSchema.parse(JSON.parse(run.stdout));
  return { code: run.code, host: result.hosts[0]! };
}

/** "<check id> <status>: <message>" for every check that did not pass. */
function notPassed(host: HostResult): string[] {
  return host.results.filter((r) => r.status !== 'passed').map((r) => `${r.checkId} ${r.status}: ${r.message}`);
}

describe('the bundled Debian web-server spec on booted instances', function () {
  this.timeout(120_000);
  const bed = useTestbed({ base: 80, count: 2 });

  it('passes on a stock instance, every check, in one exec', async () => {
    const { code, host } = await runBundledSpec(bed.instances[0]!);
    expect(notPassed(host)).to.deep.equal([]);
    expect(code).to.equal(0);
    expect(host.execCount).to.equal(1);
    expect(host.host?.initSystem).to.equal('systemd');
    expect(host.results.length).to.be.greaterThan(40);
  });

  it('fails exactly the checks that a change to the instance breaks, with expected and actual', async () => {
    const changed = bed.instances[1]!;
    changed.inContainer(['systemctl', 'stop', 'nginx']);
    changed.inContainer(['chmod', '0644', '/etc/shadow']);
    changed.inContainer(['useradd', '--non-unique', '--uid', '0', '--no-create-home', 'toor']);
    const { code, host } = await runBundledSpec(changed);
    expect(code).to.equal(1);
    expect(notPassed(host)).to.deep.equal([
      'web-01#3 failed: expected service nginx to be running, but it is inactive (dead)',
      'web-01#4 failed: expected port 80 to be listening on tcp, but nothing listens on port 80',
      'web-01#5 failed: expected process nginx to be running, but no process with that name is running',
      'web-01#6 failed: expected process nginx to run as users containing "www-data", but no process named "nginx" ' +
        'is running',
      "accounts-01#6 failed: expected command awk -F: '$3 == 0 { print $1 }' /etc/passwd to print on stdout " +
        '"root\\n", but got "root\\ntoor\\n"',
      'files-01#4 failed: expected file /etc/shadow to have mode 0640, but got 0644',
      'files-01#7 failed: expected file /etc/shadow not to be readable by others, but its mode is 0644',
    ]);
  });
});
