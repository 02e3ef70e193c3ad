import { z } from 'zod';
import { HostFactsSchema, type HostFacts } from '../probe/host.js';
import type { SnapshotFile } from '../resources/file/inventory.js';
import type { FileContentSettings } from '../resources/file/inventory-content.js';
import type { SnapshotGroup } from '../resources/group/inventory.js';
import { RESOURCES } from '../resources/index.js';
import {
  compareText,
  ignoringParts,
  inventoryParts,
  itemsOf,
  sortedBy,
  uniqueKey,
  type AnyInventoryPart,
  type SnapshotView,
} from '../resources/inventory-part.js';
import type { SnapshotMount } from '../resources/mount/inventory.js';
import type { SnapshotPackage } from '../resources/package/inventory.js';
import type { SnapshotListener } from '../resources/port/inventory.js';
import type { SnapshotService } from '../resources/service/inventory.js';
import type { SnapshotUser } from '../resources/user/inventory.js';
import type { SnapshotInterface } from '../resources/interface/inventory.js';
import type { SnapshotRoute } from '../resources/route/inventory.js';
import type { CronEntryItem } from '../resources/cron/inventory.js';
import type { TimerItem } from '../resources/systemd-timer/inventory.js';
import type { IptablesChainItem } from '../resources/iptables/inventory.js';
import type { NftablesChainItem } from '../resources/nftables/inventory.js';
import type { SecurityModuleItem } from '../resources/lsm/inventory.js';
import type { KernelModuleItem } from '../resources/kernel-module/inventory.js';

/**
 * A snapshot: the whole observable state of one machine at one moment, written by
 * `driftspec snapshot` and read by `driftspec drift` and `driftspec generate`.
 *
 * Every list is sorted by the item's identity (each kind's inventory part says how), so two snapshots of
 * the same state are byte-identical apart from `takenAt`, and a text diff of two files is readable.
 * Volatile attributes (mtime, atime, ctime, inode, link count) are never recorded.
 *
 * Missing data is never an empty list: a section that could not be read leaves its list empty AND
 * adds a `gaps` entry of its kind, and `complete` is false. Consumers must treat a kind with a gap
 * (or a path with a gap) as unknown, never as "nothing there".
 */

export const SNAPSHOT_SCHEMA_VERSION = 1;

/** The inventory parts of the built-in resources, in snapshot order: the published snapshot. */
export const SNAPSHOT_PARTS: readonly AnyInventoryPart[] = inventoryParts(RESOURCES);

export const SNAPSHOT_KINDS = SNAPSHOT_PARTS.map((part) => part.kind) as readonly SnapshotKind[];
export const SnapshotKindSchema = z.enum(SNAPSHOT_KINDS as [SnapshotKind, ...SnapshotKind[]]);
/** A kind of the built-in snapshot: its fields between `gaps` and `fileRoots`. */
export type SnapshotKind = Exclude<
  keyof Snapshot,
  'schemaVersion' | 'tool' | 'target' | 'takenAt' | 'host' | 'kinds' | 'complete' | 'gaps' | 'fileRoots' | 'ignores'
>;

export function snapshotGapSchema(kinds: readonly string[]) {
  return z.object({
    kind: z.enum(kinds as [string, ...string[]]),
    /** Why the data is missing, in the target's own words where it gave any. */
    reason: z.string().min(1),
    /**
     * Set when only one item is unknown (a file whose content could not be read, a file root that
     * does not exist); absent when the whole kind is unknown.
     */
    path: z.string().optional(),
  });
}
export const SnapshotGapSchema = snapshotGapSchema(SNAPSHOT_KINDS);
export type SnapshotGap = Omit<z.infer<typeof SnapshotGapSchema>, 'kind'> & { kind: SnapshotKind };

export { SnapshotPackageSchema, type SnapshotPackage } from '../resources/package/inventory.js';
export { SnapshotServiceSchema, type SnapshotService } from '../resources/service/inventory.js';
export { SnapshotListenerSchema, type SnapshotListener } from '../resources/port/inventory.js';
export { SnapshotUserSchema, type SnapshotUser } from '../resources/user/inventory.js';
export { SnapshotGroupSchema, type SnapshotGroup } from '../resources/group/inventory.js';
export { SnapshotMountSchema, type SnapshotMount } from '../resources/mount/inventory.js';
export { SnapshotFileSchema, type SnapshotFile } from '../resources/file/inventory.js';

/**
 * The snapshot of a registry's parts: the envelope, one field per kind (in snapshot order), the
 * fields parts record about how they listed, and each part's ignore globs. A reader refuses an
 * item repeated where the identity is unique, and a relative file path or root.
 */
export function snapshotSchemaFor(parts: readonly AnyInventoryPart[]) {
  const ignores = z.object(
    Object.fromEntries(
      ignoringParts(parts).map((part) => {
        const globs = z.array(z.string());
        return [part.ignore!.field, part.absentFromOlderSnapshots ? globs.optional() : globs];
      }),
    ),
  );
  return z
    .object({
      schemaVersion: z.literal(SNAPSHOT_SCHEMA_VERSION),
      tool: z.object({ name: z.literal('driftspec'), version: z.string() }),
      /** How the target was named: "local", "ssh://root@10.0.0.5:22". */
      target: z.string().min(1),
      takenAt: z.iso.datetime({ offset: true }),
      host: HostFactsSchema,
      /**
       * The kinds the snapshot holds, present only where that is not every kind: an image that is
       * not booted (`host.booted` false) has no listeners and no mounts. A kind not listed here is
       * an empty field that says nothing of the target.
       */
      kinds: z.array(z.enum(parts.map((part) => part.kind) as [string, ...string[]])).optional(),
      /** True only when no section and no item is missing: `gaps` is empty. */
      complete: z.boolean(),
      gaps: z.array(snapshotGapSchema(parts.map((part) => part.kind))),
      // A kind an older driftspec did not list is absent from its snapshots (see holdingPresentKinds).
      ...Object.fromEntries(
        parts.map((part) => [
          part.kind,
          part.absentFromOlderSnapshots ? part.collection.schema.optional() : part.collection.schema,
        ]),
      ),
      ...Object.assign({}, ...parts.map((part) => part.settings ?? {})),
      ignores,
    })
    .superRefine((snapshot, context) => {
      for (const part of parts) {
        const key = uniqueKey(part);
        if (key === undefined) continue;
        const seen = new Map<string, number>();
        itemsOf(part, snapshot as SnapshotView).forEach((item, index) => {
          const id = key(item);
          const first = seen.get(id);
          if (first === undefined) seen.set(id, index);
          else
            context.addIssue({
              code: 'custom',
              path: [part.kind, index],
              message: `listed twice (also ${part.kind}[${first}])`,
            });
        });
      }
    })
    .transform((snapshot) => holdingPresentKinds(snapshot as SnapshotView, parts));
}

/**
 * A snapshot written before a kind existed (an older driftspec; the part is marked
 * `absentFromOlderSnapshots`) holds no field for it: it is read
 * as a snapshot that does not hold that kind (`kinds` lists those it has), its field empty, so
 * drift compares only the kinds both sides hold rather than reporting a whole kind as added.
 */
export function holdingPresentKinds<S extends SnapshotView & { kinds?: readonly string[] }>(
  snapshot: S,
  parts: readonly AnyInventoryPart[],
): S {
  const missing = parts.filter((part) => snapshot[part.kind] === undefined);
  if (missing.length === 0) return snapshot;
  const absent = new Set(missing.map((part) => part.kind));
  const held = (snapshot.kinds ?? parts.map((part) => part.kind)).filter((kind) => !absent.has(kind));
  const filled = Object.fromEntries(missing.map((part) => [part.kind, part.collection.store([])]));
  // Nor did that driftspec record the kind's ignore globs: none.
  const ignores = { ...(snapshot.ignores as Record<string, unknown>) };
  for (const part of missing) if (part.ignore) ignores[part.ignore.field] ??= [];
  return { ...snapshot, ...filled, kinds: held, ignores };
}

export type SnapshotIgnores = {
  /** Path globs whose matches (and, for directories, everything below) were not recorded. */
  paths: string[];
  /** Mount point globs not recorded (per-login and per-service mounts such as /run/user/0). */
  mounts: string[];
  /** Kernel parameter globs (dotted keys) not recorded because they change on their own. */
  kernelParameters: string[];
  /** Interface name globs not recorded (veth*, tun*, tap*: links that come and go with workloads). */
  interfaces: string[];
};

/** A snapshot of the built-in kinds, as `driftspec snapshot` writes it. */
export type Snapshot = {
  schemaVersion: typeof SNAPSHOT_SCHEMA_VERSION;
  tool: { name: 'driftspec'; version: string };
  target: string;
  takenAt: string;
  host: HostFacts;
  /** The kinds held, where not every kind is (an image that is not booted). */
  kinds?: SnapshotKind[];
  complete: boolean;
  gaps: SnapshotGap[];
  packages: SnapshotPackage[];
  services: SnapshotService[];
  listeners: SnapshotListener[];
  users: SnapshotUser[];
  groups: SnapshotGroup[];
  /** Dotted sysctl keys ("net.ipv4.ip_forward") → value as read, runs of whitespace made one space. */
  kernelParameters: Record<string, string>;
  mounts: SnapshotMount[];
  files: SnapshotFile[];
  /** sshd's effective settings (`sshd -T`): lower-case keyword → value as text. */
  sshdSettings: Record<string, string>;
  kernelModules: KernelModuleItem[];
  interfaces: SnapshotInterface[];
  routes: SnapshotRoute[];
  cronEntries: CronEntryItem[];
  systemdTimers: TimerItem[];
  iptablesChains: IptablesChainItem[];
  nftablesChains: NftablesChainItem[];
  securityModules: SecurityModuleItem[];
  /** The trees that were walked, absolute, as given. */
  fileRoots: string[];
  /** Which files keep their text; absent in snapshots written before content diffs, and without any. */
  fileContent?: FileContentSettings;
  ignores: SnapshotIgnores;
};

/** The published snapshot schema (`driftspec schema snapshot`), assembled from the built-in parts. */
export const SnapshotSchema = snapshotSchemaFor(SNAPSHOT_PARTS) as unknown as Omit<z.ZodType, 'parse' | 'safeParse'> & {
  parse(value: unknown): Snapshot;
  safeParse(value: unknown): z.ZodSafeParseResult<Snapshot>;
};

/** A snapshot file's top-level fields, in the order they are written. */
export const SNAPSHOT_FIELDS = [
  'schemaVersion',
  'tool',
  'target',
  'takenAt',
  'host',
  'kinds',
  'complete',
  'gaps',
  ...SNAPSHOT_KINDS,
  ...SNAPSHOT_PARTS.flatMap((part) => Object.keys(part.settings ?? {})),
  'ignores',
] as (keyof Snapshot)[];

/** Code-unit order: the same on every machine and locale (no localeCompare). */
export { compareText };

const byGap = [(g: SnapshotGap) => g.kind, (g: SnapshotGap) => g.path ?? '', (g: SnapshotGap) => g.reason];

/** Puts every list into its canonical order; stable, so stacked mounts keep their table order. */
export function sortSnapshot<S extends SnapshotView>(
  snapshot: S,
  parts: readonly AnyInventoryPart[] = SNAPSHOT_PARTS,
): S {
  const sorted: Record<string, unknown> = { ...snapshot, gaps: sortedBy(snapshot.gaps as SnapshotGap[], ...byGap) };
  for (const part of parts) {
    // A later kind the snapshot has no field for stays absent: it is read as not held (holdingPresentKinds).
    if (part.kind in snapshot || !part.absentFromOlderSnapshots)
      sorted[part.kind] = part.collection.store(itemsOf(part, snapshot));
  }
  return sorted as unknown as S;
}

/** `driftspec schema snapshot`: the JSON Schema of a snapshot file, generated from the zod schema. */
export function snapshotJsonSchema(): unknown {
  return {
    // The file as written (the input side), not as read with the kinds it lacks filled in.
    ...(z.toJSONSchema(SnapshotSchema, { io: 'input' }) as object),
    $id: `urn:driftspec:schema:snapshot:${SNAPSHOT_SCHEMA_VERSION}`,
    title: 'driftspec snapshot',
  };
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
    return {
      problem:
        `not a driftspec snapshot: expected a JSON object, got ` +
        `${value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value}`,
    };
  }
  if (!('schemaVersion' in value)) return { problem: `not a driftspec snapshot (no schemaVersion; ${reads})` };
  const version = (value as { schemaVersion: unknown }).schemaVersion;
  if (version !== SNAPSHOT_SCHEMA_VERSION)
    return { problem: `not a driftspec snapshot (schemaVersion ${JSON.stringify(version)}; ${reads})` };
  const parsed = SnapshotSchema.safeParse(value);
  if (parsed.success) return { snapshot: parsed.data };
  const issue = parsed.error.issues[0];
  const path = (issue?.path ?? []).filter((part): part is string | number => typeof part !== 'symbol');
  const where = `${jsonPath(path)}${identifyItem(value, path)}`;
  return { problem: `not a valid driftspec snapshot: ${where}: ${issue?.message ?? 'invalid'}` };
}

/** `files[12].mode`; `(top level)` for the document itself. */
function jsonPath(path: readonly (string | number)[]): string {
  if (path.length === 0) return '(top level)';
  return path.map((part, i) => (typeof part === 'number' ? `[${part}]` : i === 0 ? part : `.${part}`)).join('');
}

/** The name or path of the list item an invalid field belongs to, where it has one: ` (path "/etc/x")`. */
function identifyItem(value: object, path: readonly (string | number)[]): string {
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

/** The kinds a snapshot holds: those it lists, or every kind of the parts. */
export function heldKinds(
  snapshot: { kinds?: readonly string[] },
  parts: readonly AnyInventoryPart[] = SNAPSHOT_PARTS,
) {
  return new Set(snapshot.kinds ?? parts.map((part) => part.kind));
}
