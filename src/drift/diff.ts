import { unifiedDiff } from './text-diff.js';
import { findAcceptance, NO_ACCEPTED_DRIFT, type AcceptedDrift } from './accept.js';
import { ignoringParts, type AnyInventoryPart, type SnapshotView } from '../resources/inventory-part.js';
import { groupByCause } from './cause.js';
import { kindDefinitions, type DiffItem, type KindDefinition } from './diff-kinds.js';
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
import { imageComparison } from './image-kinds.js';
import { globToRegExp, nameIgnorer, type PathPredicate } from './path-glob.js';
import { ignoresAttribute, ignoresItem, NO_IGNORES, toleratesGrowth, type IgnoreRules } from './ignore.js';
import { SNAPSHOT_PARTS, type Snapshot, type SnapshotGap, type SnapshotKind } from './snapshot-schema.js';

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
  /** The kinds compared; the built-in resources' by default. */
  parts?: readonly AnyInventoryPart[];
}

type Side = 'baseline' | 'candidate';

export function diffSnapshots(baseline: Snapshot, candidate: Snapshot, options: DiffOptions): HostDrift {
  const parts = options.parts ?? SNAPSHOT_PARTS;
  const definitions = kindDefinitions(parts);
  const context: Context = {
    definitions,
    ignore: options.ignore ?? NO_IGNORES,
    accept: options.accept ?? NO_ACCEPTED_DRIFT,
    now: options.now,
    ignored: 0,
    notCompared: [],
  };
  const scope = new Scope(baseline, candidate, parts, context.notCompared);
  const images = imageComparison(baseline, candidate, parts);
  const compared = parts.map((part) => {
    const kind = part.kind as SnapshotKind;
    const note = images.notes.find((entry) => entry.kind === kind);
    if (note && !note.compared) return { kind, compared: 'none' as const, added: [], removed: [], changed: [] };
    context.only = images.attributes.get(kind);
    return diffKind(kind, baseline, candidate, scope, context);
  });
  const kinds = groupByCause(compared, parts);
  if (!baseline.complete && baseline.gaps.length === 0) context.notCompared.push(unexplainedIncompleteness('baseline'));
  if (!candidate.complete && candidate.gaps.length === 0)
    context.notCompared.push(unexplainedIncompleteness('candidate'));
  const host: HostDrift = {
    target: candidate.target,
    state: 'no-drift',
    candidate: describeSnapshot(candidate),
    counts: countDrift(kinds, context.ignored, context.notCompared.length),
    kinds,
    notCompared: context.notCompared,
    ...(images.notes.length > 0 ? { kindNotes: images.notes } : {}),
  };
  return { ...host, state: stateOf(host) };
}

/** A host with no candidate snapshot (unreachable, probe failed): nothing could be compared. */
export function unreachableHostDrift(
  target: string,
  reason: string,
  parts: readonly AnyInventoryPart[] = SNAPSHOT_PARTS,
): HostDrift {
  const kindsOf = parts.map((part) => part.kind as SnapshotKind);
  const notCompared = kindsOf.map((kind) => ({ kind, reason: `no snapshot of the host: ${reason}` }));
  return {
    target,
    state: 'incomplete',
    reason,
    counts: { added: 0, removed: 0, changed: 0, accepted: 0, ignored: 0, notCompared: notCompared.length },
    kinds: kindsOf.map((kind) => ({ kind, compared: 'none', added: [], removed: [], changed: [] })),
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
  return {
    reason: `${side}: the snapshot says it is incomplete but names no gap; nothing in it can be trusted as complete`,
  };
}

// ---------------------------------------------------------------------------------------------
// One kind

interface Context {
  definitions: Readonly<Record<string, KindDefinition>>;
  ignore: IgnoreRules;
  accept: AcceptedDrift;
  now: Date;
  ignored: number;
  notCompared: NotCompared[];
  /** The attributes compared, where not every attribute of the kind is (an image against a booted host). */
  only?: ReadonlySet<string>;
}

function diffKind(
  kind: SnapshotKind,
  baseline: Snapshot,
  candidate: Snapshot,
  scope: Scope,
  context: Context,
): KindDrift {
  const empty: KindDrift = { kind, compared: 'all', added: [], removed: [], changed: [] };
  const whole = [...kindGaps(baseline, kind, 'baseline'), ...kindGaps(candidate, kind, 'candidate')];
  if (whole.length > 0) {
    context.notCompared.push(...mergeSides(whole.map(({ side, gap }) => ({ kind, side, reason: gap.reason }))));
    return { ...empty, compared: 'none' };
  }
  const definition = context.definitions[kind]!;
  const recorded = (snapshot: Snapshot) => definition.items(snapshot).filter((item) => scope.recorded(kind, item));
  const before = new Map(recorded(baseline).map((item) => [item.id, item]));
  const after = new Map(recorded(candidate).map((item) => [item.id, item]));
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
  return {
    ...drift,
    compared: partly ? 'partly' : 'all',
    added: byKey(drift.added),
    removed: byKey(drift.removed),
    changed: byKey(drift.changed),
  };
}

function addedOrRemoved(
  kind: SnapshotKind,
  item: DiffItem,
  type: 'added' | 'removed',
  context: Context,
): AddedOrRemoved | undefined {
  if (ignoresItem(context.ignore, kind, item.key)) {
    context.ignored++;
    return undefined;
  }
  const match = findAcceptance(context.accept, context.now, kind, item.key, type);
  return {
    key: item.key,
    record: reportRecord(context.definitions[kind]!, item),
    ...(match.accepted ? { accepted: match.accepted } : {}),
    ...(match.expired ? { expiredAcceptance: match.expired } : {}),
  };
}

function compareItem(
  kind: SnapshotKind,
  before: DiffItem,
  after: DiffItem,
  scope: Scope,
  context: Context,
): ChangedItem | undefined {
  const definition = context.definitions[kind]!;
  let changes = differingAttributes(definition, before, after, scope, context.only);
  const unknown = changes.filter((change) => isUnknown(definition, change));
  for (const change of unknown) {
    const side = change.old === null ? 'baseline' : 'candidate';
    context.notCompared.push({
      kind,
      path: after.key,
      reason: `${change.attribute}: the ${side} snapshot could not read it`,
    });
  }
  changes = changes.filter((change) => !isUnknown(definition, change));
  if (changes.length === 0) return undefined;
  if (ignoresItem(context.ignore, kind, after.key)) {
    context.ignored++;
    return undefined;
  }
  const kept = changes.filter((change) => !ignoresAttribute(context.ignore, kind, after.key, change.attribute));
  context.ignored += changes.length - kept.length;
  const growth = definition.part.growth;
  changes = growth ? withoutGrowth(kept, after.key, growth, context) : kept;
  if (changes.length === 0) return undefined;
  const whole = findAcceptance(context.accept, context.now, kind, after.key, 'changed');
  const decorated = changes.map((change): AttributeChange => {
    if (whole.accepted) return change;
    const match = findAcceptance(context.accept, context.now, kind, after.key, 'changed', change.attribute);
    return match.accepted ? { ...change, accepted: match.accepted } : change;
  });
  const accepted = whole.accepted ?? (decorated.every((c) => c.accepted) ? decorated[0]!.accepted : undefined);
  const expired = accepted
    ? undefined
    : (whole.expired ?? expiredForSomeAttribute(kind, after.key, decorated, context));
  return {
    key: after.key,
    changes: withTextDiff(definition, before, after, decorated),
    before: reportRecord(definition, before),
    after: reportRecord(definition, after),
    ...(accepted ? { accepted } : {}),
    ...(expired ? { expiredAcceptance: expired } : {}),
  };
}

/** An item's record as reports carry it: without its text (reports show a diff of it instead). */
function reportRecord(definition: KindDefinition, item: DiffItem): Record<string, AttributeValue> {
  const field = definition.part.text?.field;
  if (field === undefined || !(field in item.record)) return item.record as Record<string, AttributeValue>;
  const { [field]: _text, ...rest } = item.record;
  return rest as Record<string, AttributeValue>;
}

/** The hash change of an item whose text both snapshots kept carries the unified diff of the text. */
function withTextDiff(
  definition: KindDefinition,
  before: DiffItem,
  after: DiffItem,
  changes: AttributeChange[],
): AttributeChange[] {
  const text = definition.part.text;
  if (text === undefined) return changes;
  const old = before.record[text.field];
  const now = after.record[text.field];
  if (typeof old !== 'string' || typeof now !== 'string') return changes;
  return changes.map((change) => {
    if (change.attribute !== text.attribute) return change;
    const diff = unifiedDiff(old, now);
    return diff === '' ? change : { ...change, diff };
  });
}

function expiredForSomeAttribute(
  kind: SnapshotKind,
  key: string,
  changes: readonly AttributeChange[],
  context: Context,
) {
  for (const change of changes) {
    if (change.accepted) continue;
    const match = findAcceptance(context.accept, context.now, kind, key, 'changed', change.attribute);
    if (match.expired) return match.expired;
  }
  return undefined;
}

function isUnknown(definition: KindDefinition, change: AttributeChange): boolean {
  const nullable = definition.unknownWhenNull?.includes(change.attribute) === true;
  return nullable && (change.old === null || change.new === null);
}

/** Growing files (logs, journals): a larger size, and the new content that comes with it, are not drift. */
function withoutGrowth(
  changes: AttributeChange[],
  key: string,
  growth: { size: string; content: string },
  context: Context,
): AttributeChange[] {
  if (!toleratesGrowth(context.ignore, key)) return changes;
  const size = changes.find((c) => c.attribute === growth.size);
  const grew = typeof size?.old === 'number' && typeof size.new === 'number' && size.new > size.old;
  if (!grew) return changes;
  const kept = changes.filter((c) => c.attribute !== growth.size && c.attribute !== growth.content);
  context.ignored += changes.length - kept.length;
  return kept;
}

function differingAttributes(
  definition: KindDefinition,
  before: DiffItem,
  after: DiffItem,
  scope: Scope,
  only: ReadonlySet<string> | undefined,
): AttributeChange[] {
  const kind = definition.kind as SnapshotKind;
  const changes: AttributeChange[] = [];
  for (const attribute of definition.attributes) {
    if (only !== undefined && !only.has(attribute)) continue;
    const old = before.record[attribute] as AttributeValue | undefined;
    const now = after.record[attribute] as AttributeValue | undefined;
    if (sameValue(old, now)) continue;
    // An attribute one side could not read (a file's content behind a gap) is unknown, not changed.
    if (
      (old === undefined && scope.gapCovers(kind, before.key, 'baseline')) ||
      (now === undefined && scope.gapCovers(kind, after.key, 'candidate'))
    )
      continue;
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
function mergeSides(
  entries: ReadonlyArray<{ kind: SnapshotKind; side: Side; reason: string; path?: string }>,
): NotCompared[] {
  const merged = new Map<string, { entry: NotCompared; sides: Set<Side>; reason: string }>();
  for (const { kind, side, reason, path } of entries) {
    const id = `${kind}\0${path ?? ''}\0${reason}`;
    const seen = merged.get(id) ?? {
      entry: { kind, ...(path !== undefined ? { path } : {}), reason },
      sides: new Set<Side>(),
      reason,
    };
    seen.sides.add(side);
    merged.set(id, seen);
  }
  return [...merged.values()].map(({ entry, sides, reason }) => ({
    ...entry,
    reason: `${[...sides].join(' and ')}: ${reason}`,
  }));
}

// ---------------------------------------------------------------------------------------------
// What both snapshots looked at: file trees, their own ignores, and item-level gaps

class Scope {
  private readonly gaps: Record<Side, readonly SnapshotGap[]>;
  private readonly parts: ReadonlyMap<string, AnyInventoryPart>;
  /** Per kind: what either snapshot chose not to record is compared in neither. */
  private readonly unrecorded = new Map<string, PathPredicate>();

  constructor(
    private readonly baseline: Snapshot,
    private readonly candidate: Snapshot,
    parts: readonly AnyInventoryPart[],
    notCompared: NotCompared[],
  ) {
    this.parts = new Map(parts.map((part) => [part.kind, part]));
    this.gaps = { baseline: itemGaps(baseline), candidate: itemGaps(candidate) };
    const scopes: NotCompared[] = [];
    for (const part of parts) {
      for (const entry of part.differentScope?.(baseline, candidate) ?? [])
        scopes.push({ kind: part.kind as SnapshotKind, ...entry });
    }
    for (const part of ignoringParts(parts)) {
      const rule = part.ignore!;
      const [before, after] = [ignoreGlobs(baseline, rule.field), ignoreGlobs(candidate, rule.field)];
      const globs = union(before, after);
      this.unrecorded.set(part.kind, rule.match === 'path' ? memoisedPathIgnorer(globs) : nameIgnorer(globs));
      const kind = part.kind as SnapshotKind;
      const leftOut = oneSided(before, after).map(({ value, side }) => ({
        kind,
        path: value,
        reason: `only the ${side} snapshot left ${rule.leftOut}`,
      }));
      scopes.push(...leftOut);
    }
    const sides = [
      ...this.gaps.baseline.map((gap) => ({ ...gap, side: 'baseline' as const })),
      ...this.gaps.candidate.map((gap) => ({ ...gap, side: 'candidate' as const })),
    ];
    notCompared.push(...scopes, ...mergeSides(sides));
  }

  /** Left out of the comparison because one of the snapshots did not record such items. */
  recorded(kind: SnapshotKind, item: DiffItem): boolean {
    const unrecorded = this.unrecorded.get(kind);
    return unrecorded === undefined || !unrecorded(this.parts.get(kind)!.ignore!.subject(item.record));
  }

  /** Whether the other side would have recorded the item had it been there. */
  comparable(kind: SnapshotKind, key: string, otherSide: Side): boolean {
    if (this.gapCovers(kind, key, otherSide)) return false;
    const looked = this.parts.get(kind)?.looked;
    return looked === undefined || looked(this[otherSide] as SnapshotView, key);
  }

  gapCovers(kind: SnapshotKind, key: string, side: Side): boolean {
    const covers = this.parts.get(kind)?.covers;
    return this.gaps[side].some((gap) => gap.kind === kind && (gap.path === key || covers?.(gap.path!, key)));
  }
}

function ignoreGlobs(snapshot: Snapshot, field: string): string[] {
  return (snapshot.ignores as Record<string, string[] | undefined>)[field] ?? [];
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
