/**
 * Faults over SSH, against a booted Debian 12 instance logged into as root (where
 * sshd refuses a client's signal request): the probe's watchdog ends what driftspec can no longer
 * reach. The same cases on the local target are in faults.integration.test.ts.
 */
import { join } from 'node:path';
import { expect } from 'chai';
import { runCli } from '../support/cli.js';
import { stubborn, waitForNone } from './processes.js';
import { commandCheck, useRemoteCases } from './remote.js';

describe('reliability: faults over SSH', function () {
  this.timeout(120_000);
  const { sshArgs, remoteLeft, spec, work, instance } = useRemoteCases(155);

  it('a command ignoring SIGTERM ends at its own timeout; a FIFO and /dev/zero are refused by name', async () => {
    const marker = `ds-ssh-stubborn-${process.pid}`;
    instance().inContainer(['sh', '-c', 'rm -f /run/ds-fifo && mkfifo /run/ds-fifo']);
    const body = [
      commandCheck(stubborn(marker), 1),
      '  - file: /run/ds-fifo\n    content: x\n',
      '  - file: /dev/zero\n    sha256: "0000000000000000000000000000000000000000000000000000000000000000"\n',
      '  - file: /etc/hostname\n    exists: true\n',
    ].join('');
    const started = Date.now();
    const run = await runCli(['run', spec('faults', body), ...sshArgs(), '-v'], join(work(), 'cache'));
    expect(run.code, run.stdout + run.stderr).to.equal(2);
    expect(Date.now() - started).to.be.lessThan(15_000);
    expect(run.stdout).to.match(/timed out after 1 s|killed by signal 9/);
    expect(run.stdout).to.include('/run/ds-fifo is a FIFO');
    expect(run.stdout).to.include('/dev/zero is a character device');
    await waitForNone(marker, 3_000, remoteLeft);
  });
});
