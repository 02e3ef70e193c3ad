import { expect } from 'chai';
import { makeHost, type Subject } from '../../src/chai/host.js';
import { chainToChecks } from '../../src/chai/chain.js';
import { PlanAssembler } from '../../src/plan/assemble.js';
import type { Plan } from '../../src/plan/schema.js';
import { retryFailing } from '../../src/mocha/eventually.js';
import { checksNotGathered, judgeGathered, probeTargets, type Gathered } from '../../src/mocha/probe.js';
import { factReaders, gatheringChecks } from '../../src/mocha/subject-facts.js';
import { createRegistry } from '../../src/resources/index.js';
import { fileResource } from '../../src/resources/file/index.js';
import { serviceResource } from '../../src/resources/service/index.js';
import { execResult, FakeClock, framedOutput, HOST_FRAME_TEXT, ScriptedTarget } from '../support/fake-target.js';
import { partsBytes } from '../support/frames.js';

// Gathering a file's subjects in one probe and judging assertions from it, on scripted targets.

const registry = createRegistry();

function subjectsOf(make: (host: ReturnType<typeof makeHost>) => void): Subject[] {
  const subjects: Subject[] = [];
  make(
    makeHost(
      'local',
      () => Promise.reject(new Error('not asked')),
      (subject) => subjects.push(subject),
    ),
  );
  return subjects;
}

/** The plan of one assertion: `expect(host.file(path)).to.have.mode(mode)`, and so on. */
function assertionPlan(subject: Subject, calls: { name: string; args?: unknown[]; retry?: unknown }[]): Plan {
  const assembler = new PlanAssembler(registry);
  assembler.beginSpec({ name: 'unit' });
  const requests = chainToChecks(
    subject.resource,
    subject.name,
    subject.options,
    calls.map(({ name, args }) => ({ name, negated: false, args })),
  );
  const checks = requests.map((request) =>
    assembler.addCheck(calls[0]?.retry === undefined ? request : { ...request, eventually: calls[0].retry }),
  );
  return { ...assembler.finish(), checks };
}

const settings = (prefix = '') => ({
  registry,
  commandTimeoutMs: 10_000,
  hostTimeoutMs: 20_000,
  concurrency: 4,
  evidencePrefix: prefix,
});

/**
 * A probe's answer (output made by hand, in the probe's framing) in which every query reports the
 * stat record of /etc/passwd with this mode: what the grouped file query reads.
 */
function statAnswer(mode: string) {
  return (script: string) => {
    const queries = [...script.matchAll(/^ds_done (q\d+) /gm)].map((match) => match[1]!);
    const stat = { name: 'stat', stdout: `${mode}:0:0:1234:1700000000:1:root:root:/etc/passwd\n` };
    return execResult(
      framedOutput([
        { id: 'host', stdout: HOST_FRAME_TEXT },
        ...queries.map((id) => ({ id, stdout: partsBytes([stat]).toString('latin1') })),
      ]),
    );
  };
}

describe('driftspec/mocha: gathering subjects before the tests', () => {
  it('asks for every fact of a subject once, choosing readers an unbooted image can answer', () => {
    const readers = factReaders(serviceResource);
    const facts = readers.map((name) => serviceResource.matchers[name as keyof typeof serviceResource.matchers].fact);
    expect(new Set(facts).size).to.equal(facts.length);
    expect(facts).to.have.members([...new Set(Object.values(serviceResource.matchers).map((m) => m.fact))]);
    const subjects = subjectsOf((host) => {
      host.file('/etc/passwd');
      host.service('ssh');
    });
    const checks = gatheringChecks(subjects);
    expect(checks.map((check) => check.resource)).to.include.members(['file', 'service']);
    expect(checks.filter((check) => check.resource === 'file')).to.have.length(factReaders(fileResource).length);
  });

  it('refuses a subject name the resource refuses, at describe time', () => {
    const subjects = subjectsOf((host) => host.port('not a port'));
    expect(() => gatheringChecks(subjects)).to.throw(/port/);
  });

  it('judges an assertion from the gathered probe without another exec', async () => {
    const [passwd] = subjectsOf((host) => host.file('/etc/passwd'));
    const target = new ScriptedTarget([statAnswer('81a4')]);
    const [gathered] = await probeTargets([target], () => gatheringChecks([passwd!]), settings());
    expect(target.calls).to.have.length(1);
    expect(gathered, JSON.stringify(gathered)).to.include({ ok: true });
    const plan = assertionPlan(passwd!, [{ name: 'mode', args: [0o644] }]);
    expect(checksNotGathered(plan, target, gathered!, registry)).to.deep.equal([]);
    const result = judgeGathered(plan, target, gathered!, registry);
    expect(result.results.map((check) => [check.status, check.message])).to.deep.equal([
      ['passed', 'file /etc/passwd should have mode 0644'],
    ]);
    expect(result.execCount).to.equal(0);
    expect(Object.keys(result.evidence)).to.have.length(1);
    const wrong = judgeGathered(assertionPlan(passwd!, [{ name: 'mode', args: [0o600] }]), target, gathered!, registry);
    expect(wrong.results[0]).to.include({
      status: 'failed',
      message: 'expected file /etc/passwd to have mode 0600, but got 0644',
    });
    expect(target.calls).to.have.length(1);
  });

  it('names the checks whose facts were not gathered', async () => {
    const [passwd, shadow] = subjectsOf((host) => {
      host.file('/etc/passwd');
      host.file('/etc/shadow');
    });
    const target = new ScriptedTarget([statAnswer('81a4')]);
    const [gathered] = await probeTargets([target], () => gatheringChecks([passwd!]), settings());
    const plan = assertionPlan(shadow!, [{ name: 'mode', args: [0o640] }]);
    expect(checksNotGathered(plan, target, gathered!, registry).map((check) => check.title)).to.deep.equal([
      'file /etc/shadow should have mode 0640',
    ]);
  });

  it('makes every check an error, never a pass, when the host was not reached', async () => {
    const [passwd] = subjectsOf((host) => host.file('/etc/passwd'));
    const target = new ScriptedTarget([new Error('connection refused')]);
    const [gathered] = await probeTargets([target], () => gatheringChecks([passwd!]), settings());
    expect(gathered).to.deep.include({ ok: false, status: 'error' });
    const plan = assertionPlan(passwd!, [{ name: 'exists' }]);
    const result = judgeGathered(plan, target, gathered!, registry);
    expect(result.status).to.equal('error');
    expect(result.results.map((check) => check.status)).to.deep.equal(['error']);
    expect(result.results[0]!.message).to.match(/^not checked: host error: .*connection refused/);
  });

  it('makes a probe without host facts an error', async () => {
    const target = new ScriptedTarget([() => execResult(Buffer.from('garbage'), { exitCode: 2 })]);
    const [gathered] = await probeTargets([target], () => [], settings());
    expect(gathered).to.deep.include({ ok: false, status: 'error', reason: 'the probe produced no host facts' });
  });
});

describe('driftspec/mocha: eventually, re-probed per assertion', () => {
  it('re-probes the failing checks in one exec per round until they pass', async () => {
    const [passwd] = subjectsOf((host) => host.file('/etc/passwd'));
    const clock = new FakeClock(0);
    const first = new ScriptedTarget([statAnswer('8180')]);
    const [gathered] = await probeTargets([first], () => gatheringChecks([passwd!]), settings());
    const plan = assertionPlan(passwd!, [{ name: 'mode', args: [0o644], retry: { timeout: '10s', interval: '1s' } }]);
    const judged = judgeGathered(plan, first, gathered!, registry);
    expect(judged.results[0]!.status).to.equal('failed');
    const rounds = new ScriptedTarget([statAnswer('8180'), statAnswer('81a4')]);
    let round = 0;
    const retried = await retryFailing(plan, judged, {
      target: rounds,
      registry,
      clock,
      probe: async (checks) => (await probeTargets([rounds], () => checks, settings(`round${++round}.`)))[0]!,
    });
    expect(retried.execCount).to.equal(2);
    expect(clock.sleeps).to.deep.equal([1000, 1000]);
    expect(retried.result.results.map((check) => check.status)).to.deep.equal(['passed']);
    expect(retried.result.counts.passed).to.equal(1);
    expect(Object.keys(retried.result.evidence).some((id) => id.startsWith('round2.'))).to.equal(true);
  });

  it('gives up at the timeout with the failure and says how long it tried', async () => {
    const [passwd] = subjectsOf((host) => host.file('/etc/passwd'));
    const target = new ScriptedTarget([statAnswer('8180'), statAnswer('8180'), statAnswer('8180')]);
    const [gathered] = await probeTargets([target], () => gatheringChecks([passwd!]), settings());
    const plan = assertionPlan(passwd!, [{ name: 'mode', args: [0o644], retry: { timeout: '2s', interval: '1s' } }]);
    const retried = await retryFailing(plan, judgeGathered(plan, target, gathered!, registry), {
      target,
      registry,
      clock: new FakeClock(0),
      probe: async (checks) => (await probeTargets([target], () => checks, settings('r.')))[0]!,
    });
    expect(retried.execCount).to.equal(2);
    expect(retried.result.results[0]).to.include({ status: 'failed' });
    expect(retried.result.results[0]!.message).to.match(
      /but got 0600 \(still failing after 2 re-probe rounds over 2s; eventually: timeout 2s, interval 1s\)$/,
    );
  });

  it('does not retry a check without eventually', async () => {
    const [passwd] = subjectsOf((host) => host.file('/etc/passwd'));
    const target = new ScriptedTarget([statAnswer('8180')]);
    const [gathered] = await probeTargets([target], () => gatheringChecks([passwd!]), settings());
    const plan = assertionPlan(passwd!, [{ name: 'mode', args: [0o644] }]);
    const retried = await retryFailing(plan, judgeGathered(plan, target, gathered!, registry), {
      target,
      registry,
      probe: () => Promise.reject(new Error('no round expected')),
    });
    expect(retried.execCount).to.equal(0);
    expect(retried.result.results[0]!.status).to.equal('failed');
  });
});
