import type { HostSpool } from '../results/host-spool.js';
import type { RunResult } from '../results/schema.js';
import { hostKey, joinShards, planMerge, type HostKey, type ShardSummary } from './merge.js';
import { streamShardResult } from './read.js';

/**
 * `mergeShards` over shard files read host by host: each host's result goes to `spool` as it is
 * read, only its identity and counts stay in memory, and the merged result's `hosts` are read back
 * from the spool in the whole selection's order. Every file is read and checked (SpecError, exit
 * 78) before the shards are checked to be one sweep (ShardMergeError, exit 79).
 */
export function mergeShardFiles(
  paths: readonly string[],
  cwd: string,
  policyHash: string,
  spool: HostSpool,
): RunResult {
  const summaries: ShardSummary[] = [];
  const firstInSpool: number[] = [];
  for (const path of paths) {
    const hosts: HostKey[] = [];
    firstInSpool.push(spool.length);
    const result = streamShardResult(path, cwd, (host) => {
      spool.append(host);
      hosts.push(hostKey(host));
    });
    summaries.push({ path, result, hosts });
  }
  const order = planMerge(summaries, policyHash);
  return joinShards(summaries, spool.hosts(order.map(({ shard, host }) => firstInSpool[shard]! + host)));
}
