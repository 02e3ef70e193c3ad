import { expect } from 'chai';
import { controlOf } from '../../src/mocha/control.js';
import { withEnvironment } from '../../src/mocha/hosts.js';
import { parseRecords, type MochaRecord } from '../../src/mocha/record.js';
import { parseReporterOptions } from '../../src/mocha/reporter-options.js';
import { assembleRunResult, failureJudgedByDriftspec } from '../../src/mocha/run-result.js';
import { countStatuses, type CheckResult, type HostResult } from '../../src/results/schema.js';

// What the reporter makes of the records the tests left: the run result, the gate's input.

const times = { toolVersion: '0.1.0', startedAt: '2026-01-01T00:00:00.000Z', finishedAt: '2026-01-01T00:00:01.000Z' };

function check(id: string, status: CheckResult['status']): CheckResult {
  const title = `check ${id}`;
  return {
    checkId: id,
    control: null,
    resource: 'file',
    subject: '/etc/passwd',
    matcher: 'exists',
    negated: false,
    title,
    status,
    message: status,
  };
}

function assertion(target: string, test: string, results: CheckResult[], execCount = 0): MochaRecord {
  const result: HostResult = {
    target,
    status: 'completed',
    startedAt: times.startedAt,
    durationMs: 2,
    execCount,
    counts: countStatuses(results),
    results,
    evidence: {},
  };
  return { kind: 'assertion', test: { title: test, file: '/x.test.mjs' }, spec: { name: 'x' }, controls: [], result };
}

const probe = (target: string, status: 'completed' | 'unreachable' = 'completed'): MochaRecord => ({
  kind: 'probe',
  target,
  execCount: 1,
  status,
  ...(status === 'completed' ? {} : { reason: 'connection refused' }),
});

describe('driftspec/mocha reporter: the run result of a mocha run', () => {
  it('makes one host per target, in the order probed, with every assertion’s checks and every exec', () => {
    const result = assembleRunResult(
      [
        probe('ssh://a'),
        probe('ssh://b', 'unreachable'),
        assertion('ssh://a', 'a one', [check('x#1', 'passed'), check('x#2', 'failed')]),
        assertion('ssh://b', 'b one', [check('x#1', 'error')]),
        assertion('ssh://a', 'a two', [check('x#3', 'passed')], 1),
      ],
      times,
    );
    expect(
      result.hosts.map((host) => [host.target, host.status, host.execCount, host.results.map((c) => c.checkId)]),
    ).to.deep.equal([
      ['ssh://a', 'completed', 2, ['x#1', 'x#2', 'x#3']],
      ['ssh://b', 'unreachable', 1, ['x#1']],
    ]);
    expect(result.hosts[1]!.reason).to.equal('connection refused');
    expect(result.counts).to.include({ passed: 2, failed: 1, error: 1 });
    expect(result.specs).to.deep.equal([{ name: 'x' }]);
  });

  it('leaves a host that made no assertion in the report, with its exec', () => {
    const result = assembleRunResult([probe('local')], times);
    expect(result.hosts.map((host) => [host.target, host.execCount, host.results.length])).to.deep.equal([
      ['local', 1, 0],
    ]);
  });

  it('counts a failed test as the gate’s only when one of its driftspec checks failed or errored', () => {
    const records = [
      assertion('local', 'broken', [check('x#1', 'failed')]),
      assertion('local', 'clean', [check('x#2', 'passed')]),
    ];
    expect(failureJudgedByDriftspec(records, { title: 'broken', file: '/x.test.mjs' })).to.equal(true);
    expect(failureJudgedByDriftspec(records, { title: 'clean', file: '/x.test.mjs' })).to.equal(false);
    expect(failureJudgedByDriftspec(records, { title: 'broken', file: '/other.test.mjs' })).to.equal(false);
    expect(failureJudgedByDriftspec(records, { title: 'plain' })).to.equal(false);
  });

  it('reads records back, and refuses a line that is not one', () => {
    const record = probe('local');
    expect(parseRecords(`${JSON.stringify(record)}\n`, 'r.jsonl')).to.deep.equal([record]);
    expect(() => parseRecords('{"kind":"probe"}\n', 'r.jsonl')).to.throw(/^r\.jsonl:1: not a driftspec mocha record/);
  });
});

describe('driftspec/mocha reporter options', () => {
  it('takes a path per report, a policy and what the terminal shows', () => {
    expect(parseReporterOptions({ junit: 'out/run.xml', policy: 'gate.yaml', console: 'spec' })).to.deep.equal({
      junit: 'out/run.xml',
      policy: 'gate.yaml',
      console: 'spec',
    });
    expect(parseReporterOptions(undefined)).to.deep.equal({ console: 'cli' });
  });

  it('names an option it does not know, and one given wrong', () => {
    expect(() => parseReporterOptions({ junt: 'x' })).to.throw(
      /^driftspec mocha reporter: --reporter-option junt: no such option; expected one of: junit, json/,
    );
    expect(() => parseReporterOptions({ verbose: 'yes' })).to.throw(/--reporter-option verbose: true or false/);
  });
});

describe('driftspec/mocha: which hosts a file checks', () => {
  it('takes the file’s own targets or inventory first', () => {
    const env = { DRIFTSPEC_TARGETS: 'ssh://a' };
    expect(withEnvironment({ targets: ['local'] }, env)).to.deep.equal({ targets: ['local'] });
    expect(withEnvironment({ inventory: 'fleet.yaml' }, env)).to.deep.equal({ inventory: 'fleet.yaml' });
  });

  it('else DRIFTSPEC_TARGETS (spaces or commas) and DRIFTSPEC_INVENTORY with DRIFTSPEC_LIMIT', () => {
    const env = {
      DRIFTSPEC_TARGETS: 'ssh://a, ssh://b\tlocal',
      DRIFTSPEC_INVENTORY: 'fleet.yaml',
      DRIFTSPEC_LIMIT: 'web,db',
    };
    expect(withEnvironment({ concurrency: 2 }, env)).to.deep.equal({
      concurrency: 2,
      targets: ['ssh://a', 'ssh://b', 'local'],
      inventory: 'fleet.yaml',
      limit: ['web', 'db'],
    });
    expect(withEnvironment({}, {})).to.deep.equal({});
  });
});

describe('driftspec/mocha: the control of a test', () => {
  it('is the nearest suite marked by control(), or none', () => {
    const outer: Parameters<typeof controlOf>[0] = {};
    Object.assign(outer!, { [Symbol.for('driftspec.mocha.control')]: { id: 'fs-01', impact: 'high' } });
    expect(controlOf({ parent: { parent: outer } })).to.deep.equal({ id: 'fs-01', impact: 'high' });
    expect(controlOf({ parent: {} })).to.equal(undefined);
    expect(controlOf(undefined)).to.equal(undefined);
  });
});
