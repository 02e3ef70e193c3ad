import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { RunResultSchema, type CheckResult } from '../../src/results/schema.js';
import { runCli } from '../support/cli.js';
import { connection } from '../support/drift-e2e.js';
import { useTestbed, type TestInstance } from '../support/testbed.js';

const work = mkdtempSync(join(tmpdir(), 'driftspec-e2e-verify-'));
const cli = (...args: string[]) => runCli(args, join(work, 'cache'));

/** A command on the instance over SSH, as an intruder or an admin would run it. */
function overSsh(instance: TestInstance, command: string): void {
  execFileSync('ssh', ['-F', join(instance.stateDir, instance.name, 'ssh_config'), instance.address, command], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

async function verifyPackages(
  instance: TestInstance,
  ...args: string[]
): Promise<{ code: number | null; results: CheckResult[]; stdout: string }> {
  const json = join(work, `verify-${Math.random().toString(36).slice(2)}.json`);
  const run = await cli(
    'verify-packages',
    instance.url,
    ...connection(instance),
    ...args,
    '-r',
    'cli',
    '-r',
    `json:${json}`,
  );
  expect(run.stderr).to.equal('');
  const result = RunResultSchema.parse(JSON.parse(readFileSync(json, 'utf8')));
  return { code: run.code, results: result.hosts[0]!.results, stdout: run.stdout };
}

describe('verify-packages on a booted instance with no baseline', function () {
  this.timeout(300_000);
  const bed = useTestbed({ base: 90, count: 1 });

  it('passes on the stock instance', async function () {
    if (bed.instances.length === 0) return this.skip();
    const { code, results } = await verifyPackages(bed.instances[0]!);
    expect(results.map((r) => `${r.status} ${r.subject}`)).to.deep.equal(['passed /']);
    expect(code).to.equal(0);
  });

  it('finds a modified binary, names its package; a changed conffile apart, judged on request', async function () {
    if (bed.instances.length === 0) return this.skip();
    const [instance] = bed.instances;
    overSsh(instance!, "printf 'planted' >> /usr/bin/ls && echo '# changed by the admin' >> /etc/crontab");
    const { code, results, stdout } = await verifyPackages(instance!, '--under', '/usr/bin', '--under', '/etc');
    expect(results.map((r) => `${r.status} ${r.subject}`)).to.deep.equal(['failed /usr/bin', 'passed /etc']);
    expect(results[0]!.actual).to.equal("1 package file(s) differ from dpkg's record: /bin/ls (coreutils: checksum)");
    expect(results[1]!.actual).to.equal(
      "no package file differs from dpkg's record; 1 conffile(s) changed by the admin: " +
        '/etc/crontab (cron-daemon-common: checksum)',
    );
    expect(stdout).to.include('/bin/ls (coreutils: checksum)');
    expect(code).to.equal(1);
    const strict = await verifyPackages(instance!, '--under', '/etc', '--conffiles');
    expect(strict.results.map((r) => r.status)).to.deep.equal(['failed']);
    expect(strict.code).to.equal(1);
  });

  it('is an error, not a pass, for files a user without privileges cannot read', async function () {
    if (bed.instances.length === 0) return this.skip();
    const [instance] = bed.instances;
    overSsh(instance!, 'id verifier >/dev/null 2>&1 || useradd -m verifier');
    const key = readFileSync(`${instance!.keyPath}.pub`, 'utf8');
    overSsh(
      instance!,
      `mkdir -p ~verifier/.ssh && printf '%s' '${key.trim()}' > ~verifier/.ssh/authorized_keys && ` +
        'chown -R verifier: ~verifier/.ssh',
    );
    const url = instance!.url.replace('root@', 'verifier@');
    const json = join(work, 'verify-unprivileged.json');
    const run = await cli(
      'verify-packages',
      url,
      ...connection(instance!),
      '--under',
      '/etc',
      '--conffiles',
      '-r',
      `json:${json}`,
    );
    const result = RunResultSchema.parse(JSON.parse(readFileSync(json, 'utf8')));
    const [check] = result.hosts[0]!.results;
    expect(check!.status).to.equal('error');
    expect(check!.message).to.include('could not verify').and.include('/etc/sudoers');
    expect(run.code).to.equal(2);
  });
});
