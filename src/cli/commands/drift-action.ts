import { DRIFT_FORMAT_NAMES, loadDriftRenderers } from '../../../reporters/formats.js';
import { writeReports } from '../../../reporters/output.js';
import { DRIFT_PROGRESS } from '../../../reporters/progress.js';
import {
  describeExpired,
  isExpired,
  loadAcceptFile,
  NO_ACCEPTED_DRIFT,
  type AcceptedDrift,
} from '../../drift/accept.js';
import { describeSnapshot, diffSnapshots, unreachableHostDrift } from '../../drift/diff.js';
import {
  DRIFT_REPORT_SCHEMA_VERSION,
  type DriftReport,
  type DriftVerdict,
  type HostDrift,
} from '../../drift/diff-schema.js';
import { loadIgnoreFile, NO_IGNORES, type IgnoreRules } from '../../drift/ignore.js';
import { recordedIgnoreOptions, type SnapshotOptions } from '../../drift/snapshot.js';
import { snapshotHost } from '../../drift/snapshot-host.js';
import { readSnapshotFile } from '../../drift/snapshot-file.js';
import type { Snapshot } from '../../drift/snapshot-schema.js';
import { runFleet, type HostStop } from '../../engine/fleet.js';
import type { WaitOptions } from '../../engine/wait.js';
import { DEFAULT_DRIFT_POLICY, judgeDrift, type DriftPolicy } from '../../gate/drift-policy.js';
import { loadGatePolicy } from '../../gate/policy.js';
import { timestamp } from '../../results/schema.js';
import { looksLikeTarget, parseTargetAddress, TargetAddressError, type TargetAddress } from '../../targets/address.js';
import { loadSudoSettings } from '../../targets/privilege.js';
import { loadSshSettings, type SshSettings } from '../../targets/ssh-settings.js';
import type { Target } from '../../targets/target.js';
import { toolVersion } from '../../version.js';
import { startFleetSession } from '../fleet-session.js';
import { INTERRUPTED_EXIT } from '../interrupt.js';
import type { CliIo } from '../io.js';
import { checkWaitFlags, defaultHostTimeoutSeconds, selectTargets, type SelectedTargets } from '../select-targets.js';
import { reporterRequests, usageError } from '../usage.js';
import type { DriftFlags } from '../flags.js';

// `driftspec drift`, loaded only when the command runs (./drift.ts registers it).

/** What is compared with the baseline: a host snapshotted now, or a snapshot file. */
type Candidate = { kind: 'live'; address: TargetAddress; text: string } | { kind: 'file'; path: string };

/**
 * `driftspec drift --baseline base.json <targets|snapshots…>` and `driftspec drift a.json b.json`.
 * Live hosts are selected as `driftspec run` selects them (arguments, then `--inventory` hosts
 * that `--limit` selects). Every input file is read and every option checked before any host is
 * contacted; the exit code is the drift bitmask (src/gate/drift-policy.ts, docs/drift.md).
 */
export async function driftCommand(
  args: string[],
  flags: DriftFlags,
  io: CliIo,
  now: () => Date = () => new Date(),
): Promise<number> {
  const reports = reporterRequests(flags, DRIFT_FORMAT_NAMES);
  checkWaitFlags(flags);
  const { baselinePath, candidates } = splitArguments(args, flags);
  const policy = loadDriftPolicy(flags, io);
  const ignore: IgnoreRules = flags.ignoreFile === undefined ? NO_IGNORES : loadIgnoreFile(flags.ignoreFile, io.cwd);
  const accept: AcceptedDrift =
    flags.acceptFile === undefined ? NO_ACCEPTED_DRIFT : loadAcceptFile(flags.acceptFile, io.cwd);
  const baseline = await readSnapshotFile(baselinePath, io.cwd);
  const files = new Map<string, Snapshot>();
  for (const candidate of candidates)
    if (candidate.kind === 'file' && !files.has(candidate.path))
      files.set(candidate.path, await readSnapshotFile(candidate.path, io.cwd));
  const clock = now();
  const compare = (snapshot: Snapshot) => diffSnapshots(baseline, snapshot, { ignore, accept, now: clock });

  let settings: SshSettings | undefined;
  const sshSettings = () => (settings ??= loadSshSettings(flags, io.env));
  const sudo = loadSudoSettings(flags, io.env);
  const addresses = candidates.flatMap((candidate) => (candidate.kind === 'live' ? [candidate.address] : []));
  const selected = selectTargets(addresses, flags, { io, sshSettings, sudo, named: 'an argument' });
  const live = await snapshotLiveHosts(selected, liveBudget(baseline, flags), compare, { io, flags });
  const comparedFile = (path: string): HostDrift => {
    const host = compare(files.get(path)!);
    return { ...host, candidate: { ...host.candidate!, file: path } };
  };
  // selectTargets keeps the arguments' targets first, in argument order; the inventory's follow.
  let nextLive = 0;
  const hosts: HostDrift[] = [
    ...candidates.map((item) => (item.kind === 'file' ? comparedFile(item.path) : live.hosts[nextLive++]!)),
    ...live.hosts.slice(nextLive),
  ];

  const report: DriftReport = {
    schemaVersion: DRIFT_REPORT_SCHEMA_VERSION,
    tool: { name: 'driftspec', version: toolVersion() },
    generatedAt: timestamp(clock),
    mode: selected.targets.length > 0 ? 'live' : 'snapshots',
    baseline: describeSnapshot(baseline, baselinePath),
    hosts,
    warnings: accept.entries.filter((entry) => isExpired(entry, clock)).map(describeExpired),
  };
  const judged = judgeDrift(report, policy);
  const verdict = judged.verdict!;
  const renderers = await loadDriftRenderers(
    reports.map((request) => request.name),
    { stdout: io.stdout, env: io.env },
  );
  await writeReports<DriftReport, DriftVerdict>(reports, renderers, judged, verdict, io.stdout);
  return live.interrupted ? INTERRUPTED_EXIT : verdict.exitCode;
}

/**
 * With --baseline every argument is a candidate; without it the first is the baseline snapshot
 * and the rest are candidates. A candidate is a target ("local", ssh://…, rootfs:/…) or a snapshot file;
 * `--inventory` adds hosts, so then the arguments may name no candidate at all.
 */
function splitArguments(args: readonly string[], flags: DriftFlags): { baselinePath: string; candidates: Candidate[] } {
  const baselinePath = flags.baseline ?? args[0];
  const rest = flags.baseline === undefined ? args.slice(1) : args;
  if (baselinePath === undefined || (rest.length === 0 && flags.inventory === undefined)) {
    throw usageError(
      flags.baseline === undefined
        ? 'give two snapshots to compare (driftspec drift a.json b.json), or --baseline FILE and the targets to ' +
            'compare with it'
        : '--baseline needs at least one target (local, ssh://…), snapshot file or --inventory to compare with it',
    );
  }
  const candidates = rest.map((text): Candidate => {
    const isTarget = looksLikeTarget(text);
    if (!isTarget) return { kind: 'file', path: text };
    try {
      return { kind: 'live', address: parseTargetAddress(text), text };
    } catch (error) {
      if (error instanceof TargetAddressError) throw usageError(`${text}: ${error.message}`);
      throw error;
    }
  });
  return { baselinePath, candidates };
}

/** The `drift:` section of the --policy file; the documented defaults without one. */
function loadDriftPolicy(flags: DriftFlags, io: CliIo): DriftPolicy {
  if (flags.policy === undefined) return DEFAULT_DRIFT_POLICY;
  return loadGatePolicy(flags.policy, io.cwd).drift ?? DEFAULT_DRIFT_POLICY;
}

/**
 * The live snapshot records what the baseline recorded: the same file trees and the same
 * ignores. `driftspec snapshot` builds ignores from the defaults plus --ignore globs, so the
 * baseline's lists are taken apart into those two again; where that is impossible (a baseline
 * written some other way) the diff reports the ignores that differ as not compared.
 */
export function liveSnapshotOptions(baseline: Snapshot, flags: Pick<DriftFlags, 'timeout'>): SnapshotOptions {
  return {
    fileRoots: baseline.fileRoots,
    ...recordedIgnoreOptions(baseline),
    timeoutMs: flags.timeout * 1000,
    toolVersion: toolVersion(),
  };
}

/**
 * How a live host is snapshotted: the baseline's trees and ignores, within one host budget, after waiting
 * for its boot with --wait.
 */
interface LiveBudget {
  snapshot: SnapshotOptions;
  hostTimeoutMs: number;
  wait?: WaitOptions;
}

function liveBudget(baseline: Snapshot, flags: DriftFlags): LiveBudget {
  const waitMs = flags.wait ?? 0;
  return {
    snapshot: liveSnapshotOptions(baseline, flags),
    hostTimeoutMs:
      (flags.hostTimeout ?? defaultHostTimeoutSeconds(flags)) * 1000 + (flags.hostTimeout === undefined ? waitMs : 0),
    ...(flags.wait === undefined ? {} : { wait: { timeoutMs: flags.wait, allowDegraded: flags.degraded } }),
  };
}

/**
 * The live hosts through the fleet executor, as `driftspec run` checks its hosts: each within its
 * budget, the progress line on a terminal, Ctrl-C. A host without a snapshot of its own
 * (unreachable, out of time, interrupted) is incomplete, with the reason: never "no drift".
 */
async function snapshotLiveHosts(
  selected: SelectedTargets,
  budget: LiveBudget,
  compare: (snapshot: Snapshot) => HostDrift,
  context: { io: CliIo; flags: DriftFlags },
): Promise<{ hosts: HostDrift[]; interrupted: boolean }> {
  const { targets, inventory } = selected;
  const withInventory = (host: HostDrift, target: Target): HostDrift => {
    const info = inventory.get(target);
    return info ? { ...host, inventory: info } : host;
  };
  const session = startFleetSession<HostDrift>(context.io, context.flags, targets.length, DRIFT_PROGRESS);
  try {
    const fleet = await runFleet(targets, {
      concurrency: context.flags.concurrency,
      hostTimeoutMs: budget.hostTimeoutMs,
      async work(target) {
        const taken = await snapshotHost(target, budget.snapshot, budget.wait);
        if ('snapshot' in taken) return withInventory(compare(taken.snapshot), target);
        const reason = `${taken.failure.kind}: ${taken.failure.message}`;
        return withInventory(unreachableHostDrift(target.name, reason), target);
      },
      stopped: (target, stop) => {
        return withInventory(unreachableHostDrift(target.name, stopReason(target, stop, budget)), target);
      },
      interrupt: session.interrupt,
      ...(session.onHostDone ? { onHostDone: session.onHostDone } : {}),
    });
    return { hosts: fleet.results, interrupted: fleet.interrupted };
  } finally {
    session.finish();
  }
}

function stopReason(target: Target, stop: HostStop, budget: LiveBudget): string {
  if (stop.kind === 'interrupted') {
    if (stop.started) return 'interrupted (SIGINT) while this host was being snapshotted';
    return 'interrupted (SIGINT) before this host was started';
  }
  if (stop.kind === 'threw') {
    const message = stop.error instanceof Error ? stop.error.message : String(stop.error);
    return `internal error while snapshotting this host: ${message}`;
  }
  const steps = `connecting, logging in${budget.wait ? ', waiting for the boot' : ''} and the snapshot probe`;
  const within = `within the ${budget.hostTimeoutMs / 1000} s host timeout`;
  return `unreachable: ${target.name} did not finish ${within} (${steps})`;
}
