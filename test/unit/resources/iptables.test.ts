import { expect } from 'chai';
import { resourceFunction } from '../../../src/dsl/spec.js';
import { createRegistry } from '../../../src/resources/index.js';
import { canonicalRule, iptablesResource, parseIptables } from '../../../src/resources/iptables/index.js';
import { iptablesInventory } from '../../../src/resources/iptables/inventory.js';
import { hostFacts, partsFrame, recordedFrame, type PartSpec } from '../../support/frames.js';
import { judgeFrame, resultLines, statuses } from '../../support/judge.js';

const registry = createRegistry([iptablesResource]);
const iptables = resourceFunction(iptablesResource);

/** One recording of test/fixtures/recorded/firewall/record.mts as a part of the iptables query. */
function recorded(name: string, file: string): PartSpec {
  const run = recordedFrame(`recorded/firewall/${file}.json`);
  return { name, stdout: run.stdout, stderr: run.stderr.toString('utf8'), exitCode: run.exitCode };
}

const nft = partsFrame([
  recorded('ipv4', 'iptables-save-nft'),
  recorded('ipv4-legacy', 'iptables-legacy-save-none'),
  recorded('ipv6', 'ip6tables-save-nft'),
]);
const SSH_RULE = '-p tcp -m tcp --dport 22 -m comment --comment "ssh from anywhere" -j ACCEPT';

describe('iptables resource', () => {
  it('reads the recorded iptables-save output chain by chain, a user chain without a policy', () => {
    const facts = parseIptables(nft);
    expect(facts.ipv4).to.deep.include({ backends: ['nf_tables'] });
    const chains = 'chains' in facts.ipv4 ? facts.ipv4.chains : [];
    expect(chains.map((c) => `${c.table} ${c.chain} ${c.policy} ${c.rules.length}`)).to.deep.equal([
      'filter INPUT DROP 4',
      'filter FORWARD ACCEPT 0',
      'filter OUTPUT ACCEPT 0',
      'filter LOGDROP null 2',
      'nat PREROUTING ACCEPT 0',
      'nat INPUT ACCEPT 0',
      'nat OUTPUT ACCEPT 0',
      'nat POSTROUTING ACCEPT 1',
    ]);
    expect(chains[0]!.rules[2]).to.equal(SSH_RULE);
  });

  it('judges policy, rules and hasRule of both families and tables', () => {
    const body = () => {
      iptables('INPUT').exists().policy('DROP').hasRule({ rule: '-i lo -j ACCEPT' });
      iptables('INPUT').hasRule({ rule: `-A INPUT ${SSH_RULE}` });
      iptables('INPUT').not.hasRule({ rule: '-p tcp --dport 22 -j ACCEPT' });
      iptables('LOGDROP')
        .rules({ contains: ['-j LOG --log-prefix "dropped: "', '-j DROP'] })
        .ruleCount(2);
      iptables('INPUT').rules({ matches: '--dport 22 ' }).not.rules({ matches: '--dport 23 ' });
      iptables('POSTROUTING', { table: 'nat' }).hasRule({ rule: '-s 192.0.2.0/24 -o eth0 -j MASQUERADE' });
      iptables('INPUT', { family: 'ipv6' }).policy('DROP').hasRule({ rule: '-p ipv6-icmp -j ACCEPT' });
      iptables('NOSUCH').not.exists();
    };
    expect(statuses(judgeFrame(registry, body, nft))).to.deep.equal(Array(13).fill('passed'));
  });

  it('fails with the evidence; a missing chain is never a pass, negated or not', () => {
    const lines = resultLines(
      judgeFrame(
        registry,
        () => {
          iptables('FORWARD').policy('DROP');
          iptables('NOSUCH').not.hasRule({ rule: '-j DROP' });
          iptables('NOSUCH').not.policy('DROP');
          iptables('LOGDROP').policy('DROP');
          iptables('OUTPUT').hasRule({ rule: '-j DROP' });
        },
        nft,
      ),
    );
    expect(lines).to.deep.equal([
      'failed: expected iptables chain FORWARD (filter, ipv4) to have policy "DROP", but got "ACCEPT"',
      'error: could not check iptables chain NOSUCH (filter, ipv4): ' +
        'there is no chain NOSUCH in the filter table (ipv4, nf_tables)',
      'failed: expected iptables chain NOSUCH (filter, ipv4) not to have policy "DROP", ' +
        'but there is no chain NOSUCH in the filter table (ipv4, nf_tables)',
      'failed: expected iptables chain LOGDROP (filter, ipv4) to have policy "DROP", ' +
        'but LOGDROP is a user-defined chain: it has no policy',
      'failed: expected iptables chain OUTPUT (filter, ipv4) to have rule "-j DROP", ' +
        'but none of its 0 rules is "-j DROP" in the filter table (ipv4, nf_tables)',
    ]);
  });

  it('reads a table no rule loaded as its built-in chains accepting everything (recorded empty output)', () => {
    const empty = partsFrame([recorded('ipv4', 'iptables-save-empty'), recorded('ipv6', 'iptables-save-empty')]);
    const results = judgeFrame(
      registry,
      () => {
        iptables('INPUT').exists().policy('ACCEPT').ruleCount(0);
        iptables('INPUT').not.hasRule({ rule: '-j DROP' });
        iptables('LOGDROP').not.exists();
      },
      empty,
    );
    expect(statuses(results)).to.deep.equal(Array(5).fill('passed'));
    expect(results[0]!.actual).to.match(/not loaded: no rule filters packets/);
  });

  it('adds the rules loaded through the legacy backend beside nf_tables, and errs where the policies differ', () => {
    const both = partsFrame([
      recorded('ipv4', 'iptables-save-nft'),
      recorded('ipv4-legacy', 'iptables-legacy-save'),
      recorded('ipv6', 'ip6tables-save-nft'),
    ]);
    const results = judgeFrame(
      registry,
      () => {
        iptables('INPUT').hasRule({ rule: '-s 198.51.100.0/24 -j ACCEPT' }).hasRule({ rule: '-i lo -j ACCEPT' });
        iptables('INPUT').policy('DROP');
        iptables('FORWARD').policy('ACCEPT');
      },
      both,
    );
    expect(statuses(results)).to.deep.equal(['passed', 'passed', 'passed', 'passed']);
    const legacyOnly = partsFrame([
      recorded('ipv4', 'iptables-save-nft-beside-legacy'),
      recorded('ipv4-legacy', 'iptables-legacy-save'),
      recorded('ipv6', 'ip6tables-save-nft'),
    ]);
    expect(statuses(judgeFrame(registry, () => iptables('INPUT').policy('DROP'), legacyOnly))).to.deep.equal([
      'passed',
    ]);
    const mixed = partsFrame([
      recorded('ipv4', 'iptables-save-nft-changed'),
      {
        name: 'ipv4-legacy',
        stdout: recordedFrame('recorded/firewall/iptables-legacy-save.json')
          .stdout.toString('utf8')
          .replace(':FORWARD ACCEPT', ':FORWARD ACCEPT'),
      },
      recorded('ipv6', 'ip6tables-save-nft'),
    ]);
    expect(resultLines(judgeFrame(registry, () => iptables('FORWARD').policy('DROP'), mixed))).to.deep.equal([
      'error: could not check iptables chain FORWARD (filter, ipv4): ' +
        'the chain has a different policy in each backend: DROP (nf_tables), ACCEPT (legacy)',
    ]);
  });

  it('errs without root or without the tool, per family', () => {
    const denied = partsFrame([
      recorded('ipv4', 'iptables-save-denied'),
      { name: 'ipv6', exitCode: 127, stderr: 'sh: 1: exec: ip6tables-save: not found' },
    ]);
    expect(
      resultLines(judgeFrame(registry, () => iptables('INPUT').not.hasRule({ rule: '-j DROP' }), denied)),
    ).to.deep.equal([
      'error: could not check iptables chain INPUT (filter, ipv4): iptables-save exited 4: ' +
        'iptables-save v1.8.9 (nf_tables): Could not fetch rule set generation id: ' +
        'Permission denied (you must be root)',
    ]);
    const [line] = resultLines(judgeFrame(registry, () => iptables('INPUT', { family: 'ipv6' }).exists(), denied));
    expect(line).to.match(/^error: .*ip6tables-save: command not found on the target \(exit 127\)/);
  });

  it('refuses output it cannot read as evidence', () => {
    const cut = partsFrame([
      { name: 'ipv4', stdout: '*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -j DROP\n' },
      { name: 'ipv6', stdout: '*filter\n-A OUTPUT -j DROP\nCOMMIT\n' },
    ]);
    const facts = parseIptables(cut);
    expect(facts.ipv4).to.deep.equal({ unknown: 'iptables-save: the output ends inside table filter (no COMMIT)' });
    expect(facts.ipv6)
      .to.have.property('unknown')
      .that.matches(/a rule of a chain the table does not declare/);
  });

  it('accepts a rule with its -A CHAIN prefix and extra spaces', () => {
    expect(canonicalRule('  -A INPUT   -i lo  -j ACCEPT ', 'INPUT')).to.equal('-i lo -j ACCEPT');
    expect(canonicalRule('-A OUTPUT -j DROP', 'INPUT')).to.equal('-A OUTPUT -j DROP');
  });

  it('snapshots every chain, and a family it could not read is a gap', () => {
    if (iptablesInventory.listing.type !== 'framed') throw new Error('a framed listing');
    const context = { host: hostFacts(), ignored: () => false };
    const changed = partsFrame([
      recorded('ipv4', 'iptables-save-nft-changed'),
      recorded('ipv6', 'iptables-save-denied'),
    ]);
    const { items, gaps } = iptablesInventory.listing.read(changed, context);
    expect(items.find((i) => i.chain === 'FORWARD' && i.table === 'filter')).to.deep.equal({
      family: 'ipv4',
      backend: 'nf_tables',
      table: 'filter',
      chain: 'FORWARD',
      policy: 'DROP',
      rules: [],
    });
    expect(items).to.have.length(8);
    const noTools = partsFrame([
      { name: 'ipv4', exitCode: 127, stderr: 'sh: 1: exec: iptables-save: not found' },
      { name: 'ipv6', exitCode: 127, stderr: 'sh: 1: exec: ip6tables-save: not found' },
    ]);
    expect(iptablesInventory.listing.read(noTools, context)).to.deep.equal({ items: [], gaps: [] });
    expect(gaps).to.deep.equal([
      {
        kind: 'iptablesChains',
        reason:
          'ip6tables-save exited 4: iptables-save v1.8.9 (nf_tables): Could not fetch rule set generation id: ' +
          'Permission denied (you must be root)',
      },
    ]);
  });
});
