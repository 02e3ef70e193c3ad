import { expect } from 'chai';
import { apparmor, planSpecs, selinux, spec } from '../../src/dsl/index.js';
import { diffSnapshots } from '../../src/drift/diff.js';
import { takeSnapshot } from '../../src/drift/snapshot.js';
import { runHost } from '../../src/engine/run-host.js';
import { createRegistry } from '../../src/resources/index.js';
import { inventoryParts } from '../../src/resources/inventory-part.js';
import type { SecurityModuleItem } from '../../src/resources/lsm/inventory.js';
import { instanceSshTarget } from '../support/instance-ssh.js';
import { smallSnapshotOptions } from '../support/drift-e2e.js';
import { useTestbed } from '../support/testbed.js';

/**
 * The test bed's kernel runs neither SELinux nor AppArmor: the real outcome is "not active", which
 * must fail every check that wants them on. What an instance can change is SELinux's configuration.
 */
describe('selinux and apparmor on a booted instance (a kernel without either)', function () {
  this.timeout(900_000);
  const bed = useTestbed({ base: 174, count: 1 });
  const instance = () => bed.instances[0]!;
  const registry = createRegistry();

  it('fails enforcing checks with the reason in one exec; drift names the configured mode, old → new', async () => {
    const inside = (script: string) => instance().inContainer(['sh', '-ec', script]);
    const configure = (mode: string) =>
      inside(`mkdir -p /etc/selinux; printf 'SELINUX=${mode}\\nSELINUXTYPE=default\\n' > /etc/selinux/config`);
    configure('permissive');
    const target = instanceSshTarget(instance());
    const options = smallSnapshotOptions(registry);
    const itemsOf = (snapshot: unknown) => (snapshot as { securityModules: SecurityModuleItem[] }).securityModules;
    try {
      const baseline = await takeSnapshot(target, options);
      expect(itemsOf(baseline)).to.deep.equal([
        { name: 'apparmor', mode: 'disabled' },
        { name: 'selinux', mode: 'disabled' },
        { name: 'selinux config', mode: 'permissive' },
      ]);
      configure('enforcing');
      const plan = planSpecs(
        [
          {
            definition: spec('mac', () => {
              selinux('local').enforcing();
              selinux('local').disabled().not.permissive().configuredMode('enforcing');
              apparmor('local').enabled();
              apparmor('local').hasProfile({ profile: '/usr/sbin/sshd', mode: 'enforce' });
              apparmor('local').not.hasProfile({ profile: '/usr/sbin/sshd' });
            }),
          },
        ],
        registry,
      );
      const result = await runHost(plan, target, { registry, commandTimeoutMs: 30_000 });
      expect(result.results.map((r) => `${r.matcher} ${r.status}`)).to.deep.equal([
        'enforcing failed',
        'disabled passed',
        'permissive passed',
        'configuredMode passed',
        'enabled failed',
        'hasProfile failed',
        'hasProfile passed',
      ]);
      expect(result.results[0]!.message).to.match(
        /it is disabled \(SELinux is not active: \/sys\/fs\/selinux\/enforce/,
      );
      expect(result.results[4]!.message).to.match(/AppArmor is not enabled/);
      expect(result.execCount).to.equal(1);
      const candidate = await takeSnapshot(target, options);
      const drift = diffSnapshots(baseline, candidate, { now: new Date(), parts: inventoryParts(registry.values()) });
      const modules = drift.kinds.find((kind) => (kind.kind as string) === 'securityModules')!;
      expect(modules.changed.map((item) => [item.key, item.changes])).to.deep.equal([
        ['selinux config', [{ attribute: 'mode', old: 'permissive', new: 'enforcing' }]],
      ]);
    } finally {
      await target.close();
    }
  });
});
