import { DRIFT_FORMAT_NAMES, loadDriftRenderers } from '../../../reporters/formats.js';
import { writeReports } from '../../../reporters/output.js';
import { DRIFT_PROGRESS } from '../../../reporters/progress.js';
import { loadAcceptFile, NO_ACCEPTED_DRIFT, type AcceptedDrift } from '../../drift/accept.js';
import { diffSnapshots } from '../../drift/diff.js';
import type { DriftReport, DriftVerdict, HostDrift } from '../../drift/diff-schema.js';
import { loadIgnoreFile, NO_IGNORES, type IgnoreRules } from '../../drift/ignore.js';
import { readSnapshotFile } from '../../drift/snapshot-file.js';
import type { Snapshot } from '../../drift/snapshot-schema.js';
import { driftReport, liveBudget, snapshotLiveHosts, type LiveBudget } from '../../engine/live-drift.js';
import { DEFAULT_DRIFT_POLICY, judgeDrift, type DriftPolicy } from '../../gate/drift-policy.js';
import { loadGatePolicy } from '../../gate/policy.js';
import { looksLikeTarget, parseTargetAddress, TargetAddressError, type TargetAddress } from '../../targets/address.js';
import { loadSudoSettings } from '../../targets/privilege.js';
import { loadSshSettings, type SshSettings } from '../../targets/ssh-settings.js';
import { toolVersion } from '../../version.js';
import { startFleetSession } from '../fleet-session.js';
import { INTERRUPTED_EXIT } from '../interrupt.js';
import type { CliIo } from '../io.js';
import { boundHeapGrowthForInventory } from '../heap-growth.js';
import { checkWaitFlags, selectTargets, type SelectedTargets } from '../select-targets.js';
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
  await boundHeapGrowthForInventory(flags.inventory);
  const selected = selectTargets(addresses, flags, { io, sshSettings, sudo, named: 'an argument' });
  const live = await snapshotLiveHostsWithProgress(selected, liveBudget(baseline, flags, toolVersion()), compare, {
    io,
    flags,
  });
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

  const report = driftReport({
    baseline,
    baselineFile: baselinePath,
    hosts,
    accept,
    clock,
    live: selected.targets.length > 0,
    toolVersion: toolVersion(),
  });
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

/** The live hosts with the progress line on a terminal and Ctrl-C, as `driftspec run` checks its hosts. */
async function snapshotLiveHostsWithProgress(
  selected: SelectedTargets,
  budget: LiveBudget,
  compare: (snapshot: Snapshot) => HostDrift,
  context: { io: CliIo; flags: DriftFlags },
): Promise<{ hosts: HostDrift[]; interrupted: boolean }> {
  const session = startFleetSession<HostDrift>(context.io, context.flags, selected.targets.length, DRIFT_PROGRESS);
  try {
    return await snapshotLiveHosts(selected, budget, compare, {
      concurrency: context.flags.concurrency,
      interrupt: session.interrupt,
      ...(session.onHostDone ? { onHostDone: session.onHostDone } : {}),
    });
  } finally {
    session.finish();
  }
}
