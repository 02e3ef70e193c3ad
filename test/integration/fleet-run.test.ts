import { expect } from 'chai';
import { file, planSpecs, spec } from '../../src/dsl/index.js';
import { runFleet, type FleetOptions, type HostStop } from '../../src/engine/fleet.js';
import { runPlan, runPlanInterruptibly, type RunOptions } from '../../src/engine/run.js';
import { createRegistry } from '../../src/resources/index.js';
import { RunResultSchema, type HostResult } from '../../src/results/schema.js';
import { LocalTarget } from '../../src/targets/local.js';
import { TargetUnreachableError, type ExecOptions, type ExecResult, type Target } from '../../src/targets/target.js';
import { FakeTimers, settle } from '../support/fake-clock.js';

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
  return {
    registry,
    commandTimeoutMs: 30_000,
    toolVersion: 'test',
    concurrency: 16,
    hostTimeoutMs: 30_000,
    ...overrides,
  };
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

  it('ends a host that hangs forever at its timeout as unreachable/timeout; the others complete', async () => {
    const hanging = new HangingTarget('ssh://root@hangs:22');
    const done: Array<{ target: string; at: number }> = [];
    const started = Date.now();
    const result = await runPlan(plan, [new HealthyTarget('healthy-1'), hanging, new HealthyTarget('healthy-2')], {
      ...options({ hostTimeoutMs: 3000 }),
      onHostDone: (host) => done.push({ target: host.target, at: Date.now() - started }),
    });
    const elapsed = Date.now() - started;

    expect(result.hosts.map(summary)).to.deep.equal([
      'healthy-1: completed',
      'ssh://root@hangs:22: unreachable/timeout',
      'healthy-2: completed',
    ]);
    expect(result.hosts[0]!.counts).to.deep.include({ passed: 2, error: 0 });
    const timedOut = result.hosts[1]!;
    expect(timedOut.reason).to.equal(
      'ssh://root@hangs:22 did not finish within the 3 s host timeout (connecting, logging in and running the probe)',
    );
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
    const result = await runPlan(
      plan,
      [new HangingTarget('a'), new HangingTarget('b')],
      options({ concurrency: 1, hostTimeoutMs: 500 }),
    );
    expect(result.hosts.map(summary)).to.deep.equal(['a: unreachable/timeout', 'b: unreachable/timeout']);
    for (const host of result.hosts) expect(host.durationMs).to.be.within(450, 1200);
  });

  it('keeps hosts apart: a thrown error, an unreachable and a healthy host each end in their own state', async () => {
    const result = await runPlan(
      plan,
      [
        new FailingTarget(
          'refuses',
          () => new TargetUnreachableError('refused', 'cannot connect to refuses:22: connection refused'),
        ),
        new FailingTarget('throws', () => new Error('kaboom')),
        new FailingTarget('throws-a-string', () => 'not an error object'),
        new HealthyTarget('fine'),
      ],
      options(),
    );
    expect(result.hosts.map(summary)).to.deep.equal([
      'refuses: unreachable/refused',
      'throws: error',
      'throws-a-string: error',
      'fine: completed',
    ]);
    expect(result.hosts[0]!.reason).to.equal('cannot connect to refuses:22: connection refused');
    expect(result.hosts[1]!.reason).to.include('kaboom');
    expect(result.hosts[2]!.reason).to.include('not an error object');
  });

  it('does not wait for a target whose close never returns', async () => {
    const started = Date.now();
    const result = await runPlan(
      plan,
      [new HangingTarget('stuck', true), new HealthyTarget('fine')],
      options({ hostTimeoutMs: 1500 }),
    );
    expect(result.hosts.map(summary)).to.deep.equal(['stuck: unreachable/timeout', 'fine: completed']);
    // The host timeout, then at most the 2 s allowed for closing.
    expect(Date.now() - started).to.be.within(1450, 4500);
  });

  it('runs at most --concurrency hosts at once, and all of them', async () => {
    const gauge = { now: 0, max: 0 };
    const targets = Array.from(
      { length: 7 },
      (_, i) => new FailingTarget(`h${i}`, () => new TargetUnreachableError('timeout', 'slow'), 150, gauge),
    );
    const seen: string[] = [];
    const started = Date.now();
    const result = await runPlan(plan, targets, {
      ...options({ concurrency: 3 }),
      onHostDone: (host) => seen.push(host.target),
    });
    expect(gauge.max).to.equal(3);
    expect(seen).to.have.members(targets.map((t) => t.name));
    expect(result.hosts.map((h) => h.target)).to.deep.equal(targets.map((t) => t.name));
    // 7 hosts of 150 ms, 3 at a time: three rounds.
    expect(Date.now() - started).to.be.within(440, 1500);
  });
});

/** A host whose work takes `workMs` of fake time (forever when undefined); its close may hang. */
class TimedTarget implements Target {
  started = false;
  closed = false;
  constructor(
    readonly name: string,
    readonly workMs: number | undefined,
    private readonly closeHangs = false,
  ) {}
  exec(): Promise<ExecResult> {
    throw new Error('the fleet executor does not exec: its work function does');
  }
  close(): Promise<void> {
    this.closed = true;
    return this.closeHangs ? new Promise(() => undefined) : Promise.resolve();
  }
}

type Outcome = string;

/** The executor with fake time: work is `workMs` of sleep, results are short strings. */
type Gauge = { now: number; max: number };

function fleetOn(clock: FakeTimers, overrides: Partial<FleetOptions<Outcome>> & { gauge?: Gauge } = {}) {
  const { gauge, ...rest } = overrides;
  const done: string[] = [];
  const options: FleetOptions<Outcome> = {
    concurrency: 2,
    hostTimeoutMs: 1000,
    clock,
    async work(target) {
      const timed = target as TimedTarget;
      timed.started = true;
      if (gauge) gauge.max = Math.max(gauge.max, ++gauge.now);
      try {
        if (timed.workMs === undefined) await new Promise(() => undefined);
        await clock.sleep(timed.workMs!);
        return `${target.name}: done at ${clock.now()}`;
      } finally {
        if (gauge) gauge.now--;
      }
    },
    stopped: (target: Target, stop: HostStop, startedAt: number) =>
      `${target.name}: ${describeStop(stop)} (started ${startedAt}, ended ${clock.now()})`,
    onHostDone: (result) => done.push(result),
    ...rest,
  };
  return { options, done };
}

function describeStop(stop: HostStop): string {
  if (stop.kind === 'interrupted') return stop.started ? 'interrupted' : 'interrupted, not started';
  if (stop.kind === 'threw') return `threw ${(stop.error as Error).message}`;
  return `timeout ${stop.budgetMs}`;
}

describe('fleet executor (fake clock)', () => {
  it('works on at most `concurrency` hosts at once, the next as a slot frees, in target order', async () => {
    const clock = new FakeTimers();
    const gauge = { now: 0, max: 0 };
    const targets = [100, 300, 100, 100, 100].map((ms, i) => new TimedTarget(`h${i}`, ms));
    const { options, done } = fleetOn(clock, { concurrency: 2, gauge });
    const running = runFleet(targets, options);
    await clock.advance(1000);
    const outcome = await running;
    expect(gauge.max).to.equal(2);
    const at = (name: string, ms: number) => `${name}: done at ${ms}`;
    expect(outcome.results).to.deep.equal([at('h0', 100), at('h1', 300), at('h2', 200), at('h3', 300), at('h4', 400)]);
    expect(done).to.deep.equal([at('h0', 100), at('h2', 200), at('h1', 300), at('h3', 300), at('h4', 400)]);
    expect(outcome.interrupted).to.equal(false);
    expect(targets.every((target) => target.closed)).to.equal(true);
  });

  it('gives each host its own budget from its own start; a host out of time ends as a timeout, closed', async () => {
    const clock = new FakeTimers();
    const targets = [new TimedTarget('hangs', undefined), new TimedTarget('late', undefined)];
    targets.push(new TimedTarget('quick', 50));
    const { options } = fleetOn(clock, { concurrency: 1, hostTimeoutMs: 500 });
    const running = runFleet(targets, options);
    await clock.advance(2000);
    const { results } = await running;
    expect(results).to.deep.equal([
      'hangs: timeout 500 (started 0, ended 500)',
      'late: timeout 500 (started 500, ended 1000)',
      'quick: done at 1050',
    ]);
    expect(targets.every((target) => target.closed)).to.equal(true);
  });

  it('never holds a slot while a connection closes; the fleet ends at the close limit', async () => {
    const clock = new FakeTimers();
    const targets = [new TimedTarget('sticky', 100, true), new TimedTarget('next', 100)];
    const { options } = fleetOn(clock, { concurrency: 1, closeLimitMs: 2000 });
    let finished = false;
    const running = runFleet(targets, options).then((outcome) => {
      finished = true;
      return outcome;
    });
    await clock.advance(200);
    expect(targets[1]!.closed, 'the second host ran and closed while the first still closes').to.equal(true);
    expect(finished, 'the fleet waits for the hanging close up to its limit').to.equal(false);
    await clock.advance(1899);
    expect(finished).to.equal(false);
    await clock.advance(1);
    expect(finished).to.equal(true);
    expect((await running).results).to.deep.equal(['sticky: done at 100', 'next: done at 200']);
  });

  it('on an interrupt starts no more hosts, ends the hosts in progress at once, closes every connection', async () => {
    const clock = new FakeTimers();
    const hosts = [
      ['a', 100],
      ['b', undefined],
      ['c', undefined],
      ['d', 100],
    ] as const;
    const targets = hosts.map(([name, ms]) => new TimedTarget(name, ms));
    const interrupt = new AbortController();
    const { options, done } = fleetOn(clock, { concurrency: 2, hostTimeoutMs: 10_000, interrupt: interrupt.signal });
    const running = runFleet(targets, options);
    await clock.advance(150);
    interrupt.abort();
    await settle();
    const outcome = await running;
    expect(outcome.interrupted).to.equal(true);
    expect(outcome.results).to.deep.equal([
      'a: done at 100',
      'b: interrupted (started 0, ended 150)',
      'c: interrupted (started 100, ended 150)',
      'd: interrupted, not started (started 150, ended 150)',
    ]);
    expect(done).to.have.length(4);
    expect(targets[3]!.started, 'no host starts after the interrupt').to.equal(false);
    expect(targets.every((target) => target.closed)).to.equal(true);
    expect(clock.pending, 'no host budget timer is left behind').to.equal(0);
  });

  it("turns a host whose work throws into that host's result; the others go on", async () => {
    const clock = new FakeTimers();
    const { options } = fleetOn(clock, {
      work: async (target) => {
        if (target.name === 'bad') throw new Error('kaboom');
        return `${target.name}: fine`;
      },
    });
    const running = runFleet([new TimedTarget('bad', 0), new TimedTarget('good', 0)], options);
    await clock.advance(10);
    expect((await running).results).to.deep.equal(['bad: threw kaboom (started 0, ended 0)', 'good: fine']);
  });

  it('ends the hosts of an interrupted run as errors that name the interrupt, never as passes', async () => {
    const interrupt = new AbortController();
    interrupt.abort();
    const targets = [new HangingTarget('a'), new HangingTarget('b')];
    const run = await runPlanInterruptibly(plan, targets, options({ interrupt: interrupt.signal }));
    expect(run.interrupted).to.equal(true);
    expect(run.result.hosts.map(summary)).to.deep.equal(['a: error', 'b: error']);
    expect(run.result.hosts[0]!.reason).to.equal('interrupted (SIGINT) before this host was started');
    expect(run.result.counts).to.deep.equal({ passed: 0, failed: 0, error: 4, skipped: 0 });
  });
});
