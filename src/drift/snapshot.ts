import { HOST_QUERY_ID, parseHostFrame } from '../probe/host.js';
import { createRegistry, type ResourceRegistry } from '../resources/index.js';
import {
  ignoringParts,
  inventoryParts,
  type AnyInventoryPart,
  type InventoryGap,
  type Listed,
  type StreamReader,
  uniqueKey,
} from '../resources/inventory-part.js';
import { FactError, firstLines } from '../resources/resource.js';
import type { ExecResult, Target } from '../targets/target.js';
import { buildSnapshotScript } from './probe-script.js';
import { DEFAULT_FILE_CONTENT, type FileContentSettings } from '../resources/file/inventory-content.js';
import { ProbeStreamParser } from './probe-stream.js';
import { nameIgnorer, pathIgnorer } from './path-glob.js';
import {
  SNAPSHOT_PARTS,
  SNAPSHOT_SCHEMA_VERSION,
  snapshotSchemaFor,
  sortSnapshot,
  type Snapshot,
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
  /** Which small text files keep their text; the defaults when absent, none when false. */
  fileContent?: FileContentSettings | false;
  now?: () => Date;
  /** The kinds to record; the built-in resources by default. */
  registry?: ResourceRegistry;
}

/** The probe could not tell even what the host is: there is no snapshot to write. */
export class SnapshotProbeError extends Error {
  override name = 'SnapshotProbeError';
}

/**
 * Each part's ignore globs: its defaults and, where it takes them, the `--ignore` globs. A
 * default that would leave out a requested file root (`--files /var/log/app` under the default
 * `/var/log`) is dropped: a root asked for by name is recorded, never silently left out.
 */
export function snapshotIgnores(
  options: Pick<SnapshotOptions, 'ignores' | 'defaultIgnores'> & { fileRoots?: readonly string[] },
  parts: readonly AnyInventoryPart[] = SNAPSHOT_PARTS,
): Snapshot['ignores'] {
  const ignores: Record<string, string[]> = {};
  for (const part of ignoringParts(parts)) {
    const rule = part.ignore!;
    const roots = rule.match === 'path' ? (options.fileRoots ?? []) : [];
    const defaults = options.defaultIgnores
      ? rule.defaults.filter((glob) => !roots.some((root) => pathIgnorer([glob])(root)))
      : [];
    ignores[rule.field] = [...defaults, ...(rule.takesIgnoreOption ? options.ignores : [])];
  }
  return ignores as unknown as Snapshot['ignores'];
}

/**
 * The options that reproduce a snapshot's ignores (the drift command snapshots a live host as
 * its baseline was): the defaults, if the baseline's lists start with them, and the `--ignore`
 * globs after them. Where that is impossible (a baseline written some other way) the diff
 * reports the ignores that differ as not compared.
 */
export function recordedIgnoreOptions(
  baseline: Pick<Snapshot, 'ignores' | 'fileRoots'>,
  parts: readonly AnyInventoryPart[] = SNAPSHOT_PARTS,
): { ignores: string[]; defaultIgnores: boolean } {
  const recorded = baseline.ignores as unknown as Record<string, string[]>;
  const defaults = snapshotIgnores(
    { ignores: [], defaultIgnores: true, fileRoots: baseline.fileRoots },
    parts,
  ) as unknown as Record<string, string[]>;
  const rules = ignoringParts(parts).map((part) => part.ignore!);
  const startsWith = (list: readonly string[], prefix: readonly string[]) =>
    prefix.every((value, i) => list[i] === value);
  const withDefaults = rules.every((rule) => {
    const list = recorded[rule.field] ?? [];
    const wanted = defaults[rule.field] ?? [];
    return startsWith(list, wanted) && (rule.takesIgnoreOption || list.length === wanted.length);
  });
  const optionField = rules.find((rule) => rule.takesIgnoreOption)?.field ?? '';
  const ignores = (recorded[optionField] ?? []).slice(withDefaults ? (defaults[optionField] ?? []).length : 0);
  return { ignores, defaultIgnores: withDefaults };
}

/** Records the whole state of one target in ONE exec, the file tree streamed. */
export async function takeSnapshot(target: Target, options: SnapshotOptions): Promise<Snapshot> {
  const parts = inventoryParts((options.registry ?? createRegistry()).values());
  const ignores = snapshotIgnores(options, parts);
  const pathIgnores = (ignores as unknown as Record<string, string[]>)[streamedIgnoreField(parts)] ?? [];
  const fileContent = options.fileContent === undefined ? DEFAULT_FILE_CONTENT : options.fileContent || undefined;
  const walk = {
    roots: options.fileRoots,
    ignores: pathIgnores,
    portable: options.portableWalk ?? false,
    ...(fileContent ? { content: fileContent } : {}),
  };
  const booted = target.booted !== false;
  // An image that is not booted has no running state to list: those kinds are not asked for.
  const held = booted ? parts : parts.filter((part) => !part.needsRunningSystem);
  const script = buildSnapshotScript(walk, held, booted);
  const collector = new SnapshotCollector(
    {
      target: target.name,
      takenAt: (options.now ?? (() => new Date()))().toISOString(),
      toolVersion: options.toolVersion,
      fileRoots: options.fileRoots,
      ...(fileContent ? { fileContent } : {}),
      ignores,
      timeoutMs: options.timeoutMs,
      ...(held.length < parts.length ? { kinds: held.map((part) => part.kind) } : {}),
    },
    parts,
  );
  const result = await target.exec(script, {
    timeoutMs: options.timeoutMs,
    onStdout: (chunk) => collector.push(chunk),
  });
  return collector.finish(result);
}

export interface CollectorSettings {
  target: string;
  takenAt: string;
  toolVersion: string;
  fileRoots: readonly string[];
  fileContent?: FileContentSettings;
  ignores: Snapshot['ignores'];
  /** For the message when the probe timed out. */
  timeoutMs: number;
  /** The kinds listed, where not every kind of the parts is (an image that is not booted). */
  kinds?: readonly string[];
}

/** Takes the probe's stdout chunk by chunk as it arrives, then turns it into a snapshot. */
export class SnapshotCollector {
  private readonly readers = new Map<string, StreamReader<object>>();
  private readonly parser: ProbeStreamParser;

  constructor(
    private readonly settings: CollectorSettings,
    private readonly parts: readonly AnyInventoryPart[] = SNAPSHOT_PARTS,
  ) {
    for (const part of parts) {
      if (part.listing.type === 'streamed') this.readers.set(part.kind, part.listing.reader(this.ignorer(part)));
    }
    this.parser = new ProbeStreamParser(
      Object.fromEntries(
        parts.flatMap((part) =>
          part.listing.type === 'streamed' ? [[part.listing.id, this.readers.get(part.kind)!]] : [],
        ),
      ),
    );
  }

  push(chunk: Buffer): void {
    this.parser.push(chunk);
  }

  /** Every section that could not be read becomes a gap; without even the host facts there is no snapshot. */
  finish(result: ExecResult): Snapshot {
    const ended = () => probeEnd(result, this.settings.timeoutMs, this.parser);
    const hostFrame = this.parser.frames.get(HOST_QUERY_ID);
    if (!hostFrame) throw new SnapshotProbeError(`the snapshot probe did not run: ${ended()}`);
    const host = parseHostFrame(hostFrame);
    const gaps: InventoryGap[] = [];
    const items = new Map<string, object[]>();
    const held = new Set(this.settings.kinds ?? this.parts.map((part) => part.kind));
    for (const part of this.parts) {
      if (!held.has(part.kind)) {
        items.set(part.kind, []);
        continue;
      }
      const read = this.read(part, host, ended);
      if ('failed' in read) gaps.push({ kind: part.kind, reason: read.failed });
      gaps.push(...(read.listed?.gaps ?? []));
      items.set(part.kind, withoutRepeats(part, read.listed?.items ?? [], gaps));
    }
    gaps.push(...this.ignoredRoots());
    const snapshot: Record<string, unknown> = {
      schemaVersion: SNAPSHOT_SCHEMA_VERSION,
      tool: { name: 'driftspec', version: this.settings.toolVersion },
      target: this.settings.target,
      takenAt: this.settings.takenAt,
      host,
      ...(this.settings.kinds ? { kinds: [...this.settings.kinds] } : {}),
      complete: false,
      gaps: dedupeGaps(gaps),
    };
    for (const part of this.parts) snapshot[part.kind] = part.collection.store(items.get(part.kind)!);
    for (const part of this.parts) {
      if (part.relate)
        snapshot[part.kind] = part.collection.store(part.relate(items.get(part.kind)!, snapshot as never));
    }
    const content = this.settings.fileContent;
    Object.assign(snapshot, {
      fileRoots: [...this.settings.fileRoots],
      ...(content ? { fileContent: { ...content, trees: [...content.trees], secrets: [...content.secrets] } } : {}),
      ignores: this.settings.ignores,
    });
    snapshot.complete = (snapshot.gaps as InventoryGap[]).length === 0;
    return snapshotSchemaFor(this.parts).parse(sortSnapshot(snapshot as never, this.parts)) as unknown as Snapshot;
  }

  /** A root that an `--ignore` glob covers records nothing: said as a gap, never silently empty. */
  private ignoredRoots(): InventoryGap[] {
    const gaps: InventoryGap[] = [];
    for (const part of this.parts) {
      if (part.listing.type !== 'streamed' || part.ignore?.match !== 'path') continue;
      const globs = (this.settings.ignores as unknown as Record<string, string[]>)[part.ignore.field] ?? [];
      for (const root of this.settings.fileRoots) {
        const glob = globs.find((candidate) => pathIgnorer([candidate])(root));
        if (glob !== undefined)
          gaps.push({
            kind: part.kind,
            path: root,
            reason: `this file root is left out by the ignore glob ${JSON.stringify(glob)}`,
          });
      }
    }
    return gaps;
  }

  private ignorer(part: AnyInventoryPart) {
    const globs = (this.settings.ignores as unknown as Record<string, string[]>)[part.ignore?.field ?? ''] ?? [];
    return part.ignore?.match === 'path' ? pathIgnorer(globs) : nameIgnorer(globs);
  }

  private read(
    part: AnyInventoryPart,
    host: Snapshot['host'],
    ended: () => string,
  ): { listed: Listed<object> } | { failed: string; listed?: undefined } {
    const listing = part.listing;
    if (listing.type === 'streamed') {
      const streamEnded = this.parser.endedStreams.has(listing.id);
      const errors = this.parser.frames.get(listing.errorsId)?.stderr.toString('utf8') ?? '';
      const listed = this.readers.get(part.kind)!.finish(streamEnded, errors);
      if (streamEnded) return { listed };
      return {
        listed: {
          items: listed.items,
          gaps: [...listed.gaps, { kind: part.kind, reason: `the ${part.noun} tree was cut short: ${ended()}` }],
        },
      };
    }
    const frame = this.parser.frames.get(listing.id);
    if (!frame) return { failed: `the probe stopped before this section: ${ended()}` };
    try {
      return { listed: listing.read(frame, { host, ignored: this.ignorer(part) }) };
    } catch (error) {
      if (!(error instanceof FactError)) throw error;
      return { failed: error.message };
    }
  }
}

/** Where the streamed listing's (the file tree's) ignore globs are recorded. */
function streamedIgnoreField(parts: readonly AnyInventoryPart[]): string {
  return parts.find((part) => part.listing.type === 'streamed' && part.ignore)?.ignore?.field ?? '';
}

/** An item the target listed twice where no two may share a key: the first is kept, and a gap says so. */
function withoutRepeats(part: AnyInventoryPart, items: object[], gaps: InventoryGap[]): object[] {
  const key = uniqueKey(part);
  if (key === undefined) return items;
  const seen = new Set<string>();
  return items.filter((item) => {
    const id = key(item);
    if (!seen.has(id)) {
      seen.add(id);
      return true;
    }
    gaps.push({
      kind: part.kind,
      path: (part.display ?? part.identity)(item),
      reason: 'the target listed it twice; the first is recorded',
    });
    return false;
  });
}

function dedupeGaps(gaps: readonly InventoryGap[]): InventoryGap[] {
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
