import { z } from 'zod';
import { HostFactsSchema } from '../probe/host.js';
import { ControlSchema, SpecInfoSchema } from '../plan/schema.js';
import { UnreachableKinds } from '../targets/target.js';

export const RESULT_SCHEMA_VERSION = 1;

/** Evidence is cut to this many bytes per stream; `truncated` says when it was. */
export const EVIDENCE_LIMIT = 4096;

/**
 * `not-applicable`: the check asks for a state only a running system has (a service running, a
 * port listening) and the target is not booted (an image's root). Its fact was not gathered.
 */
export const CheckStatusSchema = z.enum(['passed', 'failed', 'error', 'skipped', 'not-applicable']);
export type CheckStatus = z.infer<typeof CheckStatusSchema>;

export const EvidenceSchema = z
  .object({
    id: z.string(),
    script: z.string(),
    exitCode: z.number().int().nullable(),
    stdout: z.string(),
    stderr: z.string(),
    stdoutBytes: z.number().int().nonnegative(),
    stderrBytes: z.number().int().nonnegative(),
    truncated: z.boolean(),
  })
  .strict();
export type Evidence = z.infer<typeof EvidenceSchema>;

export const CheckResultSchema = z
  .object({
    checkId: z.string(),
    control: z.string().nullable(),
    title: z.string(),
    resource: z.string(),
    subject: z.union([z.string(), z.number()]),
    matcher: z.string(),
    negated: z.boolean(),
    status: CheckStatusSchema,
    message: z.string(),
    expected: z.string().optional(),
    actual: z.string().optional(),
    /** Key into the host's `evidence`, where the query and its raw output are kept once. */
    evidence: z.string().optional(),
  })
  .strict();
export type CheckResult = z.infer<typeof CheckResultSchema>;

export const StatusCountsSchema = z
  .object({
    passed: z.number().int(),
    failed: z.number().int(),
    error: z.number().int(),
    skipped: z.number().int(),
    /** Present only where some check was not applicable, so reports of booted hosts keep their shape. */
    'not-applicable': z.number().int().positive().optional(),
  })
  .strict();
export type StatusCounts = z.infer<typeof StatusCountsSchema>;

/**
 * A control's status on one host: the aggregate of its checks (a failed check outranks an errored
 * one, then passed, skipped, not-applicable), or `waived` while an unexpired waiver covers it.
 */
export const ControlStatusSchema = z.enum(['passed', 'failed', 'error', 'skipped', 'not-applicable', 'waived']);
export type ControlStatus = z.infer<typeof ControlStatusSchema>;

/** A waiver as the waivers file gave it. */
export const WaiverSchema = z
  .object({
    justification: z.string().min(1),
    /** The last day (UTC, YYYY-MM-DD) on which the waiver applies. */
    expires: z.string().optional(),
    /** Whether the waived control's checks still run. */
    run: z.boolean(),
  })
  .strict();
export type Waiver = z.infer<typeof WaiverSchema>;

export const ControlResultSchema = z
  .object({
    id: z.string(),
    status: ControlStatusSchema,
    /** What the checks alone say; differs from `status` only for a waived control. */
    outcome: ControlStatusSchema.exclude(['waived']),
    counts: StatusCountsSchema,
    /** The waiver that covers this control; `expired: true` when it no longer applies. */
    waiver: WaiverSchema.extend({ expired: z.boolean() }).strict().optional(),
  })
  .strict();
export type ControlResult = z.infer<typeof ControlResultSchema>;

/** What `--waivers` did with each waiver of the file. */
export const WaiverOutcomeSchema = WaiverSchema.extend({
  control: z.string(),
  state: z.enum(['applied', 'expired', 'unknown-control', 'filtered-out']),
}).strict();
export type WaiverOutcome = z.infer<typeof WaiverOutcomeSchema>;

/** `--controls` and `--tags`: the filters and how many controls they left out (never probed, not listed). */
export const SelectionSchema = z
  .object({
    controls: z.array(z.string()).optional(),
    tags: z.array(z.string()).optional(),
    /** Controls, and checks outside any control, the filters left out. */
    filteredOutControls: z.number().int().nonnegative(),
    filteredOutChecks: z.number().int().nonnegative(),
  })
  .strict();
export type Selection = z.infer<typeof SelectionSchema>;

/** An input's value on a host and where it came from; a sensitive one is `***`. */
export const InputRecordSchema = z
  .object({
    spec: z.string(),
    name: z.string(),
    value: z.unknown(),
    source: z.string(),
    sensitive: z.literal(true).optional(),
  })
  .strict();

export const HostStatusSchema = z.enum(['completed', 'unreachable', 'error']);
export type HostStatus = z.infer<typeof HostStatusSchema>;

/** A host's inventory entry (`--inventory`): its name there, every group it belongs to, its tags. */
export const HostInventorySchema = z
  .object({ name: z.string(), groups: z.array(z.string()), tags: z.array(z.string()) })
  .strict();

export const HostResultSchema = z
  .object({
    target: z.string(),
    status: HostStatusSchema,
    /** Why a host did not complete: unreachable (refused, timed out…) or a probe error. */
    reason: z.string().optional(),
    /** Why an unreachable host was: refused, timeout, dns, auth, host-key, network, other. */
    reasonKind: z.enum(UnreachableKinds).optional(),
    /** The host's inventory entry, when it came from `--inventory`. */
    inventory: HostInventorySchema.optional(),
    host: HostFactsSchema.optional(),
    startedAt: z.string(),
    durationMs: z.number().nonnegative(),
    execCount: z.number().int().nonnegative(),
    counts: StatusCountsSchema,
    results: z.array(CheckResultSchema),
    /** The specs' inputs as this host was checked with them; absent when no spec declares any. */
    inputs: z.array(InputRecordSchema).optional(),
    /** Each control's status on this host, in the plan's order; absent when the plan has no controls. */
    controls: z.array(ControlResultSchema).optional(),
    evidence: z.record(z.string(), EvidenceSchema),
  })
  .strict();
export type HostResult = z.infer<typeof HostResultSchema>;

const HashSchema = z.string().regex(/^sha256:[0-9a-f]{64}$/);

/**
 * Which part of a sharded sweep (`driftspec run --shard K/N`) a result holds, and what
 * `driftspec merge` checks before it joins shards: the same plan, policy, selection and count.
 */
export const ShardRecordSchema = z
  .object({
    /** K, 1-based. */
    index: z.number().int().positive(),
    /** N, the number of shards. */
    count: z.number().int().positive(),
    /** sha256 of the plan (specs, controls, checks) as canonical JSON. */
    planHash: HashSchema,
    /** sha256 of the gate policy in force (its defaults filled in) as canonical JSON. */
    policyHash: HashSchema,
    /** The hosts selected before sharding: how many, and the sha256 of their identities in order. */
    selection: z.object({ hash: HashSchema, hosts: z.number().int().nonnegative() }).strict(),
    /** Each of this shard's hosts' place (0-based) in the whole selection, in the order of `hosts`. */
    positions: z.array(z.number().int().nonnegative()),
  })
  .strict();
export type ShardRecord = z.infer<typeof ShardRecordSchema>;

/** A profile a run checked (given or depended on): what it is and exactly which files it had. */
export const ProfileRecordSchema = z
  .object({
    name: z.string().min(1),
    version: z.string().min(1),
    title: z.string().optional(),
    /** sha256 over the profile folder's files (not node_modules or dot-entries), in a stable order. */
    hash: HashSchema,
    /** The profile that depends on it; absent for a profile named on the command line. */
    requiredBy: z.string().optional(),
  })
  .strict();
export type ProfileRecord = z.infer<typeof ProfileRecordSchema>;

export const RunResultSchema = z
  .object({
    schemaVersion: z.literal(RESULT_SCHEMA_VERSION),
    tool: z.object({ name: z.literal('driftspec'), version: z.string() }).strict(),
    startedAt: z.string(),
    finishedAt: z.string(),
    specs: z.array(SpecInfoSchema),
    /** The profiles the specs came from, each once; absent when no profile was run. */
    profiles: z.array(ProfileRecordSchema).optional(),
    controls: z.array(ControlSchema),
    counts: StatusCountsSchema,
    hosts: z.array(HostResultSchema),
    /** Each waiver of `--waivers` and what became of it. */
    waivers: z.array(WaiverOutcomeSchema).optional(),
    /** The `--controls` / `--tags` filters, when given. */
    selection: SelectionSchema.optional(),
    /** Things the reader must know that are not findings (an expired waiver, one for an unknown control). */
    warnings: z.array(z.string()).optional(),
    /** Present only in a shard's result (`run --shard`); a merged or single run has none. */
    shard: ShardRecordSchema.optional(),
    /** The gate's decision, added when the run is reported. */
    verdict: z
      .object({
        /**
         * `blocked` when the policy refuses promotion; `exitCode` then says why (1 failures, 2 errors, unreachable
         * hosts or skips).
         */
        verdict: z.enum(['passed', 'blocked']),
        exitCode: z.number().int(),
        summary: z.string(),
        /** What blocked promotion, then what the policy allowed; empty for a clean pass. */
        reasons: z.array(z.string()),
      })
      .strict()
      .optional(),
  })
  .strict();
export type RunResult = z.infer<typeof RunResultSchema>;

export function emptyCounts(): StatusCounts {
  return { passed: 0, failed: 0, error: 0, skipped: 0 };
}

export function countStatuses(results: readonly { status: CheckStatus }[]): StatusCounts {
  const counts = emptyCounts();
  for (const r of results) counts[r.status] = (counts[r.status] ?? 0) + 1;
  return counts;
}

export function addCounts(a: StatusCounts, b: StatusCounts): StatusCounts {
  return {
    passed: a.passed + b.passed,
    failed: a.failed + b.failed,
    error: a.error + b.error,
    skipped: a.skipped + b.skipped,
    ...notApplicableCount(notApplicable(a) + notApplicable(b)),
  };
}

/** How many checks were not applicable (the count is absent where there were none). */
export function notApplicable(counts: StatusCounts): number {
  return counts['not-applicable'] ?? 0;
}

function notApplicableCount(count: number): Pick<StatusCounts, 'not-applicable'> {
  return count > 0 ? { 'not-applicable': count } : {};
}

/** ISO 8601 with the local offset, never a bare local time. */
export function timestamp(date: Date = new Date()): string {
  const offsetMinutes = -date.getTimezoneOffset();
  const sign = offsetMinutes >= 0 ? '+' : '-';
  const abs = Math.abs(offsetMinutes);
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  const local = new Date(date.getTime() + offsetMinutes * 60_000);
  const day = `${local.getUTCFullYear()}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())}`;
  const time = `${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())}`;
  const offset = `${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
  return `${day}T${time}.${pad(local.getUTCMilliseconds(), 3)}${offset}`;
}
