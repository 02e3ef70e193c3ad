import { z } from 'zod';
import { SnapshotKindSchema } from './snapshot-schema.js';
import { HostInventorySchema } from '../results/schema.js';

/** The drift report (`driftspec drift --reporter json`); `driftspec schema drift` prints its JSON Schema. */
export const DRIFT_REPORT_SCHEMA_VERSION = 1;

export const DriftStateSchema = z
  .enum(['no-drift', 'drift', 'incomplete'])
  .describe(
    'no-drift: everything compared and equal (or accepted); drift: differences found; incomplete: some data was ' +
      'missing or the host was not reached, so "no drift" cannot be claimed.',
  );
export type DriftState = z.infer<typeof DriftStateSchema>;

export const ChangeTypeSchema = z.enum(['added', 'removed', 'changed']);
export type ChangeType = z.infer<typeof ChangeTypeSchema>;

/** An attribute as a snapshot records it: text, a number, a list of names, or null for "not known by name". */
export const AttributeValueSchema = z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(z.string())]);
export type AttributeValue = z.infer<typeof AttributeValueSchema>;

export const AcceptanceSchema = z
  .object({
    reason: z.string(),
    owner: z.string(),
    /** The last day (UTC) the entry applies, YYYY-MM-DD. */
    expires: z.string(),
    /** Where the entry is: accept.yaml:12:5. */
    source: z.string(),
  })
  .strict();
export type Acceptance = z.infer<typeof AcceptanceSchema>;

export const GateMarkSchema = z
  .object({
    action: z.enum(['block', 'allow']),
    /** The policy rule that decided, in words: "new listening port (built-in rule)". */
    rule: z.string(),
  })
  .strict();
export type GateMark = z.infer<typeof GateMarkSchema>;

export const AttributeChangeSchema = z
  .object({
    attribute: z.string(),
    /** Left out when the baseline does not record the attribute for this item (a directory has no size). */
    old: AttributeValueSchema.optional(),
    /** Left out when the candidate does not record it. */
    new: AttributeValueSchema.optional(),
    /**
     * On a content hash change where both snapshots kept the file's text (a small text file that is
     * no secret): the unified diff of the lines, hunks only (`@@ -1,3 +1,3 @@`, then " ", "-", "+" lines).
     */
    diff: z.string().optional(),
    accepted: AcceptanceSchema.optional(),
  })
  .strict();
export type AttributeChange = z.infer<typeof AttributeChangeSchema>;

const RecordSchema = z.record(z.string(), AttributeValueSchema);

const DecorationShape = {
  /** Set when an accepted-drift entry covers the whole item: listed, but not counted as drift. */
  accepted: AcceptanceSchema.optional(),
  /** An entry that would cover the item had it not expired: the item counts as drift again. */
  expiredAcceptance: AcceptanceSchema.optional(),
  /** The drift policy's decision, for drift that is not accepted. */
  gate: GateMarkSchema.optional(),
};

export const CauseSchema = z
  .object({ kind: SnapshotKindSchema, key: z.string() })
  .strict()
  .describe('The added or removed item this one came or went with: the package that owns a file, the user of a home.');
export type Cause = z.infer<typeof CauseSchema>;

export const BroughtSchema = z
  .object({ kind: SnapshotKindSchema, count: z.number().int().positive() })
  .strict()
  .describe('How many items of another kind came or went with this one (a package with its files).');
export type Brought = z.infer<typeof BroughtSchema>;

export const AddedOrRemovedSchema = z
  .object({
    key: z.string(),
    /** The item as the snapshot that has it records it. */
    record: RecordSchema,
    /** Set on an item that came or went with another: reports show it under its cause. Still counted. */
    cause: CauseSchema.optional(),
    /** Set on an item that brought others with it: "iproute2 removed, with its 39 files". */
    brought: z.array(BroughtSchema).optional(),
    ...DecorationShape,
  })
  .strict();
export type AddedOrRemoved = z.infer<typeof AddedOrRemovedSchema>;

export const ChangedItemSchema = z
  .object({
    key: z.string(),
    /** Every attribute that differs (after ignore rules), old → new. */
    changes: z.array(AttributeChangeSchema).min(1),
    before: RecordSchema,
    after: RecordSchema,
    ...DecorationShape,
  })
  .strict();
export type ChangedItem = z.infer<typeof ChangedItemSchema>;

export const KindDriftSchema = z
  .object({
    kind: SnapshotKindSchema,
    /**
     * all: every item compared; partly: some items or attributes could not be (see notCompared); none: the kind
     * could not be compared.
     */
    compared: z.enum(['all', 'partly', 'none']),
    added: z.array(AddedOrRemovedSchema),
    removed: z.array(AddedOrRemovedSchema),
    changed: z.array(ChangedItemSchema),
  })
  .strict();
export type KindDrift = z.infer<typeof KindDriftSchema>;

export const NotComparedSchema = z
  .object({
    /** Absent when the whole snapshot is in doubt. */
    kind: SnapshotKindSchema.optional(),
    /** The item or subtree (a file path, a key) when only part of the kind is affected. */
    path: z.string().optional(),
    reason: z.string(),
  })
  .strict();
export type NotCompared = z.infer<typeof NotComparedSchema>;

export const KindNoteSchema = z
  .object({
    kind: SnapshotKindSchema,
    /** Whether the kind was compared at all. */
    compared: z.boolean(),
    note: z.string(),
  })
  .strict();
export type KindNote = z.infer<typeof KindNoteSchema>;

export const SnapshotInfoSchema = z
  .object({
    /** The snapshot file, when the snapshot was read from one. */
    file: z.string().optional(),
    target: z.string(),
    takenAt: z.string(),
    toolVersion: z.string(),
    hostname: z.string(),
    os: z.string(),
    complete: z.boolean(),
  })
  .strict();
export type SnapshotInfo = z.infer<typeof SnapshotInfoSchema>;

export const DriftCountsSchema = z
  .object({
    added: z.number().int().nonnegative(),
    removed: z.number().int().nonnegative(),
    changed: z.number().int().nonnegative(),
    /** Items listed as accepted drift (not in the three counts above). */
    accepted: z.number().int().nonnegative(),
    /** Differences dropped by ignore rules: whole items and single attributes. */
    ignored: z.number().int().nonnegative(),
    /** Entries of notCompared. */
    notCompared: z.number().int().nonnegative(),
  })
  .strict();
export type DriftCounts = z.infer<typeof DriftCountsSchema>;

export const HostDriftSchema = z
  .object({
    target: z.string(),
    state: DriftStateSchema,
    /** Why the host has no candidate snapshot (unreachable, probe error). */
    reason: z.string().optional(),
    /** The host's inventory entry, when it came from `--inventory`. */
    inventory: HostInventorySchema.optional(),
    candidate: SnapshotInfoSchema.optional(),
    counts: DriftCountsSchema,
    /** Every kind, in snapshot order; empty lists where nothing differs. */
    kinds: z.array(KindDriftSchema),
    notCompared: z.array(NotComparedSchema),
    /**
     * Present only where a snapshot is of an image that was not booted: the kinds it does not
     * hold (not compared, by design: not an incompleteness), and what the kinds it holds hold
     * there (kernel parameters as configured, services without their running state).
     */
    kindNotes: z.array(KindNoteSchema).optional(),
  })
  .strict();
export type HostDrift = z.infer<typeof HostDriftSchema>;

export const DriftVerdictSchema = z
  .object({
    verdict: z.enum(['passed', 'blocked']),
    /**
     * The exit bitmask: 1 added, 2 removed, 4 changed, 8 incomplete — only for what the policy blocks
     * (docs/drift.md).
     */
    exitCode: z.number().int(),
    summary: z.string(),
    /** What blocked, then what the policy allowed. */
    reasons: z.array(z.string()),
  })
  .strict();
export type DriftVerdict = z.infer<typeof DriftVerdictSchema>;

/** Drift the same on several hosts, told once (src/drift/fleet.ts). */
export const FleetGroupSchema = z
  .object({
    kind: SnapshotKindSchema,
    type: ChangeTypeSchema,
    key: z.string(),
    /** For a changed item: each attribute old → new, the same on every host of the group. */
    changes: z
      .array(
        z
          .object({ attribute: z.string(), old: AttributeValueSchema.optional(), new: AttributeValueSchema.optional() })
          .strict(),
      )
      .optional(),
    /** The hosts (their inventory names where they came from an inventory), in report order. */
    hosts: z.array(z.string()).min(2),
  })
  .strict();
export type FleetGroup = z.infer<typeof FleetGroupSchema>;

export const DriftReportSchema = z
  .object({
    schemaVersion: z.literal(DRIFT_REPORT_SCHEMA_VERSION),
    tool: z.object({ name: z.literal('driftspec'), version: z.string() }).strict(),
    generatedAt: z.string(),
    /** live: the candidates were snapshotted now; snapshots: two snapshot files were compared. */
    mode: z.enum(['live', 'snapshots']),
    baseline: SnapshotInfoSchema,
    hosts: z.array(HostDriftSchema),
    /** Expired accepted-drift entries and other things every reader must see. */
    warnings: z.array(z.string()),
    verdict: DriftVerdictSchema.optional(),
    /**
     * Derived, written by the JSON reporter when more than one host was compared: the drift that is
     * the same on several hosts, each told once with its hosts (src/drift/fleet.ts).
     */
    fleet: z.array(FleetGroupSchema).optional(),
  })
  .strict();
export type DriftReport = z.infer<typeof DriftReportSchema>;

/** The JSON Schema of drift reports (`driftspec schema drift`). */
export function driftReportJsonSchema(): unknown {
  return {
    ...(z.toJSONSchema(DriftReportSchema) as object),
    $id: `urn:driftspec:schema:drift:${DRIFT_REPORT_SCHEMA_VERSION}`,
    title: 'driftspec drift report',
  };
}
