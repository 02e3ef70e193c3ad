import { spawnSync } from 'node:child_process';
import { expect } from 'chai';
import { resourceFunction } from '../../src/dsl/spec.js';
import { parseProbeOutput } from '../../src/probe/frames.js';
import { buildProbeScript } from '../../src/probe/script.js';
import { createRegistry } from '../../src/resources/index.js';
import { IPTABLES_SCRIPT, iptablesResource } from '../../src/resources/iptables/index.js';
import { iptablesInventory } from '../../src/resources/iptables/inventory.js';
import { isRoot, requireInCi } from '../support/environment.js';
import { hostFacts } from '../support/frames.js';
import { judgeFrame, statuses } from '../support/judge.js';

/** A network namespace of this test's own: the machine's own rules are never read or changed. */
const NETNS = `ds-test-fw-${process.pid}`;
const registry = createRegistry([iptablesResource]);
const iptables = resourceFunction(iptablesResource);

function inNetns(script: string) {
  const run = spawnSync('ip', ['netns', 'exec', NETNS, '/bin/sh', '-s'], { input: script, env: { LC_ALL: 'C' } });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr.toString('utf8') };
}

function setUp(...commands: string[]): void {
  const run = inNetns(['set -e', ...commands].join('\n'));
  if (run.status !== 0) throw new Error(`setting up rules failed: ${run.stderr}`);
}

/** The whole probe script with the iptables query, run in the namespace: the frame a host would send. */
function probeFrame() {
  const run = inNetns(buildProbeScript([{ id: 'iptables', script: IPTABLES_SCRIPT }]));
  const frame = parseProbeOutput(run.stdout).frames.get('iptables');
  if (!frame) throw new Error(`the probe gave no iptables frame: ${run.stderr}`);
  return frame;
}

describe('iptables resource on the real tools (a network namespace)', () => {
  before(function () {
    if (!isRoot()) return requireInCi(this, 'iptables-save and network namespaces need root');
    const made = spawnSync('ip', ['netns', 'add', NETNS], { encoding: 'utf8' });
    if (made.status !== 0) throw new Error(`ip netns add failed: ${made.stderr}`);
  });
  after(() => {
    if (isRoot()) spawnSync('ip', ['netns', 'del', NETNS]);
  });

  it('reads an empty ruleset, then the rules added, and the snapshot part sees the change', () => {
    const empty = probeFrame();
    expect(statuses(judgeFrame(registry, () => iptables('INPUT').policy('ACCEPT').ruleCount(0), empty))).to.deep.equal([
      'passed',
      'passed',
    ]);
    setUp(
      'iptables -P INPUT DROP',
      'iptables -A INPUT -p tcp --dport 22 -j ACCEPT',
      'iptables -N SSH_IN',
      'ip6tables -P FORWARD DROP',
    );
    const loaded = probeFrame();
    const body = () => {
      iptables('INPUT').policy('DROP').hasRule({ rule: '-p tcp -m tcp --dport 22 -j ACCEPT' });
      iptables('SSH_IN').exists().ruleCount(0);
      iptables('FORWARD', { family: 'ipv6' }).policy('DROP');
      iptables('INPUT').not.hasRule({ rule: '-j DROP' });
    };
    expect(statuses(judgeFrame(registry, body, loaded))).to.deep.equal(Array(6).fill('passed'));
    if (iptablesInventory.listing.type !== 'framed') throw new Error('a framed listing');
    const context = { host: hostFacts(), ignored: () => false };
    const before = iptablesInventory.listing.read(empty, context);
    const after = iptablesInventory.listing.read(loaded, context);
    expect(before).to.deep.equal({ items: [], gaps: [] });
    expect(after.gaps).to.deep.equal([]);
    expect(after.items.find((i) => i.family === 'ipv4' && i.chain === 'INPUT')).to.deep.include({
      policy: 'DROP',
      rules: ['-p tcp -m tcp --dport 22 -j ACCEPT'],
    });
  });
});
