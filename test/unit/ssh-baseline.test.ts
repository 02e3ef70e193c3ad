import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { parse as yamlParse } from 'yaml';
import { controlResults } from '../../src/controls/status.js';
import { runHost } from '../../src/engine/run-host.js';
import { parseInputFile } from '../../src/plan/input-sources.js';
import { loadPlan } from '../../src/plan/load.js';
import type { Plan } from '../../src/plan/schema.js';
import { createRegistry } from '../../src/resources/index.js';
import type { HostResult } from '../../src/results/schema.js';
import { fencedBlocks } from '../support/doc-examples.js';
import { ScriptedTarget } from '../support/fake-target.js';
import { type RecordedState, SSH_BASELINE, SSH_BASELINE_RECORDINGS, STOCK_FAILURES } from '../support/ssh-baseline.js';

const registry = createRegistry();
const DOCS = fileURLToPath(new URL('../../docs/baselines.md', import.meta.url));

async function baselinePlan(inputs: Record<string, unknown> = {}): Promise<Plan> {
  const layer = { values: new Map(Object.entries(inputs)), locate: (name: string) => `test input ${name}` };
  return loadPlan([SSH_BASELINE], { registry, cacheDir: '/nonexistent', inputs: [layer] });
}

/** Judges the plan on a recorded probe of the baseline (record.mts), as `driftspec run` would. */
async function judgeRecorded(plan: Plan, state: RecordedState): Promise<HostResult> {
  const stdout = readFileSync(join(SSH_BASELINE_RECORDINGS, `${state}.out`));
  const meta = JSON.parse(readFileSync(join(SSH_BASELINE_RECORDINGS, `${state}.json`), 'utf8')) as {
    exitCode: number;
    stderr: string;
  };
  const target = new ScriptedTarget([
    () => ({ stdout, stderr: Buffer.from(meta.stderr), exitCode: meta.exitCode, signal: null, timedOut: false }),
  ]);
  return runHost(plan, target, { registry, commandTimeoutMs: 60_000 });
}

/** Control id → status on the recorded state. */
async function controlStatuses(state: RecordedState, plan?: Plan): Promise<Record<string, string>> {
  const used = plan ?? (await baselinePlan());
  const host = await judgeRecorded(used, state);
  return Object.fromEntries(controlResults(used.controls, host.results).map((c) => [c.id, c.status]));
}

function withStatus(statuses: Record<string, string>, status: string): string[] {
  return Object.keys(statuses).filter((id) => statuses[id] === status);
}

/** "<check id> <status>: <message>" of every check not passed. */
function notPassed(host: HostResult): string[] {
  return host.results.filter((r) => r.status !== 'passed').map((r) => `${r.checkId} ${r.status}: ${r.message}`);
}

describe('the bundled SSH baseline on recorded probes of a Debian 12 instance', () => {
  it('has at least 71 controls, each with metadata an auditor needs', async () => {
    const plan = await baselinePlan();
    expect(plan.controls.length).to.be.at.least(71);
    expect(plan.controls.map((c) => c.id)).to.deep.equal(
      plan.controls.map((_, i) => `ssh-${String(i + 1).padStart(2, '0')}`),
    );
    for (const control of plan.controls) {
      const missing = (['title', 'description', 'rationale', 'remediation'] as const).filter((key) => !control[key]);
      expect(missing, control.id).to.deep.equal([]);
      expect(control.tags.nist, control.id).to.be.an('array').that.is.not.empty;
      expect(control.references, control.id).to.not.be.empty;
    }
  });

  it('tags each control with the side it judges: the server (sshd -T) or the client (ssh -G)', async () => {
    const plan = await baselinePlan();
    const side = (id: string) => plan.controls.find((control) => control.id === id)?.tags.side;
    const resources = new Map<string, Set<string>>();
    for (const check of plan.checks) {
      const id = check.control ?? '';
      resources.set(id, (resources.get(id) ?? new Set()).add(check.resource));
    }
    for (const control of plan.controls) {
      const used = [...(resources.get(control.id) ?? [])];
      const expected = used.includes('ssh_config') || control.id === 'ssh-54' || control.id === 'ssh-55';
      expect(side(control.id), `${control.id}: ${used.join(', ')}`).to.equal(expected ? 'client' : 'server');
    }
    expect(plan.controls.filter((control) => control.tags.side === 'client')).to.have.length(25);
  });

  it('passes every control, every check, on the hardened instance', async () => {
    const plan = await baselinePlan();
    const host = await judgeRecorded(plan, 'hardened');
    expect(notPassed(host)).to.deep.equal([]);
    expect(host.execCount).to.equal(1);
    expect(withStatus(await controlStatuses('hardened', plan), 'passed')).to.have.length(plan.controls.length);
  });

  it('fails every control on the weak instance, none in error', async () => {
    const plan = await baselinePlan();
    const statuses = await controlStatuses('weak', plan);
    expect(Object.keys(statuses)).to.have.length(plan.controls.length);
    expect(Object.entries(statuses).filter(([, status]) => status !== 'failed')).to.deep.equal([]);
  });

  it('fails on stock Debian exactly the controls the docs list, and passes the others', async () => {
    const statuses = await controlStatuses('stock');
    expect(withStatus(statuses, 'failed')).to.deep.equal(Object.keys(STOCK_FAILURES));
    const failing = Object.keys(STOCK_FAILURES).length;
    expect(withStatus(statuses, 'passed')).to.have.length(Object.keys(statuses).length - failing);
    const docs = readFileSync(DOCS, 'utf8');
    for (const id of Object.keys(STOCK_FAILURES)) expect(docs, id).to.match(new RegExp(`^\\| \`${id}\` \\|`, 'm'));
  });

  it('fails the Match controls only, when a Match block and a Host block weaken a hardened instance', async () => {
    const plan = await baselinePlan();
    const host = await judgeRecorded(plan, 'hardened-match');
    expect(notPassed(host)).to.deep.equal([
      'ssh-46#1 failed: expected sshd setting PasswordAuthentication for ' +
        'user=root,host=client.example.org,addr=192.0.2.10 to have value "no", but got "yes"',
      'ssh-78#1 failed: expected ssh client setting ForwardAgent for server.example.org to have value "no", ' +
        'but got "yes"',
    ]);
  });

  it("judges with the docs' site input file: key-only root logins and 6 tries pass on stock", async () => {
    const block = fencedBlocks(readFileSync(DOCS, 'utf8'), 'yaml').find((text) => text.startsWith('# ssh-site.yaml'));
    const plan = await loadPlan([SSH_BASELINE], {
      registry,
      cacheDir: '/nonexistent',
      inputs: [parseInputFile(block ?? '', 'ssh-site.yaml')],
    });
    const statuses = await controlStatuses('stock', plan);
    expect(statuses['ssh-13']).to.equal('passed');
    expect(statuses['ssh-17']).to.equal('passed');
    expect(withStatus(statuses, 'failed')).to.have.length(Object.keys(STOCK_FAILURES).length - 2);
  });

  it('documents every input of the baseline', async () => {
    const docs = readFileSync(DOCS, 'utf8');
    const declared = Object.keys(yamlParse(readFileSync(SSH_BASELINE, 'utf8')).inputs as Record<string, unknown>);
    expect(declared.filter((name) => !docs.includes(`\`${name}\``))).to.deep.equal([]);
  });
});
