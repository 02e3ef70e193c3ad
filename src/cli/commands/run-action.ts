import { join } from 'node:path';
import { REPORT_FORMAT_NAMES } from '../../../reporters/formats.js';
import { RUN_PROGRESS } from '../../../reporters/progress.js';
import { runHostTimeoutMs } from '../../engine/budget.js';
import { runPlanInterruptibly } from '../../engine/run.js';
import { DEFAULT_POLICY, loadGatePolicy, type GatePolicy } from '../../gate/policy.js';
import { decideVerdict } from '../../gate/verdict.js';
import { loadPlan } from '../../plan/load.js';
import type { Plan } from '../../plan/schema.js';
import { expandSpecArguments } from '../../plan/spec-paths.js';
import { createRegistry } from '../../resources/index.js';
import type { HostResult, ShardRecord } from '../../results/schema.js';
import { emptyShardVerdict } from '../../shard/empty.js';
import type { ShardNumber } from '../../shard/partition.js';
import { selectShard } from '../../shard/select.js';
import { loadSudoSettings, type SudoSettings } from '../../targets/privilege.js';
import { loadSshSettings, type SshSettings } from '../../targets/ssh-settings.js';
import type { Target } from '../../targets/target.js';
import { packageRoot, toolVersion } from '../../version.js';
import { specCacheDir } from '../../io/spec-cache-dir.js';
import { startFleetSession } from '../fleet-session.js';
import { INTERRUPTED_EXIT } from '../interrupt.js';
import type { CliIo } from '../io.js';
import { writeRunReports } from '../run-reports.js';
import { checkWaitFlags, selectTargets, type SelectedTargets } from '../select-targets.js';
import { shardRequest } from '../shard-options.js';
import { reporterRequests } from '../usage.js';
import type { RunFlags } from '../flags.js';

/** The spec `driftspec run` checks when none is named. */
export function defaultSpecPath(): string {
  return join(packageRoot(), 'specs', 'debian-web-server.yaml');
}

/**
 * `driftspec run`: every input read and every option checked before any host is touched, then
 * the fleet, the verdict and the reports. After a Ctrl-C the reports hold what was gathered (the
 * hosts not checked are errors) and the exit code is 130.
 */
export async function runCommand(specs: string[], flags: RunFlags, io: CliIo): Promise<number> {
  const registry = createRegistry();
  const paths = specs.length > 0 ? expandSpecArguments(specs, io.cwd) : [defaultSpecPath()];
  if (specs.length === 0 && flags.format === 'cli' && !flags.quiet) {
    io.stderr.write(`driftspec: no spec named; checking the bundled ${paths[0]}\n`);
  }
  let settings: SshSettings | undefined;
  const sshSettings = () => (settings ??= loadSshSettings(flags, io.env));
  checkWaitFlags(flags);
  const reports = reporterRequests(flags, REPORT_FORMAT_NAMES);
  const shard = shardRequest(flags, io.env);
  const policy = flags.policy === undefined ? undefined : loadGatePolicy(flags.policy, io.cwd);
  const plan = await loadPlan(paths, { registry, cacheDir: specCacheDir(io.env) });
  const sudo = loadSudoSettings(flags, io.env);
  const selected = runTargets(flags, io, sshSettings, sudo);
  const { targets, inventory, record } =
    shard === undefined ? { ...selected, record: undefined } : shardTargets(selected, shard, plan, policy);
  const session = startFleetSession<HostResult>(io, flags, targets.length, RUN_PROGRESS);
  let run: Awaited<ReturnType<typeof runPlanInterruptibly>>;
  try {
    run = await runPlanInterruptibly(plan, targets, {
      registry,
      commandTimeoutMs: flags.timeout * 1000,
      toolVersion: toolVersion(),
      concurrency: flags.concurrency,
      hostTimeoutMs: runHostTimeoutMs(flags, plan),
      ...(flags.wait === undefined ? {} : { wait: { timeoutMs: flags.wait, allowDegraded: flags.degraded } }),
      inventory,
      interrupt: session.interrupt,
      ...(session.onHostDone ? { onHostDone: session.onHostDone } : {}),
    });
  } finally {
    session.finish();
  }
  const result = record === undefined ? run.result : { ...run.result, shard: record };
  const verdict = record?.positions.length === 0 ? emptyShardVerdict(record) : decideVerdict(result, policy);
  await writeRunReports(reports, result, verdict, flags, io);
  return run.interrupted ? INTERRUPTED_EXIT : verdict.exitCode;
}

/** The selected hosts of one shard, and the record its result carries. */
function shardTargets(
  selected: SelectedTargets,
  shard: ShardNumber,
  plan: Plan,
  policy: GatePolicy | undefined,
): SelectedTargets & { record: ShardRecord } {
  const candidate = (target: Target) => ({ target: target.name, inventoryName: selected.inventory.get(target)?.name });
  const fingerprints = { plan, policy: policy ?? DEFAULT_POLICY };
  const { hosts, record } = selectShard(selected.targets, candidate, shard, fingerprints);
  return { targets: hosts, inventory: selected.inventory, record };
}

/** `--target`s first, then the inventory's hosts that `--limit` selects; `local` when neither is given. */
function runTargets(
  flags: RunFlags,
  io: CliIo,
  sshSettings: () => SshSettings,
  sudo: SudoSettings | undefined,
): SelectedTargets {
  const addresses = flags.target ?? (flags.inventory === undefined ? [{ kind: 'local' as const }] : []);
  return selectTargets(addresses, flags, { io, sshSettings, sudo, named: 'a --target' });
}
