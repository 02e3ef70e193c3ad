import { expect } from 'chai';
import { file, planSpecs, spec } from '../../src/dsl/index.js';
import { runPlan, type RunOptions } from '../../src/engine/run.js';
import { createRegistry } from '../../src/resources/index.js';
import { RunResultSchema, type HostResult } from '../../src/results/schema.js';
import { LocalTarget } from '../../src/targets/local.js';
import { TargetUnreachableError, type ExecOptions, type ExecResult, type Target } from '../../src/targets/target.js';

const registry = createRegistry();
const plan = planSpecs(
  [
    {
      definition: spec('fleet', () => {
        file('/etc/passwd').isFile();
        file('/').isDirectory();
      }),
    },
  ],
  registry,
);

function options(overrides: Partial<RunOptions> = {}): RunOptions {
  return { registry, commandTimeoutMs: 30_000, toolVersion: 'test', concurrency: 16, hostTimeoutMs: 30_000, ...overrides };
}

/** A healthy host: the real probe on this machine, under its own name. */
class HealthyTarget extends LocalTarget {
  override readonly name: string;
  constructor(name: string) {
    super();
    this.name = name as 'local';
  }
}

/** Never answers: neither exec nor (optionally) close ever settles. */
class HangingTarget implements Target {
  closed = false;
  constructor(
    readonly name: string,
    private readonly closeHangs = false,
  ) {}
  exec(_script: string, _options: ExecOptions): Promise<ExecResult> {
    return new Promise(() => undefined);
  }
  close(): Promise<void> {
    this.closed = true;
    return this.closeHangs ? new Promise(() => undefined) : Promise.resolve();
  }
}

/** Fails after a delay, the way a target of the given behaviour would. */
class FailingTarget implements Target {
  active = 0;
  constructor(
    readonly name: string,
    private readonly failure: () => unknown,
    private readonly delayMs = 0,
    private readonly gauge?: { now: number; max: number },
  ) {}
  async exec(): Promise<ExecResult> {
    if (this.gauge) this.gauge.max = Math.max(this.gauge.max, ++this.gauge.now);
    try {
      await new Promise((resolve) => setTimeout(resolve, this.delayMs));
      throw this.failure();
    } finally {
      if (this.gauge) this.gauge.now--;
    }
  }
  async close(): Promise<void> {}
}

function summary(host: HostResult): string {
  return `${host.target}: ${host.status}${host.reasonKind ? `/${host.reasonKind}` : ''}`;
}

describe('fleet run (engine)', function () {
  this.timeout(20_000);

  it('ends a host that hangs forever at its host timeout as unreachable/timeout, while the others complete', async () => {
    const hanging = new HangingTarget('ssh://root@hangs:22');
    const done: Array<{ target: string; at: number }> = [];
    const started = Date.now();
    const result = await runPlan(plan, [new HealthyTarget('healthy-1'), hanging, new HealthyTarget('healthy-2')], {
      ...options({ hostTimeoutMs: 3000 }),
      onHostDone: (host) => done.push({ target: host.target, at: Date.now() - started }),
    });
    const elapsed = Date.now() - started;

    expect(result.hosts.map(summary)).to.deep.equal(['healthy-1: completed', 'ssh://root@hangs:22: unreachable/timeout', 'healthy-2: completed']);
    expect(result.hosts[0]!.counts).to.deep.include({ passed: 2, error: 0 });
    const timedOut = result.hosts[1]!;
    expect(timedOut.reason).to.equal('ssh://root@hangs:22 did not finish within the 3 s host timeout (connecting, logging in and running the probe)');
    expect(timedOut.durationMs).to.be.within(2950, 4000);
    expect(timedOut.results.map((r) => r.status)).to.deep.equal(['error', 'error']);
    expect(timedOut.results[0]!.message).to.match(/^not checked: host unreachable: /);
    expect(hanging.closed, 'the hanging target is closed').to.equal(true);
    // The healthy hosts did not wait for the hanging one.
    expect(done.map((d) => d.target)).to.have.members(['healthy-1', 'healthy-2', 'ssh://root@hangs:22']);
    expect(done.at(-1)!.target, 'the hanging host ends last').to.equal('ssh://root@hangs:22');
    expect(done.find((d) => d.target === 'healthy-2')!.at).to.be.below(2950);
    expect(elapsed).to.be.within(2950, 5000);
    expect(() => RunResultSchema.parse(result)).not.to.throw();
    expect(result.counts).to.deep.equal({ passed: 4, failed: 0, error: 2, skipped: 0 });
  });

  it('gives each host its whole budget from its own start, not from the start of the run', async () => {
    const result = await runPlan(plan, [new HangingTarget('a'), new HangingTarget('b')], options({ concurrency: 1, hostTimeoutMs: 500 }));
    expect(result.hosts.map(summary)).to.deep.equal(['a: unreachable/timeout', 'b: unreachable/timeout']);
    for (const host of result.hosts) expect(host.durationMs).to.be.within(450, 1200);
  });

  it('keeps every host apart: a thrown error, an unreachable host and a healthy host each end in their own state', async () => {
    const result = await runPlan(
      plan,
      [
        new FailingTarget('refuses', () => new TargetUnreachableError('refused', 'cannot connect to refuses:22: connection refused')),
        new FailingTarget('throws', () => new Error('kaboom')),
        new FailingTarget('throws-a-string', () => 'not an error object'),
        new HealthyTarget('fine'),
      ],
      options(),
    );
    expect(result.hosts.map(summary)).to.deep.equal(['refuses: unreachable/refused', 'throws: error', 'throws-a-string: error', 'fine: completed']);
    expect(result.hosts[0]!.reason).to.equal('cannot connect to refuses:22: connection refused');
    expect(result.hosts[1]!.reason).to.include('kaboom');
    expect(result.hosts[2]!.reason).to.include('not an error object');
  });

  it('does not wait for a target whose close never returns', async () => {
    const started = Date.now();
    const result = await runPlan(plan, [new HangingTarget('stuck', true), new HealthyTarget('fine')], options({ hostTimeoutMs: 1500 }));
    expect(result.hosts.map(summary)).to.deep.equal(['stuck: unreachable/timeout', 'fine: completed']);
    // The host timeout, then at most the 2 s allowed for closing.
    expect(Date.now() - started).to.be.within(1450, 4500);
  });

  it('runs at most --concurrency hosts at once, and all of them', async () => {
    const gauge = { now: 0, max: 0 };
    const targets = Array.from({ length: 7 }, (_, i) => new FailingTarget(`h${i}`, () => new TargetUnreachableError('timeout', 'slow'), 150, gauge));
    const seen: string[] = [];
    const started = Date.now();
    const result = await runPlan(plan, targets, { ...options({ concurrency: 3 }), onHostDone: (host) => seen.push(host.target) });
    expect(gauge.max).to.equal(3);
    expect(seen).to.have.members(targets.map((t) => t.name));
    expect(result.hosts.map((h) => h.target)).to.deep.equal(targets.map((t) => t.name));
    // 7 hosts of 150 ms, 3 at a time: three rounds.
    expect(Date.now() - started).to.be.within(440, 1500);
  });
});
