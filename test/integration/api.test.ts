import { readdirSync, readFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { expect } from 'chai';
import { DriftReportSchema } from '../../src/drift/diff-schema.js';
import { RunResultSchema } from '../../src/results/schema.js';
import { DriftspecAbortError, drift, plan, run, snapshot, SpecError } from '../../src/index.js';

const work = mkdtempSync(join(tmpdir(), 'driftspec-api-'));
process.env.DRIFTSPEC_CACHE_DIR = join(work, 'cache');

function file(name: string, text: string | Buffer): string {
  const path = join(work, name);
  writeFileSync(path, text);
  return path;
}

/** Processes running `sleep` with this exact argument: the probe of the interrupted run, if anything is left of it. */
function sleepers(argument: string): string[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8') === `sleep\0${argument}\0`;
      } catch {
        return false;
      }
    });
}

const recorded = (name: string) =>
  file(name, gunzipSync(readFileSync(new URL(`../fixtures/drift/recorded/${name}.gz`, import.meta.url))));

describe('API against this machine', function () {
  this.timeout(60_000);
  after(() => rmSync(work, { recursive: true, force: true }));

  it('run: checks the local machine and returns the result with its verdict', async () => {
    const spec = file(
      'pass.yaml',
      'spec: api\nchecks:\n  - user: root\n    exists: true\n  - command: echo hello\n    stdout: "hello\\n"\n',
    );
    const { result, verdict } = await run({ specs: [spec] });
    RunResultSchema.parse(result);
    expect(result.hosts.map((host) => [host.target, host.status])).to.deep.equal([['local', 'completed']]);
    expect(result.counts.passed, JSON.stringify(result.hosts[0]!.results)).to.equal(2);
    expect(verdict).to.deep.include({ passed: true, exitCode: 0, reasons: [] });
    expect(result.verdict?.exitCode).to.equal(0);
  });

  it('run: a failing check is a blocked verdict with exit code 1 and its reason; a policy may allow it', async () => {
    const spec = file('fail.yaml', 'spec: api\nchecks:\n  - command: "false"\n    exitStatus: 0\n');
    const { verdict } = await run({ specs: [spec], targets: ['local'] });
    expect([verdict.passed, verdict.exitCode]).to.deep.equal([false, 1]);
    expect(verdict.reasons.join('\n')).to.match(/fail/);
    const allowed = await run({
      specs: [spec],
      policy: {
        failures: {
          allow: { none: 'unlimited', low: 'unlimited', medium: 'unlimited', high: 'unlimited', critical: 'unlimited' },
        },
      },
    });
    expect([allowed.verdict.passed, allowed.verdict.exitCode]).to.deep.equal([true, 0]);
  });

  it('run: a TypeScript spec file, read from the cwd given', async () => {
    file(
      'web.ts',
      "import { command, spec } from 'driftspec';\n" +
        "export default spec('ts', () => { command('true').exitStatus(0); });\n",
    );
    const { result, verdict } = await run({ specs: ['web.ts'], cwd: work });
    expect(result.specs.map((info) => info.name)).to.deep.equal(['ts']);
    expect(verdict).to.deep.include({ passed: true, exitCode: 0 });
  });

  it('run and plan: profiles, inputs, controls and waivers as the CLI takes them', async () => {
    const profiles = new URL('../fixtures/profiles/', import.meta.url).pathname;
    const waivers = file(
      'waivers.yaml',
      'base-02:\n  justification: the group database is checked by the site agent\n  run: false\n',
    );
    const options = { specs: ['base'], cwd: profiles, inputs: { conf_dir: '/etc' }, waivers };
    const { result } = await run({ ...options, controls: ['base-0[12]'] });
    expect(result.profiles?.map((p) => `${p.name} ${p.version}`)).to.deep.equal(['base-hardening 1.2.0']);
    expect(result.hosts[0]!.controls!.map((c) => `${c.id} ${c.status}`)).to.deep.equal([
      'base-01 passed',
      'base-02 waived',
    ]);
    expect(result.hosts[0]!.inputs!.find((i) => i.name === 'conf_dir')).to.deep.include({
      value: '/etc',
      source: 'inputs.conf_dir',
    });
    expect(result.selection).to.deep.include({ controls: ['base-0[12]'], filteredOutControls: 2 });
    const planned = await plan(['base'], { cwd: profiles, inputs: { conf_dir: '/srv' }, controls: ['base-01'] });
    expect(planned.checks.map((check) => `${check.control} ${check.subject}`)).to.deep.equal(['base-01 /srv/passwd']);
    const refused = await plan(['base'], { cwd: profiles, inputs: { nope: 1 } }).catch((error: Error) => error);
    expect(String(refused)).to.include('inputs nope: no spec declares this input');
  });

  it('run: a bad spec file is a SpecError naming the file', async () => {
    const spec = file('bad.yaml', 'spec: api\nchecks:\n  - fiel: /etc/passwd\n');
    const error = await run({ specs: [spec] }).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).to.be.instanceOf(SpecError);
    expect((error as Error).message).to.contain(spec);
  });

  it('run: aborting stops the probe at once and rejects with an AbortError; no process is left', async () => {
    const pause = '47.25';
    const spec = file('slow.yaml', `spec: api\nchecks:\n  - command: sleep ${pause}\n    exitStatus: 0\n`);
    const controller = new AbortController();
    const started = Date.now();
    const running = run({ specs: [spec], signal: controller.signal });
    const deadline = Date.now() + 10_000;
    while (sleepers(pause).length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(sleepers(pause), 'the probe started').to.have.length(1);
    const reason = new Error('the pipeline was cancelled');
    controller.abort(reason);
    const error = await running.then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).to.be.instanceOf(DriftspecAbortError);
    expect((error as Error).name).to.equal('AbortError');
    expect((error as Error).cause).to.equal(reason);
    expect(Date.now() - started).to.be.below(8_000);
    // SIGKILL has been sent; the kernel takes a moment to end the process.
    const gone = Date.now() + 2_000;
    while (sleepers(pause).length > 0 && Date.now() < gone) await new Promise((r) => setTimeout(r, 20));
    expect(sleepers(pause), 'the probe was ended').to.deep.equal([]);
  });

  it('snapshot and drift: the local machine now, compared with itself as a live target', async () => {
    const taken = await snapshot({ files: ['/etc/ssh/'], commandTimeoutSeconds: 120 });
    expect(taken.target).to.equal('local');
    expect(taken.fileRoots).to.deep.equal(['/etc/ssh']);
    expect(taken.packages.length).to.be.above(0);
    expect(taken.files.every((entry) => entry.path.startsWith('/etc/ssh'))).to.equal(true);
    const same = await drift({ baseline: taken, candidates: [taken] });
    expect(same.verdict).to.deep.include({ passed: true, exitCode: 0 });
    const live = await drift({ baseline: taken, targets: ['local'] });
    DriftReportSchema.parse(live.report);
    expect(live.report.mode).to.equal('live');
    expect(live.report.hosts.map((host) => host.target)).to.deep.equal(['local']);
  });

  it('drift: two recorded snapshot files, with the bitmask the CLI exits with', async () => {
    const stock = recorded('stock.json');
    const changed = recorded('changed.json');
    const { report, verdict } = await drift({ baseline: stock, candidates: [changed], now: new Date('2026-01-01') });
    DriftReportSchema.parse(report);
    expect(report.baseline.file).to.equal(stock);
    expect(report.hosts[0]!.candidate?.file).to.equal(changed);
    expect(verdict.passed).to.equal(false);
    expect(verdict.exitCode & 1, 'added').to.equal(1);
    expect(verdict.reasons.length).to.be.above(0);
    const allowed = await drift({
      baseline: stock,
      candidates: [changed],
      policy: { otherwise: 'allow', builtinRules: false },
    });
    expect(allowed.verdict).to.deep.include({ passed: true, exitCode: 0 });
  });
});
