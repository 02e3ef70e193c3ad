import { expect } from 'chai';
import { nftables, planSpecs, spec } from '../../src/dsl/index.js';
import { diffSnapshots } from '../../src/drift/diff.js';
import { takeSnapshot } from '../../src/drift/snapshot.js';
import { runHost } from '../../src/engine/run-host.js';
import { createRegistry } from '../../src/resources/index.js';
import { inventoryParts } from '../../src/resources/inventory-part.js';
import type { NftablesChainItem } from '../../src/resources/nftables/inventory.js';
import { instanceSshTarget } from '../support/instance-ssh.js';
import { smallSnapshotOptions } from '../support/drift-e2e.js';
import { useTestbed } from '../support/testbed.js';

const RULESET = `table inet filter {
  set admins { type ipv4_addr; elements = { 192.0.2.5 }; }
  chain input { type filter hook input priority 0; policy accept; iif "lo" accept; tcp dport 22 accept; }
}`;

describe('nftables on a booted instance (an image with nftables)', function () {
  this.timeout(900_000);
  const bed = useTestbed({ base: 172, count: 1, image: { install: ['nftables'] } });
  const instance = () => bed.instances[0]!;
  const registry = createRegistry();

  it('judges tables, chains and sets over ssh in one exec; drift names a rule and a policy, old → new', async () => {
    const inside = (script: string) => instance().inContainer(['sh', '-ec', script]);
    inside(`nft -f - <<'NFT'\n${RULESET}\nNFT`);
    const target = instanceSshTarget(instance());
    const options = smallSnapshotOptions(registry);
    const chainsOf = (snapshot: unknown) => (snapshot as { nftablesChains: NftablesChainItem[] }).nftablesChains;
    try {
      const baseline = await takeSnapshot(target, options);
      expect(chainsOf(baseline)).to.deep.equal([
        {
          family: 'inet',
          table: 'filter',
          chain: 'input',
          type: 'filter',
          hook: 'input',
          priority: 0,
          policy: 'accept',
          rules: ['iif "lo" accept', 'tcp dport 22 accept'],
        },
      ]);
      inside(
        [
          'nft add rule inet filter input ip saddr @admins tcp dport 8080 counter accept',
          "nft 'chain inet filter input { policy drop; }'",
          'nft add chain inet filter ssh_in',
          'nft add element inet filter admins { 192.0.2.6 }',
        ].join('\n'),
      );
      const plan = planSpecs(
        [
          {
            definition: spec('firewall', () => {
              nftables('inet filter').exists();
              nftables('inet filter', { chain: 'input' })
                .policy('drop')
                .hasRule({ rule: 'ip saddr @admins tcp dport 8080 counter accept' })
                .ruleCount(3);
              nftables('inet filter', { chain: 'ssh_in' }).exists();
              nftables('inet filter', { set: 'admins' }).hasElement({ element: '192.0.2.6' });
              nftables('ip nat').not.exists();
            }),
          },
        ],
        registry,
      );
      const result = await runHost(plan, target, { registry, commandTimeoutMs: 30_000 });
      expect(result.results.map((r) => `${r.matcher} ${r.status}`)).to.deep.equal([
        'exists passed',
        'policy passed',
        'hasRule passed',
        'ruleCount passed',
        'exists passed',
        'hasElement passed',
        'exists passed',
      ]);
      expect(result.execCount).to.equal(1);
      const candidate = await takeSnapshot(target, options);
      const drift = diffSnapshots(baseline, candidate, { now: new Date(), parts: inventoryParts(registry.values()) });
      const chains = drift.kinds.find((kind) => (kind.kind as string) === 'nftablesChains')!;
      expect(chains.added.map((item) => item.key)).to.deep.equal(['inet filter ssh_in']);
      expect(chains.changed.map((item) => [item.key, item.changes])).to.deep.equal([
        [
          'inet filter input',
          [
            { attribute: 'policy', old: 'accept', new: 'drop' },
            {
              attribute: 'rules',
              old: ['iif "lo" accept', 'tcp dport 22 accept'],
              new: ['iif "lo" accept', 'tcp dport 22 accept', 'ip saddr @admins tcp dport 8080 counter accept'],
            },
          ],
        ],
      ]);
    } finally {
      await target.close();
    }
  });
});
