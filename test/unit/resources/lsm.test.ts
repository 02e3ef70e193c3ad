import { expect } from 'chai';
import { resourceFunction } from '../../../src/dsl/spec.js';
import { createRegistry } from '../../../src/resources/index.js';
import { apparmorResource, parseLsmFiles, selinuxResource } from '../../../src/resources/lsm/index.js';
import { securityModulesInventory } from '../../../src/resources/lsm/inventory.js';
import { hostFacts, partsFrame, recordedFrame, type PartSpec } from '../../support/frames.js';
import { judgeFrame, resultLines } from '../../support/judge.js';

const registry = createRegistry([selinuxResource, apparmorResource]);
const selinux = resourceFunction(selinuxResource);
const apparmor = resourceFunction(apparmorResource);

/** One recording of test/fixtures/recorded/lsm/record.sh as a part of the security-module query. */
function recorded(name: string, file: string): PartSpec {
  const run = recordedFrame(`recorded/lsm/${file}.json`);
  return { name, stdout: run.stdout, stderr: run.stderr.toString('utf8'), exitCode: run.exitCode };
}

/** The booted instance (neither module active, securityfs not mounted), with the parts `over` replaces. */
function instance(over: PartSpec[] = []) {
  const parts = [
    recorded('lsm', 'lsm-list'),
    recorded('selinux-enforce', 'selinux-enforce'),
    recorded('selinux-config', 'selinux-config-none'),
    recorded('apparmor-enabled', 'apparmor-enabled'),
    recorded('apparmor-profiles', 'apparmor-profiles'),
  ];
  return partsFrame(parts.map((part) => over.find((o) => o.name === part.name) ?? part));
}

/**
 * Formats no kernel here could show (neither module is active on this build machine): the files as
 * the kernel documents them, written by hand and marked so.
 */
const DOCUMENTED = {
  enforcing: { name: 'selinux-enforce', stdout: '1' },
  permissive: { name: 'selinux-enforce', stdout: '0' },
  apparmorOn: { name: 'apparmor-enabled', stdout: 'Y\n' },
  lsmWithApparmor: { name: 'lsm', stdout: 'lockdown,capability,landlock,yama,apparmor' },
  profiles: {
    name: 'apparmor-profiles',
    stdout: '/usr/sbin/cupsd (enforce)\nnvidia_modprobe (complain)\nlsb_release (enforce)\n',
  },
} satisfies Record<string, PartSpec>;

describe('selinux and apparmor resources', () => {
  it('reads the recorded instance as SELinux disabled, AppArmor not enabled: enforcing fails, saying why', () => {
    const lines = resultLines(
      judgeFrame(
        registry,
        () => {
          selinux('local').enforcing();
          selinux('local').mode('disabled').disabled().not.permissive();
          selinux('local').configuredMode('enforcing');
          apparmor('local').enabled();
          apparmor('local').hasProfile({ profile: '/usr/sbin/sshd', mode: 'enforce' });
          apparmor('local').not.hasProfile({ profile: '/usr/sbin/sshd' });
          apparmor('local').profiles({ contains: ['/usr/sbin/sshd'] });
        },
        instance(),
      ),
    );
    const notActive = 'SELinux is not active: /sys/fs/selinux/enforce does not exist and securityfs is not mounted';
    const notEnabled =
      'AppArmor is not enabled: the kernel has no AppArmor (no /sys/module/apparmor) and securityfs is not mounted';
    expect(lines).to.deep.equal([
      `failed: expected SELinux to be enforcing, but it is disabled (${notActive})`,
      'passed: SELinux should have mode "disabled"',
      'passed: SELinux should be disabled',
      'passed: SELinux should not be permissive',
      'failed: expected SELinux to have configured mode "enforcing", but /etc/selinux/config does not exist',
      `failed: expected AppArmor to be enabled, but ${notEnabled}`,
      'failed: expected AppArmor to have profile "/usr/sbin/sshd" in enforce mode, ' +
        `but no profile is loaded: ${notEnabled}`,
      'passed: AppArmor should not have profile "/usr/sbin/sshd"',
      'failed: expected AppArmor to have loaded profiles containing "/usr/sbin/sshd", but got []',
    ]);
  });

  it('names the active LSMs where securityfs shows them (recorded on this build machine)', () => {
    const frame = instance([recorded('lsm', 'local-lsm-list')]);
    const [line] = resultLines(judgeFrame(registry, () => selinux('local').enforcing(), frame));
    expect(line).to.contain("the kernel's active LSMs are lockdown,capability,landlock,bpf");
    expect(parseLsmFiles(frame).activeLsms).to.deep.equal(['lockdown', 'capability', 'landlock', 'bpf']);
  });

  it('reads the configured mode and policy from a recorded /etc/selinux/config', () => {
    const frame = instance([recorded('selinux-config', 'selinux-config-permissive')]);
    const lines = resultLines(
      judgeFrame(registry, () => selinux('local').configuredMode('permissive').policy('default'), frame),
    );
    expect(lines.every((line) => line.startsWith('passed'))).to.equal(true);
  });

  it('reads a live SELinux and AppArmor in their documented formats (not recordable here)', () => {
    const enforcing = instance([
      DOCUMENTED.enforcing,
      DOCUMENTED.apparmorOn,
      DOCUMENTED.lsmWithApparmor,
      DOCUMENTED.profiles,
    ]);
    const lines = resultLines(
      judgeFrame(
        registry,
        () => {
          selinux('local').enforcing().mode('enforcing');
          apparmor('local').enabled().hasProfile({ profile: '/usr/sbin/cupsd', mode: 'enforce' });
          apparmor('local').hasProfile({ profile: 'nvidia_modprobe', mode: 'enforce' });
        },
        enforcing,
      ),
    );
    expect(lines).to.deep.equal([
      'passed: SELinux should be enforcing',
      'passed: SELinux should have mode "enforcing"',
      'passed: AppArmor should be enabled',
      'passed: AppArmor should have profile "/usr/sbin/cupsd" in enforce mode',
      'failed: expected AppArmor to have profile "nvidia_modprobe" in enforce mode, but it is loaded in complain mode',
    ]);
    const permissive = instance([DOCUMENTED.permissive]);
    expect(resultLines(judgeFrame(registry, () => selinux('local').enforcing(), permissive))).to.deep.equal([
      'failed: expected SELinux to be enforcing, but it is permissive (/sys/fs/selinux/enforce is 0)',
    ]);
  });

  it('errs where the evidence is missing or contradicts itself, never passing a negated check', () => {
    const denied = instance([
      DOCUMENTED.apparmorOn,
      DOCUMENTED.lsmWithApparmor,
      {
        name: 'apparmor-profiles',
        exitCode: 1,
        stderr: 'cat: /sys/kernel/security/apparmor/profiles: Permission denied',
      },
    ]);
    expect(
      resultLines(judgeFrame(registry, () => apparmor('local').not.hasProfile({ profile: 'x' }), denied)),
    ).to.deep.equal([
      'error: could not check AppArmor: the loaded profiles could not be read: reading ' +
        '/sys/kernel/security/apparmor/profiles failed (exit 1): cat: /sys/kernel/security/apparmor/profiles: ' +
        'Permission denied',
    ]);
    const contradicting = instance([{ name: 'lsm', stdout: 'capability,selinux' }]);
    expect(resultLines(judgeFrame(registry, () => selinux('local').not.enforcing(), contradicting))).to.deep.equal([
      'error: could not check SELinux: SELinux is an active LSM but /sys/fs/selinux/enforce does not exist ' +
        '(selinuxfs not mounted)',
    ]);
    const forged = instance([{ name: 'selinux-enforce', stdout: 'yes' }]);
    expect(resultLines(judgeFrame(registry, () => selinux('local').not.enforcing(), forged))).to.deep.equal([
      'error: could not check SELinux: /sys/fs/selinux/enforce holds "yes", not 0 or 1',
    ]);
    const badProfiles = instance([
      DOCUMENTED.apparmorOn,
      { name: 'apparmor-profiles', stdout: '/usr/sbin/cupsd (enforce)\ngarbage\n' },
    ]);
    const [line] = resultLines(
      judgeFrame(registry, () => apparmor('local').not.hasProfile({ profile: 'x' }), badProfiles),
    );
    expect(line).to.match(/^error: .*unexpected line "garbage"/);
  });

  it('snapshots the modes and profiles; profiles it could not read are a gap', () => {
    if (securityModulesInventory.listing.type !== 'framed') throw new Error('a framed listing');
    const context = { host: hostFacts(), ignored: () => false };
    expect(securityModulesInventory.listing.read(instance(), context)).to.deep.equal({
      items: [
        { name: 'selinux', mode: 'disabled' },
        { name: 'apparmor', mode: 'disabled' },
      ],
      gaps: [],
    });
    const live = instance([
      DOCUMENTED.permissive,
      recorded('selinux-config', 'selinux-config-permissive'),
      DOCUMENTED.apparmorOn,
      DOCUMENTED.profiles,
    ]);
    expect(securityModulesInventory.listing.read(live, context).items).to.deep.equal([
      { name: 'selinux', mode: 'permissive' },
      { name: 'selinux config', mode: 'permissive' },
      { name: 'apparmor', mode: 'enabled' },
      { name: 'apparmor profile /usr/sbin/cupsd', mode: 'enforce' },
      { name: 'apparmor profile nvidia_modprobe', mode: 'complain' },
      { name: 'apparmor profile lsb_release', mode: 'enforce' },
    ]);
    const unread = instance([DOCUMENTED.apparmorOn]);
    expect(securityModulesInventory.listing.read(unread, context).gaps).to.deep.equal([
      {
        kind: 'securityModules',
        reason: '/sys/kernel/security/apparmor/profiles does not exist (securityfs not mounted)',
      },
    ]);
  });

  it('takes only "local" as its subject', () => {
    expect(() => judgeFrame(registry, () => selinux('other' as 'local').enforcing(), instance())).to.throw(
      /only subject is "local"/,
    );
  });
});
