import { expect } from 'chai';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { jsonSchemaFor } from '../../src/cli/commands/schema-action.js';
import { command, mount, planSpecs, port, processes, service, spec } from '../../src/dsl/index.js';
import { runHost } from '../../src/engine/run-host.js';
import { decideVerdict } from '../../src/gate/verdict.js';
import { GatePolicySchema } from '../../src/gate/policy.js';
import type { Plan } from '../../src/plan/schema.js';
import { createRegistry } from '../../src/resources/index.js';
import { portResource } from '../../src/resources/port/index.js';
import {
  addCounts,
  countStatuses,
  emptyCounts,
  RunResultSchema,
  type HostResult,
  type RunResult,
} from '../../src/results/schema.js';
import { renderCliReport } from '../../reporters/cli.js';
import { renderHtmlReport } from '../../reporters/html/run.js';
import { renderJunitReport } from '../../reporters/junit.js';
import { renderMarkdownReport } from '../../reporters/markdown.js';
import { execResult, framedOutput, HOST_FRAME_TEXT, ScriptedTarget, type Answer } from '../support/fake-target.js';

const registry = createRegistry();

/** An image root: the same probe, but nothing in it runs. */
class UnbootedTarget extends ScriptedTarget {
  readonly booted = false;
}

/** The probe's answer: host facts and `true` exiting 0 for the one command query. */
const answer: Answer = () =>
  execResult(
    framedOutput([
      { id: 'host', stdout: HOST_FRAME_TEXT },
      { id: 'q1', stdout: '@@command 0 60 0 0\n' },
    ]),
  );

function imagePlan(): Plan {
  return planSpecs(
    [
      {
        definition: spec('image', () => {
          command('true').exitStatus(0);
          service('ssh').running();
          port(22).listening();
          processes('sshd').running();
          mount('/').mounted();
        }),
      },
    ],
    registry,
  );
}

async function runUnbooted(): Promise<{ host: HostResult; script: string }> {
  const target = new UnbootedTarget([answer]);
  const host = await runHost(imagePlan(), target, { registry, commandTimeoutMs: 5000 });
  return { host, script: target.calls[0]!.script };
}

function runResult(host: HostResult): RunResult {
  return {
    schemaVersion: 1,
    tool: { name: 'driftspec', version: '0.0.0' },
    startedAt: host.startedAt,
    finishedAt: host.startedAt,
    specs: [{ name: 'image' }],
    controls: [],
    counts: host.counts,
    hosts: [host],
  } as RunResult;
}

describe('not-applicable: running-state checks on a target that is not booted', () => {
  it('judges what an image holds and marks what only a running system has, in the plan order', async () => {
    const { host } = await runUnbooted();
    expect(host.results.map((r) => `${r.resource} ${r.status}`)).to.deep.equal([
      'command passed',
      'service not-applicable',
      'port not-applicable',
      'process not-applicable',
      'mount not-applicable',
    ]);
    expect(host.results[1]!.message).to.equal('not applicable: image not booted');
    expect(host.counts).to.deep.equal({ passed: 1, failed: 0, error: 0, skipped: 0, 'not-applicable': 4 });
    expect(host.execCount).to.equal(1);
  });

  it('does not run the fact queries of checks that are not applicable', async () => {
    const { host, script } = await runUnbooted();
    expect(Object.keys(host.evidence)).to.deep.equal(['q1']);
    expect(script).to.include("sh -c 'true'");
    expect(script).to.match(/^DS_BOOTED=no$/m);
    expect(script).not.to.include(portResource.facts.listeners!(22, {}).script);
  });

  it('runs every query on a booted target, the not-applicable outcome never appears', async () => {
    const target = new ScriptedTarget([() => execResult(framedOutput([{ id: 'host', stdout: HOST_FRAME_TEXT }]))]);
    const host = await runHost(imagePlan(), target, { registry, commandTimeoutMs: 5000 });
    expect(target.calls[0]!.script).to.include(portResource.facts.listeners!(22, {}).script);
    expect(target.calls[0]!.script).to.match(/^DS_BOOTED=yes$/m);
    expect(host.results.map((r) => r.status)).not.to.include('not-applicable');
    expect(host.counts).not.to.have.property('not-applicable');
  });

  it('keeps a skipped check skipped', async () => {
    const plan = imagePlan();
    plan.checks[1] = { ...plan.checks[1]!, skip: 'no ssh in this image' };
    const target = new UnbootedTarget([answer]);
    const host = await runHost(plan, target, { registry, commandTimeoutMs: 5000 });
    expect(host.results[1]!.status).to.equal('skipped');
  });

  it('counts not-applicable only where there is some', () => {
    expect(emptyCounts()).not.to.have.property('not-applicable');
    expect(countStatuses([{ status: 'passed' }])).not.to.have.property('not-applicable');
    const some = countStatuses([{ status: 'not-applicable' }, { status: 'passed' }]);
    expect(some['not-applicable']).to.equal(1);
    expect(addCounts(some, some)['not-applicable']).to.equal(2);
    expect(addCounts(emptyCounts(), emptyCounts())).not.to.have.property('not-applicable');
  });

  it('is in the published result schema', async () => {
    const { host } = await runUnbooted();
    const validate = new Ajv2020({ strict: false, allErrors: true, validateFormats: false }).compile(
      jsonSchemaFor('result') as object,
    );
    expect(validate(JSON.parse(JSON.stringify(runResult(host)))), JSON.stringify(validate.errors)).to.equal(true);
    const wrong = runResult({ ...host, counts: { ...host.counts, 'not-applicable': 0 } });
    expect(validate(JSON.parse(JSON.stringify(wrong)))).to.equal(false);
  });

  it('never blocks the gate and never counts as passed, even where skips block', async () => {
    const { host } = await runUnbooted();
    const result = runResult(host);
    expect(RunResultSchema.safeParse(result).success).to.equal(true);
    const strict = GatePolicySchema.parse({ skips: 'block' });
    const verdict = decideVerdict(result, strict);
    expect(verdict).to.include({ verdict: 'passed', exitCode: 0 });
    expect(result.counts.passed).to.equal(1);
  });

  it('is in every report: cli, junit as skipped with the reason, markdown, html', async () => {
    const { host } = await runUnbooted();
    const result = runResult(host);
    const verdict = decideVerdict(result);
    const cli = renderCliReport(result, verdict, { color: false, verbose: true });
    expect(cli).to.include('not applicable');
    expect(cli).to.match(/~ service ssh.*\n\s+not applicable: image not booted/);
    const junit = renderJunitReport(result, verdict);
    expect(junit).to.match(/<testsuite [^>]*skipped="4"/);
    expect(junit).to.match(/<skipped\/>\s*<system-out><!\[CDATA\[[^\]]*not applicable: image not booted/);
    const markdown = renderMarkdownReport(result, verdict);
    expect(markdown).to.include('| Not applicable |');
    expect(markdown).to.match(/\| 1 \| 0 \| 0 \| 0 \| 4 \|/);
    const html = renderHtmlReport(result, verdict);
    expect(html).to.include('data-total="not-applicable"');
    expect(html).to.include('<input type="checkbox" value="not-applicable" checked>');
  });
});
