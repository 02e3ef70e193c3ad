import {
  addCounts,
  emptyCounts,
  type HostResult,
  type RunResult,
  type ShardRecord,
  type StatusCounts,
} from '../results/schema.js';
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

/** What merge needs of a host to place it: who it is and its counts; its results may stay in a spool. */
export interface HostKey {
  target: string;
  inventoryName: string | undefined;
  counts: StatusCounts;
}

export function hostKey(host: HostResult): HostKey {
  return { target: host.target, inventoryName: host.inventory?.name, counts: host.counts };
}

/** A shard as merge checks it: its result (whose `hosts` are not read) and its hosts' keys, in its order. */
export interface ShardSummary {
  path: string;
  result: RunResult;
  hosts: readonly HostKey[];
}

/** Where a host of the merged result comes from: its shard (index in the files given) and its index there. */
export interface HostPlace {
  shard: number;
  host: number;
}

interface Shard extends ShardSummary {
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
  const summaries = files.map((file) => ({
    path: file.path,
    result: file.result,
    hosts: file.result.hosts.map(hostKey),
  }));
  const order = planMerge(summaries, policyHash);
  return joinShards(
    summaries,
    order.map(({ shard, host }) => files[shard]!.result.hosts[host]!),
  );
}

/**
 * The checks of `mergeShards` on the shards' summaries, and where each host of the merged result
 * comes from, in the order of the whole selection: for a merge whose hosts are not in memory.
 */
export function planMerge(summaries: readonly ShardSummary[], policyHash: string): HostPlace[] {
  if (summaries.length === 0) throw new ShardMergeError(['no shard result was given']);
  const shards = summaries.map(asShard);
  const problems = shards.flatMap((shard) => (shard.record === undefined ? [notAShard(shard.path)] : []));
  if (problems.length > 0) throw new ShardMergeError(problems);
  const complete = shards as Shard[];
  problems.push(...sameSweep(complete, policyHash), ...oneOfEachShard(complete));
  if (problems.length > 0) throw new ShardMergeError(problems);
  return placeHosts(complete);
}

function asShard(summary: ShardSummary): Omit<Shard, 'record'> & { record: ShardRecord | undefined } {
  return { ...summary, record: summary.result.shard };
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
function placeHosts(shards: readonly Shard[]): HostPlace[] {
  const { hosts: total } = shards[0]!.record.selection;
  const places = Array.from({ length: total }, (): (HostPlace & { path: string }) | undefined => undefined);
  const problems: string[] = [];
  shards.forEach(({ path, hosts, record }, shard) => {
    if (record.positions.length !== hosts.length) {
      problems.push(`${path}: ${hosts.length} hosts but ${record.positions.length} positions`);
      return;
    }
    hosts.forEach((host, i) => {
      const position = record.positions[i]!;
      const identity = hostIdentity({ target: host.target, inventoryName: host.inventoryName });
      const placed = places[position];
      if (position >= total) problems.push(`${path}: ${host.target} is at position ${position} of ${total} hosts`);
      else if (placed) problems.push(`${host.target} is in two shards: ${placed.path} and ${path}`);
      else if (shardOf(identity, record.count) !== record.index)
        problems.push(`${path}: ${host.target} does not belong to shard ${record.index}/${record.count}`);
      else places[position] = { shard, host: i, path };
    });
  });
  const empty = places.filter((place) => place === undefined).length;
  if (problems.length === 0 && empty > 0) problems.push(`${empty} of the ${total} selected hosts are in no shard`);
  if (problems.length > 0) throw new ShardMergeError(problems);
  return places.map((place) => ({ shard: place!.shard, host: place!.host }));
}

/** The merged result of checked shards, with their hosts in the order `planMerge` gave (a list or a spool's). */
export function joinShards(summaries: readonly ShardSummary[], hosts: HostResult[]): RunResult {
  const first = summaries[0]!.result;
  const starts = summaries.map((s) => s.result.startedAt);
  const ends = summaries.map((s) => s.result.finishedAt);
  const counts = summaries
    .flatMap((summary) => summary.hosts)
    .reduce((sum: StatusCounts, host) => addCounts(sum, host.counts), emptyCounts());
  return {
    schemaVersion: first.schemaVersion,
    tool: first.tool,
    startedAt: earliest(starts),
    finishedAt: latest(ends),
    specs: first.specs,
    controls: first.controls,
    counts,
    hosts,
    // The same specs and command line in every shard: their waivers, filters and warnings too.
    ...(first.waivers ? { waivers: first.waivers } : {}),
    ...(first.selection ? { selection: first.selection } : {}),
    ...(first.warnings ? { warnings: first.warnings } : {}),
  };
}

function earliest(times: readonly string[]): string {
  return times.reduce((a, b) => (Date.parse(b) < Date.parse(a) ? b : a));
}

function latest(times: readonly string[]): string {
  return times.reduce((a, b) => (Date.parse(b) > Date.parse(a) ? b : a));
}
