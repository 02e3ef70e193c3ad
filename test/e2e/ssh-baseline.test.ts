import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { type HostResult, RunResultSchema } from '../../src/results/schema.js';
import { runCli } from '../support/cli.js';
import { runScriptOverSsh } from '../support/instance-ssh.js';
import { HARDEN_SCRIPT, SSH_BASELINE, STOCK_FAILURES } from '../support/ssh-baseline.js';
import { type TestInstance, useTestbed } from '../support/testbed.js';

const work = mkdtempSync(join(tmpdir(), 'driftspec-e2e-ssh-baseline-'));

async function runBaseline(instance: TestInstance): Promise<{ code: number | null; host: HostResult }> {
  const args = ['run', SSH_BASELINE, '--format', 'json', '--target', instance.url];
  const run = await runCli(
    [...args, '--identity', instance.keyPath, '--known-hosts', instance.knownHostsPath],
    join(work, 'cache'),
  );
  const result = RunResultSchema.parse(JSON.parse(run.stdout));
  return { code: run.code, host: result.hosts[0]! };
}

function controlsWith(host: HostResult, status: string): string[] {
  return (host.controls ?? []).filter((control) => control.status === status).map((control) => control.id);
}

describe('the bundled SSH baseline on booted Debian 12 instances', function () {
  this.timeout(300_000);
  const bed = useTestbed({ base: 60, count: 2 });
  after(() => rmSync(work, { recursive: true, force: true }));

  it('fails on a stock instance exactly the controls docs/baselines.md lists, in one exec', async () => {
    const { code, host } = await runBaseline(bed.instances[0]!);
    expect(controlsWith(host, 'failed')).to.deep.equal(Object.keys(STOCK_FAILURES));
    const failing = Object.keys(STOCK_FAILURES).length;
    expect(controlsWith(host, 'passed')).to.have.length((host.controls ?? []).length - failing);
    expect(host.execCount).to.equal(1);
    expect(code).to.equal(1);
  });

  it('passes completely, in one exec, once drop-ins written over SSH harden the server and the client', async () => {
    const instance = bed.instances[1]!;
    runScriptOverSsh(instance, HARDEN_SCRIPT);
    const { code, host } = await runBaseline(instance);
    const notPassed = host.results.filter((r) => r.status !== 'passed').map((r) => `${r.checkId} ${r.message}`);
    expect(notPassed).to.deep.equal([]);
    expect(controlsWith(host, 'passed')).to.have.length(78);
    expect(host.execCount).to.equal(1);
    expect(code).to.equal(0);
  });
});
