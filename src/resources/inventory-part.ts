import { z } from 'zod';
import type { Bytes, Frame } from '../probe/frames.js';
import type { HostFacts } from '../probe/host.js';

/**
 * The inventory part of a kind of state: how `driftspec snapshot` lists the whole set of it, how
 * a snapshot stores it, how `driftspec drift` pairs and compares its items, and how `driftspec
 * generate` turns them into checks. A resource definition carries it in its `inventory` field;
 * snapshot, drift and generate only ever loop over the parts of a registry.
 */

/** Data missing from a snapshot: a whole kind (no path) or one item (path = its key). */
export interface InventoryGap {
  kind: string;
  reason: string;
  path?: string;
}

/** Globs matching one item's name; see src/drift/path-glob.ts for the language. */
export type NamePredicate = (name: string) => boolean;

export interface ListingContext {
  host: HostFacts;
  /** This part's own ignore globs (defaults and --ignore), already compiled. */
  ignored: NamePredicate;
}

/** What a listing read: the items, and the single items it could not read. */
export interface Listed<Item> {
  items: Item[];
  gaps: InventoryGap[];
}

/**
 * An ordinary framed query of the snapshot probe. Parts that read one command's output share it
 * by giving the same id (users and groups: one account query); `read` throws a FactError when
 * the output is no evidence of the whole set, and the kind becomes a gap.
 */
export interface FramedListing<Item> {
  type: 'framed';
  id: string;
  script: string;
  read(frame: Frame, context: ListingContext): Listed<Item>;
}

export interface StreamRequest {
  /** Absolute roots of the trees to record. */
  roots: readonly string[];
  /** This part's ignore globs, pruned on the target. */
  ignores: readonly string[];
  /** Use the portable walk even where GNU tools exist (tests). */
  portable: boolean;
  /** Small text files whose text is kept (src/resources/file/inventory-content.ts); none when absent. */
  content?: { trees: readonly string[]; limit: number; secrets: readonly string[] };
}

/** Reads a streamed section token by token (src/drift/probe-stream.ts) and says what it read. */
export interface StreamReader<Item> {
  token(token: Bytes): 'more' | 'end';
  /** `ended`: the end record arrived; `errors`: the section's stderr. */
  finish(ended: boolean, errors: string): Listed<Item>;
}

/**
 * A section too large to keep whole (a file tree): NUL-terminated records read as they arrive,
 * then its stderr as the framed query `errorsId`. Streamed sections follow every framed query.
 */
export interface StreamedListing<Item> {
  type: 'streamed';
  id: string;
  errorsId: string;
  script(request: StreamRequest): string;
  reader(ignored: NamePredicate): StreamReader<Item>;
}

/** How a snapshot field holds the items: its published schema, and the items in canonical order. */
export interface InventoryCollection<Item, Field> {
  schema: z.ZodType<Field>;
  items(field: Field): Item[];
  /** The field for a listing's items, sorted into the one canonical order. */
  store(items: readonly Item[]): Field;
}

/** Globs of items a snapshot leaves out, recorded in the snapshot's `ignores` under `field`. */
export interface InventoryIgnore<Item> {
  field: string;
  defaults: readonly string[];
  /** Whether `snapshot --ignore` globs apply to this kind too. */
  takesIgnoreOption: boolean;
  /** "path": a glob matching a directory leaves out everything below it; "name": whole names only. */
  match: 'path' | 'name';
  /** What the globs match: a file's path, a mount point, a dotted key. */
  subject(item: Item): string;
  /** Ends "only the baseline snapshot left …": "these mount points out". */
  leftOut: string;
}

/** Choices of `driftspec generate`; each part reads the ones that concern it. */
export interface GenerateChoices {
  packageVersions: 'minimum' | 'exact' | 'any';
  /** Path globs of the recorded files to check, and the predicate they compile to. */
  files: readonly string[];
  chosenFile: NamePredicate;
  withContentHashes: boolean;
}

export type MatcherValue = true | string | number | Record<string, unknown>;

export interface GeneratedCheck {
  /** A resource type of the registry: "package", "file", "command". */
  resource: string;
  subject: string | number;
  /** In order; `true` is a predicate without options. */
  matchers: [string, MatcherValue][];
}

export interface GeneratedControl {
  id: string;
  title: string;
  checks: GeneratedCheck[];
}

/** The envelope every snapshot has, whatever its kinds; a kind's field is read through its part. */
export interface SnapshotView {
  gaps: readonly InventoryGap[];
  [field: string]: unknown;
}

export interface InventoryPart<Item extends object = any, Field = any> {
  /** The snapshot field, the drift report's kind and the gaps' kind: "packages". */
  kind: string;
  /** One item, in prose: "package", "listener". */
  noun: string;
  listing: FramedListing<Item> | StreamedListing<Item>;
  /** Only a running system has this kind (listeners, mounts): an image's snapshot does not hold it. */
  needsRunningSystem?: boolean;
  /**
   * A kind added after snapshots were first written: a snapshot file without its field (written by
   * an older driftspec) is read as one that does not hold the kind. A kind without this mark is
   * required, so a snapshot that lost a section is refused rather than read as holding less.
   */
  absentFromOlderSnapshots?: true;
  /** What this kind holds on an image that is not booted, where that is not what a running system shows. */
  onImage?: {
    holds: string;
    /** The attributes that mean the same on a booted host; none: never compared with a booted host's. */
    comparableWithBooted?: readonly string[];
  };
  collection: InventoryCollection<Item, Field>;
  /** Pairs an item of one snapshot with the same item of another. */
  identity(item: Item): string;
  /** What reports print and ignore/accept globs match; defaults to the identity. */
  display?(item: Item): string;
  /** Attributes drift compares, in report order; the identity fields are not among them. */
  attributes: readonly string[];
  /** Attributes where null means "could not be read" (listener owners without root), not a value. */
  unknownWhenNull?: readonly string[];
  /**
   * What no two items of one snapshot share (a reader refuses a snapshot repeating it): true for
   * the identity, a function for a finer key, false where a machine may really repeat an identity.
   */
  unique: boolean | ((item: Item) => string);
  ignore?: InventoryIgnore<Item>;
  /** Further snapshot fields the part records about how it listed (the file roots), after the kinds. */
  settings?: Record<string, z.ZodType>;
  /** Where an item's gap covers others (a directory that could not be read covers what is below). */
  covers?(gapPath: string, key: string): boolean;
  /** Whether a snapshot looked where the item is (a file outside the walked trees was never seen). */
  looked?(snapshot: SnapshotView, key: string): boolean;
  /** What the two snapshots looked at differently (trees only one of them walked). */
  differentScope?(baseline: SnapshotView, candidate: SnapshotView): Array<{ path: string; reason: string }>;
  /** Attributes that may grow without being drift, under an ignore rule with `growing: true`. */
  growth?: { size: string; content: string };
  /**
   * A field holding an item's text (a small file's content): left out of drift reports' records, and
   * shown as a unified diff on the change of `attribute` (the hash) when both sides hold it.
   */
  text?: { field: string; attribute: string };
  /** Completes items once every kind is listed (file owners named from the account database). */
  relate?(items: Item[], snapshot: SnapshotView): Item[];
  /**
   * Items of other kinds that come and go with this one, which drift reports under it: `keys`,
   * those exact keys (a package's files); `under`, a directory added or removed with the item,
   * with everything below it (a user's home).
   */
  brings?(item: Item): Companions[];
  /** Checks `driftspec generate` writes for this kind, as controls; none when it leaves the kind to drift. */
  generate?(snapshot: SnapshotView, choices: GenerateChoices): GeneratedControl[];
  /** Lines of the generated spec's header saying what the checks of this kind hold. */
  generateNotes?(choices: GenerateChoices): string[];
  /** What of this kind a generated spec leaves to drift even though it has checks ("the rest of the file trees"). */
  leftToDrift?: string;
}

export type AnyInventoryPart = InventoryPart<any, any>;

/** What an item brings with it (InventoryPart.brings). */
export interface Companions {
  kind: string;
  keys?: readonly string[];
  under?: string;
}

// ---------------------------------------------------------------------------------------------
// Collections

/** Code-unit order: the same on every machine and locale (no localeCompare). */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export type SortKey<T> = (item: T) => string | number;

/** Stable, so stacked mounts keep their table order. */
export function sortedBy<T>(items: readonly T[], ...keys: SortKey<T>[]): T[] {
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

/** A list of items, sorted by `keys`. */
export function listCollection<Item extends object>(
  schema: z.ZodType<Item>,
  ...keys: SortKey<Item>[]
): InventoryCollection<Item, Item[]> {
  return { schema: z.array(schema), items: (field) => field, store: (items) => sortedBy(items, ...keys) };
}

export interface KeyValue {
  key: string;
  value: string;
}

/** A map of key → text, sorted by key; its items are `{ key, value }`. */
export function mapCollection(): InventoryCollection<KeyValue, Record<string, string>> {
  return {
    schema: z.record(z.string(), z.string()),
    items: (field) => Object.entries(field).map(([key, value]) => ({ key, value })),
    store: (items) => Object.fromEntries(sortedBy(items, (item) => item.key).map((item) => [item.key, item.value])),
  };
}

/** Every field of an item schema but the identity, in the schema's order. */
export function attributesOf(schema: { shape: Record<string, unknown> }, identity: readonly string[]): string[] {
  return Object.keys(schema.shape).filter((field) => !identity.includes(field));
}

/** The items a snapshot holds for a part. */
export function itemsOf<Item extends object>(part: InventoryPart<Item>, snapshot: SnapshotView): Item[] {
  const field = snapshot[part.kind];
  return field === undefined ? [] : part.collection.items(field);
}

/** A listing without item gaps. */
export function listed<Item>(items: Item[]): Listed<Item> {
  return { items, gaps: [] };
}

/** The key no two items share, where the part has one. */
export function uniqueKey<Item extends object>(part: InventoryPart<Item>): ((item: Item) => string) | undefined {
  if (part.unique === false) return undefined;
  return part.unique === true ? part.identity : part.unique;
}

/** Whether a whole kind is missing from a snapshot. */
export function kindMissing(snapshot: SnapshotView, kind: string): boolean {
  return snapshot.gaps.some((gap) => gap.kind === kind && gap.path === undefined);
}

// ---------------------------------------------------------------------------------------------
// The parts of a registry

/**
 * The parts of a list of resource definitions, in snapshot order: framed listings in registry
 * order, then streamed ones (they follow every framed query in the probe).
 */
export function inventoryParts(resources: Iterable<{ inventory?: AnyInventoryPart }>): AnyInventoryPart[] {
  const parts = [...resources].flatMap((resource) => (resource.inventory ? [resource.inventory] : []));
  return [...parts.filter((p) => p.listing.type === 'framed'), ...parts.filter((p) => p.listing.type === 'streamed')];
}

/**
 * The parts that leave items out, in the order a snapshot lists their ignore globs: those that
 * `--ignore` feeds first, streamed before framed, then the rest.
 */
export function ignoringParts(parts: readonly AnyInventoryPart[]): AnyInventoryPart[] {
  const rank = (part: AnyInventoryPart) =>
    (part.ignore!.takesIgnoreOption ? 0 : 2) + (part.listing.type === 'streamed' ? 0 : 1);
  return sortedBy(
    parts.filter((part) => part.ignore !== undefined),
    rank,
  );
}
