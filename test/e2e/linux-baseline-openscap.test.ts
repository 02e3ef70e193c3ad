import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { type HostResult, RunResultSchema } from '../../src/results/schema.js';
import { runCli } from '../support/cli.js';
import { requireInCi } from '../support/environment.js';
import { runScriptOverSsh } from '../support/instance-ssh.js';
import { HARDEN_SCRIPT, HARDENED_IMAGE, LINUX_BASELINE } from '../support/linux-baseline.js';
import {
  debian12DataStream,
  evaluateOffline,
  openscapMissing,
  type RecordedInstance,
  SSG_MAPPING,
} from '../support/openscap.js';
import { containerRoot, type TestInstance, useTestbed } from '../support/testbed.js';

const work = mkdtempSync(join(tmpdir(), 'driftspec-e2e-openscap-'));
const DOCS = fileURLToPath(new URL('../../docs/baselines.md', import.meta.url));

async function runBaseline(instance: TestInstance): Promise<HostResult> {
  const args = ['run', LINUX_BASELINE, '--format', 'json', '--target', instance.url];
  const run = await runCli(
    [...args, '--identity', instance.keyPath, '--known-hosts', instance.knownHostsPath],
    join(work, 'cache'),
  );
  return RunResultSchema.parse(JSON.parse(run.stdout)).hosts[0]!;
}

/** The baseline's verdict on a check (`os-01#4`) or, for a control id, on the control. */
function driftspecVerdict(host: HostResult, id: string): string | undefined {
  if (!id.includes('#')) return host.controls?.find((control) => control.id === id)?.status;
  return host.results.find((result) => result.checkId === id)?.status;
}

const SAME: Record<string, string> = { pass: 'passed', fail: 'failed', notapplicable: 'not-applicable' };

/** Each mapped rule as "rule: openscap / driftspec", with the verdicts found on the instance. */
function comparison(state: RecordedInstance, scap: Map<string, string>, host: HostResult) {
  const same: string[] = [];
  const differing: string[] = [];
  const expectedDifferences: string[] = [];
  for (const mapping of SSG_MAPPING) {
    const verdicts = `${scap.get(mapping.rule)} / ${driftspecVerdict(host, mapping.driftspec)}`;
    const line = `${mapping.rule} ↔ ${mapping.driftspec}: ${verdicts}`;
    const known = mapping.differs?.[state];
    if (known) expectedDifferences.push(`${mapping.rule} ↔ ${mapping.driftspec}: ${known[0]} / ${known[1]}`);
    if (SAME[scap.get(mapping.rule) ?? ''] === driftspecVerdict(host, mapping.driftspec)) same.push(line);
    else differing.push(line);
  }
  return { same, differing, expectedDifferences };
}

describe('the Linux baseline cross-checked with OpenSCAP (SSG Debian 11 content) on Debian 12', function () {
  this.timeout(300_000);
  const stockBed = useTestbed({ base: 68, count: 1 });
  const hardenedBed = useTestbed({ base: 69, count: 1, image: HARDENED_IMAGE });
  let dataStream = '';
  before(function () {
    const missing = openscapMissing();
    if (missing) return requireInCi(this, missing);
    dataStream = debian12DataStream(work);
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  async function crossCheck(state: RecordedInstance, instance: TestInstance): Promise<void> {
    const host = await runBaseline(instance);
    const scap = evaluateOffline(containerRoot(instance), dataStream, work);
    expect([...new Set(SSG_MAPPING.map((m) => m.rule))].filter((rule) => !scap.has(rule))).to.deep.equal([]);
    const { differing, expectedDifferences } = comparison(state, scap, host);
    const sysctl = SSG_MAPPING.filter((m) => m.driftspec.startsWith('sysctl-')).map((m) => m.rule);
    const unexplained = differing.filter((line) => !sysctl.some((rule) => line.startsWith(`${rule} `)));
    expect(unexplained).to.deep.equal(expectedDifferences);
    for (const rule of sysctl) {
      const mapping = SSG_MAPPING.find((m) => m.rule === rule)!;
      expect(driftspecVerdict(host, mapping.driftspec), rule).to.equal('not-applicable');
      expect(['pass', 'fail'], rule).to.include(scap.get(rule));
    }
  }

  it('agrees with OpenSCAP on a stock instance for every mapped rule but the documented ones', async () => {
    await crossCheck('stock', stockBed.instances[0]!);
  });

  it('agrees with OpenSCAP on a hardened instance for every mapped rule but the documented ones', async () => {
    const instance = hardenedBed.instances[0]!;
    runScriptOverSsh(instance, HARDEN_SCRIPT);
    await crossCheck('hardened', instance);
  });

  it('lists every mapped rule in docs/baselines.md', () => {
    const docs = readFileSync(DOCS, 'utf8');
    expect(SSG_MAPPING.filter((m) => !docs.includes(`\`${m.rule}\``)).map((m) => m.rule)).to.deep.equal([]);
  });
});
