import { spawnSync } from 'node:child_process';
import { expect } from 'chai';
import { resourceFunction } from '../../src/dsl/spec.js';
import { parseProbeOutput } from '../../src/probe/frames.js';
import { buildProbeScript } from '../../src/probe/script.js';
import { createRegistry } from '../../src/resources/index.js';
import { apparmorResource, LSM_SCRIPT, selinuxResource } from '../../src/resources/lsm/index.js';
import { isRoot, requireInCi } from '../support/environment.js';
import { judgeFrame, resultLines } from '../support/judge.js';

const registry = createRegistry([selinuxResource, apparmorResource]);
const selinux = resourceFunction(selinuxResource);
const apparmor = resourceFunction(apparmorResource);

/** The probe with the security-module query on this machine, or in a mount namespace with securityfs mounted. */
function probeFrame(withSecurityfs: boolean) {
  const script = buildProbeScript([{ id: 'lsm', script: LSM_SCRIPT }]);
  const command = withSecurityfs
    ? ['unshare', '-m', 'sh', '-c', 'mount -t securityfs securityfs /sys/kernel/security && exec sh -s']
    : ['sh', '-s'];
  const run = spawnSync(command[0]!, command.slice(1), { input: script, env: { PATH: process.env.PATH, LC_ALL: 'C' } });
  const frame = parseProbeOutput(run.stdout).frames.get('lsm');
  if (!frame) throw new Error(`the probe gave no lsm frame: ${run.stderr.toString('utf8')}`);
  return frame;
}

describe('selinux and apparmor on this machine (a kernel running neither)', () => {
  before(function () {
    if (!isRoot()) return requireInCi(this, 'mounting securityfs in a mount namespace needs root');
    const mountAndList = 'mount -t securityfs s /sys/kernel/security && cat /sys/kernel/security/lsm';
    const lsms = spawnSync('unshare', ['-m', 'sh', '-c', mountAndList]).stdout.toString('utf8');
    // The facts this test states hold only on a kernel without either module, as CI's.
    if (/selinux|apparmor/.test(lsms)) return requireInCi(this, `a kernel running neither module (it runs ${lsms})`);
  });

  it('reads both as not active, and an enforcing check fails naming the evidence, never passes', () => {
    const body = () => {
      selinux('local').enforcing();
      selinux('local').disabled();
      apparmor('local').enabled();
      apparmor('local').not.hasProfile({ profile: '/usr/sbin/sshd' });
    };
    const plain = resultLines(judgeFrame(registry, body, probeFrame(false)));
    expect(plain.map((line) => line.slice(0, line.indexOf(':')))).to.deep.equal([
      'failed',
      'passed',
      'failed',
      'passed',
    ]);
    const mounted = resultLines(judgeFrame(registry, body, probeFrame(true)));
    expect(mounted[0]).to.match(/it is disabled \(SELinux is not active: .* the kernel's active LSMs are [a-z,]+\)$/);
    expect(mounted[2]).to.match(/AppArmor is not enabled: .* the kernel's active LSMs are /);
  });
});
