import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { aggregateStatus } from '../../src/controls/status.js';
import { EXIT } from '../../src/gate/exit-codes.js';
import {
  DEFAULT_POLICY,
  GatePolicySchema,
  loadGatePolicy,
  parseGatePolicy,
  policyJsonSchema,
  type GatePolicy,
} from '../../src/gate/policy.js';
import { decideVerdict } from '../../src/gate/verdict.js';
import { isSpecError } from '../../src/inputs/input-error.js';
import type { Control } from '../../src/plan/schema.js';
import {
  addCounts,
  countStatuses,
  emptyCounts,
  RunResultSchema,
  type CheckResult,
  type CheckStatus,
  type ControlResult,
  type HostResult,
  type RunResult,
} from '../../src/results/schema.js';

const CONTROLS: Control[] = [
  control('crit', 0.9),
  control('high', 0.7),
  control('med1', 0.4),
  control('med2', 0.4),
  control('med3', 0.4),
  control('med4', 0.4),
  control('low1', 0.1),
  control('low2', 0.1),
  control('zero', 0),
];

/** `control:status` entries; `-:status` is a check outside any control. */
type CheckSketch = `${string}:${CheckStatus}`;
interface HostSketch {
  status?: HostResult['status'];
  checks?: CheckSketch[];
  /** Controls an unexpired waiver covers on this host. */
  waived?: string[];
}

interface GateCase {
  name: string;
  hosts: HostSketch[];
  policy?: Partial<Record<keyof GatePolicy, unknown>>;
  verdict: 'passed' | 'blocked';
  exitCode: number;
  /** Each must appear in some reason, in this order of reasons. */
  reasons?: RegExp[];
  summary?: RegExp;
}

const CASES: GateCase[] = [
  {
    name: 'every check passed',
    hosts: [{ checks: ['high:passed', 'med1:passed', '-:passed'] }],
    verdict: 'passed',
    exitCode: EXIT.passed,
    summary: /^passed$/,
  },
  {
    name: 'skips pass by default',
    hosts: [{ checks: ['high:passed', 'low1:skipped'] }],
    verdict: 'passed',
    exitCode: EXIT.passed,
  },
  { name: 'a host with no checks passes', hosts: [{ checks: [] }], verdict: 'passed', exitCode: EXIT.passed },
  {
    name: 'default: one failed low control blocks',
    hosts: [{ checks: ['low1:failed'] }],
    verdict: 'blocked',
    exitCode: EXIT.failed,
    reasons: [/h0: 1 failed low control \(low1\); low failures are not allowed/],
  },
  {
    name: 'default: a failed control of impact none still blocks',
    hosts: [{ checks: ['zero:failed'] }],
    verdict: 'blocked',
    exitCode: EXIT.failed,
  },
  {
    name: 'default: one errored check blocks with 2',
    hosts: [{ checks: ['high:passed', 'med1:error'] }],
    verdict: 'blocked',
    exitCode: EXIT.error,
    reasons: [/h0: 1 check errored \(med1#1\)/],
  },
  {
    name: 'errors outrank failures',
    hosts: [{ checks: ['high:failed', 'med1:error'] }],
    verdict: 'blocked',
    exitCode: EXIT.error,
    summary: /blocked: 1 failed control, 1 check errored/,
  },
  {
    name: 'default: an unreachable host blocks with 2',
    hosts: [{ checks: ['high:passed'] }, { status: 'unreachable', checks: ['high:error'] }],
    verdict: 'blocked',
    exitCode: EXIT.error,
    reasons: [/h1: host unreachable: connection refused/],
    summary: /^blocked: 1 host unreachable$/,
  },
  {
    name: 'default: a host whose probe failed blocks with 2',
    hosts: [{ checks: ['high:passed'] }, { status: 'error', checks: ['high:error'] }],
    verdict: 'blocked',
    exitCode: EXIT.error,
    reasons: [/h1: host error/],
  },
  {
    name: 'unreachable: allow lets the reached hosts decide',
    hosts: [{ checks: ['high:passed'] }, { status: 'unreachable', checks: ['high:error'] }],
    policy: { unreachable: 'allow' },
    verdict: 'passed',
    exitCode: EXIT.passed,
    reasons: [/^allowed: h1: host unreachable/],
    summary: /^passed; allowed by the policy: 1 host unreachable$/,
  },
  {
    name: 'unreachable: allow still blocks when no host was checked',
    hosts: [
      { status: 'unreachable', checks: ['high:error'] },
      { status: 'unreachable', checks: ['high:error'] },
    ],
    policy: { unreachable: 'allow' },
    verdict: 'blocked',
    exitCode: EXIT.error,
    reasons: [/^no host was checked$/, /^allowed: h0: host unreachable/, /^allowed: h1: host unreachable/],
    summary: /^blocked: no host was checked$/,
  },
  {
    name: 'unreachable: allow does not allow a failed probe',
    hosts: [{ checks: ['high:passed'] }, { status: 'error', checks: ['high:error'] }],
    policy: { unreachable: 'allow' },
    verdict: 'blocked',
    exitCode: EXIT.error,
  },
  {
    name: 'errors: allow lets errored checks pass',
    hosts: [{ checks: ['high:passed', 'med1:error', 'med2:error'] }],
    policy: { errors: 'allow' },
    verdict: 'passed',
    exitCode: EXIT.passed,
    reasons: [/^allowed: h0: 2 checks errored \(med1#1, med2#1\)/],
  },
  {
    name: 'errors: allow covers a failed probe',
    hosts: [{ checks: ['high:passed'] }, { status: 'error', checks: ['high:error'] }],
    policy: { errors: 'allow' },
    verdict: 'passed',
    exitCode: EXIT.passed,
  },
  {
    name: 'errors: allow does not allow an unreachable host',
    hosts: [{ checks: ['high:passed'] }, { status: 'unreachable', checks: ['high:error'] }],
    policy: { errors: 'allow' },
    verdict: 'blocked',
    exitCode: EXIT.error,
  },
  {
    name: 'errors: allow leaves failures blocking with 1',
    hosts: [{ checks: ['high:failed', 'med1:error'] }],
    policy: { errors: 'allow' },
    verdict: 'blocked',
    exitCode: EXIT.failed,
  },
  {
    name: 'skips: block blocks with 2',
    hosts: [{ checks: ['high:passed', 'low1:skipped'] }],
    policy: { skips: 'block' },
    verdict: 'blocked',
    exitCode: EXIT.error,
    reasons: [/h0: 1 check skipped \(low1#1\); the policy blocks skips/],
  },
  {
    name: 'skips: block counts the skips of an unreachable host too',
    hosts: [{ checks: ['high:passed'] }, { status: 'unreachable', checks: ['low1:skipped'] }],
    policy: { skips: 'block', unreachable: 'allow' },
    verdict: 'blocked',
    exitCode: EXIT.error,
  },
  {
    name: 'a failure and a blocked skip: 2',
    hosts: [{ checks: ['high:failed', 'low1:skipped'] }],
    policy: { skips: 'block' },
    verdict: 'blocked',
    exitCode: EXIT.error,
  },
  {
    name: 'medium: 3 allows three failed medium controls',
    hosts: [{ checks: ['med1:failed', 'med2:failed', 'med3:failed', 'med4:passed'] }],
    policy: { failures: { allow: { medium: 3 } } },
    verdict: 'passed',
    exitCode: EXIT.passed,
    reasons: [/^allowed: h0: 3 failed medium controls \(med1, med2, med3\); within the allowance of 3 per host$/],
  },
  {
    name: 'medium: 3 blocks a fourth',
    hosts: [{ checks: ['med1:failed', 'med2:failed', 'med3:failed', 'med4:failed'] }],
    policy: { failures: { allow: { medium: 3 } } },
    verdict: 'blocked',
    exitCode: EXIT.failed,
    reasons: [/h0: 4 failed medium controls \(med1, med2, med3, med4\); over the allowance of 3 per host/],
  },
  {
    name: 'a control counts once however many of its checks fail',
    hosts: [{ checks: ['med1:failed', 'med1:failed', 'med1:failed'] }],
    policy: { failures: { allow: { medium: 1 } } },
    verdict: 'passed',
    exitCode: EXIT.passed,
  },
  {
    name: 'a medium allowance does not allow a high failure',
    hosts: [{ checks: ['high:failed', 'med1:failed'] }],
    policy: { failures: { allow: { medium: 3, low: 'unlimited' } } },
    verdict: 'blocked',
    exitCode: EXIT.failed,
    reasons: [
      /h0: 1 failed high control \(high\); high failures are not allowed/,
      /^allowed: h0: 1 failed medium control/,
    ],
  },
  {
    name: 'low: unlimited',
    hosts: [{ checks: ['low1:failed', 'low2:failed'] }],
    policy: { failures: { allow: { low: 'unlimited' } } },
    verdict: 'passed',
    exitCode: EXIT.passed,
    reasons: [/low failures are allowed without limit/],
  },
  {
    name: 'medium: 0 is the same as not listing it',
    hosts: [{ checks: ['med1:failed'] }],
    policy: { failures: { allow: { medium: 0 } } },
    verdict: 'blocked',
    exitCode: EXIT.failed,
  },
  {
    name: 'critical can be allowed explicitly',
    hosts: [{ checks: ['crit:failed'] }],
    policy: { failures: { allow: { critical: 1 } } },
    verdict: 'passed',
    exitCode: EXIT.passed,
  },
  {
    name: 'a check outside any control counts at the default impact, medium',
    hosts: [{ checks: ['-:failed'] }],
    policy: { failures: { allow: { medium: 1 } } },
    verdict: 'passed',
    exitCode: EXIT.passed,
    reasons: [/1 failed medium control \(spec#1\)/],
  },
  {
    name: 'two loose failed checks are two units',
    hosts: [{ checks: ['-:failed', '-:failed'] }],
    policy: { failures: { allow: { medium: 1 } } },
    verdict: 'blocked',
    exitCode: EXIT.failed,
  },
  {
    name: 'allowances are per host',
    hosts: [{ checks: ['med1:failed', 'med2:failed'] }, { checks: ['med1:failed', 'med2:failed'] }],
    policy: { failures: { allow: { medium: 2 } } },
    verdict: 'passed',
    exitCode: EXIT.passed,
  },
  {
    name: 'one host over its allowance blocks the run',
    hosts: [{ checks: ['med1:failed'] }, { checks: ['med1:failed', 'med2:failed', 'med3:failed'] }],
    policy: { failures: { allow: { medium: 2 } } },
    verdict: 'blocked',
    exitCode: EXIT.failed,
    reasons: [/^h1: 3 failed medium controls/, /^allowed: h0: 1 failed medium control/],
  },
  {
    name: 'a failed control on an unreachable host cannot exist; its errors are the host',
    hosts: [{ checks: ['med1:passed'] }, { status: 'unreachable', checks: ['med1:error', 'med2:error'] }],
    policy: { unreachable: 'allow' },
    verdict: 'passed',
    exitCode: EXIT.passed,
  },
  {
    name: 'a waived control that failed does not block; the verdict lists it',
    hosts: [{ checks: ['high:failed', 'med1:passed'], waived: ['high'] }],
    verdict: 'passed',
    exitCode: EXIT.passed,
    reasons: [/^allowed: h0: 1 control waived \(high\)$/],
    summary: /allowed by the policy: 1 control waived/,
  },
  {
    name: "a waived control's errors and skips do not block either",
    hosts: [{ checks: ['high:error', 'crit:skipped'], waived: ['high', 'crit'] }],
    policy: { skips: 'block' },
    verdict: 'passed',
    exitCode: EXIT.passed,
  },
  {
    name: 'waivers cover only their own controls',
    hosts: [{ checks: ['high:failed', 'med1:failed'], waived: ['high'] }],
    verdict: 'blocked',
    exitCode: EXIT.failed,
    reasons: [/^h0: 1 failed medium control \(med1\)/, /^allowed: h0: 1 control waived/],
  },
  {
    name: 'waived: block makes a waived control a finding',
    hosts: [{ checks: ['high:passed'], waived: ['high'] }],
    policy: { waived: 'block' },
    verdict: 'blocked',
    exitCode: EXIT.failed,
    reasons: [/^h0: 1 control waived \(high\); the policy blocks waived controls$/],
  },
  {
    name: 'failures below minImpact (a name) never block',
    hosts: [{ checks: ['med1:failed', 'low1:failed', 'zero:failed'] }],
    policy: { failures: { minImpact: 'high' } },
    verdict: 'passed',
    exitCode: EXIT.passed,
    reasons: [/^allowed: h0: 3 failed controls below the minimum impact 0\.7 \(med1, low1, zero\)$/],
  },
  {
    name: 'failures at or above minImpact (a number) still block',
    hosts: [{ checks: ['high:failed', 'med1:failed'] }],
    policy: { failures: { minImpact: 0.7 } },
    verdict: 'blocked',
    exitCode: EXIT.failed,
    reasons: [/^h0: 1 failed high control \(high\)/, /^allowed: h0: 1 failed control below the minimum impact/],
  },
  {
    name: 'minImpact and allowances together',
    hosts: [{ checks: ['high:failed', 'low1:failed'] }],
    policy: { failures: { minImpact: 0.4, allow: { high: 1 } } },
    verdict: 'passed',
    exitCode: EXIT.passed,
  },
];

describe('gate: decisions', () => {
  for (const c of CASES) {
    it(c.name, () => {
      const policy = c.policy === undefined ? undefined : GatePolicySchema.parse(c.policy);
      const verdict = decideVerdict(runResult(c.hosts), policy);
      expect({ verdict: verdict.verdict, exitCode: verdict.exitCode }, JSON.stringify(verdict, null, 2)).to.deep.equal({
        verdict: c.verdict,
        exitCode: c.exitCode,
      });
      if (c.reasons) expectInOrder(verdict.reasons, c.reasons);
      if (c.summary) expect(verdict.summary).to.match(c.summary);
      if (c.verdict === 'blocked') expect(verdict.reasons.filter((r) => !r.startsWith('allowed: '))).to.not.be.empty;
    });
  }

  it('gives no reasons for a clean pass', () => {
    expect(decideVerdict(runResult([{ checks: ['high:passed'] }])).reasons).to.deep.equal([]);
  });

  it('lists blocking reasons before allowed ones', () => {
    const policy = GatePolicySchema.parse({ failures: { allow: { low: 'unlimited' } } });
    const { reasons } = decideVerdict(runResult([{ checks: ['low1:failed'] }, { checks: ['high:failed'] }]), policy);
    expect(reasons).to.have.length(2);
    expect(reasons[0]).to.match(/^h1: 1 failed high control/);
    expect(reasons[1]).to.match(/^allowed: h0: 1 failed low control/);
  });

  it('counts each kind of finding over every host, in the order first met', () => {
    const policy = GatePolicySchema.parse({ failures: { allow: { low: 'unlimited' } } });
    const hosts: HostSketch[] = [
      { status: 'unreachable', checks: ['high:error'] },
      { checks: ['high:failed', 'med1:failed', 'low1:failed'] },
      { status: 'unreachable', checks: ['high:error'] },
      { checks: ['med2:failed', 'low2:failed'] },
    ];
    const verdict = decideVerdict(runResult(hosts), policy);
    expect(verdict.summary).to.equal('blocked: 2 hosts unreachable, 3 failed controls');
    expect(verdict.exitCode).to.equal(EXIT.error);
    expect(verdict.reasons).to.have.length(7);
    expect(verdict.reasons.slice(5)).to.deep.equal([
      'allowed: h1: 1 failed low control (low1); low failures are allowed without limit',
      'allowed: h3: 1 failed low control (low2); low failures are allowed without limit',
    ]);
  });

  it('writes a verdict that the result schema accepts', () => {
    const result = runResult([{ checks: ['high:failed'] }, { status: 'unreachable', checks: ['high:error'] }]);
    RunResultSchema.parse({ ...result, verdict: decideVerdict(result) });
  });

  it('keeps the default policy strict', () => {
    expect(DEFAULT_POLICY).to.deep.equal({
      failures: { allow: {} },
      errors: 'block',
      unreachable: 'block',
      skips: 'allow',
      waived: 'allow',
    });
  });
});

describe('gate: policy files', () => {
  const parse = (text: string) => parseGatePolicy(text, 'gate.yaml');
  const failure = (text: string): Error => {
    try {
      parse(text);
    } catch (error) {
      expect(isSpecError(error), 'a SpecError, so that the CLI exits 78').to.equal(true);
      return error as Error;
    }
    throw new Error('expected the policy to be refused');
  };

  it('reads every field', () => {
    const policy = parse(
      [
        'failures:',
        '  allow:',
        '    medium: 3',
        '    low: unlimited',
        '  minImpact: high',
        'errors: allow',
        'unreachable: allow',
        'skips: block',
        'waived: block',
        '',
      ].join('\n'),
    );
    expect(policy).to.deep.equal({
      failures: { allow: { medium: 3, low: 'unlimited' }, minImpact: 'high' },
      errors: 'allow',
      unreachable: 'allow',
      skips: 'block',
      waived: 'block',
    });
  });

  it('fills every missing field with the strict default', () => {
    expect(parse('{}')).to.deep.equal(DEFAULT_POLICY);
    expect(parse('skips: block\n')).to.deep.equal({ ...DEFAULT_POLICY, skips: 'block' });
  });

  it('names file, line and column of an unknown key and lists the known ones', () => {
    expect(failure('errors: block\nblock: { failedImpactAtLeast: high }\n').message).to.equal(
      'gate.yaml:2:1: unknown key "block"; expected one of: failures, errors, unreachable, skips, waived, drift',
    );
    expect(failure('failures:\n  allow:\n    severe: 2\n').message).to.equal(
      'gate.yaml:3:5: failures.allow: unknown key "severe"; expected one of: none, low, medium, high, critical',
    );
    expect(failure('failures:\n  block: high\n').message).to.equal(
      'gate.yaml:2:3: failures: unknown key "block"; expected one of: allow, minImpact',
    );
  });

  it('refuses an allowance that is not a count or "unlimited"', () => {
    expect(failure('failures:\n  allow:\n    medium: lots\n').message).to.equal(
      'gate.yaml:3:5: failures.allow.medium: expected a count (0 or more) or "unlimited"',
    );
    expect(failure('failures:\n  allow:\n    low: -1\n').message).to.match(
      /^gate\.yaml:3:5: failures\.allow\.low: expected a count/,
    );
    expect(failure('failures:\n  allow:\n    low: 1.5\n').message).to.match(/^gate\.yaml:3:5: /);
  });

  it('refuses a rule that is not block or allow', () => {
    expect(failure('errors: warn\n').message).to.equal('gate.yaml:1:1: errors: expected one of: block, allow');
  });

  it('refuses YAML syntax errors, duplicate keys and a file that is not a map', () => {
    expect(failure('errors: [block\n').message).to.match(/^gate\.yaml:\d+:\d+: YAML syntax error/);
    expect(failure('errors: block\nerrors: allow\n').message).to.match(/^gate\.yaml:2:1: YAML syntax error: .*unique/i);
    expect(failure('- block\n').message).to.match(/^gate\.yaml:1:1: a policy file must be a map/);
    expect(failure('').message).to.match(/^gate\.yaml: a policy file must be a map/);
  });

  it('reads a file from disk and names a missing one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'driftspec-policy-'));
    writeFileSync(join(dir, 'gate.yaml'), 'unreachable: allow\n');
    expect(loadGatePolicy('gate.yaml', dir).unreachable).to.equal('allow');
    expect(() => loadGatePolicy('missing.yaml', dir)).to.throw(/^missing\.yaml: policy file not found$/);
    expect(() => loadGatePolicy('.', dir)).to.throw(/is a directory/);
  });

  it('exports a JSON Schema for editors', () => {
    const schema = policyJsonSchema() as { $id: string; properties: Record<string, unknown>; required?: string[] };
    expect(schema.$id).to.equal('urn:driftspec:schema:policy:1');
    expect(Object.keys(schema.properties)).to.deep.equal([
      'failures',
      'errors',
      'unreachable',
      'skips',
      'waived',
      'drift',
    ]);
    expect(schema.required ?? []).to.deep.equal([]);
  });
});

function control(id: string, impact: number): Control {
  return { id, title: `control ${id}`, impact, tags: {}, refs: [] };
}

function runResult(hosts: HostSketch[]): RunResult {
  const hostResults = hosts.map((sketch, h) => hostResult(`h${h}`, sketch));
  return {
    schemaVersion: 1,
    tool: { name: 'driftspec', version: '0.0.0' },
    startedAt: '2025-01-01T00:00:00.000+00:00',
    finishedAt: '2025-01-01T00:00:01.000+00:00',
    specs: [{ name: 'spec' }],
    controls: CONTROLS,
    counts: hostResults.reduce((sum, host) => addCounts(sum, host.counts), emptyCounts()),
    hosts: hostResults,
  };
}

function hostResult(target: string, sketch: HostSketch): HostResult {
  const perUnit = new Map<string, number>();
  const results = (sketch.checks ?? []).map((entry): CheckResult => {
    const [unit, status] = entry.split(':') as [string, CheckStatus];
    const control = unit === '-' ? null : unit;
    const key = control ?? 'spec';
    const n = (perUnit.get(key) ?? 0) + 1;
    perUnit.set(key, n);
    return {
      checkId: `${key}#${n}`,
      control,
      title: `check ${key}#${n}`,
      resource: 'file',
      subject: '/x',
      matcher: 'exists',
      negated: false,
      status,
      message: status,
    };
  });
  const status = sketch.status ?? 'completed';
  return {
    target,
    status,
    ...(status === 'completed'
      ? {}
      : { reason: status === 'unreachable' ? 'connection refused' : 'the probe could not start' }),
    startedAt: '2025-01-01T00:00:00.000+00:00',
    durationMs: 10,
    execCount: status === 'unreachable' ? 0 : 1,
    counts: countStatuses(results),
    results,
    ...(sketch.waived ? { controls: waivedControls(results, sketch.waived) } : {}),
    evidence: {},
  };
}

function waivedControls(results: readonly CheckResult[], waived: readonly string[]): ControlResult[] {
  const ids = [...new Set(results.flatMap((r) => (r.control === null ? [] : [r.control])))];
  return ids.map((id) => {
    const checks = results.filter((r) => r.control === id);
    const outcome = aggregateStatus(checks.map((r) => r.status));
    const waiver = { justification: 'replaced soon', run: true, expired: false };
    return waived.includes(id)
      ? { id, status: 'waived', outcome, counts: countStatuses(checks), waiver }
      : { id, status: outcome, outcome, counts: countStatuses(checks) };
  });
}

function expectInOrder(reasons: readonly string[], patterns: readonly RegExp[]): void {
  let from = 0;
  for (const pattern of patterns) {
    const at = reasons.findIndex((r, i) => i >= from && pattern.test(r));
    expect(at, `${pattern} in order among:\n${reasons.join('\n')}`).to.be.at.least(0);
    from = at + 1;
  }
}
