import { expect } from 'chai';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { command, file, planSpecs, spec } from '../../src/dsl/index.js';
import { retryEventually } from '../../src/engine/eventually.js';
import { judgeChecks } from '../../src/engine/facts.js';
import { planQueries } from '../../src/engine/queries.js';
import { runHost } from '../../src/engine/run-host.js';
import { SpecError } from '../../src/inputs/input-error.js';
import type { Plan } from '../../src/plan/schema.js';
import { parseProbeOutput } from '../../src/probe/frames.js';
import { parseHostFrame } from '../../src/probe/host.js';
import { buildProbeScript } from '../../src/probe/script.js';
import { createRegistry } from '../../src/resources/index.js';
import { LocalTarget } from '../../src/targets/local.js';
import { TargetUnreachableError, type ExecOptions, type ExecResult, type Target } from '../../src/targets/target.js';
import { FakeClock } from '../support/fake-target.js';

const registry = createRegistry();

/**
 * The local machine, with a hook before each exec: the state changes between rounds the way a
 * starting service's does, and every script is kept so each round's queries can be counted.
 */
class ChangingTarget implements Target {
  readonly name = 'changing';
  readonly scripts: string[] = [];
  private readonly local = new LocalTarget();
  constructor(private readonly beforeExec: (execNumber: number) => void = () => undefined) {}
  exec(script: string, options: ExecOptions): Promise<ExecResult> {
    this.scripts.push(script);
    this.beforeExec(this.scripts.length);
    return this.local.exec(script, options);
  }
  async close(): Promise<void> {}
}

/** The first probe, as runHost makes it, so the loop can be driven on its own. */
async function firstProbe(plan: Plan, target: ChangingTarget) {
  const { queries, factByCheck } = planQueries(plan.checks, registry);
  const exec = await target.exec(buildProbeScript(queries), { timeoutMs: 30_000 });
  const probe = parseProbeOutput(exec.stdout);
  const host = parseHostFrame(probe.frames.get('host')!);
  return { host, results: judgeChecks(plan.checks, factByCheck, probe.frames, host, registry, 'missing') };
}

function scratch(): string {
  return mkdtempSync(join(tmpdir(), 'driftspec-eventually-'));
}

function plan(body: () => void): Plan {
  return planSpecs([{ definition: spec('eventually', body) }], registry);
}

describe('eventually', () => {
  it('re-probes only the failing checks with eventually, one exec per round, until they pass', async () => {
    const dir = scratch();
    const ready = join(dir, 'ready');
    const late = join(dir, 'late');
    const p = plan(() => {
      file(ready).eventually({ timeout: '30s', interval: '2s' }).exists();
      file(late).eventually({ timeout: '30s', interval: '2s' }).exists();
      file('/etc/passwd').eventually('30s').exists();
      file(join(dir, 'never')).exists();
    });
    // `ready` appears before exec 3 (round 2), `late` before exec 5 (round 4).
    const target = new ChangingTarget((n) => {
      if (n === 3) writeFileSync(ready, '');
      if (n === 5) writeFileSync(late, '');
    });
    const clock = new FakeClock(1000);
    const first = await firstProbe(p, target);
    expect(first.results.map((r) => r.status)).to.deep.equal(['failed', 'failed', 'passed', 'failed']);
    const outcome = await retryEventually(p.checks, first.results, {
      target,
      registry,
      host: first.host,
      commandTimeoutMs: 30_000,
      firstProbeAt: 1000,
      clock,
    });
    expect(outcome.results.map((r) => r.status)).to.deep.equal(['passed', 'passed', 'passed', 'failed']);
    expect(outcome.execCount).to.equal(4);
    expect(clock.sleeps).to.deep.equal([2000, 2000, 2000, 2000]);
    // Each round holds only the checks still failing: both, both, then only `late`.
    const rounds = target.scripts.slice(1);
    expect(rounds.map((script) => [script.includes(ready), script.includes(late)])).to.deep.equal([
      [true, true],
      [true, true],
      [false, true],
      [false, true],
    ]);
    for (const script of rounds) expect(script).not.to.include('/etc/passwd').and.not.to.include(join(dir, 'never'));
    expect(outcome.results[0]!.message).to.match(/\(passed at re-probe round 2, 4s after the first probe\)$/);
    expect(outcome.results[1]!.message).to.match(/\(passed at re-probe round 4, 8s after the first probe\)$/);
    expect(outcome.results[0]!.evidence).to.equal('round2.q1');
    expect(outcome.evidence['round2.q1']?.script).to.include(ready);
    // A check without eventually keeps its first result, untouched.
    expect(outcome.results[3]).to.deep.equal(first.results[3]);
  });

  it('gives up at the timeout and says how many rounds over how long', async () => {
    const dir = scratch();
    const p = plan(() => file(join(dir, 'never')).eventually({ timeout: '5s', interval: '1s' }).exists());
    const target = new ChangingTarget();
    const clock = new FakeClock();
    const first = await firstProbe(p, target);
    const outcome = await retryEventually(p.checks, first.results, {
      target,
      registry,
      host: first.host,
      commandTimeoutMs: 30_000,
      firstProbeAt: 0,
      clock,
    });
    expect(outcome.execCount).to.equal(5);
    expect(outcome.results[0]!.status).to.equal('failed');
    expect(outcome.results[0]!.message).to.match(
      /but .*\(still failing after 5 re-probe rounds over 5s; eventually: timeout 5s, interval 1s\)$/,
    );
  });

  it('runs rounds at the shortest interval among the failing checks, all of them in each round', async () => {
    const dir = scratch();
    const p = plan(() => {
      file(join(dir, 'a')).eventually({ timeout: '3s', interval: '500ms' }).exists();
      file(join(dir, 'b')).eventually({ timeout: '10s', interval: '5s' }).exists();
    });
    const target = new ChangingTarget();
    const clock = new FakeClock();
    const first = await firstProbe(p, target);
    const outcome = await retryEventually(p.checks, first.results, {
      target,
      registry,
      host: first.host,
      commandTimeoutMs: 30_000,
      firstProbeAt: 0,
      clock,
    });
    // Six rounds at 0.5 s while `a` is in its 3 s; then `b` alone at its own 5 s interval: 8 s, then 13 s is
    // past its 10 s.
    expect(clock.sleeps).to.deep.equal([500, 500, 500, 500, 500, 500, 5000]);
    expect(outcome.execCount).to.equal(7);
    expect(outcome.results[0]!.message).to.include('still failing after 6 re-probe rounds');
    expect(outcome.results[1]!.message).to.include('still failing after 7 re-probe rounds');
  });

  it('does not retry an error: a missing tool does not heal', async () => {
    const p = plan(() => command('driftspec-no-such-tool --version').eventually('10s').exitStatus(0));
    const target = new ChangingTarget();
    const clock = new FakeClock();
    const first = await firstProbe(p, target);
    expect(first.results[0]!.status).to.equal('error');
    const outcome = await retryEventually(p.checks, first.results, {
      target,
      registry,
      host: first.host,
      commandTimeoutMs: 30_000,
      firstProbeAt: 0,
      clock,
    });
    expect(outcome.execCount).to.equal(0);
    expect(outcome.results).to.deep.equal(first.results);
  });

  it('turns the pending checks into errors when a round cannot run', async () => {
    const dir = scratch();
    const p = plan(() => file(join(dir, 'x')).eventually('10s').exists());
    const target = new ChangingTarget();
    const first = await firstProbe(p, target);
    const failing: Target = {
      name: 'gone',
      exec: async () => {
        throw new TargetUnreachableError('network', 'the connection to 10.0.0.5:22 was lost before the probe started');
      },
      close: async () => undefined,
    };
    const outcome = await retryEventually(p.checks, first.results, {
      target: failing,
      registry,
      host: first.host,
      commandTimeoutMs: 30_000,
      firstProbeAt: 0,
      clock: new FakeClock(),
    });
    expect(outcome.results[0]!.status).to.equal('error');
    expect(outcome.results[0]!.message).to.match(
      /^re-probe round 1 could not run, so this check cannot be judged: the connection .* was lost/,
    );
  });

  it('counts the rounds in the host execCount of a real run', async () => {
    const dir = scratch();
    const flag = join(dir, 'flag');
    const p = plan(() => file(flag).eventually({ timeout: '10s', interval: '100ms' }).exists());
    const target = new ChangingTarget((n) => n === 3 && writeFileSync(flag, ''));
    const result = await runHost(p, target, { registry, commandTimeoutMs: 30_000 });
    expect(result.results[0]!.status).to.equal('passed');
    expect(result.execCount).to.equal(3);
    expect(target.scripts).to.have.length(3);
  });

  describe('in the DSL', () => {
    it('applies to the matchers after it in the chain, and only there', () => {
      const p = plan(() => {
        file('/a').eventually('20s').exists().not.mode(0o777);
        file('/b').exists();
      });
      expect(p.checks.map((c) => c.eventually)).to.deep.equal([
        { timeoutMs: 20_000, intervalMs: 1000 },
        { timeoutMs: 20_000, intervalMs: 1000 },
        undefined,
      ]);
    });

    it('refuses .eventually() after a matcher, and a bad duration, at once', () => {
      expect(() =>
        plan(() => (file('/a').exists() as unknown as { eventually: (s: string) => void }).eventually('20s')),
      ).to.throw(
        SpecError,
        new RegExp(
          /\.eventually\(\) must come before the matchers it applies to, as in/.source +
            / file\("\/a"\)\.eventually\('30s'\)\.exists\(\)/.source,
        ),
      );
      expect(() => plan(() => file('/a').eventually('20').exists())).to.throw(SpecError, /add a unit, such as "20s"/);
      expect(() => plan(() => file('/a').eventually({ timeout: '1s', interval: '2s' }).exists())).to.throw(
        SpecError,
        /interval is longer than timeout/,
      );
    });
  });
});
