import { z } from 'zod';
import { HostFactsSchema, PackageManagerSchema } from '../probe/host.js';
import { FILE_TYPES } from '../resources/file/index.js';
import { SOCKET_FAMILIES } from '../resources/port/index.js';

/**
 * A snapshot: the whole observable state of one machine at one moment, written by
 * `driftspec snapshot` and read by `driftspec drift` and `driftspec generate`.
 *
 * Every list is sorted by the item's identity (see the *Key functions below), so two snapshots of
 * the same state are byte-identical apart from `takenAt`, and a text diff of two files is readable.
 * Volatile attributes (mtime, atime, ctime, inode, link count) are never recorded.
 *
 * Missing data is never an empty list: a section that could not be read leaves its list empty AND
 * adds a `gaps` entry of its kind, and `complete` is false. Consumers must treat a kind with a gap
 * (or a path with a gap) as unknown, never as "nothing there".
 */

export const SNAPSHOT_SCHEMA_VERSION = 1;

export const SNAPSHOT_KINDS = [
  'packages',
  'services',
  'listeners',
  'users',
  'groups',
  'kernelParameters',
  'mounts',
  'files',
] as const;
export const SnapshotKindSchema = z.enum(SNAPSHOT_KINDS);
export type SnapshotKind = z.infer<typeof SnapshotKindSchema>;

export const SnapshotGapSchema = z.object({
  kind: SnapshotKindSchema,
  /** Why the data is missing, in the target's own words where it gave any. */
  reason: z.string().min(1),
  /**
   * Set when only one item is unknown (a file whose content could not be read, a file root that
   * does not exist); absent when the whole kind is unknown.
   */
  path: z.string().optional(),
});
export type SnapshotGap = z.infer<typeof SnapshotGapSchema>;

/** Identity: (manager, name, architecture) — dpkg multiarch installs one name for several arches. */
export const SnapshotPackageSchema = z.object({
  name: z.string().min(1),
  version: z.string(),
  /** dpkg/rpm/apk architecture; null where the manager does not say (pacman -Q). */
  architecture: z.string().nullable(),
  manager: PackageManagerSchema.exclude(['none']),
  /**
   * The manager's own word: "installed", or a dpkg in-between state (half-configured, unpacked,
   * triggers-pending, …). Entries that are not installed (dpkg not-installed, config-files) are
   * not recorded.
   */
  state: z.string().min(1),
});
export type SnapshotPackage = z.infer<typeof SnapshotPackageSchema>;

/** Identity: name. Systemd units are recorded without the ".service" suffix ("ssh", "getty@tty1"). */
export const SnapshotServiceSchema = z.object({
  name: z.string().min(1),
  /**
   * systemd: the unit file state (enabled, disabled, static, masked, generated, indirect, …), null
   * for a unit without a unit file (transient). sysvinit/openrc: "enabled" or "disabled".
   */
  enabled: z.string().nullable(),
  /** systemd ActiveState (active, inactive, failed, …); sysvinit/openrc: "active"/"inactive", or null when the status could not be told. */
  active: z.string().nullable(),
  /** systemd SubState (running, exited, dead, …); null outside systemd. */
  sub: z.string().nullable(),
});
export type SnapshotService = z.infer<typeof SnapshotServiceSchema>;

/** Identity: (protocol, address, port). Sockets sharing one identity (SO_REUSEPORT) are merged. */
export const SnapshotListenerSchema = z.object({
  /** tcp4/tcp6/udp4/udp6, as the port resource's `protocol` option takes it. */
  protocol: z.enum(SOCKET_FAMILIES),
  /** Normalised: "0.0.0.0", "::", "127.0.0.1", "::1", … */
  address: z.string(),
  port: z.number().int().min(0).max(65535),
  /** Distinct kernel names of the owning processes, sorted; null when the owners could not be read. */
  processes: z.array(z.string()).nullable(),
});
export type SnapshotListener = z.infer<typeof SnapshotListenerSchema>;

/** Identity: name. Every passwd field except the password placeholder. */
export const SnapshotUserSchema = z.object({
  name: z.string().min(1),
  uid: z.number().int().nonnegative(),
  gid: z.number().int().nonnegative(),
  home: z.string(),
  shell: z.string(),
  gecos: z.string(),
});
export type SnapshotUser = z.infer<typeof SnapshotUserSchema>;

/** Identity: name. Members in the order the group database lists them. */
export const SnapshotGroupSchema = z.object({
  name: z.string().min(1),
  gid: z.number().int().nonnegative(),
  members: z.array(z.string()),
});
export type SnapshotGroup = z.infer<typeof SnapshotGroupSchema>;

/**
 * Identity: point. Stacked mounts on one point keep their table order (the last one is visible),
 * so identity within a stack is (point, position).
 */
export const SnapshotMountSchema = z.object({
  point: z.string().min(1),
  source: z.string(),
  filesystem: z.string(),
  options: z.array(z.string()),
});
export type SnapshotMount = z.infer<typeof SnapshotMountSchema>;

export const SnapshotFileSchema = z.object({
  /** Absolute path, exactly as on the target (any byte but NUL and "/" in a name survives). */
  path: z.string().min(1),
  type: z.enum(FILE_TYPES),
  /** Permission bits including setuid/setgid/sticky, four octal digits: "0644", "4755". */
  mode: z.string().regex(/^[0-7]{4}$/),
  uid: z.number().int().nonnegative(),
  gid: z.number().int().nonnegative(),
  /** Null when the id has no name on the target. */
  owner: z.string().nullable(),
  group: z.string().nullable(),
  /** Bytes; recorded for regular files and symlinks only (directory sizes are filesystem noise). */
  size: z.number().int().nonnegative().optional(),
  /** Symlinks only: the target as stored, not resolved. */
  linkTarget: z.string().optional(),
  /** Regular files only; absent when unreadable, and then a `files` gap names the path. */
  sha256: z.string().regex(/^[0-9a-f]{64}$/).optional(),
});
export type SnapshotFile = z.infer<typeof SnapshotFileSchema>;

export const SnapshotIgnoresSchema = z.object({
  /** Path globs whose matches (and, for directories, everything below) were not recorded. */
  paths: z.array(z.string()),
  /** Mount point globs not recorded (per-login and per-service mounts such as /run/user/0). */
  mounts: z.array(z.string()),
  /** Kernel parameter globs (dotted keys) not recorded because they change on their own. */
  kernelParameters: z.array(z.string()),
});
export type SnapshotIgnores = z.infer<typeof SnapshotIgnoresSchema>;

export const SnapshotSchema = z.object({
  schemaVersion: z.literal(SNAPSHOT_SCHEMA_VERSION),
  tool: z.object({ name: z.literal('driftspec'), version: z.string() }),
  /** How the target was named: "local", "ssh://root@10.0.0.5:22". */
  target: z.string().min(1),
  takenAt: z.iso.datetime({ offset: true }),
  host: HostFactsSchema,
  /** True only when no section and no item is missing: `gaps` is empty. */
  complete: z.boolean(),
  gaps: z.array(SnapshotGapSchema),
  packages: z.array(SnapshotPackageSchema),
  services: z.array(SnapshotServiceSchema),
  listeners: z.array(SnapshotListenerSchema),
  users: z.array(SnapshotUserSchema),
  groups: z.array(SnapshotGroupSchema),
  /** Dotted sysctl keys ("net.ipv4.ip_forward") → value as read, runs of whitespace made one space. */
  kernelParameters: z.record(z.string(), z.string()),
  mounts: z.array(SnapshotMountSchema),
  files: z.array(SnapshotFileSchema),
  /** The trees that were walked, absolute, as given. */
  fileRoots: z.array(z.string()),
  ignores: SnapshotIgnoresSchema,
});
export type Snapshot = z.infer<typeof SnapshotSchema>;

// ---------------------------------------------------------------------------------------------
// Identities and the one sort order (shared by the writer and every reader)

export const packageKey = (p: SnapshotPackage): string => `${p.manager}\0${p.name}\0${p.architecture ?? ''}`;
export const serviceKey = (s: SnapshotService): string => s.name;
export const listenerKey = (l: SnapshotListener): string => `${l.protocol}\0${l.address}\0${l.port}`;
export const userKey = (u: SnapshotUser): string => u.name;
export const groupKey = (g: SnapshotGroup): string => g.name;
export const mountKey = (m: SnapshotMount): string => m.point;
export const fileKey = (f: SnapshotFile): string => f.path;

/** Code-unit order: the same on every machine and locale (no localeCompare). */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function sortedBy<T>(items: readonly T[], ...keys: ((item: T) => string | number)[]): T[] {
  return [...items].sort((a, b) => {
    for (const key of keys) {
      const x = key(a);
      const y = key(b);
      const order = typeof x === 'number' && typeof y === 'number' ? x - y : compareText(String(x), String(y));
      if (order !== 0) return order;
    }
    return 0;
  });
}

/** Puts every list into its canonical order; stable, so stacked mounts keep their table order. */
export function sortSnapshot(snapshot: Snapshot): Snapshot {
  return {
    ...snapshot,
    gaps: sortedBy(snapshot.gaps, (g) => g.kind, (g) => g.path ?? '', (g) => g.reason),
    packages: sortedBy(snapshot.packages, (p) => p.name, (p) => p.architecture ?? '', (p) => p.manager),
    services: sortedBy(snapshot.services, serviceKey),
    listeners: sortedBy(snapshot.listeners, (l) => l.port, (l) => l.protocol, (l) => l.address),
    users: sortedBy(snapshot.users, userKey, (u) => u.uid),
    groups: sortedBy(snapshot.groups, groupKey, (g) => g.gid),
    kernelParameters: Object.fromEntries(
      Object.entries(snapshot.kernelParameters).sort(([a], [b]) => compareText(a, b)),
    ),
    mounts: sortedBy(snapshot.mounts, mountKey),
    files: sortedBy(snapshot.files, fileKey),
  };
}

/** `driftspec schema snapshot`: the JSON Schema of a snapshot file, generated from the zod schema. */
export function snapshotJsonSchema(): unknown {
  return { ...(z.toJSONSchema(SnapshotSchema) as object), $id: `urn:driftspec:schema:snapshot:${SNAPSHOT_SCHEMA_VERSION}`, title: 'driftspec snapshot' };
}

/** Reads a snapshot from parsed JSON, with a message that names the first wrong field. */
export function parseSnapshot(value: unknown, source: string): Snapshot {
  const checked = checkSnapshot(value);
  if ('problem' in checked) throw new Error(`${source}: ${checked.problem}`);
  return checked.snapshot;
}

/**
 * A snapshot, or what is wrong with the value: not an object, a schema version this driftspec
 * does not read (said before anything else, since every other field may differ then), or the
 * first invalid field by its JSON path (`files[12].mode`) with the item it belongs to.
 */
export function checkSnapshot(value: unknown): { snapshot: Snapshot } | { problem: string } {
  const reads = `this driftspec reads schemaVersion ${SNAPSHOT_SCHEMA_VERSION}`;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { problem: `not a driftspec snapshot: expected a JSON object, got ${value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value}` };
  }
  if (!('schemaVersion' in value)) return { problem: `not a driftspec snapshot (no schemaVersion; ${reads})` };
  const version = (value as { schemaVersion: unknown }).schemaVersion;
  if (version !== SNAPSHOT_SCHEMA_VERSION) return { problem: `not a driftspec snapshot (schemaVersion ${JSON.stringify(version)}; ${reads})` };
  const parsed = SnapshotSchema.safeParse(value);
  if (parsed.success) return { snapshot: parsed.data };
  const issue = parsed.error.issues[0];
  const path = (issue?.path ?? []).filter((part): part is string | number => typeof part !== 'symbol');
  return { problem: `not a valid driftspec snapshot: ${jsonPath(path)}${itemName(value, path)}: ${issue?.message ?? 'invalid'}` };
}

/** `files[12].mode`; `(top level)` for the document itself. */
function jsonPath(path: readonly (string | number)[]): string {
  if (path.length === 0) return '(top level)';
  return path.map((part, i) => (typeof part === 'number' ? `[${part}]` : i === 0 ? part : `.${part}`)).join('');
}

/** The name or path of the list item an invalid field belongs to, where it has one: ` (path "/etc/x")`. */
function itemName(value: object, path: readonly (string | number)[]): string {
  if (path.length < 2 || typeof path[1] !== 'number') return '';
  const list = (value as Record<string, unknown>)[String(path[0])];
  const item = Array.isArray(list) ? (list[path[1]] as unknown) : undefined;
  if (item === null || typeof item !== 'object') return '';
  for (const field of ['path', 'name', 'point'] as const) {
    const name = (item as Record<string, unknown>)[field];
    if (typeof name === 'string' && path[2] !== field) return ` (${field} ${JSON.stringify(name)})`;
  }
  return '';
}
