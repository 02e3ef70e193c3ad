import { parseShardFraction, shardFromZeroBasedIndex, ShardOptionError, type ShardNumber } from '../shard/partition.js';
import type { RunFlags } from './flags.js';
import { usageError } from './usage.js';

/**
 * The shard `driftspec run` checks: `--shard K/N`, or `--shard-count N` with a 0-based index from
 * `--shard-index` or the environment's JOB_COMPLETION_INDEX; undefined without any. Wrong usage is exit 64.
 */
export function shardRequest(
  flags: Pick<RunFlags, 'shard' | 'shardCount' | 'shardIndex'>,
  env: NodeJS.ProcessEnv,
): ShardNumber | undefined {
  try {
    return requestedShard(flags, env);
  } catch (error) {
    if (error instanceof ShardOptionError) throw usageError(error.message);
    throw error;
  }
}

function requestedShard(
  flags: Pick<RunFlags, 'shard' | 'shardCount' | 'shardIndex'>,
  env: NodeJS.ProcessEnv,
): ShardNumber | undefined {
  if (flags.shard !== undefined) {
    if (flags.shardCount !== undefined || flags.shardIndex !== undefined)
      throw new ShardOptionError('--shard K/N names the shard whole: drop --shard-count and --shard-index');
    return parseShardFraction(flags.shard);
  }
  if (flags.shardCount === undefined) {
    if (flags.shardIndex !== undefined) throw new ShardOptionError('--shard-index needs --shard-count <n>');
    return undefined;
  }
  if (flags.shardIndex !== undefined)
    return shardFromZeroBasedIndex(flags.shardIndex, flags.shardCount, '--shard-index');
  const fromJob = env.JOB_COMPLETION_INDEX;
  if (fromJob === undefined || fromJob === '')
    throw new ShardOptionError('--shard-count needs --shard-index <i> or JOB_COMPLETION_INDEX in the environment');
  return shardFromZeroBasedIndex(fromJob, flags.shardCount, 'JOB_COMPLETION_INDEX');
}
