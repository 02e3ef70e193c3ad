import { createHash } from 'node:crypto';

/** The most shards a sweep may be split into. */
export const MAX_SHARDS = 10_000;

/** Shard `index` (1-based) of `count`. */
export interface ShardNumber {
  index: number;
  count: number;
}

/**
 * The shard (1-based) a host belongs to: its identity's sha256 modulo the count. It depends on the
 * identity and the count only, never on the order of the hosts or on which others are selected.
 */
export function shardOf(identity: string, count: number): number {
  const digest = createHash('sha256').update(identity, 'utf8').digest();
  return Number(digest.readBigUInt64BE(0) % BigInt(count)) + 1;
}

/**
 * What names a host for sharding: its inventory name when it came from an inventory (it stays the
 * same when the address changes), otherwise its target as given (`ssh://user@host:port`).
 */
export function hostIdentity(host: { target: string; inventoryName?: string | undefined }): string {
  return host.inventoryName === undefined ? host.target : inventoryHostIdentity(host.inventoryName);
}

export function inventoryHostIdentity(name: string): string {
  return `inventory:${name}`;
}

/** A wrong shard number: the message says what was expected. */
export class ShardOptionError extends Error {
  override name = 'ShardOptionError';
}

/** `K/N`, 1-based: `1/3`, `2/3`, `3/3`. */
export function parseShardFraction(text: string): ShardNumber {
  const match = /^(\d+)\/(\d+)$/.exec(text.trim());
  if (!match) throw new ShardOptionError(`--shard ${JSON.stringify(text)}: expected K/N, such as 1/3 (K from 1 to N)`);
  return checkedShard(Number(match[1]), Number(match[2]), `--shard ${text}`);
}

/**
 * A 0-based index, as a Kubernetes Indexed Job gives it in JOB_COMPLETION_INDEX, and a count:
 * index 0 is shard 1/N.
 */
export function shardFromZeroBasedIndex(indexText: string, count: number, source: string): ShardNumber {
  if (!/^\d+$/.test(indexText.trim()))
    throw new ShardOptionError(
      `${source} ${JSON.stringify(indexText)}: expected a whole number from 0 to ${count - 1}`,
    );
  return checkedShard(Number(indexText) + 1, count, `${source} ${indexText.trim()} (0-based)`);
}

function checkedShard(index: number, count: number, given: string): ShardNumber {
  if (!Number.isSafeInteger(count) || count < 1 || count > MAX_SHARDS)
    throw new ShardOptionError(`${given}: the shard count must be from 1 to ${MAX_SHARDS}`);
  if (!Number.isSafeInteger(index) || index < 1 || index > count)
    throw new ShardOptionError(`${given}: there are shards 1 to ${count} (0 to ${count - 1} 0-based)`);
  return { index, count };
}
