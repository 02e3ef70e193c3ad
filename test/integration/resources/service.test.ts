import { chmodSync, existsSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { resourceFunction } from '../../../src/dsl/spec.js';
import { serviceResource } from '../../../src/resources/service/index.js';
import { isRoot, requireInCi } from '../../support/environment.js';
import { initScript, lsbStatus } from '../../support/init-services.js';
import { outcomes, runLocally } from '../../support/local.js';

const service = resourceFunction(serviceResource);
// Service names cannot hold "/", so the hostile name writes into the probe's working directory.
const OWNED_NAME = 'driftspec-service-owned';
const OWNED = join(process.cwd(), OWNED_NAME);

async function run(body: () => void) {
  const result = await runLocally(body, [serviceResource]);
  expect(result.status, JSON.stringify(result)).to.equal('completed');
  return result;
}

/** This test machine normally has no systemd as PID 1; where it has, the systemd branch runs instead. */
const BOOTED_WITH_SYSTEMD = existsSync('/run/systemd/system');

describe('service resource on this machine', () => {
  before(function () {
    if (!BOOTED_WITH_SYSTEMD && !existsSync('/etc/init.d'))
      requireInCi(this, 'an init system (/etc/init.d or systemd)');
    rmSync(OWNED, { force: true });
  });

  it('detects the init system, and finds a missing service positively absent', async () => {
    const result = await run(() => {
      service('driftspec-no-such-service').not.installed().not.enabled().not.running();
      service(`x'$(touch ${OWNED_NAME})\`touch ${OWNED_NAME}\``).not.installed().not.running();
      service('driftspec-no-such-service').installed();
    });
    expect(result.host?.initSystem).to.equal(BOOTED_WITH_SYSTEMD ? 'systemd' : 'sysvinit');
    expect(outcomes(result)).to.deep.equal([
      'passed: service driftspec-no-such-service should not be installed',
      'passed: service driftspec-no-such-service should not be enabled',
      'passed: service driftspec-no-such-service should not be running',
      `passed: service x'$(touch ${OWNED_NAME})\`touch ${OWNED_NAME}\` should not be installed`,
      `passed: service x'$(touch ${OWNED_NAME})\`touch ${OWNED_NAME}\` should not be running`,
      BOOTED_WITH_SYSTEMD
        ? 'failed: expected service driftspec-no-such-service to be installed, but systemd has no unit ' +
          'driftspec-no-such-service.service (LoadState=not-found)'
        : 'failed: expected service driftspec-no-such-service to be installed, but there is no ' +
          '/etc/init.d/driftspec-no-such-service',
    ]);
    expect(result.execCount).to.equal(1);
    expect(existsSync(OWNED)).to.equal(false);
  });

  it('systemd-only matchers: errors without systemd, never passes', async function () {
    if (!existsSync('/etc/init.d/ssh') && !BOOTED_WITH_SYSTEMD) requireInCi(this, '/etc/init.d/ssh (openssh-server)');
    const result = await run(() =>
      service('ssh')
        .not.masked()
        .property({ name: 'Type', value: 'notify' })
        .activeState({ oneOf: ['active', 'inactive'] }),
    );
    const expected = BOOTED_WITH_SYSTEMD ? 'passed' : 'error';
    expect(result.results.map((r) => r.status)).to.deep.equal([expected, expected, expected]);
  });

  describe('cron, started and stopped through its init script', () => {
    let wasRunning = false;

    before(function () {
      if (!existsSync('/etc/init.d/cron')) requireInCi(this, '/etc/init.d/cron (the cron package)');
      if (!isRoot()) requireInCi(this, 'root, to start and stop cron');
      wasRunning = lsbStatus('cron') === 0;
    });

    after(() => {
      if (!existsSync('/etc/init.d/cron') || !isRoot()) return;
      const running = lsbStatus('cron') === 0;
      if (running !== wasRunning) initScript('cron', wasRunning ? 'start' : 'stop');
    });

    it('running cron: installed, enabled, running; not.running fails', async () => {
      if (lsbStatus('cron') !== 0) initScript('cron', 'start');
      const result = await run(() => {
        service('cron').installed().enabled().running();
        service('cron.service').running();
        service('cron').not.running();
      });
      expect(result.results.map((r) => r.status)).to.deep.equal(['passed', 'passed', 'passed', 'passed', 'failed']);
      expect(result.results[4]!.message).to.match(
        BOOTED_WITH_SYSTEMD ? /but it is active \(running\)$/ : /but it is running \(LSB status 0/,
      );
    });

    it('stopped cron: not.running passes on LSB status 3', async () => {
      if (lsbStatus('cron') === 0) initScript('cron', 'stop');
      const result = await run(() => service('cron').not.running().running().installed());
      expect(result.results.map((r) => r.status)).to.deep.equal(['passed', 'failed', 'passed']);
      expect(result.results[1]!.message).to.match(
        BOOTED_WITH_SYSTEMD ? /but it is inactive \(dead\)$/ : /but it is not running \(LSB status 3/,
      );
    });
  });

  describe('LSB status codes, through a temporary init script', () => {
    const name = `driftspec-lsb-${process.pid}`;
    const script = `/etc/init.d/${name}`;
    const link = `/etc/rc3.d/S99${name}`;

    before(function () {
      if (BOOTED_WITH_SYSTEMD) this.skip(); // LSB status codes are read only where sysvinit runs the scripts
      if (!isRoot()) requireInCi(this, 'root, to write a temporary init script');
      if (!existsSync('/etc/rc3.d')) requireInCi(this, '/etc/rc3.d');
    });

    after(() => {
      rmSync(script, { force: true });
      rmSync(link, { force: true });
    });

    function statusScript(code: number | 'usage'): void {
      const status =
        code === 'usage' ? 'echo "Usage: $0 {start|stop}" >&2; exit 1' : `echo "status ${code}"; exit ${code}`;
      writeFileSync(
        script,
        `#!/bin/sh\ncase "$1" in\nstatus) ${status} ;;\n*) echo "Usage: $0 {start|stop}" >&2; exit 1 ;;\nesac\n`,
        { mode: 0o755 },
      );
    }

    it('0 is running, 1–3 are not running, 4, undefined codes and a missing status action are errors', async () => {
      const seen: string[] = [];
      for (const code of [0, 1, 2, 3, 4, 7, 'usage'] as const) {
        statusScript(code);
        const result = await run(() => service(name).running().not.running());
        seen.push(`${code}: ${result.results.map((r) => r.status).join(' ')}`);
      }
      expect(seen).to.deep.equal([
        '0: passed failed',
        '1: failed passed',
        '2: failed passed',
        '3: failed passed',
        '4: error error',
        '7: error error',
        'usage: error error',
      ]);
    });

    it('enabled by an S<nn> link; a script that is not executable is an error', async () => {
      statusScript(3);
      const before = await run(() => service(name).not.enabled());
      symlinkSync(`../init.d/${name}`, link);
      const after = await run(() => service(name).enabled());
      chmodSync(script, 0o644);
      const notExecutable = await run(() => service(name).installed().not.installed());
      expect([...outcomes(before), ...outcomes(after)]).to.deep.equal([
        `passed: service ${name} should not be enabled`,
        `passed: service ${name} should be enabled`,
      ]);
      expect(notExecutable.results.map((r) => r.status)).to.deep.equal(['error', 'error']);
    });
  });
});
