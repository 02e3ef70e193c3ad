import { CommanderError } from 'commander';
import { renderDriftCli } from '../../reporters/drift-cli.js';
import { renderDriftHtml } from '../../reporters/drift-html.js';
import { renderDriftJson } from '../../reporters/drift-json.js';
import { renderDriftJunit } from '../../reporters/drift-junit.js';
import { renderDriftMarkdown } from '../../reporters/drift-markdown.js';
import { shouldUseColor } from '../../reporters/cli.js';
import { parseReporterOption, ReporterOptionError, validateReporterRequests, writeReports, type Renderer, type ReporterRequest } from '../../reporters/output.js';
import { describeExpired, isExpired, loadAcceptFile, NO_ACCEPTED_DRIFT, type AcceptedDrift } from './accept.js';
import { describeSnapshot, diffSnapshots, unreachableHostDrift } from './diff.js';
import { DRIFT_REPORT_SCHEMA_VERSION, type DriftReport, type DriftVerdict, type HostDrift } from './diff-schema.js';
import { loadIgnoreFile, NO_IGNORES, type IgnoreRules } from './ignore.js';
import { readInputFile } from './ignore-yaml.js';
import { SnapshotProbeError, takeSnapshot, type SnapshotOptions } from './snapshot.js';
import { DEFAULT_KERNEL_PARAMETER_IGNORES, DEFAULT_MOUNT_IGNORES, DEFAULT_PATH_IGNORES } from './snapshot-ignore.js';
import { parseSnapshot, type Snapshot, type SnapshotIgnores } from './snapshot-schema.js';
import { DEFAULT_DRIFT_POLICY, judgeDrift, type DriftPolicy } from '../gate/drift-policy.js';
import { EXIT } from '../gate/exit-codes.js';
import { loadGatePolicy } from '../gate/policy.js';
import { SpecError } from '../plan/build.js';
import { timestamp } from '../results/schema.js';
import { parseTargetAddress, TargetAddressError, type TargetAddress } from '../targets/address.js';
import { createTarget } from '../targets/parse.js';
import { loadSudoSettings, PrivilegeError } from '../targets/privilege.js';
import { loadSshSettings, type SshSettings } from '../targets/ssh-settings.js';
import { TargetUnreachableError, type Target } from '../targets/target.js';
import { toolVersion } from '../version.js';
import type { CliIo } from '../cli/main.js';
import { DRIFT_REPORTER_NAMES, type DriftFlags } from '../cli/drift-command.js';

// `driftspec drift`, loaded only when the command runs (src/cli/drift-command.ts registers it).

/** What is compared with the baseline: a host snapshotted now, or a snapshot file. */
type Candidate = { kind: 'live'; address: TargetAddress; text: string } | { kind: 'file'; path: string };

/**
 * `driftspec drift --baseline base.json <targets|snapshots…>` and `driftspec drift a.json b.json`.
 * Every input file is read and every option checked before any host is contacted; the exit code
 * is the drift bitmask (src/gate/drift-policy.ts, docs/drift.md).
 */
export async function driftCommand(args: string[], flags: DriftFlags, io: CliIo, now: () => Date = () => new Date()): Promise<number> {
  const reports = reportRequests(flags);
  const { baselinePath, candidates } = splitArguments(args, flags);
  const policy = loadDriftPolicy(flags, io);
  const ignore: IgnoreRules = flags.ignoreFile === undefined ? NO_IGNORES : loadIgnoreFile(flags.ignoreFile, io.cwd);
  const accept: AcceptedDrift = flags.acceptFile === undefined ? NO_ACCEPTED_DRIFT : loadAcceptFile(flags.acceptFile, io.cwd);
  const baseline = readSnapshotFile(baselinePath, io.cwd);
  const files = new Map(candidates.flatMap((c) => (c.kind === 'file' ? [[c.path, readSnapshotFile(c.path, io.cwd)] as const] : [])));
  const clock = now();
  const compare = (snapshot: Snapshot) => diffSnapshots(baseline, snapshot, { ignore, accept, now: clock });

  let settings: SshSettings | undefined;
  const sshSettings = () => (settings ??= loadSshSettings(flags, io.env));
  const sudo = loadSudoSettings(flags, io.env);
  const live = candidates.filter((c) => c.kind === 'live');
  const targets = new Map(live.map((c) => [c, createTarget(c.address, sshSettings, sudo)] as const));
  const options = liveSnapshotOptions(baseline, flags);
  const hosts = await mapWithConcurrency(candidates, flags.concurrency, async (candidate): Promise<HostDrift> => {
    if (candidate.kind === 'file') {
      const host = compare(files.get(candidate.path)!);
      return { ...host, candidate: { ...host.candidate!, file: candidate.path } };
    }
    return snapshotAndCompare(targets.get(candidate)!, options, compare);
  });

  const report: DriftReport = {
    schemaVersion: DRIFT_REPORT_SCHEMA_VERSION,
    tool: { name: 'driftspec', version: toolVersion() },
    generatedAt: timestamp(clock),
    mode: live.length > 0 ? 'live' : 'snapshots',
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
 * and the rest are candidates. A candidate is a target ("local", ssh://…) or a snapshot file.
 */
function splitArguments(args: readonly string[], flags: DriftFlags): { baselinePath: string; candidates: Candidate[] } {
  const baselinePath = flags.baseline ?? args[0];
  const rest = flags.baseline === undefined ? args.slice(1) : args;
  if (baselinePath === undefined || rest.length === 0) {
    throw usageError(
      flags.baseline === undefined
        ? 'give two snapshots to compare (driftspec drift a.json b.json), or --baseline FILE and the targets to compare with it'
        : '--baseline needs at least one target (local, ssh://…) or snapshot file to compare with it',
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

function reportRequests(flags: DriftFlags): ReporterRequest[] {
  if (!flags.reporter) return [{ name: flags.format }];
  try {
    const requests = flags.reporter.map((text) => parseReporterOption(text, DRIFT_REPORTER_NAMES));
    validateReporterRequests(requests);
    return requests;
  } catch (error) {
    if (error instanceof ReporterOptionError) throw usageError(error.message);
    throw error;
  }
}

/** The `drift:` section of the --policy file; the documented defaults without one. */
function loadDriftPolicy(flags: DriftFlags, io: CliIo): DriftPolicy {
  if (flags.policy === undefined) return DEFAULT_DRIFT_POLICY;
  return loadGatePolicy(flags.policy, io.cwd).drift ?? DEFAULT_DRIFT_POLICY;
}

/** A snapshot file that cannot be read or is not a snapshot is a bad input file (exit 78). */
export function readSnapshotFile(path: string, cwd: string): Snapshot {
  const text = readInputFile(path, cwd, 'snapshot file');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new SpecError(`not JSON: ${(error as Error).message}`, path);
  }
  try {
    return parseSnapshot(value, path);
  } catch (error) {
    // parseSnapshot's message starts with the file name already.
    throw new SpecError((error as Error).message.replace(`${path}: `, ''), path);
  }
}

/**
 * The live snapshot records what the baseline recorded: the same file trees and the same
 * ignores. `driftspec snapshot` builds ignores from the defaults plus --ignore globs, so the
 * baseline's lists are taken apart into those two again; where that is impossible (a baseline
 * written some other way) the diff reports the ignores that differ as not compared.
 */
export function liveSnapshotOptions(baseline: Snapshot, flags: Pick<DriftFlags, 'timeout'>): SnapshotOptions {
  return { fileRoots: baseline.fileRoots, ...ignoreOptions(baseline.ignores), timeoutMs: flags.timeout * 1000, toolVersion: toolVersion() };
}

function ignoreOptions(ignores: SnapshotIgnores): { ignores: string[]; defaultIgnores: boolean } {
  const startsWith = (list: readonly string[], prefix: readonly string[]) => prefix.every((value, i) => list[i] === value);
  const defaults =
    startsWith(ignores.paths, DEFAULT_PATH_IGNORES) &&
    startsWith(ignores.mounts, DEFAULT_MOUNT_IGNORES) &&
    ignores.kernelParameters.length === DEFAULT_KERNEL_PARAMETER_IGNORES.length &&
    startsWith(ignores.kernelParameters, DEFAULT_KERNEL_PARAMETER_IGNORES);
  return { ignores: ignores.paths.slice(defaults ? DEFAULT_PATH_IGNORES.length : 0), defaultIgnores: defaults };
}

async function snapshotAndCompare(target: Target, options: SnapshotOptions, compare: (snapshot: Snapshot) => HostDrift): Promise<HostDrift> {
  try {
    return compare(await takeSnapshot(target, options));
  } catch (error) {
    if (error instanceof TargetUnreachableError) return unreachableHostDrift(target.name, `unreachable: ${error.message}`);
    if (error instanceof SnapshotProbeError || error instanceof PrivilegeError) return unreachableHostDrift(target.name, `probe error: ${error.message}`);
    throw error;
  } finally {
    await target.close().catch(() => undefined);
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

function usageError(message: string): CommanderError {
  return new CommanderError(EXIT.usage, 'driftspec.usage', message);
}
