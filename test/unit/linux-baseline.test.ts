import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { parse as yamlParse } from 'yaml';
import { applyOnlyIf } from '../../src/controls/only-if.js';
import { controlResults } from '../../src/controls/status.js';
import { planQueries } from '../../src/engine/queries.js';
import { runHost } from '../../src/engine/run-host.js';
import { loadPlan } from '../../src/plan/load.js';
import type { Plan } from '../../src/plan/schema.js';
import { parseProbeOutput } from '../../src/probe/frames.js';
import { HOST_QUERY_ID } from '../../src/probe/host.js';
import { sysctlPath } from '../../src/resources/kernel-parameter/index.js';
import { createRegistry } from '../../src/resources/index.js';
import type { HostResult } from '../../src/results/schema.js';
import { ScriptedTarget, framedOutput } from '../support/fake-target.js';
import { partsBytes } from '../support/frames.js';
import {
  KERNEL_PARAMETERS,
  LINUX_BASELINE,
  LINUX_BASELINE_RECORDINGS,
  NOT_APPLICABLE_ON_STOCK,
  type RecordedState,
  STOCK_FAILURES,
} from '../support/linux-baseline.js';

const registry = createRegistry();
const DOCS = fileURLToPath(new URL('../../docs/baselines.md', import.meta.url));

async function baselinePlan(): Promise<Plan> {
  return loadPlan([LINUX_BASELINE], { registry, cacheDir: '/nonexistent' });
}

interface Recording {
  stdout: Buffer;
  stderr: string;
  exitCode: number;
}

function recording(state: RecordedState): Recording {
  const stdout = readFileSync(join(LINUX_BASELINE_RECORDINGS, `${state}.out`));
  const meta = JSON.parse(readFileSync(join(LINUX_BASELINE_RECORDINGS, `${state}.json`), 'utf8')) as {
    exitCode: number;
    stderr: string;
  };
  return { stdout, stderr: meta.stderr, exitCode: meta.exitCode };
}

/** Judges the plan on a probe output, as `driftspec run` would, `onlyIf` conditions applied. */
async function judge(plan: Plan, output: Recording): Promise<HostResult> {
  const target = new ScriptedTarget([
    () => ({
      stdout: output.stdout,
      stderr: Buffer.from(output.stderr),
      exitCode: output.exitCode,
      signal: null,
      timedOut: false,
    }),
  ]);
  return applyOnlyIf(plan, await runHost(plan, target, { registry, commandTimeoutMs: 60_000 }));
}

/** Control id → status. */
async function controlStatuses(plan: Plan, output: Recording): Promise<Record<string, string>> {
  const host = await judge(plan, output);
  return Object.fromEntries(controlResults(plan.controls, host.results).map((c) => [c.id, c.status]));
}

function withStatus(statuses: Record<string, string>, status: string): string[] {
  return Object.keys(statuses).filter((id) => statuses[id] === status);
}

function sysctlControls(plan: Plan): string[] {
  return plan.controls.filter((control) => control.id.startsWith('sysctl-')).map((control) => control.id);
}

/**
 * A recording as a host outside a container would have answered it, with the kernel parameters at
 * the given values: the host frame says `container=none` and the kernel-parameter query's frame is
 * rebuilt in the probe's own parts format (the values part is what `grep -H ''` prints).
 */
function outsideContainer(plan: Plan, base: Recording, values: ReadonlyMap<string, number | 'missing'>): Recording {
  const parsed = parseProbeOutput(base.stdout);
  const queries = planQueries(plan.checks, registry);
  const sysctlCheck = plan.checks.find((check) => check.resource === 'kernel_parameter');
  const queryId = queries.factByCheck.get(sysctlCheck?.id ?? '')?.queryId;
  const frames = [...parsed.frames.values()].map((frame) => {
    const text = frame.stdout.toString('utf8');
    if (frame.id === HOST_QUERY_ID) return { ...frame, stdout: text.replace(/^container=.*$/m, 'container=none') };
    if (frame.id !== queryId) return { ...frame, stdout: text };
    const entries = [...values].map(([key, value]) => ({ path: sysctlPath(key), value }));
    const states = entries.map(({ path, value }) => `${value === 'missing' ? 'missing' : 'value'} ${path}\n`).join('');
    const read = entries.filter(({ value }) => value !== 'missing');
    const lines = read.map(({ path, value }) => `${path}:${value}\n`).join('');
    const parts = [
      { name: 'states', stdout: states },
      { name: 'values', stdout: lines },
    ];
    return { ...frame, stdout: partsBytes(parts).toString('utf8') };
  });
  const stdout = framedOutput(
    frames.map((frame) => ({ ...frame, stderr: frame.stderr.toString('utf8') })),
    parsed.complete,
  );
  return { ...base, stdout };
}

const hardenedValues = new Map(KERNEL_PARAMETERS.map(([key, hardened]) => [key, hardened]));
const weakValues = new Map(KERNEL_PARAMETERS.map(([key, , weak]) => [key, weak]));

describe('the bundled Linux baseline on recorded probes of Debian 12 instances', () => {
  it('has at least 59 controls, each with the metadata an auditor needs', async () => {
    const plan = await baselinePlan();
    expect(plan.controls.length).to.be.at.least(59);
    for (const control of plan.controls) {
      expect(control.id).to.match(/^(os|package|sysctl)-\d\d$/);
      const missing = (['title', 'description', 'rationale', 'remediation'] as const).filter((key) => !control[key]);
      expect(missing, control.id).to.deep.equal([]);
      expect(control.tags.nist, control.id).to.be.an('array').that.is.not.empty;
      expect(control.references, control.id).to.not.be.empty;
    }
  });

  it('checks about 50 kernel parameters, each in the fact sets below', async () => {
    const plan = await baselinePlan();
    const keys = plan.checks.filter((check) => check.resource === 'kernel_parameter').map((check) => check.subject);
    expect(keys.length).to.be.at.least(50);
    expect([...keys].sort()).to.deep.equal([...hardenedValues.keys()].sort());
  });

  it('passes every control on the hardened instance, kernel parameters not applicable in its container', async () => {
    const plan = await baselinePlan();
    const host = await judge(plan, recording('hardened'));
    const statuses = Object.fromEntries(controlResults(plan.controls, host.results).map((c) => [c.id, c.status]));
    expect(withStatus(statuses, 'not-applicable')).to.deep.equal(sysctlControls(plan));
    expect(withStatus(statuses, 'passed')).to.have.length(plan.controls.length - sysctlControls(plan).length);
    expect(host.execCount).to.equal(1);
  });

  it('fails every control on the weak instance, none in error', async () => {
    const plan = await baselinePlan();
    const statuses = await controlStatuses(plan, recording('weak'));
    expect(withStatus(statuses, 'not-applicable')).to.deep.equal(sysctlControls(plan));
    expect(withStatus(statuses, 'failed')).to.have.length(plan.controls.length - sysctlControls(plan).length);
  });

  it('passes every kernel parameter control outside a container with the hardened values', async () => {
    const plan = await baselinePlan();
    const statuses = await controlStatuses(plan, outsideContainer(plan, recording('hardened'), hardenedValues));
    expect(withStatus(statuses, 'passed')).to.have.length(plan.controls.length);
  });

  it('fails every kernel parameter control outside a container with the weak values', async () => {
    const plan = await baselinePlan();
    const statuses = await controlStatuses(plan, outsideContainer(plan, recording('hardened'), weakValues));
    expect(withStatus(statuses, 'failed')).to.deep.equal(sysctlControls(plan));
  });

  it('fails a kernel parameter control, never passes it, where the kernel lacks the parameter', async () => {
    const plan = await baselinePlan();
    const values = new Map<string, number | 'missing'>([...hardenedValues, ['kernel.yama.ptrace_scope', 'missing']]);
    const statuses = await controlStatuses(plan, outsideContainer(plan, recording('hardened'), values));
    const yama = plan.controls.find((control) => control.title?.includes('Yama'))?.id ?? '';
    expect(withStatus(statuses, 'failed')).to.deep.equal([yama]);
  });

  it('judges none of the controls whose answers a probe cut short lacks, on a connection lost halfway', async () => {
    const plan = await baselinePlan();
    const whole = recording('hardened');
    const cut = { stdout: whole.stdout.subarray(0, whole.stdout.length / 2), stderr: '', exitCode: 255 };
    const statuses = await controlStatuses(plan, cut);
    const complete = await controlStatuses(plan, whole);
    const lost = withStatus(statuses, 'error');
    expect(lost.length).to.be.at.least(40);
    expect(withStatus(statuses, 'failed')).to.deep.equal([]);
    expect(withStatus(statuses, 'passed')).to.deep.equal(
      withStatus(complete, 'passed').filter((id) => !lost.includes(id)),
    );
  });

  it('fails on stock Debian exactly the controls the docs list, and passes the others', async () => {
    const plan = await baselinePlan();
    const statuses = await controlStatuses(plan, recording('stock'));
    expect(withStatus(statuses, 'failed')).to.deep.equal(Object.keys(STOCK_FAILURES));
    expect(withStatus(statuses, 'not-applicable')).to.deep.equal([
      ...Object.keys(NOT_APPLICABLE_ON_STOCK),
      ...sysctlControls(plan),
    ]);
    const notPassed = Object.keys(STOCK_FAILURES).length + Object.keys(NOT_APPLICABLE_ON_STOCK).length;
    expect(withStatus(statuses, 'passed')).to.have.length(
      plan.controls.length - notPassed - sysctlControls(plan).length,
    );
    const docs = readFileSync(DOCS, 'utf8');
    for (const id of Object.keys({ ...STOCK_FAILURES, ...NOT_APPLICABLE_ON_STOCK })) {
      expect(docs, id).to.match(new RegExp(`^\\| \`${id}\` \\|`, 'm'));
    }
  });

  it('documents every control and every input of the baseline', async () => {
    const docs = readFileSync(DOCS, 'utf8');
    const parsed = yamlParse(readFileSync(LINUX_BASELINE, 'utf8')) as {
      inputs: Record<string, unknown>;
      controls: { id: string }[];
    };
    expect(Object.keys(parsed.inputs).filter((name) => !docs.includes(`\`${name}\``))).to.deep.equal([]);
    const prefixes = new Set(parsed.controls.map((control) => control.id.replace(/\d+$/, '')));
    for (const prefix of prefixes) expect(docs, prefix).to.include(`\`${prefix}01\``);
  });
});
