import { REPORT_FORMAT_NAMES } from '../../../reporters/formats.js';
import { EXIT } from '../../gate/exit-codes.js';
import { DEFAULT_POLICY, loadGatePolicy } from '../../gate/policy.js';
import { decideVerdict } from '../../gate/verdict.js';
import { valueHash } from '../../shard/fingerprint.js';
import { HostSpool } from '../../results/host-spool.js';
import type { RunResult } from '../../results/schema.js';
import { ShardMergeError } from '../../shard/merge.js';
import { mergeShardFiles } from '../../shard/merge-files.js';
import type { MergeFlags } from '../flags.js';
import type { CliIo } from '../io.js';
import { boundHeapGrowthForSweep } from '../heap-growth.js';
import { writeRunReports } from '../run-reports.js';
import { reporterRequests } from '../usage.js';

/**
 * `driftspec merge`: every shard file read host by host into a spool and checked (exit 78 for a
 * file that is not a run result), the shards checked to be one whole sweep (exit 79 otherwise),
 * then the verdict and the reports exactly as `driftspec run` over all hosts writes them, from
 * the spool as `run` writes them: the memory does not grow with the hosts.
 */
export async function mergeCommand(paths: string[], flags: MergeFlags, io: CliIo): Promise<number> {
  const reports = reporterRequests(flags, REPORT_FORMAT_NAMES);
  const policy = flags.policy === undefined ? DEFAULT_POLICY : loadGatePolicy(flags.policy, io.cwd);
  // A merge is a whole sweep's hosts, read and rendered one by one: garbage, mostly.
  await boundHeapGrowthForSweep();
  const spool = new HostSpool();
  try {
    let merged: RunResult;
    try {
      merged = mergeShardFiles(paths, io.cwd, valueHash(policy), spool);
    } catch (error) {
      if (!(error instanceof ShardMergeError)) throw error;
      io.stderr.write(`driftspec: ${error.message}\n`);
      return EXIT.shards;
    }
    const verdict = decideVerdict(merged, policy);
    await writeRunReports(reports, merged, verdict, flags, io);
    return verdict.exitCode;
  } finally {
    spool.close();
  }
}
