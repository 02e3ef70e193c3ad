import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { RunResultSchema } from '../../src/results/schema.js';
import { runCli } from '../support/cli.js';
import { useTestbed } from '../support/testbed.js';

const work = mkdtempSync(join(tmpdir(), 'driftspec-cli-ssh-'));
const cli = (...args: string[]) => runCli(args, join(work, 'cache'));

describe('driftspec run over SSH against a booted instance', function () {
  this.timeout(60_000);
  const bed = useTestbed({ base: 220, count: 1 });

  function specFor(name: string): string {
    const path = join(work, `${name}.yaml`);
    writeFileSync(
      path,
      `spec: instance\nchecks:\n  - file: /etc/hostname\n    content: { matches: '^${name}$', flags: m }\n  - file: ` +
        `/etc/os-release\n    exists: true\n`,
    );
    return path;
  }

  it('checks the instance and exits 0, naming it', async () => {
    const [instance] = bed.instances;
    const run = await cli(
      'run',
      specFor(instance!.name),
      '-v',
      '--target',
      `ssh://root@${instance!.address}`,
      '--identity',
      instance!.keyPath,
      '--known-hosts',
      instance!.knownHostsPath,
    );
    expect(run.code, run.stdout + run.stderr).to.equal(0);
    expect(run.stdout).to.include(`ssh://root@${instance!.address}:22 (Debian GNU/Linux 12 (bookworm))`);
    expect(run.stdout).to.include(`^${instance!.name}$`);
    expect(run.stdout).to.include('Result: passed');
  });

  it('reports the host name and one exec in the JSON result', async () => {
    const [instance] = bed.instances;
    const run = await cli(
      'run',
      specFor(instance!.name),
      '--format',
      'json',
      '--target',
      instance!.url,
      '-i',
      instance!.keyPath,
      '--host-key',
      instance!.hostKeyFingerprint,
      '--known-hosts',
      '/dev/null',
    );
    expect(run.code, run.stderr).to.equal(0);
    const result = RunResultSchema.parse(JSON.parse(run.stdout));
    expect(result.hosts[0]).to.deep.include({ target: instance!.url, status: 'completed', execCount: 1 });
    expect(result.hosts[0]!.host?.hostname).to.equal(instance!.name);
  });

  it('exits 2 with the reason when the host key is unknown', async () => {
    const [instance] = bed.instances;
    const run = await cli(
      'run',
      specFor(instance!.name),
      '--target',
      instance!.url,
      '--identity',
      instance!.keyPath,
      '--known-hosts',
      '/dev/null',
    );
    expect(run.code, run.stdout + run.stderr).to.equal(2);
    expect(run.stdout).to.include(`unreachable: the host key of ${instance!.address}:22 is not known`);
  });

  it('completes with --accept-new-host-keys', async () => {
    const [instance] = bed.instances;
    const run = await cli(
      'run',
      specFor(instance!.name),
      '--target',
      instance!.url,
      '--identity',
      instance!.keyPath,
      '--known-hosts',
      '/dev/null',
      '--accept-new-host-keys',
    );
    expect(run.code, run.stdout + run.stderr).to.equal(0);
  });
});
