/**
 * Signals over SSH, against a booted Debian 12 instance logged into as root (where
 * sshd refuses a client's signal request): the probe's watchdog ends what driftspec can no longer
 * reach. The same cases on the local target are in signals.integration.test.ts.
 */
import { join } from 'node:path';
import { expect } from 'chai';
import { runCli } from '../support/cli.js';
import { stubborn, waitForNone } from './processes.js';
import { commandCheck, useRemoteCases } from './remote.js';
import { startCli, waitUntil } from './signal-run.js';

describe('reliability: signals over SSH', function () {
  this.timeout(120_000);
  const { sshArgs, remoteLeft, spec, work } = useRemoteCases(150);

  it('SIGINT while probing: the remote probe and its command group end with the run', async () => {
    const marker = `ds-ssh-sigint-${process.pid}`;
    const run = startCli(
      ['run', spec('sigint', commandCheck(stubborn(marker), 600)), ...sshArgs()],
      join(work(), 'cache'),
    );
    await waitUntil(() => remoteLeft(marker).length >= 2, 30_000, 'the command started on the instance');
    run.child.kill('SIGINT');
    expect(await run.ended, run.stderr()).to.equal(130);
    // The watchdog looks once a second; SIGTERM, then SIGKILL two seconds later.
    await waitForNone(marker, 6_000, remoteLeft);
  });

  it('the probe timeout: the remote probe ends itself, its command group too', async () => {
    const marker = `ds-ssh-timeout-${process.pid}`;
    const started = Date.now();
    const run = await runCli(
      ['run', spec('timeout', commandCheck(stubborn(marker), 600)), ...sshArgs(), '--timeout', '2'],
      join(work(), 'cache'),
    );
    expect(run.code, run.stdout + run.stderr).to.equal(2);
    expect(run.stdout).to.match(/did not finish within 2000 ms|killed after 2000 ms/);
    await waitForNone(marker, 8_000, remoteLeft);
    expect(Date.now() - started).to.be.lessThan(20_000);
  });
});
