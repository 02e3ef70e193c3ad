import { addCounts, emptyCounts, type HostResult, type RunResult, type ShardRecord } from '../results/schema.js';
import { hostIdentity, shardOf } from './partition.js';

/** A shard's result and the file it came from, for messages. */
export interface ShardFile {
  path: string;
  result: RunResult;
}

/** Shards that cannot be merged; `problems` names each file and what is wrong (exit code `EXIT.shards`). */
export class ShardMergeError extends Error {
  override name = 'ShardMergeError';
  constructor(readonly problems: readonly string[]) {
    super(`cannot merge these shards:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

interface Shard {
  path: string;
  result: RunResult;
  record: ShardRecord;
}

/**
 * Joins the results of every shard of one sweep into the result a single run over all hosts would
 * have given: hosts in the order of the whole selection (the `--target`s, then the inventory's
 * hosts in file order), counts summed, started at the earliest shard's start and finished at the
 * latest one's end. `policyHash` is the hash of the policy the merge will judge with; the shards
 * must have run with the same one. Refuses (ShardMergeError) shards of other sweeps, missing,
 * duplicate or forged shards, and a host in two shards.
 */
export function mergeShards(files: readonly ShardFile[], policyHash: string): RunResult {
  if (files.length === 0) throw new ShardMergeError(['no shard result was given']);
  const shards = files.map(asShard);
  const problems = shards.flatMap((shard) => (shard.record === undefined ? [notAShard(shard.path)] : []));
  if (problems.length > 0) throw new ShardMergeError(problems);
  const complete = shards as Shard[];
  problems.push(...sameSweep(complete, policyHash), ...oneOfEachShard(complete));
  if (problems.length > 0) throw new ShardMergeError(problems);
  const ordered = placeHosts(complete);
  return joined(complete, ordered);
}

function asShard(file: ShardFile): { path: string; result: RunResult; record: ShardRecord | undefined } {
  return { path: file.path, result: file.result, record: file.result.shard };
}

function notAShard(path: string): string {
  return `${path}: not a shard's result (it has no "shard" field: write it with driftspec run --shard K/N)`;
}

/** Every shard of the same plan, policy, selection, shard count and driftspec version. */
function sameSweep(shards: readonly Shard[], policyHash: string): string[] {
  const first = shards[0]!;
  const problems: string[] = [];
  const differs = (what: string, value: (shard: Shard) => unknown, hint: string) => {
    for (const shard of shards.slice(1)) {
      if (value(shard) !== value(first))
        problems.push(`${shard.path} and ${first.path} have different ${what} (${hint})`);
    }
  };
  differs('shard counts', (s) => s.record.count, `${first.record.count} in ${first.path}`);
  differs('plans', (s) => s.record.planHash, 'the specs, their controls or their checks differ');
  differs('host selections', (s) => s.record.selection.hash, 'other inventories, --limit or --target');
  differs('policies', (s) => s.record.policyHash, 'each shard must run with the same --policy');
  differs('driftspec versions', (s) => s.result.tool.version, `${first.result.tool.version} in ${first.path}`);
  if (problems.length === 0 && first.record.policyHash !== policyHash)
    problems.push(
      `the shards ran with another gate policy than the one given to merge: give merge the same --policy ` +
        `file as the shards (or none, if they had none)`,
    );
  return problems;
}

/** Shards 1 to N, each exactly once. */
function oneOfEachShard(shards: readonly Shard[]): string[] {
  const count = shards[0]!.record.count;
  const byIndex = new Map<number, Shard>();
  const problems: string[] = [];
  for (const shard of shards) {
    const { index } = shard.record;
    const twin = byIndex.get(index);
    if (index > count) problems.push(`${shard.path}: shard ${index}/${count} does not exist`);
    else if (twin) problems.push(`shard ${index}/${count} is given twice: ${twin.path} and ${shard.path}`);
    else byIndex.set(index, shard);
  }
  const missing = Array.from({ length: count }, (_, i) => i + 1).filter((index) => !byIndex.has(index));
  if (missing.length > 0) problems.push(`missing ${missing.map((index) => `shard ${index}/${count}`).join(', ')}`);
  return problems;
}

/**
 * Every host at its place in the whole selection. A host in two shards, a place left empty, a
 * shard whose positions do not match its hosts, or a host in a shard its identity does not hash to
 * is refused: the shards were edited or do not come from one sweep.
 */
function placeHosts(shards: readonly Shard[]): HostResult[] {
  const { hosts: total } = shards[0]!.record.selection;
  const places = Array.from({ length: total }, (): { host: HostResult; path: string } | undefined => undefined);
  const problems: string[] = [];
  for (const { path, result, record } of shards) {
    if (record.positions.length !== result.hosts.length) {
      problems.push(`${path}: ${result.hosts.length} hosts but ${record.positions.length} positions`);
      continue;
    }
    result.hosts.forEach((host, i) => {
      const position = record.positions[i]!;
      const identity = hostIdentity({ target: host.target, inventoryName: host.inventory?.name });
      const placed = places[position];
      if (position >= total) problems.push(`${path}: ${host.target} is at position ${position} of ${total} hosts`);
      else if (placed) problems.push(`${host.target} is in two shards: ${placed.path} and ${path}`);
      else if (shardOf(identity, record.count) !== record.index)
        problems.push(`${path}: ${host.target} does not belong to shard ${record.index}/${record.count}`);
      else places[position] = { host, path };
    });
  }
  const empty = places.filter((place) => place === undefined).length;
  if (problems.length === 0 && empty > 0) problems.push(`${empty} of the ${total} selected hosts are in no shard`);
  if (problems.length > 0) throw new ShardMergeError(problems);
  return places.map((place) => place!.host);
}

function joined(shards: readonly Shard[], hosts: HostResult[]): RunResult {
  const first = shards[0]!.result;
  const starts = shards.map((s) => s.result.startedAt);
  const ends = shards.map((s) => s.result.finishedAt);
  return {
    schemaVersion: first.schemaVersion,
    tool: first.tool,
    startedAt: earliest(starts),
    finishedAt: latest(ends),
    specs: first.specs,
    controls: first.controls,
    counts: hosts.reduce((sum, host) => addCounts(sum, host.counts), emptyCounts()),
    hosts,
  };
}

function earliest(times: readonly string[]): string {
  return times.reduce((a, b) => (Date.parse(b) < Date.parse(a) ? b : a));
}

function latest(times: readonly string[]): string {
  return times.reduce((a, b) => (Date.parse(b) > Date.parse(a) ? b : a));
}
