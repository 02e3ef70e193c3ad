import { spawnSync } from 'node:child_process';
import { expect } from 'chai';
import { resourceFunction } from '../../src/dsl/spec.js';
import { parseProbeOutput } from '../../src/probe/frames.js';
import { buildProbeScript } from '../../src/probe/script.js';
import { createRegistry } from '../../src/resources/index.js';
import { NFTABLES_SCRIPT, nftablesResource } from '../../src/resources/nftables/index.js';
import { nftablesInventory } from '../../src/resources/nftables/inventory.js';
import { isRoot, requireInCi } from '../support/environment.js';
import { hostFacts } from '../support/frames.js';
import { judgeFrame, statuses } from '../support/judge.js';

/** A network namespace of this test's own: the machine's own ruleset is never read or changed. */
const NETNS = `ds-test-nft-${process.pid}`;
const registry = createRegistry([nftablesResource]);
const nftables = resourceFunction(nftablesResource);

function inNetns(script: string) {
  const run = spawnSync('ip', ['netns', 'exec', NETNS, '/bin/sh', '-s'], { input: script, env: { LC_ALL: 'C' } });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr.toString('utf8') };
}

function setUp(...commands: string[]): void {
  const run = inNetns(['set -e', ...commands].join('\n'));
  if (run.status !== 0) throw new Error(`setting up the ruleset failed: ${run.stderr}`);
}

/** The whole probe script with the nftables query, run in the namespace: the frame a host would send. */
function probeFrame() {
  const run = inNetns(buildProbeScript([{ id: 'nftables', script: NFTABLES_SCRIPT }]));
  const frame = parseProbeOutput(run.stdout).frames.get('nftables');
  if (!frame) throw new Error(`the probe gave no nftables frame: ${run.stderr}`);
  return frame;
}

describe('nftables resource on the real nft (a network namespace)', () => {
  before(function () {
    if (!isRoot()) return requireInCi(this, 'nft and network namespaces need root');
    const made = spawnSync('ip', ['netns', 'add', NETNS], { encoding: 'utf8' });
    if (made.status !== 0) throw new Error(`ip netns add failed: ${made.stderr}`);
  });
  after(() => {
    if (isRoot()) spawnSync('ip', ['netns', 'del', NETNS]);
  });

  it('reads an empty ruleset, then the tables added, and the snapshot part sees the change', () => {
    const empty = probeFrame();
    expect(statuses(judgeFrame(registry, () => nftables('inet filter').not.exists(), empty))).to.deep.equal(['passed']);
    setUp(
      'nft add table inet filter',
      "nft 'add chain inet filter input { type filter hook input priority 0; policy drop; }'",
      "nft 'add set inet filter admins { type ipv4_addr; elements = { 192.0.2.5 }; }'",
      'nft add rule inet filter input ip saddr @admins tcp dport 22 counter accept',
    );
    const loaded = probeFrame();
    const body = () => {
      nftables('inet filter', { chain: 'input' })
        .policy('drop')
        .hook('input')
        .hasRule({ rule: 'ip saddr @admins tcp dport 22 counter accept' })
        .not.hasRule({ rule: 'drop' });
      nftables('inet filter', { set: 'admins' }).hasElement({ element: '192.0.2.5' });
    };
    expect(statuses(judgeFrame(registry, body, loaded))).to.deep.equal(Array(5).fill('passed'));
    if (nftablesInventory.listing.type !== 'framed') throw new Error('a framed listing');
    const context = { host: hostFacts(), ignored: () => false };
    expect(nftablesInventory.listing.read(empty, context)).to.deep.equal({ items: [], gaps: [] });
    expect(nftablesInventory.listing.read(loaded, context)).to.deep.equal({
      items: [
        {
          family: 'inet',
          table: 'filter',
          chain: 'input',
          type: 'filter',
          hook: 'input',
          priority: 0,
          policy: 'drop',
          rules: ['ip saddr @admins tcp dport 22 counter accept'],
        },
      ],
      gaps: [],
    });
  });
});
