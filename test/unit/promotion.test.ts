import { Ajv2020 } from 'ajv/dist/2020.js';
import { expect } from 'chai';
import { EXIT } from '../../src/gate/exit-codes.js';
import { DEFAULT_POLICY, parseGatePolicy } from '../../src/gate/policy.js';
import { decidePromotion, type PromotionEvidence } from '../../src/promotion/decide.js';
import { goldenJsonSchema, GoldenRecordSchema, type GoldenRecord } from '../../src/promotion/golden-schema.js';
import { addUser, driftReportOf, runResultOf, upgradeOpenssl } from '../support/promotion.js';

const SHA = 'a'.repeat(64);
const NOW = new Date('2026-03-01T10:00:00Z');

function evidence(overrides: Partial<PromotionEvidence> = {}): PromotionEvidence {
  return {
    imageId: 'ami-0123',
    run: runResultOf(),
    policy: DEFAULT_POLICY,
    specFiles: [{ path: 'specs/web.yaml', sha256: SHA }],
    policyFile: null,
    baselineFile: null,
    now: NOW,
    toolVersion: '9.9.9',
    ...overrides,
  };
}

function promoted(overrides: Partial<PromotionEvidence> = {}): GoldenRecord {
  const decision = decidePromotion(evidence(overrides));
  if (!decision.promoted) throw new Error(`expected a promotion, got: ${decision.reasons.join('; ')}`);
  return decision.record;
}

function refused(overrides: Partial<PromotionEvidence>): { exitCode: number; reasons: string[] } {
  const decision = decidePromotion(evidence(overrides));
  if (decision.promoted) throw new Error('expected a refusal');
  return decision;
}

describe('promotion: the decision', () => {
  it('promotes a run that passed the gate, with the record the interface fixes', () => {
    const record = promoted({ drift: driftReportOf(), baselineFile: { path: 'base.json', sha256: SHA } });
    expect(record).to.deep.equal({
      schemaVersion: 1,
      imageId: 'ami-0123',
      promotedAt: record.promotedAt,
      specs: [{ path: 'specs/web.yaml', sha256: SHA }],
      policy: null,
      run: {
        targets: ['ssh://10.0.0.1'],
        counts: { passed: 2, failed: 0, error: 0, skipped: 0, 'not-applicable': 0 },
        exitCode: 0,
      },
      drift: { exitCode: 0, changed: 0 },
      baseline: { path: 'base.json', sha256: SHA },
      previous: null,
      tool: { name: 'driftspec', version: '9.9.9' },
    });
    expect(new Date(record.promotedAt).getTime()).to.equal(NOW.getTime());
    expect(GoldenRecordSchema.safeParse(record).success).to.equal(true);
  });

  it('names the golden image it replaces', () => {
    const current = promoted({ imageId: 'ami-old' });
    expect(promoted({ current }).previous).to.deep.equal({ imageId: 'ami-old', promotedAt: current.promotedAt });
  });

  it('refuses a run with a failed check (exit 1), naming it', () => {
    const decision = refused({ run: runResultOf([{ checks: ['passed', 'failed'] }]) });
    expect(decision.exitCode).to.equal(EXIT.failed);
    expect(decision.reasons[0]).to.equal('run blocked: 1 failed control');
    expect(decision.reasons[1]).to.match(/^run: ssh:\/\/10\.0\.0\.1: 1 failed medium control \(s#2\)/);
  });

  it('applies the policy to the run as driftspec run does: an allowed failure promotes', () => {
    const policy = parseGatePolicy('failures:\n  allow: { medium: 1 }\n', 'policy.yaml');
    const record = promoted({
      run: runResultOf([{ checks: ['passed', 'failed'] }]),
      policy,
      policyFile: { path: 'policy.yaml', sha256: SHA },
    });
    expect(record.run.counts.failed).to.equal(1);
    expect(record.policy).to.deep.equal({ path: 'policy.yaml', sha256: SHA });
  });

  it('judges the run itself: a stored verdict that says "passed" does not promote a failed run', () => {
    const run = runResultOf([{ checks: ['failed', 'passed'] }]);
    run.verdict = { verdict: 'passed', exitCode: 0, summary: 'passed', reasons: [] };
    expect(refused({ run }).exitCode).to.equal(EXIT.failed);
  });

  it('refuses with exit 2 when a check errored or a host was unreachable, even with failures too', () => {
    expect(refused({ run: runResultOf([{ checks: ['error', 'passed'] }]) }).exitCode).to.equal(EXIT.error);
    const mixed = runResultOf([{ checks: ['failed', 'passed'] }, { status: 'unreachable' }]);
    const decision = refused({ run: mixed });
    expect(decision.exitCode).to.equal(EXIT.error);
    expect(decision.reasons.join('\n')).to.match(/host unreachable: connection refused/);
  });

  it('refuses drift the policy blocks (exit 1), and lists every reason of run and drift', () => {
    const decision = refused({ run: runResultOf([{ checks: ['failed', 'passed'] }]), drift: driftReportOf(addUser) });
    expect(decision.exitCode).to.equal(EXIT.failed);
    expect(decision.reasons.filter((r) => r.startsWith('run'))).to.have.length(2);
    expect(decision.reasons).to.include('drift blocked: 1 added');
    expect(decision.reasons.some((r) => /^drift: .*user extra \[new user \(built-in rule\)\]/.test(r))).to.equal(true);
  });

  it('promotes drift the policy allows, counting it', () => {
    const record = promoted({ drift: driftReportOf(upgradeOpenssl) });
    expect(record.drift).to.deep.equal({ exitCode: 0, changed: 1 });
  });

  it("applies the policy's drift: rules", () => {
    const policy = parseGatePolicy('drift:\n  rules:\n    - { kind: users, action: allow }\n', 'p.yaml');
    expect(promoted({ drift: driftReportOf(addUser), policy }).drift).to.deep.equal({ exitCode: 0, changed: 1 });
  });

  it('refuses with exit 2 when the drift could not compare the candidate', () => {
    const decision = refused({ drift: driftReportOf('unreachable') });
    expect(decision.exitCode).to.equal(EXIT.error);
    expect(decision.reasons[0]).to.match(/^drift blocked: .*incomplete/);
  });
});

describe('promotion: the golden record schema', () => {
  const record = () => promoted({ drift: driftReportOf() });

  it('is published as a JSON Schema that accepts a record and refuses a broken one', () => {
    const validate = new Ajv2020({ strict: false, validateFormats: false }).compile(goldenJsonSchema() as object);
    expect(validate(record())).to.equal(true);
    expect(validate({ ...record(), imageId: '' })).to.equal(false);
    expect(validate({ ...record(), extra: 1 })).to.equal(false);
  });

  it('refuses a record without an image id, with a bad digest, or of another version', () => {
    const bad = [
      { ...record(), imageId: undefined },
      { ...record(), specs: [{ path: 'x', sha256: 'abc' }] },
      { ...record(), schemaVersion: 2 },
      { ...record(), promotedAt: 'yesterday' },
    ];
    for (const value of bad) expect(GoldenRecordSchema.safeParse(value).success).to.equal(false);
  });
});
