import type { Frame } from '../probe/frames.js';
import { HOST_QUERY_ID, parseHostFrame } from '../probe/host.js';
import { FactError, firstLines } from '../resources/resource.js';
import type { ExecResult, Target } from '../targets/target.js';
import { buildSnapshotScript, SNAPSHOT_QUERY_IDS } from './probe-script.js';
import { FILE_ERRORS_QUERY_ID, FILES_STREAM_ID, ProbeStreamParser } from './probe-stream.js';
import { FileTreeReader, type WalkedFile } from './snapshot-files.js';
import { DEFAULT_KERNEL_PARAMETER_IGNORES, DEFAULT_MOUNT_IGNORES, DEFAULT_PATH_IGNORES, nameIgnorer, pathIgnorer } from './snapshot-ignore.js';
import {
  parseAccountsSection,
  parseKernelParametersSection,
  parseListenersSection,
  parseMountsSection,
  parsePackagesSection,
  parseServicesSection,
} from './snapshot-sections.js';
import {
  SNAPSHOT_SCHEMA_VERSION,
  SnapshotSchema,
  sortSnapshot,
  type Snapshot,
  type SnapshotFile,
  type SnapshotGap,
  type SnapshotGroup,
  type SnapshotIgnores,
  type SnapshotKind,
  type SnapshotUser,
} from './snapshot-schema.js';

export interface SnapshotOptions {
  /** Absolute paths of the trees to record. */
  fileRoots: readonly string[];
  /** `--ignore` globs, on top of the defaults (file paths and mount points). */
  ignores: readonly string[];
  /** False with --no-default-ignores. */
  defaultIgnores: boolean;
  timeoutMs: number;
  toolVersion: string;
  /** Use the portable file walk even where GNU find exists (tests). */
  portableWalk?: boolean;
  now?: () => Date;
}

/** The probe could not tell even what the host is: there is no snapshot to write. */
export class SnapshotProbeError extends Error {
  override name = 'SnapshotProbeError';
}

export function snapshotIgnores(options: Pick<SnapshotOptions, 'ignores' | 'defaultIgnores'>): SnapshotIgnores {
  const defaults = options.defaultIgnores;
  return {
    paths: [...(defaults ? DEFAULT_PATH_IGNORES : []), ...options.ignores],
    mounts: [...(defaults ? DEFAULT_MOUNT_IGNORES : []), ...options.ignores],
    kernelParameters: defaults ? [...DEFAULT_KERNEL_PARAMETER_IGNORES] : [],
  };
}

/** Records the whole state of one target in ONE exec, the file tree streamed. */
export async function takeSnapshot(target: Target, options: SnapshotOptions): Promise<Snapshot> {
  const ignores = snapshotIgnores(options);
  const script = buildSnapshotScript({ roots: options.fileRoots, ignores: ignores.paths, portable: options.portableWalk ?? false });
  const collector = new SnapshotCollector({
    target: target.name,
    takenAt: (options.now ?? (() => new Date()))().toISOString(),
    toolVersion: options.toolVersion,
    fileRoots: options.fileRoots,
    ignores,
    timeoutMs: options.timeoutMs,
  });
  const result = await target.exec(script, { timeoutMs: options.timeoutMs, onStdout: (chunk) => collector.push(chunk) });
  return collector.finish(result);
}

export interface CollectorSettings {
  target: string;
  takenAt: string;
  toolVersion: string;
  fileRoots: readonly string[];
  ignores: SnapshotIgnores;
  /** For the message when the probe timed out. */
  timeoutMs: number;
}

/** Takes the probe's stdout chunk by chunk as it arrives, then turns it into a snapshot. */
export class SnapshotCollector {
  private readonly fileReader: FileTreeReader;
  private readonly parser: ProbeStreamParser;

  constructor(private readonly settings: CollectorSettings) {
    this.fileReader = new FileTreeReader(pathIgnorer(settings.ignores.paths));
    this.parser = new ProbeStreamParser({ [FILES_STREAM_ID]: this.fileReader });
  }

  push(chunk: Buffer): void {
    this.parser.push(chunk);
  }

  /** Every section that could not be read becomes a gap; without even the host facts there is no snapshot. */
  finish(result: ExecResult): Snapshot {
    return assembleSnapshot(this.settings, this.parser, this.fileReader, result);
  }
}

function assembleSnapshot(settings: CollectorSettings, parser: ProbeStreamParser, fileReader: FileTreeReader, result: ExecResult): Snapshot {
  const ended = () => probeEnd(result, settings.timeoutMs, parser);
  const hostFrame = parser.frames.get(HOST_QUERY_ID);
  if (!hostFrame) throw new SnapshotProbeError(`the snapshot probe did not run: ${ended()}`);
  const host = parseHostFrame(hostFrame);
  const gaps: SnapshotGap[] = [];
  const section = <T>(kind: SnapshotKind | SnapshotKind[], id: string, read: (frame: Frame) => T): T | undefined => {
    const frame = parser.frames.get(id);
    const kinds = Array.isArray(kind) ? kind : [kind];
    if (!frame) {
      for (const k of kinds) gaps.push({ kind: k, reason: `the probe stopped before this section: ${ended()}` });
      return undefined;
    }
    try {
      return read(frame);
    } catch (error) {
      if (!(error instanceof FactError)) throw error;
      for (const k of kinds) gaps.push({ kind: k, reason: error.message });
      return undefined;
    }
  };

  const packages = section('packages', SNAPSHOT_QUERY_IDS.packages, (frame) => parsePackagesSection(frame, host.packageManager)) ?? [];
  const services = section('services', SNAPSHOT_QUERY_IDS.services, (frame) => parseServicesSection(frame, host.initSystem)) ?? [];
  const listeners = section('listeners', SNAPSHOT_QUERY_IDS.listeners, (frame) => parseListenersSection(frame, host)) ?? [];
  const accounts = section(['users', 'groups'], SNAPSHOT_QUERY_IDS.accounts, (frame) => parseAccountsSection(frame));
  const users = accounts ? fromAccounts('users', accounts.users, gaps) : [];
  const groups = accounts ? fromAccounts('groups', accounts.groups, gaps) : [];
  const kernel = section('kernelParameters', SNAPSHOT_QUERY_IDS.kernelParameters, (frame) => parseKernelParametersSection(frame, nameIgnorer(settings.ignores.kernelParameters)));
  if (kernel) gaps.push(...kernel.gaps);
  const mounts = section('mounts', SNAPSHOT_QUERY_IDS.mounts, (frame) => parseMountsSection(frame, nameIgnorer(settings.ignores.mounts))) ?? [];

  const streamEnded = parser.endedStreams.has(FILES_STREAM_ID);
  const walkErrors = parser.frames.get(FILE_ERRORS_QUERY_ID)?.stderr.toString('utf8') ?? '';
  const walked = fileReader.finish(streamEnded, walkErrors);
  gaps.push(...walked.gaps);
  if (!streamEnded) gaps.push({ kind: 'files', reason: `the file tree was cut short: ${ended()}` });

  const snapshot: Snapshot = {
    schemaVersion: SNAPSHOT_SCHEMA_VERSION,
    tool: { name: 'driftspec', version: settings.toolVersion },
    target: settings.target,
    takenAt: settings.takenAt,
    host,
    complete: false,
    gaps: dedupeGaps(gaps),
    packages,
    services,
    listeners,
    users,
    groups,
    kernelParameters: kernel?.values ?? {},
    mounts,
    files: nameOwners(walked.files, users, groups),
    fileRoots: [...settings.fileRoots],
    ignores: settings.ignores,
  };
  snapshot.complete = snapshot.gaps.length === 0;
  return SnapshotSchema.parse(sortSnapshot(snapshot));
}

function fromAccounts<T>(kind: 'users' | 'groups', value: T[] | FactError, gaps: SnapshotGap[]): T[] {
  if (value instanceof FactError) {
    gaps.push({ kind, reason: value.message });
    return [];
  }
  return value;
}

/** Owner and group names as the account database gives them (the first entry with the id, as libc does). */
function nameOwners(files: readonly WalkedFile[], users: readonly SnapshotUser[], groups: readonly SnapshotGroup[]): SnapshotFile[] {
  const userNames = new Map<number, string>();
  for (const user of users) if (!userNames.has(user.uid)) userNames.set(user.uid, user.name);
  const groupNames = new Map<number, string>();
  for (const group of groups) if (!groupNames.has(group.gid)) groupNames.set(group.gid, group.name);
  // In place: a large tree is not copied once more.
  return files.map((file) => Object.assign(file, { owner: userNames.get(file.uid) ?? null, group: groupNames.get(file.gid) ?? null }));
}

function dedupeGaps(gaps: readonly SnapshotGap[]): SnapshotGap[] {
  const seen = new Set<string>();
  return gaps.filter((gap) => {
    const key = `${gap.kind}\0${gap.path ?? ''}\0${gap.reason}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Why the probe's output ended where it did. */
function probeEnd(result: ExecResult, timeoutMs: number, parser: ProbeStreamParser): string {
  if (parser.problem) return `its output could not be read: ${parser.problem}`;
  if (result.timedOut) return `the probe timed out after ${timeoutMs / 1000} s (raise --timeout)`;
  const stderr = result.stderr.toString('utf8').trim();
  const said = stderr ? `: ${firstLines(stderr, 3)}` : '';
  if (result.exitCode === null) return `the probe was killed${result.signal ? ` by ${result.signal}` : ''}${said}`;
  if (parser.complete) return `the probe finished without this section${said}`;
  return `the probe exited ${result.exitCode} before its end${said}`;
}

