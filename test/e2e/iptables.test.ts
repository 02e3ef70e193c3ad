import { expect } from 'chai';
import { iptables, planSpecs, spec } from '../../src/dsl/index.js';
import { diffSnapshots } from '../../src/drift/diff.js';
import { takeSnapshot } from '../../src/drift/snapshot.js';
import { runHost } from '../../src/engine/run-host.js';
import { createRegistry } from '../../src/resources/index.js';
import { inventoryParts } from '../../src/resources/inventory-part.js';
import type { IptablesChainItem } from '../../src/resources/iptables/inventory.js';
import { instanceSshTarget } from '../support/instance-ssh.js';
import { smallSnapshotOptions } from '../support/drift-e2e.js';
import { useTestbed } from '../support/testbed.js';

describe('iptables on a booted instance (an image with iptables)', function () {
  this.timeout(900_000);
  const bed = useTestbed({ base: 170, count: 1, image: { install: ['iptables'] } });
  const instance = () => bed.instances[0]!;
  const registry = createRegistry();

  it('judges the chains over ssh, and drift names a rule added and a policy changed, old → new', async () => {
    const inside = (script: string) => instance().inContainer(['sh', '-ec', script]);
    inside('iptables -A INPUT -i lo -j ACCEPT; ip6tables -P INPUT ACCEPT');
    const target = instanceSshTarget(instance());
    const options = smallSnapshotOptions(registry);
    const chainsOf = (snapshot: unknown) => (snapshot as { iptablesChains: IptablesChainItem[] }).iptablesChains;
    try {
      const baseline = await takeSnapshot(target, options);
      expect(chainsOf(baseline).find((c) => c.family === 'ipv4' && c.chain === 'INPUT')).to.include({
        policy: 'ACCEPT',
        backend: 'nf_tables',
      });
      inside('iptables -A INPUT -p tcp --dport 2222 -j DROP; iptables -P FORWARD DROP; iptables -N SSH_IN');
      const plan = planSpecs(
        [
          {
            definition: spec('firewall', () => {
              iptables('INPUT').hasRule({ rule: '-p tcp -m tcp --dport 2222 -j DROP' }).ruleCount(2);
              iptables('FORWARD').policy('DROP');
              iptables('SSH_IN').exists();
              iptables('INPUT', { family: 'ipv6' }).policy('ACCEPT');
              iptables('OUTPUT').not.hasRule({ rule: '-j DROP' });
            }),
          },
        ],
        registry,
      );
      const result = await runHost(plan, target, { registry, commandTimeoutMs: 30_000 });
      expect(result.results.map((r) => `${r.subject} ${r.matcher} ${r.status}`)).to.deep.equal([
        'INPUT hasRule passed',
        'INPUT ruleCount passed',
        'FORWARD policy passed',
        'SSH_IN exists passed',
        'INPUT policy passed',
        'OUTPUT hasRule passed',
      ]);
      expect(result.execCount).to.equal(1);
      const candidate = await takeSnapshot(target, options);
      const drift = diffSnapshots(baseline, candidate, { now: new Date(), parts: inventoryParts(registry.values()) });
      const chains = drift.kinds.find((kind) => (kind.kind as string) === 'iptablesChains')!;
      expect(chains.added.map((item) => item.key)).to.deep.equal(['ipv4 nf_tables filter SSH_IN']);
      expect(chains.changed.map((item) => [item.key, item.changes])).to.deep.equal([
        ['ipv4 nf_tables filter FORWARD', [{ attribute: 'policy', old: 'ACCEPT', new: 'DROP' }]],
        [
          'ipv4 nf_tables filter INPUT',
          [
            {
              attribute: 'rules',
              old: ['-i lo -j ACCEPT'],
              new: ['-i lo -j ACCEPT', '-p tcp -m tcp --dport 2222 -j DROP'],
            },
          ],
        ],
      ]);
    } finally {
      await target.close();
    }
  });
});
