import { findAcceptance, NO_ACCEPTED_DRIFT, type AcceptedDrift } from './accept.js';
import { DIFF_KINDS, KIND_DEFINITIONS, type DiffItem } from './diff-kinds.js';
import type {
  AddedOrRemoved,
  AttributeChange,
  AttributeValue,
  ChangedItem,
  DriftCounts,
  HostDrift,
  KindDrift,
  NotCompared,
  SnapshotInfo,
} from './diff-schema.js';
import { globToRegExp, nameIgnorer, type PathPredicate } from './snapshot-ignore.js';
import { ignoresAttribute, ignoresItem, NO_IGNORES, toleratesGrowth, type IgnoreRules } from './ignore.js';
import type { Snapshot, SnapshotGap, SnapshotKind } from './snapshot-schema.js';

/**
 * Compares two snapshots of one machine (or of two images): per kind, the items only in the
 * candidate (added), only in the baseline (removed), and in both with different attributes
 * (changed, every differing attribute old → new, as AIDE reports them).
 *
 * Missing data is never "no drift" (Red Hat's drift service calls it INCOMPLETE_DATA): a kind one
 * snapshot could not read, a path it could not read, file trees or snapshot ignores that differ
 * between the two — each is listed in `notCompared`, everything else is still compared, and the
 * host's state is `incomplete`.
 */
export interface DiffOptions {
  ignore?: IgnoreRules;
  accept?: AcceptedDrift;
  /** Decides which accepted-drift entries have expired; a parameter so tests fix the clock. */
  now: Date;
}

type Side = 'baseline' | 'candidate';

export function diffSnapshots(baseline: Snapshot, candidate: Snapshot, options: DiffOptions): HostDrift {
  const context: Context = {
    ignore: options.ignore ?? NO_IGNORES,
    accept: options.accept ?? NO_ACCEPTED_DRIFT,
    now: options.now,
    ignored: 0,
    notCompared: [],
  };
  const scope = new Scope(baseline, candidate, context.notCompared);
  const kinds = DIFF_KINDS.map((kind) => diffKind(kind, baseline, candidate, scope, context));
  if (!baseline.complete && baseline.gaps.length === 0) context.notCompared.push(unexplainedIncompleteness('baseline'));
  if (!candidate.complete && candidate.gaps.length === 0) context.notCompared.push(unexplainedIncompleteness('candidate'));
  const host: HostDrift = {
    target: candidate.target,
    state: 'no-drift',
    candidate: describeSnapshot(candidate),
    counts: countDrift(kinds, context.ignored, context.notCompared.length),
    kinds,
    notCompared: context.notCompared,
  };
  return { ...host, state: stateOf(host) };
}

/** A host with no candidate snapshot (unreachable, probe failed): nothing could be compared. */
export function unreachableHostDrift(target: string, reason: string): HostDrift {
  const notCompared = DIFF_KINDS.map((kind) => ({ kind, reason: `no snapshot of the host: ${reason}` }));
  return {
    target,
    state: 'incomplete',
    reason,
    counts: { added: 0, removed: 0, changed: 0, accepted: 0, ignored: 0, notCompared: notCompared.length },
    kinds: DIFF_KINDS.map((kind) => ({ kind, compared: 'none', added: [], removed: [], changed: [] })),
    notCompared,
  };
}

export function describeSnapshot(snapshot: Snapshot, file?: string): SnapshotInfo {
  const os = snapshot.host.os;
  return {
    ...(file !== undefined ? { file } : {}),
    target: snapshot.target,
    takenAt: snapshot.takenAt,
    toolVersion: snapshot.tool.version,
    hostname: snapshot.host.hostname,
    os: os.prettyName ?? ([os.id, os.versionId].filter(Boolean).join(' ') || 'unknown'),
    complete: snapshot.complete,
  };
}

/** Drift that is not accepted; incompleteness outranks it, since "what else changed" is unknown. */
function stateOf(host: HostDrift): HostDrift['state'] {
  if (host.notCompared.length > 0) return 'incomplete';
  return host.counts.added + host.counts.removed + host.counts.changed > 0 ? 'drift' : 'no-drift';
}

function countDrift(kinds: readonly KindDrift[], ignored: number, notCompared: number): DriftCounts {
  const counts: DriftCounts = { added: 0, removed: 0, changed: 0, accepted: 0, ignored, notCompared };
  for (const kind of kinds) {
    for (const type of ['added', 'removed', 'changed'] as const) {
      for (const item of kind[type]) {
        if (item.accepted) counts.accepted++;
        else counts[type]++;
      }
    }
  }
  return counts;
}

function unexplainedIncompleteness(side: Side): NotCompared {
  return { reason: `${side}: the snapshot says it is incomplete but names no gap; nothing in it can be trusted as complete` };
}

// ---------------------------------------------------------------------------------------------
// One kind

interface Context {
  ignore: IgnoreRules;
  accept: AcceptedDrift;
  now: Date;
  ignored: number;
  notCompared: NotCompared[];
}

function diffKind(kind: SnapshotKind, baseline: Snapshot, candidate: Snapshot, scope: Scope, context: Context): KindDrift {
  const empty: KindDrift = { kind, compared: 'all', added: [], removed: [], changed: [] };
  const whole = [...kindGaps(baseline, kind, 'baseline'), ...kindGaps(candidate, kind, 'candidate')];
  if (whole.length > 0) {
    context.notCompared.push(...mergeSides(whole.map(({ side, gap }) => ({ kind, side, reason: gap.reason }))));
    return { ...empty, compared: 'none' };
  }
  const before = new Map(KIND_DEFINITIONS[kind].items(baseline).filter((item) => scope.recorded(kind, item)).map((item) => [item.id, item]));
  const after = new Map(KIND_DEFINITIONS[kind].items(candidate).filter((item) => scope.recorded(kind, item)).map((item) => [item.id, item]));
  const drift = { ...empty };
  for (const [id, item] of after) {
    const old = before.get(id);
    if (old) {
      const changed = compareItem(kind, old, item, scope, context);
      if (changed) drift.changed.push(changed);
    } else if (scope.comparable(kind, item.key, 'baseline')) {
      const added = addedOrRemoved(kind, item, 'added', context);
      if (added) drift.added.push(added);
    }
  }
  for (const [id, item] of before) {
    if (after.has(id) || !scope.comparable(kind, item.key, 'candidate')) continue;
    const removed = addedOrRemoved(kind, item, 'removed', context);
    if (removed) drift.removed.push(removed);
  }
  const partly = context.notCompared.some((entry) => entry.kind === kind);
  return { ...drift, compared: partly ? 'partly' : 'all', added: byKey(drift.added), removed: byKey(drift.removed), changed: byKey(drift.changed) };
}

function addedOrRemoved(kind: SnapshotKind, item: DiffItem, type: 'added' | 'removed', context: Context): AddedOrRemoved | undefined {
  if (ignoresItem(context.ignore, kind, item.key)) {
    context.ignored++;
    return undefined;
  }
  const match = findAcceptance(context.accept, context.now, kind, item.key, type);
  return {
    key: item.key,
    record: item.record as Record<string, AttributeValue>,
    ...(match.accepted ? { accepted: match.accepted } : {}),
    ...(match.expired ? { expiredAcceptance: match.expired } : {}),
  };
}

function compareItem(kind: SnapshotKind, before: DiffItem, after: DiffItem, scope: Scope, context: Context): ChangedItem | undefined {
  let changes = differingAttributes(kind, before, after, scope);
  const unknown = changes.filter((change) => isUnknown(kind, change));
  for (const change of unknown) {
    const side = change.old === null ? 'baseline' : 'candidate';
    context.notCompared.push({ kind, path: after.key, reason: `${change.attribute}: the ${side} snapshot could not read it` });
  }
  changes = changes.filter((change) => !isUnknown(kind, change));
  if (changes.length === 0) return undefined;
  if (ignoresItem(context.ignore, kind, after.key)) {
    context.ignored++;
    return undefined;
  }
  const kept = changes.filter((change) => !ignoresAttribute(context.ignore, kind, after.key, change.attribute));
  context.ignored += changes.length - kept.length;
  changes = kind === 'files' ? withoutGrowth(kept, after.key, context) : kept;
  if (changes.length === 0) return undefined;
  const whole = findAcceptance(context.accept, context.now, kind, after.key, 'changed');
  const decorated = changes.map((change): AttributeChange => {
    if (whole.accepted) return change;
    const match = findAcceptance(context.accept, context.now, kind, after.key, 'changed', change.attribute);
    return match.accepted ? { ...change, accepted: match.accepted } : change;
  });
  const accepted = whole.accepted ?? (decorated.every((c) => c.accepted) ? decorated[0]!.accepted : undefined);
  const expired = accepted ? undefined : (whole.expired ?? expiredForSomeAttribute(kind, after.key, decorated, context));
  return {
    key: after.key,
    changes: decorated,
    before: before.record as Record<string, AttributeValue>,
    after: after.record as Record<string, AttributeValue>,
    ...(accepted ? { accepted } : {}),
    ...(expired ? { expiredAcceptance: expired } : {}),
  };
}

function expiredForSomeAttribute(kind: SnapshotKind, key: string, changes: readonly AttributeChange[], context: Context) {
  for (const change of changes) {
    if (change.accepted) continue;
    const match = findAcceptance(context.accept, context.now, kind, key, 'changed', change.attribute);
    if (match.expired) return match.expired;
  }
  return undefined;
}

function isUnknown(kind: SnapshotKind, change: AttributeChange): boolean {
  return KIND_DEFINITIONS[kind].unknownWhenNull?.includes(change.attribute) === true && (change.old === null || change.new === null);
}

/** Growing files (logs, journals): a larger size, and the new content that comes with it, are not drift. */
function withoutGrowth(changes: AttributeChange[], key: string, context: Context): AttributeChange[] {
  if (!toleratesGrowth(context.ignore, key)) return changes;
  const size = changes.find((c) => c.attribute === 'size');
  const grew = typeof size?.old === 'number' && typeof size.new === 'number' && size.new > size.old;
  if (!grew) return changes;
  const kept = changes.filter((c) => c.attribute !== 'size' && c.attribute !== 'sha256');
  context.ignored += changes.length - kept.length;
  return kept;
}

function differingAttributes(kind: SnapshotKind, before: DiffItem, after: DiffItem, scope: Scope): AttributeChange[] {
  const changes: AttributeChange[] = [];
  for (const attribute of KIND_DEFINITIONS[kind].attributes) {
    const old = before.record[attribute] as AttributeValue | undefined;
    const now = after.record[attribute] as AttributeValue | undefined;
    if (sameValue(old, now)) continue;
    // An attribute one side could not read (a file's content behind a gap) is unknown, not changed.
    if ((old === undefined && scope.gapCovers(kind, before.key, 'baseline')) || (now === undefined && scope.gapCovers(kind, after.key, 'candidate'))) continue;
    changes.push({ attribute, ...(old !== undefined ? { old } : {}), ...(now !== undefined ? { new: now } : {}) });
  }
  return changes;
}

export function sameValue(a: AttributeValue | undefined, b: AttributeValue | undefined): boolean {
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((value, i) => value === b[i]);
  return a === b;
}

function byKey<T extends { key: string }>(items: T[]): T[] {
  return items.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

function kindGaps(snapshot: Snapshot, kind: SnapshotKind, side: Side): Array<{ side: Side; gap: SnapshotGap }> {
  return snapshot.gaps.filter((gap) => gap.kind === kind && gap.path === undefined).map((gap) => ({ side, gap }));
}

/** One entry when both snapshots miss the same thing for the same reason. */
function mergeSides(entries: ReadonlyArray<{ kind: SnapshotKind; side: Side; reason: string; path?: string }>): NotCompared[] {
  const merged = new Map<string, { entry: NotCompared; sides: Set<Side>; reason: string }>();
  for (const { kind, side, reason, path } of entries) {
    const id = `${kind}\0${path ?? ''}\0${reason}`;
    const seen = merged.get(id) ?? { entry: { kind, ...(path !== undefined ? { path } : {}), reason }, sides: new Set<Side>(), reason };
    seen.sides.add(side);
    merged.set(id, seen);
  }
  return [...merged.values()].map(({ entry, sides, reason }) => ({ ...entry, reason: `${[...sides].join(' and ')}: ${reason}` }));
}

// ---------------------------------------------------------------------------------------------
// What both snapshots looked at: file trees, their own ignores, and item-level gaps

class Scope {
  private readonly roots: Record<Side, readonly string[]>;
  private readonly gaps: Record<Side, readonly SnapshotGap[]>;
  private readonly unrecordedPath: PathPredicate;
  private readonly unrecordedParameter: PathPredicate;
  private readonly unrecordedMount: PathPredicate;

  constructor(baseline: Snapshot, candidate: Snapshot, notCompared: NotCompared[]) {
    this.roots = { baseline: baseline.fileRoots, candidate: candidate.fileRoots };
    this.gaps = { baseline: itemGaps(baseline), candidate: itemGaps(candidate) };
    // What either snapshot chose not to record is compared in neither, and said so when they differ.
    this.unrecordedPath = memoisedPathIgnorer(union(baseline.ignores.paths, candidate.ignores.paths));
    this.unrecordedParameter = nameIgnorer(union(baseline.ignores.kernelParameters, candidate.ignores.kernelParameters));
    this.unrecordedMount = nameIgnorer(union(baseline.ignores.mounts, candidate.ignores.mounts));
    notCompared.push(
      ...oneSided(baseline.fileRoots, candidate.fileRoots).map(({ value, side }) => ({ kind: 'files' as const, path: value, reason: `only the ${side} snapshot walked this tree` })),
      ...oneSided(baseline.ignores.paths, candidate.ignores.paths).map(({ value, side }) => ({ kind: 'files' as const, path: value, reason: `only the ${side} snapshot left these paths out` })),
      ...oneSided(baseline.ignores.mounts, candidate.ignores.mounts).map(({ value, side }) => ({ kind: 'mounts' as const, path: value, reason: `only the ${side} snapshot left these mount points out` })),
      ...oneSided(baseline.ignores.kernelParameters, candidate.ignores.kernelParameters).map(({ value, side }) => ({ kind: 'kernelParameters' as const, path: value, reason: `only the ${side} snapshot left these parameters out` })),
      ...mergeSides([...this.gaps.baseline.map((gap) => ({ ...gap, side: 'baseline' as const })), ...this.gaps.candidate.map((gap) => ({ ...gap, side: 'candidate' as const }))]),
    );
  }

  /** Left out of the comparison because one of the snapshots did not record such items. */
  recorded(kind: SnapshotKind, item: DiffItem): boolean {
    if (kind === 'kernelParameters') return !this.unrecordedParameter(String(item.record.key));
    if (kind === 'mounts') return !this.unrecordedMount(String(item.record.point));
    return kind !== 'files' || !this.unrecordedPath(String(item.record.path));
  }

  /** Whether the other side would have recorded the item had it been there. */
  comparable(kind: SnapshotKind, key: string, otherSide: Side): boolean {
    if (this.gapCovers(kind, key, otherSide)) return false;
    if (kind !== 'files') return true;
    return this.roots[otherSide].some((root) => isAtOrBelow(key, root));
  }

  gapCovers(kind: SnapshotKind, key: string, side: Side): boolean {
    return this.gaps[side].some((gap) => gap.kind === kind && (gap.path === key || (kind === 'files' && isAtOrBelow(key, gap.path!))));
  }
}

function itemGaps(snapshot: Snapshot): SnapshotGap[] {
  return snapshot.gaps.filter((gap) => gap.path !== undefined);
}

function union(a: readonly string[], b: readonly string[]): string[] {
  return [...new Set([...a, ...b])];
}

function oneSided(baseline: readonly string[], candidate: readonly string[]): Array<{ value: string; side: Side }> {
  return [
    ...baseline.filter((value) => !candidate.includes(value)).map((value) => ({ value, side: 'baseline' as const })),
    ...candidate.filter((value) => !baseline.includes(value)).map((value) => ({ value, side: 'candidate' as const })),
  ];
}

export function isAtOrBelow(path: string, root: string): boolean {
  if (root === '/') return path.startsWith('/');
  const base = root.endsWith('/') ? root.slice(0, -1) : root;
  return path === base || path.startsWith(`${base}/`);
}

/**
 * pathIgnorer's rule (a path is left out when a glob matches it or one of its directories), with
 * the globs joined into one expression and each directory's answer kept: tens of thousands of
 * files share a few thousand directories.
 */
function memoisedPathIgnorer(globs: readonly string[]): PathPredicate {
  if (globs.length === 0) return () => false;
  const combined = new RegExp(globs.map((glob) => `(?:${globToRegExp(glob).source})`).join('|'), 'u');
  const directories = new Map<string, boolean>();
  const ignored = (path: string): boolean => {
    if (combined.test(path)) return true;
    const cut = path.lastIndexOf('/');
    if (cut <= 0) return false;
    const parent = path.slice(0, cut);
    let answer = directories.get(parent);
    if (answer === undefined) {
      answer = ignored(parent);
      directories.set(parent, answer);
    }
    return answer;
  };
  return ignored;
}
