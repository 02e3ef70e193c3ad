import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { planSpecs, spec } from '../../../src/dsl/index.js';
import { resourceFunction } from '../../../src/dsl/spec.js';
import { runHost } from '../../../src/engine/run-host.js';
import { createRegistry } from '../../../src/resources/index.js';
import { kernelParameterResource } from '../../../src/resources/kernel-parameter/index.js';
import { LocalTarget } from '../../../src/targets/local.js';
import { isRoot, requireInCi } from '../../support/environment.js';
import { outcomes, runLocally } from '../../support/local.js';

const kernelParameter = resourceFunction(kernelParameterResource);
const registry = createRegistry([kernelParameterResource]);
const kinds = (lines: string[]) => lines.map((o) => o.split(':')[0]);

describe('kernel_parameter resource on this machine', function () {
  this.timeout(60_000);
  let work = '';
  before(() => {
    work = mkdtempSync(join(tmpdir(), 'driftspec-kernel-it-'));
  });
  after(() => work && rmSync(work, { recursive: true, force: true }));

  it('passes known-true and fails known-false checks', async () => {
    const result = await runLocally(() => {
      kernelParameter('kernel.ostype').exists().value('Linux').not.value('linux');
      kernelParameter('net.ipv4.tcp_rmem').value({ matches: '^\\d+ \\d+ \\d+$' });
      kernelParameter('net.ipv4.conf.lo.forwarding').value({ oneOf: [0, 1] });
      kernelParameter('kernel.pid_max').value({ gt: 300 });
      kernelParameter('net.ipv4.no_such_key').not.exists().exists().value(0).not.value(0);
      kernelParameter('kernel.ostype').value('FreeBSD');
    }, [kernelParameterResource]);
    expect(kinds(outcomes(result)), outcomes(result).join('\n')).to.deep.equal([
      'passed',
      'passed',
      'passed',
      'passed',
      'passed',
      'passed',
      'passed',
      'failed',
      'failed',
      'failed',
      'failed',
    ]);
    expect(result.results[9]!.message).to.match(/does not exist/);
  });

  it('makes a write-only parameter an error, negated or not', async () => {
    const result = await runLocally(
      () => kernelParameter('vm.compact_memory').not.exists().not.value(1),
      [kernelParameterResource],
    );
    expect(kinds(outcomes(result))).to.deep.equal(['error', 'error']);
  });

  it('makes a root-only parameter an error for another user', async function () {
    if (!isRoot()) return requireInCi(this, 'switching to nobody needs root');
    if (!existsSync('/proc/sys/kernel/cad_pid')) return requireInCi(this, 'kernel.cad_pid is missing');
    const shell = join(work, 'as-nobody');
    writeFileSync(shell, '#!/bin/sh\nexec runuser -u nobody -- /bin/sh "$@"\n', { mode: 0o755 });
    const plan = planSpecs(
      [{ definition: spec('t', () => kernelParameter('kernel.cad_pid').not.exists().value({ ge: 0 })) }],
      registry,
    );
    const result = await runHost(plan, new LocalTarget(shell), { registry, commandTimeoutMs: 60_000 });
    expect(kinds(outcomes(result))).to.deep.equal(['error', 'error']);
    expect(result.results[0]!.message).to.match(/permission denied to uid 65534/);
  });

  it('rejects a key that would leave /proc/sys before anything runs', async () => {
    let error: unknown;
    try {
      await runLocally(() => kernelParameter('kernel..ostype').exists(), [kernelParameterResource]);
    } catch (e) {
      error = e;
    }
    expect(String(error)).to.match(/invalid kernel_parameter name/);
  });
});
