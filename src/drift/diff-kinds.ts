import { itemsOf, type AnyInventoryPart, type SnapshotView } from '../resources/inventory-part.js';
import { SNAPSHOT_KINDS, SNAPSHOT_PARTS, type SnapshotKind } from './snapshot-schema.js';

/**
 * How each kind of a snapshot is compared, read from its inventory part: the identity that pairs
 * an item of one snapshot with the same item of the other, the key reports show (and ignore/accept
 * globs match), and the attributes compared, in the order reports list them.
 */
export interface KindDefinition {
  kind: string;
  /** One item, in prose: "package", "listener". */
  noun: string;
  /** Attributes compared, in report order (the snapshot schema's); identity fields are not among them. */
  attributes: readonly string[];
  /** Attributes where null means "could not be read" (listener owners without root), not a value. */
  unknownWhenNull?: readonly string[];
  items(snapshot: SnapshotView): DiffItem[];
  part: AnyInventoryPart;
}

/** One item of one snapshot, ready to compare. */
export interface DiffItem {
  /** Pairs items across snapshots (unique within one snapshot). */
  id: string;
  /** What reports print and globs match: "openssh-server:amd64", "tcp4 0.0.0.0:22", "/etc/passwd". */
  key: string;
  /** The snapshot's record as it is, for reports and policy rules. */
  record: Record<string, unknown>;
}

export function kindDefinition(part: AnyInventoryPart): KindDefinition {
  return {
    kind: part.kind,
    noun: part.noun,
    attributes: part.attributes,
    ...(part.unknownWhenNull ? { unknownWhenNull: part.unknownWhenNull } : {}),
    items: (snapshot) => withIds(itemsOf(part, snapshot), part.identity, part.display ?? part.identity),
    part,
  };
}

export function kindDefinitions(parts: readonly AnyInventoryPart[]): Readonly<Record<string, KindDefinition>> {
  return Object.fromEntries(parts.map((part) => [part.kind, kindDefinition(part)]));
}

export const KIND_DEFINITIONS = kindDefinitions(SNAPSHOT_PARTS) as Readonly<Record<SnapshotKind, KindDefinition>>;

export const DIFF_KINDS: readonly SnapshotKind[] = SNAPSHOT_KINDS;

/** Every attribute name of any kind: what an ignore rule without a kind may name. */
export const ALL_ATTRIBUTES: readonly string[] = [
  ...new Set(DIFF_KINDS.flatMap((kind) => KIND_DEFINITIONS[kind].attributes)),
];

/**
 * Items sharing an identity (stacked mounts on one point, a name listed twice in passwd) are told
 * apart by their position among the same identity: the second becomes "/proc [2]".
 */
function withIds<T extends object>(
  items: readonly T[],
  identity: (item: T) => string,
  display: (item: T) => string,
): DiffItem[] {
  const seen = new Map<string, number>();
  return items.map((item) => {
    const id = identity(item);
    const position = (seen.get(id) ?? 0) + 1;
    seen.set(id, position);
    const suffix = position === 1 ? '' : ` [${position}]`;
    return { id: `${id}${suffix}`, key: `${display(item)}${suffix}`, record: item as Record<string, unknown> };
  });
}

/** Control characters (a line break in a file name or a gecos field) shown as escapes, so one item stays one line. */
export { printable } from '../text/printable.js';
