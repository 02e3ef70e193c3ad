import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import type { Plan } from '../../src/plan/schema.js';
import type { RunResult } from '../../src/results/schema.js';
import { cliArgv, cliEnvironment, type CliRun } from '../support/cli.js';

// Inputs from an inventory host's vars, sensitive values in every report format, and filters
// leaving queries out of the probe: through the built CLI against this machine.

const SPEC = `spec: controls-cli
inputs:
  marker_dir: { type: string, default: /nonexistent-default }
  api_key: { type: string, sensitive: true, default: "k3y'with quote" }
controls:
  - id: in-01
    impact: high
    tags: { area: inputs }
    checks:
      - file: \${input.marker_dir}/passwd
        exists: true
  - id: key-01
    impact: low
    tags: { area: secrets }
    checks:
      - command: 'test "$(printf %s "\${input.api_key}" | wc -c)" -eq 14'
        exitStatus: 0
  - id: other-01
    tags: { area: other }
    checks:
      - file: /driftspec-cli-controls-never-probed
        exists: false
`;

describe('driftspec run: inputs, sensitive values and filters (local)', function () {
  this.timeout(120_000);
  const work = mkdtempSync(join(tmpdir(), 'driftspec-cli-controls-'));
  after(() => rmSync(work, { recursive: true, force: true }));

  before(() => {
    writeFileSync(join(work, 'spec.yaml'), SPEC);
    writeFileSync(join(work, 'inputs.yaml'), 'marker_dir: /nonexistent-from-file\n');
    writeFileSync(
      join(work, 'fleet.yaml'),
      'hosts:\n  here:\n    url: local\n    vars: { marker_dir: /etc, unrelated: 1 }\ngroups:\n  all-local: [here]\n',
    );
  });

  function run(...args: string[]): CliRun {
    const [command, ...argv] = cliArgv(args);
    const result = spawnSync(command!, argv, { cwd: work, encoding: 'utf8', env: cliEnvironment(join(work, '.c')) });
    return { code: result.status, stdout: result.stdout, stderr: result.stderr };
  }

  function json(...args: string[]): RunResult {
    const result = run(...args, '-f', 'json');
    expect(result.stdout, result.stderr).not.to.equal('');
    return JSON.parse(result.stdout) as RunResult;
  }

  it('inventory vars override the input file; --input overrides the vars', () => {
    const fromVars = json('run', 'spec.yaml', '--input-file', 'inputs.yaml', '--inventory', 'fleet.yaml');
    const input = fromVars.hosts[0]!.inputs!.find((i) => i.name === 'marker_dir')!;
    expect(`${String(input.value)} ${input.source}`).to.equal('/etc fleet.yaml vars.marker_dir');
    expect(fromVars.hosts[0]!.controls!.find((c) => c.id === 'in-01')!.status).to.equal('passed');
    const fromFlag = json('run', 'spec.yaml', '--inventory', 'fleet.yaml', '--input', 'marker_dir=/nonexistent-flag');
    expect(fromFlag.hosts[0]!.results[0]!.subject).to.equal('/nonexistent-flag/passwd');
    expect(fromFlag.hosts[0]!.controls!.find((c) => c.id === 'in-01')!.status).to.equal('failed');
  });

  it('a sensitive value reaches the probe but no report format', () => {
    const paths = ['json', 'junit', 'html', 'markdown', 'cli'].map((name) => `${name}:${join(work, `report.${name}`)}`);
    const result = run('run', 'spec.yaml', '-v', ...paths.flatMap((p) => ['-r', p]));
    expect(result.code, result.stderr).to.equal(1);
    const json = JSON.parse(readFileSync(join(work, 'report.json'), 'utf8')) as RunResult;
    const key = json.hosts[0]!.results.find((r) => r.control === 'key-01')!;
    // The command got the real value (14 bytes), the report shows ***.
    expect(key.status).to.equal('passed');
    expect(key.title).to.include('***');
    for (const name of ['json', 'junit', 'html', 'markdown', 'cli']) {
      const text = readFileSync(join(work, `report.${name}`), 'utf8');
      expect(text, name).not.to.include('k3y');
      expect(text, name).not.to.include('with quote');
    }
  });

  it('--tags leaves the other controls out of the probe script and the reports', () => {
    const result = json('run', 'spec.yaml', '--tags', 'area:in*', '--input', 'marker_dir=/etc');
    expect(result.controls.map((c) => c.id)).to.deep.equal(['in-01']);
    const scripts = Object.values(result.hosts[0]!.evidence)
      .map((e) => e.script)
      .join('\n');
    expect(scripts).to.include('/etc/passwd');
    expect(scripts).not.to.include('driftspec-cli-controls-never-probed');
    expect(scripts).not.to.include('printf %s');
    expect(result.selection).to.deep.equal({ tags: ['area:in*'], filteredOutControls: 2, filteredOutChecks: 0 });
  });

  it('plan takes the same inputs, filters, waivers and profiles as run', () => {
    writeFileSync(join(work, 'skip.yaml'), 'in-01:\n  justification: checked elsewhere\n  run: false\n');
    const planned = run(
      'plan',
      'spec.yaml',
      '--tags',
      'area:in*',
      '--input',
      'marker_dir=/srv',
      '--waivers',
      'skip.yaml',
    );
    expect(planned.code, planned.stderr).to.equal(0);
    const plan = JSON.parse(planned.stdout) as Plan;
    expect(plan.checks.map((c) => `${c.control} ${c.subject} ${c.skip}`)).to.deep.equal([
      'in-01 /srv/passwd waived: checked elsewhere',
    ]);
    const profile = new URL('../fixtures/profiles/base', import.meta.url).pathname;
    const fromProfile = run('plan', profile, '--controls', 'base-01', '--input', 'conf_dir=/etc');
    expect(fromProfile.code, fromProfile.stderr).to.equal(0);
    expect((JSON.parse(fromProfile.stdout) as Plan).checks.map((c) => c.subject)).to.deep.equal(['/etc/passwd']);
    expect(run('plan', 'spec.yaml', '--controls', 'nothing-*').code).to.equal(78);
  });

  it('an empty selection, a bad --input and a bad waivers file stop the run with exit 78', () => {
    expect(run('run', 'spec.yaml', '--controls', 'nothing-*').code).to.equal(78);
    expect(run('run', 'spec.yaml', '--input', 'unknown=1').stderr).to.include('--input unknown: no spec declares');
    writeFileSync(join(work, 'w.yaml'), 'in-01:\n  expires: 2030-01-01\n');
    const bad = run('run', 'spec.yaml', '--waivers', 'w.yaml');
    expect(bad.code).to.equal(78);
    expect(bad.stderr).to.match(/w\.yaml:2:3: in-01\.justification: /);
  });
});
