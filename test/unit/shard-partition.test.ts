import { expect } from 'chai';
import { CommanderError } from 'commander';
import { shardRequest } from '../../src/cli/shard-options.js';
import { DEFAULT_POLICY } from '../../src/gate/policy.js';
import type { Plan } from '../../src/plan/schema.js';
import { emptyShardVerdict } from '../../src/shard/empty.js';
import { canonicalJson, valueHash } from '../../src/shard/fingerprint.js';
import {
  hostIdentity,
  inventoryHostIdentity,
  MAX_SHARDS,
  parseShardFraction,
  shardFromZeroBasedIndex,
  ShardOptionError,
  shardOf,
} from '../../src/shard/partition.js';
import { planHash, selectShard, ShardSelector } from '../../src/shard/select.js';

const PLAN: Plan = { schemaVersion: 1, specs: [{ name: 's' }], controls: [], checks: [] };
const names = (count: number) => Array.from({ length: count }, (_, i) => `web${String(i + 1).padStart(5, '0')}`);
const asCandidate = (name: string) => ({ target: `ssh://${name}`, inventoryName: name });

function split(hosts: readonly string[], count: number): Map<string, number> {
  const where = new Map<string, number>();
  for (let index = 1; index <= count; index++) {
    const { hosts: mine } = selectShard(hosts, asCandidate, { index, count }, { plan: PLAN, policy: DEFAULT_POLICY });
    for (const host of mine) {
      expect(where.has(host), `${host} in two shards`).to.equal(false);
      where.set(host, index);
    }
  }
  return where;
}

/** A deterministic shuffle (a linear congruential generator), so a failure can be replayed. */
function shuffled<T>(items: readonly T[], seed: number): T[] {
  const copy = [...items];
  let state = seed;
  for (let i = copy.length - 1; i > 0; i--) {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    const j = state % (i + 1);
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy;
}

describe('sharding: the partition of the selected hosts', () => {
  it('puts every host in exactly one shard, and a host always in the same one', () => {
    const hosts = names(500);
    const first = split(hosts, 7);
    expect(first.size).to.equal(500);
    expect(split(hosts, 7)).to.deep.equal(first);
    for (const host of hosts) expect(first.get(host)).to.equal(shardOf(`inventory:${host}`, 7));
  });

  it('does not depend on the order of the hosts nor on which other hosts are selected', () => {
    const hosts = names(300);
    const whole = split(hosts, 5);
    const reordered = split(shuffled(hosts, 42), 5);
    const some = shuffled(hosts, 7).slice(0, 60);
    const subset = split(some, 5);
    for (const host of hosts) expect(reordered.get(host), host).to.equal(whole.get(host));
    for (const host of some) expect(subset.get(host), host).to.equal(whole.get(host));
  });

  it('is pinned: the same identity lands in the same shard in every release (merge compares versions too)', () => {
    // sha256("web1") begins 0x659a7fb2af476fae: modulo 4 is 2 (shard 3), modulo 5 is 3 (shard 4).
    expect(0x659a7fb2af476faen % 4n).to.equal(2n);
    expect(shardOf('web1', 4)).to.equal(3);
    expect(shardOf('web1', 5)).to.equal(Number(0x659a7fb2af476faen % 5n) + 1);
    expect(shardOf('web1', 1)).to.equal(1);
  });

  it('is balanced: 10,000 hosts in 8 shards, each within 15 % of an eighth (5 standard deviations: 165)', () => {
    for (const name of [(i: number) => `web${i}`, (i: number) => `inventory:h${String(i).padStart(5, '0')}`]) {
      const counts = new Array<number>(8).fill(0);
      for (let i = 1; i <= 10_000; i++) counts[shardOf(name(i), 8) - 1]!++;
      for (const count of counts) expect(count).to.be.within(1250 * 0.85, 1250 * 1.15);
    }
  });

  it('records each host’s place in the whole selection, the selection and the fingerprints', () => {
    const hosts = names(20);
    const { hosts: mine, record } = selectShard(
      hosts,
      asCandidate,
      { index: 2, count: 3 },
      {
        plan: PLAN,
        policy: DEFAULT_POLICY,
      },
    );
    expect(record.positions.map((p) => hosts[p])).to.deep.equal(mine);
    expect(record.positions).to.deep.equal([...record.positions].sort((a, b) => a - b));
    expect(record).to.include({ index: 2, count: 3, planHash: planHash(PLAN), policyHash: valueHash(DEFAULT_POLICY) });
    expect(record.selection.hosts).to.equal(20);
    const other = selectShard(
      shuffled(hosts, 3),
      asCandidate,
      { index: 2, count: 3 },
      {
        plan: PLAN,
        policy: DEFAULT_POLICY,
      },
    );
    expect(other.record.selection.hash, 'another order is another selection').to.not.equal(record.selection.hash);
  });

  it('hashes the selection as the list of every identity, though each host is offered and let go in turn', () => {
    const hosts = names(50);
    const identities = hosts.map((host) => hostIdentity(asCandidate(host)));
    const fingerprints = { plan: PLAN, policy: DEFAULT_POLICY };
    const selector = new ShardSelector({ index: 1, count: 4 });
    const mine = identities.filter((identity) => selector.offer(identity));
    const record = selector.record(fingerprints);
    expect(record.selection).to.deep.equal({ hash: valueHash(identities), hosts: 50 });
    expect(record).to.deep.equal(selectShard(hosts, asCandidate, { index: 1, count: 4 }, fingerprints).record);
    expect(record.positions.map((position) => identities[position])).to.deep.equal(mine);
    expect(hostIdentity({ target: 'ssh://x', inventoryName: 'web1' })).to.equal(inventoryHostIdentity('web1'));
  });

  it('names a host by its inventory name, else by its target', () => {
    expect(hostIdentity({ target: 'ssh://10.0.0.1', inventoryName: 'web1' })).to.equal('inventory:web1');
    expect(hostIdentity({ target: 'ssh://10.0.0.1' })).to.equal('ssh://10.0.0.1');
  });

  it('hashes values as data: key order does not matter, values do', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { f: 1, e: 0 }], c: undefined } })).to.equal(
      '{"a":{"d":[2,{"e":0,"f":1}]},"b":1}',
    );
    expect(valueHash({ a: 1, b: 2 })).to.equal(valueHash({ b: 2, a: 1 }));
    expect(valueHash({ a: 1 }))
      .to.match(/^sha256:[0-9a-f]{64}$/)
      .and.not.equal(valueHash({ a: 2 }));
  });

  it('an empty shard passes; the merged verdict decides', () => {
    const { record } = selectShard([], asCandidate, { index: 1, count: 2 }, { plan: PLAN, policy: DEFAULT_POLICY });
    expect(emptyShardVerdict(record)).to.deep.equal({
      verdict: 'passed',
      exitCode: 0,
      summary: 'passed: no host in shard 1/2 (0 hosts selected in all)',
      reasons: [],
    });
  });
});

describe('sharding: the shard options', () => {
  it('reads K/N, 1-based', () => {
    expect(parseShardFraction('1/3')).to.deep.equal({ index: 1, count: 3 });
    expect(parseShardFraction('3/3')).to.deep.equal({ index: 3, count: 3 });
    expect(parseShardFraction(`1/${MAX_SHARDS}`)).to.deep.equal({ index: 1, count: MAX_SHARDS });
  });

  for (const [text, message] of [
    ['0/3', '--shard 0/3: there are shards 1 to 3 (0 to 2 0-based)'],
    ['4/3', '--shard 4/3: there are shards 1 to 3 (0 to 2 0-based)'],
    ['1/0', '--shard 1/0: the shard count must be from 1 to 10000'],
    [`1/${MAX_SHARDS + 1}`, '--shard 1/10001: the shard count must be from 1 to 10000'],
    ['3', '--shard "3": expected K/N, such as 1/3 (K from 1 to N)'],
    ['a/b', '--shard "a/b": expected K/N, such as 1/3 (K from 1 to N)'],
    ['-1/3', '--shard "-1/3": expected K/N, such as 1/3 (K from 1 to N)'],
  ] as const) {
    it(`refuses --shard ${text}`, () => {
      expect(() => parseShardFraction(text)).to.throw(ShardOptionError, message);
    });
  }

  it('reads a 0-based index as Kubernetes gives it: 0 is shard 1', () => {
    expect(shardFromZeroBasedIndex('0', 3, 'JOB_COMPLETION_INDEX')).to.deep.equal({ index: 1, count: 3 });
    expect(shardFromZeroBasedIndex('2', 3, 'JOB_COMPLETION_INDEX')).to.deep.equal({ index: 3, count: 3 });
    expect(() => shardFromZeroBasedIndex('3', 3, 'JOB_COMPLETION_INDEX')).to.throw(
      'JOB_COMPLETION_INDEX 3 (0-based): there are shards 1 to 3 (0 to 2 0-based)',
    );
    expect(() => shardFromZeroBasedIndex('x', 3, '--shard-index')).to.throw(
      '--shard-index "x": expected a whole number from 0 to 2',
    );
  });

  it('takes --shard, or --shard-count with --shard-index or JOB_COMPLETION_INDEX; none: no sharding', () => {
    expect(shardRequest({ shard: '2/4' }, {})).to.deep.equal({ index: 2, count: 4 });
    expect(shardRequest({ shardCount: 4, shardIndex: '0' }, { JOB_COMPLETION_INDEX: '3' })).to.deep.equal({
      index: 1,
      count: 4,
    });
    expect(shardRequest({ shardCount: 4 }, { JOB_COMPLETION_INDEX: '3' })).to.deep.equal({ index: 4, count: 4 });
    expect(shardRequest({}, { JOB_COMPLETION_INDEX: '3' })).to.equal(undefined);
  });

  for (const [flags, env, message] of [
    [{ shardCount: 4 }, {}, '--shard-count needs --shard-index <i> or JOB_COMPLETION_INDEX in the environment'],
    [{ shardIndex: '1' }, {}, '--shard-index needs --shard-count <n>'],
    [{ shard: '1/2', shardCount: 2 }, {}, '--shard K/N names the shard whole: drop --shard-count and --shard-index'],
    [{ shard: '3/2' }, {}, '--shard 3/2: there are shards 1 to 2 (0 to 1 0-based)'],
  ] as const) {
    it(`is wrong usage (exit 64): ${message}`, () => {
      let thrown: unknown;
      try {
        shardRequest(flags, env);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).to.be.instanceOf(CommanderError);
      expect((thrown as CommanderError).exitCode).to.equal(64);
      expect((thrown as CommanderError).message).to.equal(message);
    });
  }
});
