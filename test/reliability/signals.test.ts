/** The probe's own defences, read from the script as the targets send it. */
import { expect } from 'chai';
import { buildProbeScript, withProbeDeadline, WATCHDOG_MARGIN_SECONDS } from '../../src/probe/script.js';
import { HOST_DETECTION } from '../../src/probe/host.js';

describe('reliability: the probe watchdog', () => {
  it('starts before any query, and is stopped by the probe on every exit', () => {
    const script = buildProbeScript([{ id: 'q', script: 'true' }]);
    const watchdog = script.indexOf('(exec </dev/null >/dev/null 2>&1; ds_watch) &');
    expect(watchdog).to.be.greaterThan(0);
    expect(watchdog).to.be.lessThan(script.indexOf(HOST_DETECTION));
    expect(script).to.match(/trap 'kill "\$ds_watchdog" 2>\/dev\/null; ds_stop_commands; rm -rf "\$ds_dir"' EXIT/);
  });

  it('gets a deadline a little after the target timeout, in whole seconds', () => {
    expect(withProbeDeadline('echo\n', 1_500)).to.equal(`ds_deadline=${2 + WATCHDOG_MARGIN_SECONDS}\necho\n`);
    expect(withProbeDeadline('echo\n', 300_000)).to.equal(`ds_deadline=${300 + WATCHDOG_MARGIN_SECONDS}\necho\n`);
  });
});
