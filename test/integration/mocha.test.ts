import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { runCli } from '../support/cli.js';
import { isRoot, requireInCi } from '../support/environment.js';
import { FIXTURES, PLUGIN, REPORTER, report, reporterArgs, runMocha, timeless } from '../support/mocha-run.js';
import { requireXmllint, schemaErrors } from '../support/xmllint.js';

// Real mocha, as a user runs it, on the files of test/fixtures/mocha against this machine.

describe('driftspec/mocha with real mocha against this machine', function () {
  this.timeout(120_000);
  let work: string;
  beforeEach(() => {
    work = mkdtempSync(join(tmpdir(), 'driftspec-mocha-'));
  });
  afterEach(() => rmSync(work, { recursive: true, force: true }));
  before(function () {
    if (!existsSync(PLUGIN)) throw new Error('dist/ is missing: npm run build first');
    if (!isRoot()) requireInCi(this, 'the fixtures read /etc/shadow');
  });

  it('gathers a file’s subjects in one exec; a subject first named in a test costs one more, and a warning', () => {
    const run = runMocha([...reporterArgs(work, { console: 'spec' }), 'local.test.mjs']);
    expect(run.code, run.stdout + run.stderr).to.equal(0);
    expect(run.stdout).to.match(/5 passing/);
    expect(run.stderr).to.contain(
      'driftspec: warning: file /bin/sh (on local): named first inside a test, so its facts cost one more exec',
    );
    const result = report(work);
    expect(result.hosts.map((host) => [host.target, host.status, host.execCount])).to.deep.equal([
      ['local', 'completed', 2],
    ]);
    expect(result.specs).to.deep.equal([{ name: 'local' }]);
    expect(result.hosts[0]!.results.map((check) => [check.checkId, check.title, check.status])).to.deep.equal([
      ['local#1', 'user root should exist', 'passed'],
      ['local#2', 'user root should have uid 0', 'passed'],
      ['local#3', 'file /etc/passwd should be of type file', 'passed'],
      ['local#4', 'file /etc/passwd should have mode 0644', 'passed'],
      ['local#5', 'kernel parameter kernel.ostype should have value "Linux"', 'passed'],
      ['local#6', 'file /bin/sh should exist', 'passed'],
    ]);
    expect(result.verdict).to.include({ verdict: 'passed', exitCode: 0 });
  });

  it("writes driftspec's JUnit for 25 assertions equal to the CLI's for the same spec, in one exec", function () {
    requireXmllint(this);
    const junit = join(work, 'mocha.xml');
    const run = runMocha([...reporterArgs(work, { junit, console: 'dot' }), 'fleet.test.mjs']);
    expect(run.code, run.stdout + run.stderr).to.equal(0);
    expect(run.stderr, 'no subject was named late').to.equal('');
    expect(report(work).hosts.map((host) => [host.execCount, host.counts.passed])).to.deep.equal([[1, 25]]);
    expect(schemaErrors(junit)).to.equal(null);
    const cliJunit = join(work, 'cli.xml');
    const cli = runCli(['run', join(FIXTURES, 'fleet.spec.mjs'), '--reporter', `junit:${cliJunit}`], join(work, 'c'));
    return cli.then((done) => {
      expect(done.code, done.stderr).to.equal(0);
      expect(timeless(readFileSync(junit, 'utf8'))).to.equal(timeless(readFileSync(cliJunit, 'utf8')));
    });
  });

  it('makes the assertions in a control() its checks, and its JUnit equals the CLI’s for the same spec', async () => {
    const junit = join(work, 'mocha.xml');
    const run = runMocha([...reporterArgs(work, { junit, console: 'none' }), 'controls.test.mjs']);
    expect(run.code, run.stderr).to.equal(1);
    const result = report(work);
    expect(result.controls.map((control) => [control.id, control.impact])).to.deep.equal([
      ['fs-01', 0.7],
      ['acct-01', 0.1],
    ]);
    expect(result.hosts[0]!.results.map((check) => [check.checkId, check.status])).to.deep.equal([
      ['controls#1', 'passed'],
      ['fs-01#1', 'passed'],
      ['fs-01#2', 'passed'],
      ['fs-01#3', 'failed'],
      ['acct-01#1', 'passed'],
      ['acct-01#2', 'passed'],
    ]);
    expect(result.verdict?.reasons[0]).to.contain('1 failed high control (fs-01)');
    const cliJunit = join(work, 'cli.xml');
    const cli = await runCli(
      ['run', join(FIXTURES, 'controls.spec.mjs'), '--reporter', `junit:${cliJunit}`],
      join(work, 'c'),
    );
    expect(cli.code, cli.stderr).to.equal(1);
    expect(timeless(readFileSync(junit, 'utf8'))).to.equal(timeless(readFileSync(cliJunit, 'utf8')));
  });

  it('skips the tests of a control that does not apply or is waived; the reports say why', () => {
    const run = runMocha([...reporterArgs(work, { console: 'spec' }), 'applicability.test.mjs']);
    expect(run.stdout).to.match(/1 passing/);
    expect(run.stdout).to.match(/4 pending/);
    expect(run.stdout).to.match(/1 failing/);
    expect(run.stdout).to.contain('wv-03');
    const result = report(work);
    const host = result.hosts[0]!;
    expect(host.controls!.map((c) => `${c.id} ${c.status}`)).to.deep.equal([
      'na-01 not-applicable',
      'os-01 not-applicable',
      'here-01 passed',
      'wv-01 waived',
      'wv-02 waived',
      'wv-03 failed',
    ]);
    expect(host.results.map((check) => `${check.control} ${check.status}: ${check.message}`)).to.include.members([
      'na-01 not-applicable: not applicable: the control applies only where package driftspec-no-such-package ' +
        'is installed',
      'wv-01 skipped: skipped: waived: passwd modes are checked by the site agent',
    ]);
    expect(host.results.some((check) => check.checkId.includes('#onlyIf:'))).to.equal(false);
    expect(host.controls!.find((c) => c.id === 'wv-03')!.waiver).to.deep.include({ expired: true });
    // One exec: the onlyIf conditions were gathered with the subjects' facts.
    expect(host.execCount).to.equal(1);
    expect(result.verdict?.reasons.join('\n')).to.contain('wv-03');
    expect(run.code, run.stderr).to.equal(1);
  });

  it('fails exactly the broken assertions, exits as the gate says, and applies a policy file', () => {
    const blocked = runMocha([...reporterArgs(work, { markdown: join(work, 'run.md') }), 'failing.test.mjs']);
    expect(blocked.code, blocked.stderr).to.equal(1);
    expect(blocked.stdout).to.contain('✗ file /etc/passwd should have mode 0600');
    expect(blocked.stdout).to.contain('expected file /etc/passwd to have mode 0600, but got 0644');
    expect(blocked.stdout).to.contain('Result: blocked: 2 failed controls');
    const result = report(work);
    expect(result.hosts[0]!.results.map((check) => check.status)).to.deep.equal(['passed', 'failed', 'failed']);
    expect(readFileSync(join(work, 'run.md'), 'utf8')).to.contain('file /etc/passwd should have mode 0600');

    const allowed = runMocha([...reporterArgs(work, { policy: 'gate.yaml', console: 'none' }), 'failing.test.mjs']);
    expect(allowed.code, allowed.stderr).to.equal(0);
    expect(allowed.stdout).to.equal('');
    expect(report(work).verdict).to.include({ verdict: 'passed', exitCode: 0 });
  });

  it('fails the run for a plain test that fails although every driftspec check passed', () => {
    const run = runMocha([...reporterArgs(work), 'mixed.test.mjs']);
    expect(run.code).to.equal(1);
    expect(report(work).verdict).to.include({ verdict: 'passed', exitCode: 0 });
    expect(run.stdout).to.contain("1 mocha test failed outside driftspec's checks:");
    expect(run.stdout).to.contain('adds up');
    expect(run.stdout).to.contain('expected 2 to equal 3');
  });

  it('works with --parallel: each file gathers its own, one report for all', () => {
    const run = runMocha([
      '--parallel',
      '--jobs',
      '2',
      ...reporterArgs(work, { console: 'spec' }),
      'fleet.test.mjs',
      'local.test.mjs',
    ]);
    expect(run.code, run.stdout + run.stderr).to.equal(0);
    const result = report(work);
    expect(result.specs.map((spec) => spec.name).sort()).to.deep.equal(['fleet', 'local']);
    expect(result.hosts.map((host) => [host.target, host.execCount, host.counts.passed])).to.deep.equal([
      ['local', 3, 31],
    ]);
  });

  it('takes its hosts from DRIFTSPEC_TARGETS when the file names none, and a host not reached is an error', () => {
    const run = runMocha([...reporterArgs(work, { console: 'none' }), 'failing.test.mjs'], {
      DRIFTSPEC_TARGETS: 'local,ssh://nobody@127.0.0.1:1',
    });
    expect(run.code).to.equal(2);
    const result = report(work);
    expect(result.hosts.map((host) => [host.target, host.status, host.counts.failed, host.counts.error])).to.deep.equal(
      [
        ['local', 'completed', 2, 0],
        ['ssh://nobody@127.0.0.1:1', 'unreachable', 0, 3],
      ],
    );
    expect(result.hosts[1]!.results[0]!.message).to.match(/^not checked: host unreachable: /);
  });

  it('re-probes an assertion with eventually in one exec per round until it passes', () => {
    const file = join(work, 'appears-late');
    const run = runMocha([...reporterArgs(work, { console: 'spec' }), 'eventually.test.mjs'], {
      EVENTUALLY_FILE: file,
    });
    expect(run.code, run.stdout + run.stderr).to.equal(0);
    const host = report(work).hosts[0]!;
    expect(host.results.map((check) => check.status)).to.deep.equal(['passed']);
    // The gathering exec, then a round every 500 ms until the file appeared after 1.2 s.
    expect(host.execCount).to.be.within(3, 6);
    expect(Object.keys(host.evidence).some((id) => id.startsWith('round'))).to.equal(true);
  });

  it('ends with exit 78 for a policy file that is missing, as driftspec run does', () => {
    const run = runMocha([...reporterArgs(work, { policy: 'no-such-gate.yaml', console: 'none' }), 'local.test.mjs']);
    expect(run.code).to.equal(78);
    expect(run.stderr).to.match(/driftspec mocha reporter: .*no-such-gate\.yaml/);
  });

  it('refuses an unknown reporter option, naming it', () => {
    writeFileSync(join(work, 'x'), '');
    const run = runMocha(['--reporter', REPORTER, '-O', 'junt=x.xml', 'local.test.mjs']);
    expect(run.code).to.not.equal(0);
    expect(run.stderr).to.contain('--reporter-option junt: no such option');
  });
});
