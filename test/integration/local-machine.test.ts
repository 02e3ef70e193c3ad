import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import {
  command,
  control,
  file,
  group,
  kernelParameter,
  mount,
  pkg,
  port,
  processes,
  service,
  user,
} from '../../src/dsl/index.js';
import type { HostResult } from '../../src/results/schema.js';
import { isRoot, requireInCi } from '../support/environment.js';
import { startServiceUntilRestored } from '../support/init-services.js';
import { runLocally } from '../support/local.js';

/**
 * More than forty checks of every resource against this machine (Debian 12, as CI installs
 * it), in three controls by the outcome each check must have.
 */
describe('local machine: known-true, known-false and unknowable checks', () => {
  let result: HostResult;
  let server: Server;
  let sleeper: ChildProcess;
  let openPort = 0;
  let restoreCron = () => {};
  let bigFile = '';
  const sleeperName = `ds-sleep-${process.pid}`.slice(0, 15);

  before(async function () {
    if (!isRoot() || !existsSync('/etc/init.d/cron'))
      return requireInCi(this, 'needs root and cron (installed by .ci/run)');
    server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    openPort = (server.address() as { port: number }).port;
    const dir = mkdtempSync(join(tmpdir(), 'driftspec-local-'));
    copyFileSync('/bin/sleep', join(dir, sleeperName));
    sleeper = spawn(join(dir, sleeperName), ['300'], { stdio: 'ignore' });
    bigFile = join(dir, 'big');
    writeFileSync(bigFile, Buffer.alloc(2 * 1024 * 1024, 'x'));
    restoreCron = startServiceUntilRestored('cron');
    result = await runLocally(() => {
      control('expect-pass', () => {
        file('/etc/passwd')
          .exists()
          .isFile()
          .mode(0o644)
          .owner('root')
          .uid(0)
          .group('root')
          .contains(/^root:x:0:0:/m);
        file('/etc/shadow').mode(0o640).group('shadow').not.readable({ by: 'others' });
        file('/etc').isDirectory();
        file('/dev/null').isCharDevice();
        file('/bin').isSymlink().linkTarget('usr/bin');
        file('/nonexistent/driftspec').not.exists();
        pkg('dpkg').installed();
        pkg('coreutils').installed({ version: '>= 8.0' });
        pkg('driftspec-no-such-package').not.installed();
        user('root').exists().uid(0).home('/root');
        user('driftspec-nobody').not.exists();
        group('root').gid(0);
        group('driftspec-nogroup').not.exists();
        kernelParameter('kernel.ostype').value('Linux');
        kernelParameter('kernel.driftspec_no_such_key').not.exists();
        mount('/').mounted();
        mount('/proc').filesystem('proc');
        command('echo hello').stdout('hello\n').exitStatus(0);
        command('exit 3').exitStatus(3);
        processes(sleeperName).running().count(1);
        processes('driftspec-none').not.running();
        port(openPort).listening({ protocol: 'tcp', address: '127.0.0.1' });
        port(1).not.listening();
        service('cron').running();
      });
      control('expect-fail', () => {
        file('/etc/passwd').mode(0o600);
        file('/nonexistent/driftspec').exists();
        file('/nonexistent/driftspec').not.mode(0o777);
        pkg('dpkg').not.installed();
        pkg('coreutils').installed({ version: '< 1.0' });
        user('root').uid(1);
        group('root').gid(5);
        kernelParameter('kernel.ostype').value('BSD');
        mount('/nonexistent/driftspec').mounted();
        command('echo hello').stdout('bye');
        processes('driftspec-none').running();
        port(1).listening();
        port(openPort).listening({ protocol: 'udp' });
        service('driftspec-no-such-service').running();
      });
      control('expect-error', () => {
        file(bigFile).contains('x');
        command('driftspec-no-such-command').not.exitStatus(0);
      });
    });
  });

  after(() => {
    server?.close();
    sleeper?.kill();
    restoreCron();
  });

  for (const [controlId, status] of [
    ['expect-pass', 'passed'],
    ['expect-fail', 'failed'],
    ['expect-error', 'error'],
  ] as const) {
    it(`every check in ${controlId} is ${status}`, () => {
      const checks = result.results.filter((r) => r.control === controlId);
      expect(checks.length).to.be.greaterThan(1);
      const wrong = checks.filter((r) => r.status !== status).map((r) => `${r.status}: ${r.message}`);
      expect(wrong).to.deep.equal([]);
    });
  }

  it('ran more than forty checks in one exec, each failure with expected and actual', () => {
    expect(result.results.length).to.be.greaterThan(40);
    expect(result.execCount).to.equal(1);
    for (const r of result.results.filter((x) => x.status === 'failed')) {
      expect(r.message).to.match(/^expected .+, but .+/);
      expect(r.expected).to.be.a('string');
      expect(r.actual).to.be.a('string');
    }
    const mode = result.results.find((r) => r.control === 'expect-fail' && r.matcher === 'mode' && !r.negated)!;
    expect(mode.message).to.equal('expected file /etc/passwd to have mode 0600, but got 0644');
  });
});
