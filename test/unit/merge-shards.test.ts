import { expect } from 'chai';
import { DEFAULT_POLICY, parseGatePolicy } from '../../src/gate/policy.js';
import { decideVerdict } from '../../src/gate/verdict.js';
import type { Plan } from '../../src/plan/schema.js';
import { addCounts, emptyCounts, type HostResult, type RunResult } from '../../src/results/schema.js';
import { valueHash } from '../../src/shard/fingerprint.js';
import { mergeShards, ShardMergeError, type ShardFile } from '../../src/shard/merge.js';
import { selectShard } from '../../src/shard/select.js';
import { runResultOf } from '../support/promotion.js';

const PLAN: Plan = { schemaVersion: 1, specs: [{ name: 's', version: '1.0.0' }], controls: [], checks: [] };
const DEFAULT_HASH = valueHash(DEFAULT_POLICY);

/** Eleven hosts: passing, failing, erroring and unreachable ones, some from an inventory. */
function singleRun(): RunResult {
  const run = runResultOf(
    Array.from({ length: 11 }, (_, i) => ({
      target: `ssh://10.0.0.${i + 1}`,
      ...(i % 4 === 1 ? { checks: ['failed', 'passed'] as const } : {}),
      ...(i % 4 === 2 ? { checks: ['error', 'passed'] as const } : {}),
      ...(i % 4 === 3 ? { status: 'unreachable' as const, checks: ['error', 'error'] as const } : {}),
    })),
  );
  run.hosts = run.hosts.map((host, i) =>
    i % 2 === 0 ? { ...host, inventory: { name: `web${i}`, groups: [], tags: [] } } : host,
  );
  return run;
}

/** The single run cut into `count` shards the way `run --shard K/N` cuts the selection. */
function shardsOf(single: RunResult, count: number, policy: unknown = DEFAULT_POLICY): ShardFile[] {
  const candidate = (host: HostResult) => ({ target: host.target, inventoryName: host.inventory?.name });
  return Array.from({ length: count }, (_, i) => {
    const { hosts, record } = selectShard(single.hosts, candidate, { index: i + 1, count }, { plan: PLAN, policy });
    const minute = String(10 + i);
    const result: RunResult = {
      ...single,
      startedAt: `2026-01-01T00:${minute}:00.000+00:00`,
      finishedAt: `2026-01-01T00:${minute}:30.000+00:00`,
      counts: hosts.reduce((sum, host) => addCounts(sum, host.counts), emptyCounts()),
      hosts,
      shard: record,
    };
    return { path: `shard-${i + 1}.json`, result };
  });
}

function refusal(files: readonly ShardFile[], policyHash = DEFAULT_HASH): readonly string[] {
  try {
    mergeShards(files, policyHash);
  } catch (error) {
    if (error instanceof ShardMergeError) return error.problems;
    throw error;
  }
  throw new Error('expected the shards to be refused');
}

const withShard = (file: ShardFile, change: Partial<NonNullable<RunResult['shard']>>): ShardFile => ({
  ...file,
  result: { ...file.result, shard: { ...file.result.shard!, ...change } },
});

describe('merge: shards joined into the result of one run', () => {
  for (const count of [1, 2, 3, 5, 11, 16]) {
    it(`${count} shards give the single run's hosts, order, counts and verdict`, () => {
      const single = singleRun();
      const shards = shardsOf(single, count);
      const merged = mergeShards(shards, DEFAULT_HASH);
      expect(merged).to.deep.equal({
        ...single,
        startedAt: '2026-01-01T00:10:00.000+00:00',
        finishedAt: `2026-01-01T00:${10 + count - 1}:30.000+00:00`,
      });
      expect(decideVerdict(merged)).to.deep.equal(decideVerdict(single));
    });
  }

  it('takes the shards in any order', () => {
    const single = singleRun();
    const shards = shardsOf(single, 4).reverse();
    expect(mergeShards(shards, DEFAULT_HASH).hosts).to.deep.equal(single.hosts);
  });

  it('merges shards that hold no host, and a sweep of no host at all', () => {
    const single = runResultOf([]);
    const merged = mergeShards(shardsOf(single, 3), DEFAULT_HASH);
    expect(merged.hosts).to.deep.equal([]);
    expect(decideVerdict(merged).summary).to.equal('blocked: no host was checked');
  });

  it('judges with the policy the shards ran with', () => {
    const policy = parseGatePolicy('unreachable: allow\nerrors: allow\nfailures: {allow: {medium: 1}}\n', 'p.yaml');
    const shards = shardsOf(singleRun(), 3, policy);
    const merged = mergeShards(shards, valueHash(policy));
    expect(decideVerdict(merged, policy).verdict).to.equal('passed');
    expect(refusal(shards)).to.deep.equal([
      'the shards ran with another gate policy than the one given to merge: give merge the same --policy file as ' +
        'the shards (or none, if they had none)',
    ]);
  });
});

describe('merge: refused shards (exit 79)', () => {
  it('refuses no shard and a result that is not a shard', () => {
    expect(refusal([])).to.deep.equal(['no shard result was given']);
    expect(refusal([{ path: 'run.json', result: singleRun() }])).to.deep.equal([
      'run.json: not a shard\'s result (it has no "shard" field: write it with driftspec run --shard K/N)',
    ]);
  });

  it('refuses a missing shard and a shard given twice', () => {
    const [one, two, three] = shardsOf(singleRun(), 3);
    expect(refusal([one!, three!])).to.deep.equal(['missing shard 2/3']);
    expect(refusal([one!, two!, three!, { ...two!, path: 'again.json' }])).to.deep.equal([
      'shard 2/3 is given twice: shard-2.json and again.json',
    ]);
  });

  it('refuses shards of different counts, plans, selections, policies and versions', () => {
    const single = singleRun();
    const [a, b] = shardsOf(single, 2);
    const [, ofThree] = shardsOf(single, 3);
    expect(refusal([a!, ofThree!])).to.include(
      'shard-2.json and shard-1.json have different shard counts (2 in shard-1.json)',
    );
    expect(refusal([a!, withShard(b!, { planHash: valueHash('another plan') })])).to.deep.equal([
      'shard-2.json and shard-1.json have different plans (the specs, their controls or their checks differ)',
    ]);
    expect(refusal([a!, withShard(b!, { selection: { hash: valueHash(['x']), hosts: 11 } })])).to.deep.equal([
      'shard-2.json and shard-1.json have different host selections (other inventories, --limit or --target)',
    ]);
    expect(refusal([a!, withShard(b!, { policyHash: valueHash({ errors: 'allow' }) })])).to.deep.equal([
      'shard-2.json and shard-1.json have different policies (each shard must run with the same --policy)',
    ]);
    const newer = { ...b!, result: { ...b!.result, tool: { name: 'driftspec' as const, version: '9.9.9' } } };
    expect(refusal([a!, newer])).to.deep.equal([
      'shard-2.json and shard-1.json have different driftspec versions (0.1.0 in shard-1.json)',
    ]);
  });

  it('refuses a shard number beyond the count', () => {
    const [a, b] = shardsOf(singleRun(), 2);
    expect(refusal([a!, b!, withShard({ ...b!, path: 'x.json' }, { index: 3 })])).to.deep.equal([
      'x.json: shard 3/2 does not exist',
    ]);
  });

  it('refuses a host in two shards, a host in the wrong shard and hosts in no shard', () => {
    const [a, b] = shardsOf(singleRun(), 2);
    const stolen = b!.result.hosts[0]!;
    const twice = {
      ...a!,
      result: {
        ...a!.result,
        hosts: [...a!.result.hosts, stolen],
        shard: { ...a!.result.shard!, positions: [...a!.result.shard!.positions, b!.result.shard!.positions[0]!] },
      },
    };
    expect(refusal([twice, b!])).to.deep.equal([`shard-1.json: ${stolen.target} does not belong to shard 1/2`]);
    expect(refusal([b!, twice])).to.deep.equal([`${stolen.target} is in two shards: shard-2.json and shard-1.json`]);
    const dropped = {
      ...a!,
      result: {
        ...a!.result,
        hosts: a!.result.hosts.slice(1),
        shard: { ...a!.result.shard!, positions: a!.result.shard!.positions.slice(1) },
      },
    };
    expect(refusal([dropped, b!])).to.deep.equal(['1 of the 11 selected hosts are in no shard']);
  });

  it('refuses positions that do not match the hosts', () => {
    const [a, b] = shardsOf(singleRun(), 2);
    expect(refusal([withShard(a!, { positions: [] }), b!])).to.deep.equal([
      `shard-1.json: ${a!.result.hosts.length} hosts but 0 positions`,
    ]);
    const far = a!.result.shard!.positions.map((p, i) => (i === 0 ? 99 : p));
    expect(refusal([withShard(a!, { positions: far }), b!])).to.deep.equal([
      `shard-1.json: ${a!.result.hosts[0]!.target} is at position 99 of 11 hosts`,
    ]);
  });
});
