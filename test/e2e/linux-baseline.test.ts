import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { type HostResult, RunResultSchema } from '../../src/results/schema.js';
import { runCli } from '../support/cli.js';
import { runScriptOverSsh } from '../support/instance-ssh.js';
import {
  HARDEN_SCRIPT,
  HARDENED_IMAGE,
  LINUX_BASELINE,
  NOT_APPLICABLE_ON_STOCK,
  STOCK_FAILURES,
} from '../support/linux-baseline.js';
import { type TestInstance, useTestbed } from '../support/testbed.js';

const work = mkdtempSync(join(tmpdir(), 'driftspec-e2e-linux-baseline-'));

async function runBaseline(instance: TestInstance): Promise<{ code: number | null; host: HostResult }> {
  const args = ['run', LINUX_BASELINE, '--format', 'json', '--target', instance.url];
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

function sysctlControls(host: HostResult): string[] {
  return (host.controls ?? []).map((control) => control.id).filter((id) => id.startsWith('sysctl-'));
}

describe('the bundled Linux baseline on booted Debian 12 instances', function () {
  this.timeout(300_000);
  const stockBed = useTestbed({ base: 66, count: 1 });
  const hardenedBed = useTestbed({ base: 67, count: 1, image: HARDENED_IMAGE });
  after(() => rmSync(work, { recursive: true, force: true }));

  it('fails on a stock instance exactly the controls docs/baselines.md lists, in one exec', async () => {
    const { code, host } = await runBaseline(stockBed.instances[0]!);
    expect(controlsWith(host, 'failed')).to.deep.equal(Object.keys(STOCK_FAILURES));
    const notApplicable = [...Object.keys(NOT_APPLICABLE_ON_STOCK), ...sysctlControls(host)];
    expect(controlsWith(host, 'not-applicable')).to.deep.equal(notApplicable);
    const judged = Object.keys(STOCK_FAILURES).length + notApplicable.length;
    expect(controlsWith(host, 'passed')).to.have.length((host.controls ?? []).length - judged);
    expect(host.execCount).to.equal(1);
    expect(code).to.equal(1);
  });

  it('passes every control but the kernel parameters (a container) once hardened over SSH, in one exec', async () => {
    const instance = hardenedBed.instances[0]!;
    runScriptOverSsh(instance, HARDEN_SCRIPT);
    const { code, host } = await runBaseline(instance);
    const notPassed = host.results
      .filter((r) => r.status !== 'passed' && !(r.control?.startsWith('sysctl-') && r.status === 'not-applicable'))
      .map((r) => `${r.checkId} ${r.status}: ${r.message}`);
    expect(notPassed).to.deep.equal([]);
    expect(controlsWith(host, 'not-applicable')).to.deep.equal(sysctlControls(host));
    expect(controlsWith(host, 'passed')).to.have.length((host.controls ?? []).length - sysctlControls(host).length);
    expect(host.execCount).to.equal(1);
    expect(code).to.equal(0);
  });
});
