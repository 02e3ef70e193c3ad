import { renderDriftCli } from '../../reporters/drift-cli.js';
import { renderDriftHtml } from '../../reporters/drift-html.js';
import { renderDriftJson } from '../../reporters/drift-json.js';
import { renderDriftJunit } from '../../reporters/drift-junit.js';
import { renderDriftMarkdown } from '../../reporters/drift-markdown.js';
import { shouldUseColor } from '../../reporters/cli.js';
import { writeReports, type Renderer } from '../../reporters/output.js';
import { describeExpired, isExpired, loadAcceptFile, NO_ACCEPTED_DRIFT, type AcceptedDrift } from './accept.js';
import { describeSnapshot, diffSnapshots, unreachableHostDrift } from './diff.js';
import { DRIFT_REPORT_SCHEMA_VERSION, type DriftReport, type DriftVerdict, type HostDrift } from './diff-schema.js';
import { loadIgnoreFile, NO_IGNORES, type IgnoreRules } from './ignore.js';
import { recordedIgnoreOptions, SnapshotProbeError, takeSnapshot, type SnapshotOptions } from './snapshot.js';
import { readSnapshotFile } from './snapshot-file.js';
import type { Snapshot } from './snapshot-schema.js';
import { DEFAULT_DRIFT_POLICY, judgeDrift, type DriftPolicy } from '../gate/drift-policy.js';
import { loadGatePolicy } from '../gate/policy.js';
import { timestamp } from '../results/schema.js';
import { parseTargetAddress, TargetAddressError, type TargetAddress } from '../targets/address.js';
import { loadSudoSettings, PrivilegeError } from '../targets/privilege.js';
import { loadSshSettings, type SshSettings } from '../targets/ssh-settings.js';
import { TargetUnreachableError, type Target } from '../targets/target.js';
import { toolVersion } from '../version.js';
import type { CliIo } from '../cli/main.js';
import { DRIFT_REPORTER_NAMES, type DriftFlags } from '../cli/drift-command.js';
import { checkWaitFlags, defaultHostTimeoutSeconds, selectTargets } from '../cli/select-targets.js';
import { CLOSE_LIMIT_MS, closeWithin, type HostInventoryInfo } from '../engine/run.js';
import { execWhenReady, type WaitOptions } from '../engine/wait.js';
import { reporterRequests, usageError } from '../cli/usage.js';

// `driftspec drift`, loaded only when the command runs (src/cli/drift-command.ts registers it).

/** What is compared with the baseline: a host snapshotted now, or a snapshot file. */
type Candidate = { kind: 'live'; address: TargetAddress; text: string } | { kind: 'file'; path: string };

/** A host to snapshot now, with its inventory entry when it came from --inventory. */
interface LiveHost {
  kind: 'live';
  target: Target;
  inventory?: HostInventoryInfo;
}

/**
 * `driftspec drift --baseline base.json <targets|snapshots…>` and `driftspec drift a.json b.json`.
 * Live hosts are selected as `driftspec run` selects them (arguments, then `--inventory` hosts
 * that `--limit` selects). Every input file is read and every option checked before any host is
 * contacted; the exit code is the drift bitmask (src/gate/drift-policy.ts, docs/drift.md).
 */
export async function driftCommand(args: string[], flags: DriftFlags, io: CliIo, now: () => Date = () => new Date()): Promise<number> {
  const reports = reporterRequests(flags, DRIFT_REPORTER_NAMES);
  checkWaitFlags(flags);
  const { baselinePath, candidates } = splitArguments(args, flags);
  const policy = loadDriftPolicy(flags, io);
  const ignore: IgnoreRules = flags.ignoreFile === undefined ? NO_IGNORES : loadIgnoreFile(flags.ignoreFile, io.cwd);
  const accept: AcceptedDrift = flags.acceptFile === undefined ? NO_ACCEPTED_DRIFT : loadAcceptFile(flags.acceptFile, io.cwd);
  const baseline = await readSnapshotFile(baselinePath, io.cwd);
  const files = new Map<string, Snapshot>();
  for (const candidate of candidates) if (candidate.kind === 'file' && !files.has(candidate.path)) files.set(candidate.path, await readSnapshotFile(candidate.path, io.cwd));
  const clock = now();
  const compare = (snapshot: Snapshot) => diffSnapshots(baseline, snapshot, { ignore, accept, now: clock });

  let settings: SshSettings | undefined;
  const sshSettings = () => (settings ??= loadSshSettings(flags, io.env));
  const sudo = loadSudoSettings(flags, io.env);
  const live = candidates.filter((c) => c.kind === 'live');
  const selected = selectTargets(
    live.map((c) => c.address),
    flags,
    { io, sshSettings, sudo, named: 'an argument' },
  );
  // selectTargets keeps the arguments' targets first, in argument order; the inventory's follow.
  let nextLive = 0;
  const work: Array<{ kind: 'file'; path: string } | LiveHost> = [
    ...candidates.map((c) => (c.kind === 'file' ? c : { kind: 'live' as const, target: selected.targets[nextLive++]! })),
    ...selected.targets.slice(live.length).map((target) => ({ kind: 'live' as const, target, inventory: selected.inventory.get(target)! })),
  ];
  const budget = liveBudget(baseline, flags);
  const hosts = await mapWithConcurrency(work, flags.concurrency, async (item): Promise<HostDrift> => {
    if (item.kind === 'live') return snapshotAndCompare(item, budget, compare);
    const host = compare(files.get(item.path)!);
    return { ...host, candidate: { ...host.candidate!, file: item.path } };
  });

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
  await writeReports<DriftReport, DriftVerdict>(reports, renderers(io), judged, verdict, io.stdout);
  return verdict.exitCode;
}

function renderers(io: CliIo): Record<(typeof DRIFT_REPORTER_NAMES)[number], Renderer<DriftReport, DriftVerdict>> {
  return {
    cli: (report, verdict) => renderDriftCli(report, verdict, { color: shouldUseColor(io.stdout, io.env) }),
    json: renderDriftJson,
    junit: renderDriftJunit,
    html: renderDriftHtml,
    markdown: (report, verdict) => renderDriftMarkdown(report, verdict),
  };
}

/**
 * With --baseline every argument is a candidate; without it the first is the baseline snapshot
 * and the rest are candidates. A candidate is a target ("local", ssh://…) or a snapshot file;
 * `--inventory` adds hosts, so then the arguments may name no candidate at all.
 */
function splitArguments(args: readonly string[], flags: DriftFlags): { baselinePath: string; candidates: Candidate[] } {
  const baselinePath = flags.baseline ?? args[0];
  const rest = flags.baseline === undefined ? args.slice(1) : args;
  if (baselinePath === undefined || (rest.length === 0 && flags.inventory === undefined)) {
    throw usageError(
      flags.baseline === undefined
        ? 'give two snapshots to compare (driftspec drift a.json b.json), or --baseline FILE and the targets to compare with it'
        : '--baseline needs at least one target (local, ssh://…), snapshot file or --inventory to compare with it',
    );
  }
  const candidates = rest.map((text): Candidate => {
    if (text !== 'local' && text !== 'local://' && !text.startsWith('ssh://')) return { kind: 'file', path: text };
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
  return { fileRoots: baseline.fileRoots, ...recordedIgnoreOptions(baseline), timeoutMs: flags.timeout * 1000, toolVersion: toolVersion() };
}

/** How a live host is snapshotted: the baseline's trees and ignores, within one host budget, after waiting for its boot with --wait. */
interface LiveBudget {
  snapshot: SnapshotOptions;
  hostTimeoutMs: number;
  wait?: WaitOptions;
}

function liveBudget(baseline: Snapshot, flags: DriftFlags): LiveBudget {
  const waitMs = flags.wait ?? 0;
  return {
    snapshot: liveSnapshotOptions(baseline, flags),
    hostTimeoutMs: (flags.hostTimeout ?? defaultHostTimeoutSeconds(flags)) * 1000 + (flags.hostTimeout === undefined ? waitMs : 0),
    ...(flags.wait === undefined ? {} : { wait: { timeoutMs: flags.wait, allowDegraded: flags.degraded } }),
  };
}

/** One live host, never longer than its budget and never throwing for the host's own failures. */
async function snapshotAndCompare(host: LiveHost, budget: LiveBudget, compare: (snapshot: Snapshot) => HostDrift): Promise<HostDrift> {
  const { target } = host;
  let timer: NodeJS.Timeout | undefined;
  const outOfTime = new Promise<HostDrift>((resolve) => {
    timer = setTimeout(() => {
      const reason = `${target.name} did not finish within the ${budget.hostTimeoutMs / 1000} s host timeout (connecting, logging in${budget.wait ? ', waiting for the boot' : ''} and the snapshot probe)`;
      resolve(unreachableHostDrift(target.name, `unreachable: ${reason}`));
    }, budget.hostTimeoutMs);
  });
  try {
    const drift = await Promise.race([snapshotWhenReady(target, budget).then((result) => ('snapshot' in result ? compare(result.snapshot) : unreachableHostDrift(target.name, result.failure))), outOfTime]);
    return host.inventory ? { ...drift, inventory: host.inventory } : drift;
  } finally {
    clearTimeout(timer);
    // Closing also abandons whatever a host that ran out of time was still doing.
    await closeWithin(target, CLOSE_LIMIT_MS);
  }
}

/**
 * With --wait, first the boot wait of `driftspec run --wait` (connection retries with backoff,
 * cloud-init and systemd), as a probe of its own: the snapshot probe runs once the host is ready,
 * so a host still booting never costs a repeated walk of the file trees. Without --wait, one exec.
 */
async function snapshotWhenReady(target: Target, budget: LiveBudget): Promise<{ snapshot: Snapshot } | { failure: string }> {
  if (budget.wait) {
    const ready = await execWhenReady(target, [], budget.snapshot.timeoutMs, budget.wait);
    if (!ready.ok) return { failure: `${ready.status === 'unreachable' ? 'unreachable' : 'probe error'}: ${ready.reason}` };
  }
  try {
    return { snapshot: await takeSnapshot(target, budget.snapshot) };
  } catch (error) {
    if (error instanceof TargetUnreachableError) return { failure: `unreachable: ${error.message}` };
    if (error instanceof SnapshotProbeError || error instanceof PrivilegeError) return { failure: `probe error: ${error.message}` };
    throw error;
  }
}

/** Results in input order; at most `limit` candidates in flight; one host's failure never stops the others. */
async function mapWithConcurrency<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

