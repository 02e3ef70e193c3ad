import {
  fileKey,
  groupKey,
  listenerKey,
  mountKey,
  packageKey,
  serviceKey,
  SNAPSHOT_KINDS,
  SnapshotFileSchema,
  SnapshotGroupSchema,
  SnapshotListenerSchema,
  SnapshotMountSchema,
  SnapshotPackageSchema,
  SnapshotServiceSchema,
  SnapshotUserSchema,
  userKey,
  type Snapshot,
  type SnapshotKind,
  type SnapshotListener,
  type SnapshotPackage,
} from './snapshot-schema.js';

/**
 * How each kind of a snapshot is compared: the identity that pairs an item of one snapshot with
 * the same item of the other, the key reports show (and ignore/accept globs match), and the
 * attributes compared, in the order reports list them.
 */
export interface KindDefinition {
  kind: SnapshotKind;
  /** One item, in prose: "package", "listener". */
  noun: string;
  /** Attributes compared, in report order (the snapshot schema's); identity fields are not among them. */
  attributes: readonly string[];
  /** Attributes where null means "could not be read" (listener owners without root), not a value. */
  unknownWhenNull?: readonly string[];
  items(snapshot: Snapshot): DiffItem[];
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

export const KIND_DEFINITIONS: Readonly<Record<SnapshotKind, KindDefinition>> = {
  packages: {
    kind: 'packages',
    noun: 'package',
    attributes: attributesOf(SnapshotPackageSchema, ['name', 'architecture', 'manager']),
    items: (s) => withIds(s.packages, packageKey, packageDisplayKey),
  },
  services: {
    kind: 'services',
    noun: 'service',
    attributes: attributesOf(SnapshotServiceSchema, ['name']),
    items: (s) => withIds(s.services, serviceKey, serviceKey),
  },
  listeners: {
    kind: 'listeners',
    noun: 'listener',
    attributes: attributesOf(SnapshotListenerSchema, ['protocol', 'address', 'port']),
    unknownWhenNull: ['processes'],
    items: (s) => withIds(s.listeners, listenerKey, listenerDisplayKey),
  },
  users: {
    kind: 'users',
    noun: 'user',
    attributes: attributesOf(SnapshotUserSchema, ['name']),
    items: (s) => withIds(s.users, userKey, userKey),
  },
  groups: {
    kind: 'groups',
    noun: 'group',
    attributes: attributesOf(SnapshotGroupSchema, ['name']),
    items: (s) => withIds(s.groups, groupKey, groupKey),
  },
  kernelParameters: {
    kind: 'kernelParameters',
    noun: 'kernel parameter',
    attributes: ['value'],
    items: (s) =>
      withIds(
        Object.entries(s.kernelParameters).map(([key, value]) => ({ key, value })),
        (p) => p.key,
        (p) => p.key,
      ),
  },
  mounts: {
    kind: 'mounts',
    noun: 'mount',
    attributes: attributesOf(SnapshotMountSchema, ['point']),
    items: (s) => withIds(s.mounts, mountKey, mountKey),
  },
  files: {
    kind: 'files',
    noun: 'file',
    attributes: attributesOf(SnapshotFileSchema, ['path']),
    items: (s) => withIds(s.files, fileKey, fileKey),
  },
};

/** Every field of the snapshot's schema but the identity, in the schema's order: new fields are compared as soon as snapshots record them. */
function attributesOf(schema: { shape: Record<string, unknown> }, identity: readonly string[]): string[] {
  return Object.keys(schema.shape).filter((field) => !identity.includes(field));
}

export const DIFF_KINDS: readonly SnapshotKind[] = SNAPSHOT_KINDS;

/** Every attribute name of any kind: what an ignore rule without a kind may name. */
export const ALL_ATTRIBUTES: readonly string[] = [...new Set(DIFF_KINDS.flatMap((kind) => KIND_DEFINITIONS[kind].attributes))];

/** The name reports use: "openssh-server:amd64", or just the name where the manager gives no architecture. */
function packageDisplayKey(p: SnapshotPackage): string {
  return p.architecture === null ? p.name : `${p.name}:${p.architecture}`;
}

/** "tcp4 0.0.0.0:22", "udp6 [::1]:323": the way ss and netstat print them. */
function listenerDisplayKey(l: SnapshotListener): string {
  const address = l.address.includes(':') ? `[${l.address}]` : l.address;
  return `${l.protocol} ${address}:${l.port}`;
}

/**
 * Items sharing an identity (stacked mounts on one point, a name listed twice in passwd) are told
 * apart by their position among the same identity: the second becomes "/proc [2]".
 */
function withIds<T extends object>(items: readonly T[], identity: (item: T) => string, display: (item: T) => string): DiffItem[] {
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
