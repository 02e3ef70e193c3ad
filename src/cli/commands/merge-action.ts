import { REPORT_FORMAT_NAMES } from '../../../reporters/formats.js';
import { EXIT } from '../../gate/exit-codes.js';
import { DEFAULT_POLICY, loadGatePolicy } from '../../gate/policy.js';
import { decideVerdict } from '../../gate/verdict.js';
import { valueHash } from '../../shard/fingerprint.js';
import { mergeShards, ShardMergeError } from '../../shard/merge.js';
import { readShardResult } from '../../shard/read.js';
import type { MergeFlags } from '../flags.js';
import type { CliIo } from '../io.js';
import { writeRunReports } from '../run-reports.js';
import { reporterRequests } from '../usage.js';

/**
 * `driftspec merge`: every shard file read and checked (exit 78 for a file that is not a run
 * result), the shards checked to be one whole sweep (exit 79 otherwise), then the verdict and
 * the reports exactly as `driftspec run` over all hosts writes them.
 */
export async function mergeCommand(paths: string[], flags: MergeFlags, io: CliIo): Promise<number> {
  const reports = reporterRequests(flags, REPORT_FORMAT_NAMES);
  const policy = flags.policy === undefined ? DEFAULT_POLICY : loadGatePolicy(flags.policy, io.cwd);
  const shards = paths.map((path) => ({ path, result: readShardResult(path, io.cwd) }));
  let merged: ReturnType<typeof mergeShards>;
  try {
    merged = mergeShards(shards, valueHash(policy));
  } catch (error) {
    if (!(error instanceof ShardMergeError)) throw error;
    io.stderr.write(`driftspec: ${error.message}\n`);
    return EXIT.shards;
  }
  const verdict = decideVerdict(merged, policy);
  await writeRunReports(reports, merged, verdict, flags, io);
  return verdict.exitCode;
}
