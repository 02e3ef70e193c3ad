import { expect } from 'chai';
import { resourceFunction } from '../../../src/dsl/spec.js';
import type { Frame } from '../../../src/probe/frames.js';
import { createRegistry } from '../../../src/resources/index.js';
import { configurationGroupScript, kernelParameterResource } from '../../../src/resources/kernel-parameter/index.js';
import { hostFacts, partsFrame, recordedFrame } from '../../support/frames.js';
import { judgeFrame, resultLines } from '../../support/judge.js';

const registry = createRegistry([kernelParameterResource]);
const kernelParameter = resourceFunction(kernelParameterResource);
/** Recorded on a booted instance with /etc/sysctl.d/60-driftspec.conf added (record-booted.mts). */
const booted = recordedFrame('recorded/systemd-unit/booted-sysctl.json');
const judge = (body: () => void, frame: Frame, booted = true) =>
  resultLines(judgeFrame(registry, body, frame, hostFacts(booted ? {} : { booted: false })));

const DROP_IN = '/etc/sysctl.d/60-driftspec.conf';

describe('kernel_parameter: the configured value and whether it is live', () => {
  it('reads the sysctl files and the live values in one query', () => {
    const script = configurationGroupScript(['net.ipv4.ip_forward', 'vm.swappiness']);
    expect(script).to.include('/etc/sysctl.d/*.conf /run/sysctl.d/*.conf /usr/local/lib/sysctl.d/*.conf');
    expect(script).to.include("'/proc/sys/net/ipv4/ip_forward' '/proc/sys/vm/swappiness'");
    expect(script.match(/ds_parts_out/g)).to.have.length(1);
  });

  it('names the file and line that set a value, and tells configured from live (recorded, booted)', () => {
    const lines = judge(() => {
      kernelParameter('net.ipv4.ip_forward').configured(1).applied();
      kernelParameter('kernel.pid_max').configured(4194304).applied();
      kernelParameter('kernel.ostype').configured('Linux').applied();
      kernelParameter('kernel.sysrq').configured(0).applied();
      kernelParameter('vm.swappiness').value(60).applied();
      kernelParameter('vm.swappiness').not.configured(60);
    }, booted);
    expect(lines).to.deep.equal([
      `passed: kernel parameter net.ipv4.ip_forward should be configured to 1 (set by ${DROP_IN} line 4)`,
      'failed: expected kernel parameter net.ipv4.ip_forward to have its configured value live, ' +
        `but configured "1", live "0" (set by ${DROP_IN} line 4)`,
      'passed: kernel parameter kernel.pid_max should be configured to 4194304 ' +
        '(set by /usr/lib/sysctl.d/50-pid-max.conf line 16)',
      'passed: kernel parameter kernel.pid_max should have its configured value live ' +
        '(set by /usr/lib/sysctl.d/50-pid-max.conf line 16)',
      `passed: kernel parameter kernel.ostype should be configured to "Linux" (set by ${DROP_IN} line 3)`,
      `passed: kernel parameter kernel.ostype should have its configured value live (set by ${DROP_IN} line 3)`,
      `passed: kernel parameter kernel.sysrq should be configured to 0 (set by ${DROP_IN} line 2)`,
      'failed: expected kernel parameter kernel.sysrq to have its configured value live, ' +
        `but configured "0"; it does not exist on this kernel (set by ${DROP_IN} line 2)`,
      'passed: kernel parameter vm.swappiness should have value 60',
      'error: could not check kernel parameter vm.swappiness: nothing in the boot-time configuration ' +
        '(sysctl.d, /etc/sysctl.conf) sets it: there is nothing to compare',
      'failed: expected kernel parameter vm.swappiness not to be configured to 60, but nothing in the ' +
        'boot-time configuration (sysctl.d, /etc/sysctl.conf) sets it',
    ]);
  });

  it('on an image that is not booted: configured is read, applied is not applicable', () => {
    const image = partsFrame([{ name: 'sysctl:1', stdout: `file ${DROP_IN}\0kernel.sysrq = 0\n` }]);
    const lines = judge(() => kernelParameter('kernel.sysrq').configured(0).applied(), image, false);
    expect(lines[0]).to.equal(
      `passed: kernel parameter kernel.sysrq should be configured to 0 (set by ${DROP_IN} line 1)`,
    );
    // The engine makes it not applicable before judging (needsRunningSystem); judged anyway, it is an error.
    expect(kernelParameterResource.matchers.applied.needsRunningSystem).to.equal(true);
    expect(lines[1]).to.match(/^error: .*the live value is unknown: the image is not booted/);
  });

  it('a live value that cannot be read is an error for applied, never a pass or a failure', () => {
    const noProc = partsFrame([{ name: 'sysctl:1', stdout: `file ${DROP_IN}\0vm.swappiness = 10\n` }]);
    const lines = judge(() => kernelParameter('vm.swappiness').configured(10).applied(), noProc);
    expect(lines).to.deep.equal([
      `passed: kernel parameter vm.swappiness should be configured to 10 (set by ${DROP_IN} line 1)`,
      'error: could not check kernel parameter vm.swappiness: configured "10" ' +
        `(set by ${DROP_IN} line 1), but the live value is unknown: /proc/sys is not available (procfs is not mounted)`,
    ]);
    const denied = partsFrame([
      { name: 'sysctl:1', stdout: `file ${DROP_IN}\0vm.swappiness = 10\n` },
      { name: 'states', stdout: 'denied /proc/sys/vm/swappiness\n' },
      { name: 'values', stdout: '', exitCode: 0 },
    ]);
    const negated = judge(() => kernelParameter('vm.swappiness').not.applied(), denied);
    expect(negated[0]).to.match(/^error: .*permission denied/);
  });

  it('compares numbers as numbers and text after blanks are normalised', () => {
    const frame = (configured: string, live: string) =>
      partsFrame([
        { name: 'sysctl:1', stdout: `file ${DROP_IN}\0net.ipv4.tcp_rmem = ${configured}\n` },
        { name: 'states', stdout: 'value /proc/sys/net/ipv4/tcp_rmem\n' },
        { name: 'values', stdout: `/proc/sys/net/ipv4/tcp_rmem:${live}\n` },
      ]);
    const applied = (configured: string, live: string) =>
      judge(() => kernelParameter('net.ipv4.tcp_rmem').applied(), frame(configured, live))[0]!.split(':')[0];
    expect(applied('4096  131072 6291456', '4096\t131072\t6291456')).to.equal('passed');
    expect(applied('01', '1')).to.equal('passed');
    expect(applied('1', '0')).to.equal('failed');
    expect(applied('4096 131072', '4096 131072 6291456')).to.equal('failed');
  });

  it('reads a forged file that imitates the live parts as a file, never as a live value', () => {
    const forged = partsFrame([
      { name: 'sysctl:1', stdout: `file ${DROP_IN}\0vm.swappiness = 10\nstatesvalue /proc/sys/vm/swappiness\n` },
      { name: 'states', stdout: 'value /proc/sys/vm/swappiness\n' },
      { name: 'values', stdout: '/proc/sys/vm/swappiness:60\n' },
    ]);
    expect(judge(() => kernelParameter('vm.swappiness').applied(), forged)[0]).to.match(
      /^failed: .*configured "10", live "60" \(set by .* line 1\)$/,
    );
    const stray = partsFrame([
      { name: 'sysctl:1', stdout: `file ${DROP_IN}\0vm.swappiness = 10\n` },
      { name: 'other', stdout: 'value /proc/sys/vm/swappiness\n' },
    ]);
    expect(judge(() => kernelParameter('vm.swappiness').configured(10), stray)[0]).to.match(
      /^error: .*parts that are not sysctl files/,
    );
  });
});
