import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { renderSnapshot } from '../../src/drift/snapshot-file.js';
import { GoldenRecordSchema } from '../../src/promotion/golden-schema.js';
import { runCli } from '../support/cli.js';
import { withChanges } from '../support/drift-snapshots.js';
import { addUser, BASELINE, driftReportOf, runResultOf, SPEC_YAML, upgradeOpenssl } from '../support/promotion.js';

const work = mkdtempSync(join(tmpdir(), 'driftspec-cli-promote-'));
const path = (name: string) => join(work, name);
const cli = (...args: string[]) => runCli(args, path('cache'));

function write(name: string, content: unknown): string {
  writeFileSync(path(name), typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return path(name);
}

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

describe('driftspec promote (CLI)', function () {
  this.timeout(60_000);
  let spec: string;
  let passedRun: string;
  let baseline: string;
  let cleanDrift: string;
  let golden: string;
  const promote = (overrides: Record<string, string | undefined> = {}) => {
    const options: Record<string, string | undefined> = {
      '--image-id': 'img-2',
      '--run': passedRun,
      '--spec': spec,
      '--drift': cleanDrift,
      '--baseline': baseline,
      '--golden': golden,
      ...overrides,
    };
    return cli(
      'promote',
      ...Object.entries(options).flatMap(([name, value]) => (value === undefined ? [] : [name, value])),
    );
  };

  beforeEach(() => {
    spec = write('spec.yaml', SPEC_YAML);
    passedRun = write('run.json', runResultOf());
    baseline = write('baseline.json', renderSnapshot(BASELINE));
    cleanDrift = write('drift.json', driftReportOf());
    golden = path(`golden-${Math.random().toString(16).slice(2)}.json`);
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  /** A golden record in place, and a check that it is byte for byte what it was. */
  async function withCurrentGolden(): Promise<() => void> {
    expect((await promote({ '--image-id': 'img-1' })).code).to.equal(0);
    const before = readFileSync(golden);
    const mtime = statSync(golden).mtimeMs;
    return () => {
      expect(readFileSync(golden).equals(before), 'golden record untouched').to.equal(true);
      expect(statSync(golden).mtimeMs).to.equal(mtime);
    };
  }

  const leftovers = () => readdirSync(work).filter((name) => name.endsWith('.tmp'));

  it('promotes: writes the golden record with the digests of its inputs, exit 0', async () => {
    const policy = write('gate.yaml', 'skips: block\n');
    const run = await promote({ '--policy': policy });
    expect(run.stderr).to.equal('');
    expect(run.code).to.equal(0);
    expect(run.stdout).to.equal(`promoted img-2: golden record written to ${golden}\n`);
    const record = GoldenRecordSchema.parse(JSON.parse(readFileSync(golden, 'utf8')));
    expect(record.imageId).to.equal('img-2');
    expect(record.specs).to.deep.equal([{ path: spec, sha256: sha256(spec) }]);
    expect(record.policy).to.deep.equal({ path: policy, sha256: sha256(policy) });
    expect(record.baseline).to.deep.equal({ path: baseline, sha256: sha256(baseline) });
    expect(record.drift).to.deep.equal({ exitCode: 0, changed: 0 });
    expect(record.run.targets).to.deep.equal(['ssh://10.0.0.1']);
    expect(record.previous).to.equal(null);
    expect(leftovers()).to.deep.equal([]);
  });

  it('replaces the golden record, naming the image it replaced', async () => {
    await withCurrentGolden();
    const first = GoldenRecordSchema.parse(JSON.parse(readFileSync(golden, 'utf8')));
    const run = await promote({ '--drift': write('upgrade.json', driftReportOf(upgradeOpenssl)) });
    expect(run.code).to.equal(0);
    expect(run.stdout).to.include('(replaces img-1)');
    const record = GoldenRecordSchema.parse(JSON.parse(readFileSync(golden, 'utf8')));
    expect(record.previous).to.deep.equal({ imageId: 'img-1', promotedAt: first.promotedAt });
    expect(record.drift).to.deep.equal({ exitCode: 0, changed: 1 });
  });

  it('promotes on the run alone, without drift and baseline', async () => {
    const run = await promote({ '--drift': undefined, '--baseline': undefined });
    expect(run.code).to.equal(0);
    const record = GoldenRecordSchema.parse(JSON.parse(readFileSync(golden, 'utf8')));
    expect([record.drift, record.baseline, record.policy]).to.deep.equal([null, null, null]);
  });

  it('refuses a failed run with exit 1 and every reason; the golden record is untouched', async () => {
    const unchanged = await withCurrentGolden();
    const failed = write('failed.json', runResultOf([{ checks: ['passed', 'failed'] }]));
    const run = await promote({ '--run': failed, '--drift': write('user.json', driftReportOf(addUser)) });
    expect(run.code).to.equal(1);
    expect(run.stdout).to.equal('');
    expect(run.stderr).to.match(/^driftspec promote: refused img-2; .* is unchanged:\n/);
    expect(run.stderr).to.include('  - run blocked: 1 failed control\n');
    expect(run.stderr).to.include('  - drift blocked: 1 added\n');
    expect(run.stderr).to.match(/ {2}- drift: .*user extra/);
    unchanged();
  });

  it('refuses with exit 2 when a host was unreachable or the drift incomplete', async () => {
    const unchanged = await withCurrentGolden();
    const unreachable = write('unreachable.json', runResultOf([{}, { status: 'unreachable' }]));
    expect((await promote({ '--run': unreachable })).code).to.equal(2);
    const incomplete = await promote({ '--drift': write('incomplete.json', driftReportOf('unreachable')) });
    expect(incomplete.code).to.equal(2);
    expect(incomplete.stderr).to.match(/drift blocked: .*incomplete/);
    unchanged();
  });

  describe('bad or mismatching input: exit 78, the golden record untouched', () => {
    const cases: Array<[string, () => Record<string, string>, RegExp]> = [
      ['a missing run result', () => ({ '--run': path('none.json') }), /none\.json: run result not found/],
      ['a run result that is not one', () => ({ '--run': spec }), /spec\.yaml: not JSON/],
      [
        'a drift report given as the run result',
        () => ({ '--run': cleanDrift }),
        /drift\.json: not a run result \(driftspec run --reporter json:FILE\): /,
      ],
      [
        'a run that checked no host',
        () => ({ '--run': write('empty.json', { ...runResultOf(), hosts: [] }) }),
        /the run checked no host/,
      ],
      [
        'a run of another spec',
        () => ({ '--spec': write('other.yaml', SPEC_YAML.replace('spec: s', 'spec: other')) }),
        /the run checked other specs than --spec names: the run checked s@1\.0\.0; --spec gives other@1\.0\.0/,
      ],
      [
        'a spec changed since the run',
        () => ({ '--spec': write('changed.yaml', `${SPEC_YAML}  - file: /etc/hosts\n    exists: true\n`) }),
        /other checks than the --spec files hold .*not in the run: s#3/,
      ],
      [
        'a drift report measured against another baseline',
        () => ({
          '--baseline': write(
            'other-base.json',
            renderSnapshot(withChanges(BASELINE, (s) => (s.takenAt = '2026-02-02T00:00:00.000+00:00'))),
          ),
        }),
        /drift\.json: the drift report was measured against another baseline/,
      ],
      [
        'a golden record that is not one',
        () => ({ '--golden': write('not-golden.json', { imageId: 1 }) }),
        /not a golden record/,
      ],
      ['an empty image id', () => ({ '--image-id': ' ' }), /--image-id must not be empty/],
    ];
    for (const [name, options, message] of cases) {
      it(name, async () => {
        const unchanged = await withCurrentGolden();
        const run = await promote(options());
        expect(run.stderr).to.match(message);
        expect(run.code).to.equal(78);
        unchanged();
      });
    }
  });

  it('an unwritable golden record: exit 73, no temporary file left', async () => {
    const notADirectory = write('plain-file', 'x');
    const run = await promote({ '--golden': join(notADirectory, 'golden.json') });
    expect(run.stderr).to.match(/cannot write .*plain-file\/golden\.json: /);
    expect(run.code).to.equal(73);
    expect(leftovers()).to.deep.equal([]);
  });

  it('a missing required option is wrong usage: exit 64', async () => {
    const run = await cli('promote', '--image-id', 'x', '--run', passedRun, '--spec', spec);
    expect(run.code).to.equal(64);
    expect(run.stderr).to.match(/--golden/);
  });

  it('driftspec schema golden prints the JSON Schema', async () => {
    const run = await cli('schema', 'golden');
    expect(run.code).to.equal(0);
    expect(JSON.parse(run.stdout)).to.include({ $id: 'urn:driftspec:schema:golden:1' });
  });
});
