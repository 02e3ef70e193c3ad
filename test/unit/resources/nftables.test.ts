import { expect } from 'chai';
import { resourceFunction } from '../../../src/dsl/spec.js';
import { createRegistry } from '../../../src/resources/index.js';
import { canonicalRule, nftablesResource, parseNftables } from '../../../src/resources/nftables/index.js';
import { nftablesInventory } from '../../../src/resources/nftables/inventory.js';
import { hostFacts, partsFrame, recordedFrame, type PartSpec } from '../../support/frames.js';
import { judgeFrame, resultLines, statuses } from '../../support/judge.js';

const registry = createRegistry([nftablesResource]);
const nftables = resourceFunction(nftablesResource);

/** One recording of test/fixtures/recorded/firewall/record-nftables.mts as a part of the nftables query. */
function recorded(name: string, file: string): PartSpec {
  const run = recordedFrame(`recorded/firewall/${file}.json`);
  return { name, stdout: run.stdout, stderr: run.stderr.toString('utf8'), exitCode: run.exitCode };
}

function listings(suffix: string) {
  return partsFrame([recorded('json', `nft-json${suffix}`), recorded('text', `nft-text${suffix}`)]);
}

const loaded = listings('');
const text = (suffix: string) => recordedFrame(`recorded/firewall/nft-text${suffix}.json`).stdout.toString('utf8');
const json = (suffix: string) => recordedFrame(`recorded/firewall/nft-json${suffix}.json`).stdout.toString('utf8');

describe('nftables resource', () => {
  it('reads the recorded listings: tables, chains with their settings, rules as nft prints them, sets', () => {
    const facts = parseNftables(loaded);
    if ('unknown' in facts) throw new Error(facts.unknown);
    expect(facts.tables.map((t) => `${t.family} ${t.name}`)).to.deep.equal([
      'inet filter',
      'ip nat',
      'netdev edge',
      'ip6 empty',
    ]);
    expect(
      facts.chains.map((c) => `${c.family} ${c.table} ${c.name} ${c.hook} ${c.priority} ${c.policy}`),
    ).to.deep.equal([
      'inet filter input input 0 drop',
      'inet filter logdrop undefined undefined undefined',
      'ip nat postrouting postrouting 100 accept',
      'netdev edge ingress ingress -500 accept',
    ]);
    expect(facts.chains[0]!.rules).to.deep.equal([
      'iif "lo" accept',
      'ct state established,related accept',
      'tcp dport 22 counter accept comment "ssh from anywhere"',
      'ip saddr @blocked drop',
      'tcp dport { 80, 443 } accept',
      'tcp dport vmap @portmap',
      'jump logdrop',
    ]);
    expect(facts.sets.map((s) => [s.name, s.type, s.flags, s.elements])).to.deep.equal([
      ['blocked', 'ipv4_addr', ['interval'], ['192.0.2.0/24', '198.51.100.7', '203.0.113.10-203.0.113.20']],
      ['ports', 'inet_service', [], ['22', '80', '443']],
      ['pairs', 'ipv4_addr . inet_service', [], ['192.0.2.1 . 22']],
    ]);
  });

  it('judges tables, chains and sets', () => {
    const body = () => {
      nftables('inet filter').exists();
      nftables('ip filter').not.exists();
      nftables('inet filter', { chain: 'input' })
        .exists()
        .type('filter')
        .hook('input')
        .priority(0)
        .policy('drop')
        .hasRule({ rule: 'tcp dport 22 counter accept comment "ssh from anywhere"' })
        .hasRule({ rule: '  iif "lo"   accept ' })
        .not.hasRule({ rule: 'tcp dport 23 accept' })
        .ruleCount(7);
      nftables('inet filter', { chain: 'logdrop' }).rules({ contains: ['log prefix "dropped: " drop'] });
      nftables('inet filter', { chain: 'forward' }).not.exists();
      nftables('ip nat', { chain: 'postrouting' }).type('nat').priority({ ge: 100 });
      nftables('inet filter', { set: 'blocked' })
        .flags({ contains: ['interval'] })
        .hasElement({ element: '198.51.100.7' });
      nftables('inet filter', { set: 'ports' }).hasElement({ element: 443 }).not.hasElement({ element: 8443 });
      nftables('inet filter', { set: 'pairs' })
        .type('ipv4_addr . inet_service')
        .elements({ contains: ['192.0.2.1 . 22'] });
    };
    const results = judgeFrame(registry, body, loaded);
    expect(resultLines(results).filter((line) => !line.startsWith('passed'))).to.deep.equal([]);
    expect(results).to.have.length(21);
  });

  it('fails with the evidence; a missing chain or table is never a pass, and a wrong kind is an error', () => {
    const lines = resultLines(
      judgeFrame(
        registry,
        () => {
          nftables('inet filter', { chain: 'input' }).policy('accept');
          nftables('inet filter', { chain: 'logdrop' }).policy('drop');
          nftables('inet filter', { chain: 'nosuch' }).not.hasRule({ rule: 'drop' });
          nftables('ip filter', { chain: 'input' }).not.policy('drop');
          nftables('inet filter', { chain: 'input' }).hasRule({ rule: 'tcp dport 22 accept' });
          nftables('inet filter').hasRule({ rule: 'drop' });
          nftables('inet filter', { chain: 'input' }).hasElement({ element: 22 });
        },
        loaded,
      ),
    );
    expect(lines).to.deep.equal([
      'failed: expected nftables chain input of table inet filter to have policy "accept", but got "drop"',
      'failed: expected nftables chain logdrop of table inet filter to have policy "drop", ' +
        'but logdrop is a regular chain (no hook): it has no policy',
      'error: could not check nftables chain nosuch of table inet filter: ' +
        'there is no chain nosuch of table inet filter',
      'failed: expected nftables chain input of table ip filter not to have policy "drop", ' +
        'but there is no table ip filter',
      'failed: expected nftables chain input of table inet filter to have rule "tcp dport 22 accept", ' +
        'but none of its 7 rules is "tcp dport 22 accept"',
      'error: could not check nftables table inet filter: hasRule is read from a chain: name one with options.chain',
      'error: could not check nftables chain input of table inet filter: ' +
        'hasElement is read from a set: name one with options.set',
    ]);
  });

  it('reads an empty ruleset as positive evidence that no table exists', () => {
    const empty = listings('-empty');
    const results = judgeFrame(
      registry,
      () => {
        nftables('inet filter').not.exists();
        nftables('inet filter', { chain: 'input' }).not.exists();
      },
      empty,
    );
    expect(statuses(results)).to.deep.equal(['passed', 'passed']);
  });

  it('reads the tables iptables-nft made (its warning on stderr is not a failure), a match nft cannot show', () => {
    const results = judgeFrame(
      registry,
      () => {
        nftables('ip filter', { chain: 'INPUT' }).policy('accept').hasRule({ rule: 'tcp dport 22 counter accept' });
        nftables('ip filter', { chain: 'LOGDROP' }).exists().ruleCount(0);
      },
      listings('-iptables-nft'),
    );
    expect(resultLines(results).filter((line) => !line.startsWith('passed'))).to.deep.equal([]);
  });

  it('reads the listings recorded on a booted instance, before and after a firewall is loaded', () => {
    const booted = (suffix: string) =>
      partsFrame([recorded('json', `booted-nft-json${suffix}`), recorded('text', `booted-nft-text${suffix}`)]);
    const body = () => {
      nftables('inet filter', { chain: 'input' })
        .policy('drop')
        .hasRule({ rule: 'ip saddr @admins tcp dport 8080 accept' })
        .ruleCount(4);
      nftables('inet filter', { set: 'admins' }).elements({ contains: ['192.0.2.5'] });
    };
    expect(statuses(judgeFrame(registry, body, booted('')))).to.deep.equal(Array(4).fill('passed'));
    expect(statuses(judgeFrame(registry, () => nftables('inet filter').not.exists(), booted('-none')))).to.deep.equal([
      'passed',
    ]);
  });

  it('errs without root or without nft, never passing a negated check', () => {
    const denied = partsFrame([recorded('json', 'nft-json-denied'), recorded('text', 'nft-text-denied')]);
    expect(resultLines(judgeFrame(registry, () => nftables('inet filter').not.exists(), denied))).to.deep.equal([
      'error: could not check nftables table inet filter: nft -j list ruleset exited 1: ' +
        'Operation not permitted (you must be root)\n' +
        'netlink: Error: cache initialization failed: Operation not permitted',
    ]);
    const noTool = partsFrame([
      { name: 'json', exitCode: 127, stderr: 'sh: 1: exec: nft: not found' },
      { name: 'text', exitCode: 127, stderr: 'sh: 1: exec: nft: not found' },
    ]);
    expect(resultLines(judgeFrame(registry, () => nftables('inet filter').not.exists(), noTool))).to.deep.equal([
      'error: could not check nftables table inet filter: nft: command not found on the target (exit 127)',
    ]);
  });

  it('refuses listings it cannot read as evidence: cut, forged or disagreeing', () => {
    const unknown = (parts: PartSpec[]) => {
      const facts = parseNftables(partsFrame(parts));
      return 'unknown' in facts ? facts.unknown : 'read';
    };
    const cut = text('').slice(0, text('').indexOf('\tchain logdrop'));
    expect(
      unknown([
        { name: 'json', stdout: json('') },
        { name: 'text', stdout: cut },
      ]),
    ).to.equal('nft -a list ruleset: the listing ends inside a table');
    // A rule whose text holds a line of its own, claiming another rule's handle.
    const forged = text('').replace('jump logdrop # handle 14', 'jump logdrop # handle 14\n\t\taccept # handle 7');
    expect(
      unknown([
        { name: 'json', stdout: json('') },
        { name: 'text', stdout: forged },
      ]),
    ).to.match(/rule handle 7 seen twice in a table/);
    const stray = text('').replace('\t\tjump logdrop # handle 14', '\t\tjump logdrop');
    expect(
      unknown([
        { name: 'json', stdout: json('') },
        { name: 'text', stdout: stray },
      ]),
    ).to.match(/neither a setting nor a rule with its handle/);
    // The ruleset changed between the two listings: the JSON holds a rule the text does not.
    expect(
      unknown([
        { name: 'json', stdout: json('-changed') },
        { name: 'text', stdout: text('') },
      ]),
    ).to.match(/the JSON and text listings differ/);
    expect(
      unknown([
        { name: 'json', stdout: json('') },
        { name: 'text', stdout: text('-changed') },
      ]),
    ).to.match(/the JSON and text listings differ/);
    expect(
      unknown([
        { name: 'json', stdout: '{"nftables": [{"table": {}}]}' },
        { name: 'text', stdout: '' },
      ]),
    ).to.match(/a table of an unexpected shape/);
    expect(
      unknown([
        { name: 'json', stdout: '{"nftables": []}' },
        { name: 'text', stdout: '' },
      ]),
    ).to.match(/no metainfo/);
    expect(
      unknown([
        { name: 'json', stdout: 'table inet filter {' },
        { name: 'text', stdout: '' },
      ]),
    ).to.match(/not JSON/);
    expect(unknown([{ name: 'json', stdout: json('') }])).to.match(/no part "text"/);
  });

  it('compares rules with runs of blanks made one outside quoted strings', () => {
    expect(canonicalRule('  tcp dport 22  counter\taccept ')).to.equal('tcp dport 22 counter accept');
    expect(canonicalRule('log prefix "a  b"  drop')).to.equal('log prefix "a  b" drop');
    expect(canonicalRule('comment "say \\"x  y\\""  accept')).to.equal('comment "say \\"x  y\\"" accept');
  });

  it('snapshots every chain; a ruleset it could not read is a gap, a host without nft lists none', () => {
    if (nftablesInventory.listing.type !== 'framed') throw new Error('a framed listing');
    const context = { host: hostFacts(), ignored: () => false };
    const { items, gaps } = nftablesInventory.listing.read(listings('-changed'), context);
    expect(gaps).to.deep.equal([]);
    expect(items.map((i) => `${i.family} ${i.table} ${i.chain}`)).to.deep.equal([
      'inet filter input',
      'inet filter logdrop',
      'inet filter ssh_in',
      'ip nat postrouting',
      'netdev edge ingress',
    ]);
    expect(items[0]).to.deep.include({ type: 'filter', hook: 'input', priority: 0, policy: 'accept' });
    expect(items[0]!.rules.at(-1)).to.equal('tcp dport 2222 drop');
    expect(items[2]).to.deep.equal({
      family: 'inet',
      table: 'filter',
      chain: 'ssh_in',
      type: null,
      hook: null,
      priority: null,
      policy: null,
      rules: [],
    });
    const denied = partsFrame([recorded('json', 'nft-json-denied'), recorded('text', 'nft-text-denied')]);
    expect(nftablesInventory.listing.read(denied, context).gaps).to.have.length(1);
    const noTool = partsFrame([
      { name: 'json', exitCode: 127 },
      { name: 'text', exitCode: 127 },
    ]);
    expect(nftablesInventory.listing.read(noTool, context)).to.deep.equal({ items: [], gaps: [] });
  });

  it('refuses a subject without a family, and options naming a chain and a set at once', () => {
    expect(() => judgeFrame(registry, () => nftables('filter').exists(), loaded)).to.throw(/a family/);
    expect(() =>
      judgeFrame(registry, () => nftables('inet filter', { chain: 'a', set: 'b' }).exists(), loaded),
    ).to.throw(/name a chain or a set, not both/);
  });
});
