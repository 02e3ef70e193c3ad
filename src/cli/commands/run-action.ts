import { join } from 'node:path';
import { REPORT_FORMAT_NAMES } from '../../../reporters/formats.js';
import { RUN_PROGRESS } from '../../../reporters/progress.js';
import { inventoryVars, planRun, type RunPlanning } from '../../controls/host-plans.js';
import { runHostTimeoutMs } from '../../engine/budget.js';
import { CLOSE_LIMIT_MS, closeWithin, connectFirstHosts } from '../../engine/fleet.js';
import { runPlanInterruptibly } from '../../engine/run.js';
import { hostPhases, PhaseTimeline } from '../../engine/timeline.js';
import type { GatePolicy } from '../../gate/policy.js';
import { DEFAULT_POLICY } from '../../gate/run-policy.js';
import { decideVerdict } from '../../gate/verdict.js';
import type { Plan } from '../../plan/schema.js';
import { createCheckRegistry } from '../../resources/loaders.js';
import type { ResourceRegistry } from '../../resources/registry.js';
import { planSources } from '../../profiles/run-arguments.js';
import { HostSpool } from '../../results/host-spool.js';
import { boundHeapGrowth, boundHeapGrowthForInventory } from '../heap-growth.js';
import type { HostResult, ProfileRecord, RunResult, ShardRecord } from '../../results/schema.js';
import { emptyShardVerdict } from '../../shard/empty.js';
import { inventoryHostIdentity, type ShardNumber } from '../../shard/partition.js';
import { selectShard, ShardSelector } from '../../shard/select.js';
import type { TargetAddress } from '../../targets/address.js';
import { loadSudoSettings } from '../../targets/privilege.js';
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
import { planningFlags } from '../planning-options.js';

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
  const timeline = flags.timings ? new PhaseTimeline(() => performance.now()) : undefined;
  timeline?.mark('cli-loaded');
  const registry = createCheckRegistry();
  const cacheDir = specCacheDir(io.env);
  const sources = planSources(specs.length > 0 ? specs : [defaultSpecPath()], io.cwd, {
    registry,
    cacheDir,
    toolVersion: toolVersion(),
  });
  if (specs.length === 0 && flags.format === 'cli' && !flags.quiet) {
    io.stderr.write(`driftspec: no spec named; checking the bundled ${sources.paths[0]}\n`);
  }
  const checked = await checkRunFlags(flags, io);
  const addresses = flags.target ?? (flags.inventory === undefined ? [{ kind: 'local' as const }] : []);
  // The hosts are selected first: their inventory vars may set the spec's inputs.
  const planFor = (selected: SelectedTargets) =>
    planRun(sources.paths, {
      registry,
      cacheDir,
      ...(io.buildId === undefined ? {} : { buildId: io.buildId }),
      ...(sources.loader ? { loader: sources.loader } : {}),
      ...planningFlags(flags),
      ...(flags.inventory === undefined ? {} : { hosts: inventoryVars(selected, flags.inventory) }),
      targets: selected.targets,
      cwd: io.cwd,
    });
  const withProfiles = sources.profiles ? { profiles: sources.profiles } : {};
  const withTimeline = timeline ? { timeline } : {};
  const context = { registry, named: 'a --target', ...checked, ...withProfiles, ...withTimeline };
  return runOnTargets(addresses, flags, io, context, planFor);
}

/** The options of a run that are read and checked before any spec is loaded or host touched. */
export async function checkRunFlags(flags: RunFlags, io: CliIo) {
  checkWaitFlags(flags);
  const reports = reporterRequests(flags, REPORT_FORMAT_NAMES);
  const shard = shardRequest(flags, io.env);
  // Loaded only when named: the policy file's drift rules bring every kind's inventory part.
  const policy =
    flags.policy === undefined
      ? undefined
      : (await import('../../gate/policy.js')).loadGatePolicy(flags.policy, io.cwd);
  return { reports, shard, policy };
}

/** The planning of a command that checks a plan of its own: no inputs, waivers or filters. */
export function fixedPlanning(plan: Plan): RunPlanning {
  return { plan, inputs: [], secrets: [], planHosts: async () => () => undefined };
}

/** What runOnTargets is given besides the flags: the options checked, and where phases are noted. */
export type RunContext = Awaited<ReturnType<typeof checkRunFlags>> & {
  registry: ResourceRegistry;
  named: string;
  profiles?: ProfileRecord[];
  /** `--timings`: printed to stderr once the reports are written. */
  timeline?: PhaseTimeline;
};

/**
 * Checks a plan on the addresses (given as `named` says, and the inventory's hosts `--limit`
 * selects), then the verdict and the reports: `driftspec run` and the commands that check a plan
 * of their own. `planFor` makes the plan once the hosts are selected; the first hosts' connections
 * are opened meanwhile (connectFirstHosts), and closed should the plan fail.
 */
export async function runOnTargets(
  addresses: readonly TargetAddress[],
  flags: RunFlags,
  io: CliIo,
  context: RunContext,
  planFor: (selected: SelectedTargets) => Promise<RunPlanning>,
): Promise<number> {
  // V8 keeps an async function's locals, used again or not, across each of its awaits: the targets,
  // their inventory entries and the hosts' plans live in checkTargets, which has returned before
  // the reports are written, so that a large fleet's are not held while its reports are rendered.
  const checked = await checkTargets(addresses, flags, io, context, planFor);
  try {
    const code = await reportChecked(checked, flags, io, context);
    if (context.timeline) {
      context.timeline.mark('reports-written');
      io.stderr.write(context.timeline.render());
    }
    return code;
  } finally {
    checked.hostStore.close();
  }
}

/** What the verdict and the reports need of the checked hosts; the caller closes the spool. */
interface CheckedHosts {
  /** The run's result, its hosts read from hostStore. */
  result: RunResult;
  interrupted: boolean;
  hostStore: HostSpool;
}

/** Selects the hosts, plans, and checks them; nothing it returns holds a target. */
async function checkTargets(
  addresses: readonly TargetAddress[],
  flags: RunFlags,
  io: CliIo,
  context: RunContext,
  planFor: (selected: SelectedTargets) => Promise<RunPlanning>,
): Promise<CheckedHosts> {
  let settings: SshSettings | undefined;
  const sshSettings = () => (settings ??= loadSshSettings(flags, io.env));
  const sudo = loadSudoSettings(flags, io.env);
  await boundHeapGrowthForInventory(flags.inventory);
  const selector = shardBeforeTargets(context.shard, addresses, flags);
  const keep = selector ? { keepInventoryHost: (name: string) => selector.offer(inventoryHostIdentity(name)) } : {};
  const selected = selectTargets(addresses, flags, { io, sshSettings, sudo, named: context.named, ...keep });
  const { timeline } = context;
  // A shard chosen among targets knows its hosts only with the plan; --wait connects with retries of its own.
  const early =
    (context.shard === undefined || selector) && flags.wait === undefined
      ? connectFirstHosts(selected.targets, flags.concurrency, (target) => hostPhases(timeline, target.name))
      : [];
  try {
    return await planAndCheck(selected, flags, io, context, planFor, selector);
  } catch (error) {
    await Promise.all(early.map((target) => closeWithin(target, CLOSE_LIMIT_MS)));
    throw error;
  }
}

async function planAndCheck(
  selected: SelectedTargets,
  flags: RunFlags,
  io: CliIo,
  context: RunContext,
  planFor: (selected: SelectedTargets) => Promise<RunPlanning>,
  selector: ShardSelector | undefined,
): Promise<CheckedHosts> {
  const { registry, reports, policy, shard, timeline } = context;
  const planning = await planFor(selected);
  timeline?.mark('spec-read');
  const { plan, waivers, selection } = planning;
  const hostPlans = await planning.planHosts();
  timeline?.mark('plan-built');
  // The cli report on stdout lists the warnings itself; anything else gets them on stderr too.
  const cliOnStdout = reports.some((request) => request.name === 'cli' && request.path === undefined);
  if (!cliOnStdout) for (const warning of waivers?.warnings ?? []) io.stderr.write(`driftspec: warning: ${warning}\n`);
  const fingerprints = { plan, policy: policy ?? DEFAULT_POLICY };
  const { targets, inventory, record } =
    shard === undefined
      ? { ...selected, record: undefined }
      : selector
        ? { ...selected, record: selector.record(fingerprints) }
        : shardTargets(selected, shard, fingerprints);
  await boundHeapGrowth(targets.length);
  // Finished hosts wait for the reports in a temporary file, not in memory (docs/scale.md).
  const hostStore = new HostSpool(targets.length);
  try {
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
        ...(waivers ? { waivers } : {}),
        ...(selection ? { selection } : {}),
        hostPlan: (target) => hostPlans(target) ?? planning,
        interrupt: session.interrupt,
        ...(session.onHostDone ? { onHostDone: session.onHostDone } : {}),
        ...(timeline ? { timeline } : {}),
        hostStore,
      });
    } finally {
      session.finish();
    }
    const profiled = context.profiles ? { ...run.result, profiles: context.profiles } : run.result;
    const result = record === undefined ? profiled : { ...profiled, shard: record };
    return { result, interrupted: run.interrupted, hostStore };
  } catch (error) {
    hostStore.close();
    throw error;
  }
}

/** The verdict and every report; the exit code. */
async function reportChecked(
  { result, interrupted }: CheckedHosts,
  flags: RunFlags,
  io: CliIo,
  { reports, policy }: RunContext,
): Promise<number> {
  const record = result.shard;
  const verdict = record?.positions.length === 0 ? emptyShardVerdict(record) : decideVerdict(result, policy);
  await writeRunReports(reports, result, verdict, flags, io);
  return interrupted ? INTERRUPTED_EXIT : verdict.exitCode;
}

/**
 * A shard of an inventory alone is chosen as the inventory is read: only its own hosts are made
 * targets. With hosts named directly the shard is chosen among the targets (shardTargets), once
 * each named host was compared with every inventory host.
 */
function shardBeforeTargets(
  shard: ShardNumber | undefined,
  addresses: readonly TargetAddress[],
  flags: Pick<RunFlags, 'inventory'>,
): ShardSelector | undefined {
  return shard !== undefined && addresses.length === 0 && flags.inventory !== undefined
    ? new ShardSelector(shard)
    : undefined;
}

/** The selected hosts of one shard, and the record its result carries. */
function shardTargets(
  selected: SelectedTargets,
  shard: ShardNumber,
  fingerprints: { plan: Plan; policy: GatePolicy },
): SelectedTargets & { record: ShardRecord } {
  const candidate = (target: Target) => ({ target: target.name, inventoryName: selected.inventory.get(target)?.name });
  const { hosts, record } = selectShard(selected.targets, candidate, shard, fingerprints);
  return { targets: hosts, inventory: selected.inventory, record };
}
