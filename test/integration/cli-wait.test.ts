import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { RunResultSchema } from '../../src/results/schema.js';
import { runCli } from '../support/cli.js';

const work = mkdtempSync(join(tmpdir(), 'driftspec-cli-wait-'));
const cli = (...args: string[]) => runCli(args, join(work, 'cache'));

function specFile(name: string, text: string): string {
  const path = join(work, `${name}.yaml`);
  writeFileSync(path, text);
  return path;
}

describe('CLI: --wait and eventually on the local machine', function () {
  this.timeout(60_000);
  const passing = () => specFile('ok', 'spec: ok\nchecks:\n  - file: /etc/passwd\n    exists: true\n');

  it('refuses a --wait that is not a duration, and --no-degraded without --wait, with 64', async () => {
    for (const [value, reason] of [
      ['5x', '"5x" is not a duration'],
      ['60', 'add a unit, such as "60s"'],
      ['0s', 'not a positive duration'],
    ]) {
      const run = await cli('run', passing(), '--wait', value!);
      expect(run.code, run.stderr).to.equal(64);
      expect(run.stderr).to.include(reason);
    }
    const run = await cli('run', passing(), '--no-degraded');
    expect(run.code).to.equal(64);
    expect(run.stderr).to.include('--no-degraded is a rule for --wait');
  });

  it('waits for the boot in the same exec as the probe', async () => {
    const run = await cli('run', passing(), '--wait', '10s', '--format', 'json');
    expect(run.code, run.stderr).to.equal(0);
    const host = RunResultSchema.parse(JSON.parse(run.stdout)).hosts[0]!;
    expect(host).to.deep.include({ status: 'completed', execCount: 1 });
    expect(host.evidence.boot?.stdout)
      .to.match(/^cloud-init: /m)
      .and.match(/^systemd: /m);
  });

  it('passes a check with eventually on its third try, in two re-probe rounds', async () => {
    // Each probe runs the command once: it counts its runs and succeeds from the third on.
    const counter = join(work, 'tries');
    const command = `n=$(cat ${counter} 2>/dev/null || echo 0); n=$((n + 1)); echo $n > ${counter}; [ $n -ge 3 ]`;
    const spec = specFile(
      'third',
      `spec: third\nchecks:\n  - command: ${JSON.stringify(command)}\n    eventually: { timeout: 15s, interval: ` +
        `200ms }\n    exitStatus: 0\n`,
    );
    const run = await cli('run', spec, '--format', 'json');
    expect(run.code, run.stdout + run.stderr).to.equal(0);
    const host = RunResultSchema.parse(JSON.parse(run.stdout)).hosts[0]!;
    expect(host.results[0]!.message).to.match(/\(passed at re-probe round 2, [\d.]+m?s after the first probe\)$/);
    expect(host.execCount).to.equal(3);
    expect(host.results[0]!.evidence).to.equal('round2.q1');
  });

  it('fails a check with eventually that never passes, saying how long it tried', async () => {
    const spec = specFile(
      'never',
      `spec: never\nchecks:\n  - file: ${join(work, 'never')}\n    eventually: { timeout: 1s, interval: 250ms }\n   ` +
        ` exists: true\n`,
    );
    const run = await cli('run', spec, '-v');
    expect(run.code, run.stdout + run.stderr).to.equal(1);
    expect(run.stdout).to.match(
      /still failing after \d re-probe rounds? over [\d.]+m?s; eventually: timeout 1s, interval 250ms/,
    );
  });
});
