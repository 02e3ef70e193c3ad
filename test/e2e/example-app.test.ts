import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { RunResultSchema } from '../../src/results/schema.js';
import { installWithMocha, REPO, sh } from '../support/package-consumer.js';
import { countSessions, journalCursor, sshdLogAfter } from '../support/sshd-log.js';
import { useTestbed, type TestInstance } from '../support/testbed.js';
import { hasXmllint, schemaErrors } from '../support/xmllint.js';

const APP = join(REPO, 'examples', 'app');

/** The app and Node.js in the instance's overlay before it boots: /opt/hello-app, /usr/local/bin/node. */
function deployFiles({ upperDir }: { upperDir: string }): void {
  countSessions({ upperDir });
  mkdirSync(join(upperDir, 'usr/local/bin'), { recursive: true });
  copyFileSync(process.execPath, join(upperDir, 'usr/local/bin/node'));
  cpSync(join(APP, 'src'), join(upperDir, 'opt/hello-app/src'), { recursive: true });
  cpSync(join(APP, 'deploy'), join(upperDir, 'opt/hello-app/deploy'), { recursive: true });
}

describe('examples/app: npm test runs its unit and infrastructure tests against a booted instance', function () {
  this.timeout(600_000);
  // curl: the http resource asks the host itself whether the service answers.
  const bed = useTestbed({ base: 48, count: 1, image: { install: ['curl'] }, prepare: deployFiles });
  const instance = (): TestInstance => bed.instances[0]!;
  const work = mkdtempSync(join(tmpdir(), 'driftspec-example-app-'));
  const app = join(work, 'app');
  after(() => rmSync(work, { recursive: true, force: true }));

  before(() => {
    instance().inContainer(['sh', '/opt/hello-app/deploy/install.sh']);
    sh('npm', ['pack', '--silent', '--pack-destination', work], REPO);
    const tarball = readdirSync(work).find((name) => name.endsWith('.tgz'))!;
    cpSync(APP, app, { recursive: true });
    installWithMocha(join(work, tarball), app);
  });

  function npmTest(): { status: number | null; output: string } {
    const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('DRIFTSPEC_')));
    const run = spawnSync(process.execPath, [join('node_modules', 'mocha', 'bin', 'mocha.js')], {
      cwd: app,
      encoding: 'utf8',
      timeout: 300_000,
      env: {
        ...env,
        DRIFTSPEC_TARGETS: instance().url,
        APP_SSH_KEY: instance().keyPath,
        APP_KNOWN_HOSTS: instance().knownHostsPath,
      },
    });
    return { status: run.status, output: run.stdout + run.stderr };
  }

  it('passes on the deployed instance: 3 unit tests and 6 infrastructure tests (10 checks), one exec', async () => {
    const cursor = journalCursor(instance());
    const run = npmTest();
    expect(run.status, run.output).to.equal(0);
    expect(run.output).to.match(/9 passing/);
    const log = await sshdLogAfter(instance(), cursor, (lines) => lines.some((l) => l.startsWith('Disconnected')));
    expect(
      log.filter((line) => line.startsWith('Starting session:')),
      log.join('\n'),
    ).to.have.length(1);
    const result = RunResultSchema.parse(JSON.parse(readFileSync(join(app, 'reports', 'result.json'), 'utf8')));
    expect(result.hosts.map((host) => [host.target, host.execCount, host.counts.passed])).to.deep.equal([
      [instance().url, 1, 10],
    ]);
    expect(result.verdict).to.include({ verdict: 'passed', exitCode: 0 });
    if (hasXmllint()) expect(schemaErrors(join(app, 'reports', 'junit.xml'))).to.equal(null);
  });

  it('fails exactly the broken assertions, with the gate’s exit code, when the service is stopped', () => {
    instance().inContainer(['systemctl', 'disable', '--now', 'hello-app.service']);
    const run = npmTest();
    // No answer from /health is an error, not a failure: the gate's exit code for errors.
    expect(run.status, run.output).to.equal(2);
    expect(run.output).to.match(/6 passing/);
    expect(run.output).to.match(/3 failing/);
    expect(run.output).to.contain('expected service hello-app to be enabled, but');
    expect(run.output).to.contain('expected port 8080 to be listening on tcp, but nothing listens on port 8080');
    expect(run.output).to.contain('could not check http http://127.0.0.1:8080/health: ');
    const result = RunResultSchema.parse(JSON.parse(readFileSync(join(app, 'reports', 'result.json'), 'utf8')));
    expect(result.hosts[0]!.controls?.map((control) => [control.id, control.status])).to.deep.equal([
      ['app-01', 'failed'],
      ['app-02', 'passed'],
    ]);
  });
});
