import { z } from 'zod';
import { parseVersionConstraint } from '../versions/constraint.js';
import { DurationSchema } from './duration.js';

/** InSpec's named impacts, so auditors' profiles keep their meaning. */
export const IMPACT_NAMES = { none: 0, low: 0.1, medium: 0.4, high: 0.7, critical: 0.9 } as const;
export type ImpactName = keyof typeof IMPACT_NAMES;

export const ImpactInputSchema = z.union([
  z.number().min(0).max(1),
  z.enum(Object.keys(IMPACT_NAMES) as [ImpactName, ...ImpactName[]]),
]);
export type ImpactInput = z.infer<typeof ImpactInputSchema>;

export function impactValue(impact: ImpactInput): number {
  return typeof impact === 'number' ? impact : IMPACT_NAMES[impact];
}

export function impactName(impact: number): ImpactName {
  if (impact >= 0.9) return 'critical';
  if (impact >= 0.7) return 'high';
  if (impact >= 0.4) return 'medium';
  if (impact > 0) return 'low';
  return 'none';
}

export const TagValueSchema = z.union([z.string(), z.number(), z.boolean(), z.array(z.string())]);
export const TagsSchema = z.record(z.string(), TagValueSchema);

export const ControlIdSchema = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[^\s/#]+$/, 'a control id has no spaces, "/" or "#"');

/** A reference an auditor follows: a benchmark section, an advisory. */
export const ReferenceSchema = z
  .object({
    url: z.url({ protocol: /^https?$/ }).optional(),
    title: z.string().min(1).optional(),
  })
  .strict()
  .refine((ref) => ref.url !== undefined || ref.title !== undefined, 'a reference needs a url, a title or both');
export type Reference = z.infer<typeof ReferenceSchema>;

/**
 * When a control applies, judged on the host facts every probe gathers: `os` the OS ids (ID or
 * ID_LIKE of os-release) it applies to, `osVersion` a constraint on VERSION_ID (`>= 12`).
 */
export const OnlyIfSchema = z
  .object({
    os: z.array(z.string().min(1)).min(1).optional(),
    osVersion: z
      .string()
      .refine((text) => {
        try {
          parseVersionConstraint(text, 'rpm');
          return true;
        } catch {
          return false;
        }
      }, 'expected a version constraint such as ">= 12" or ">= 8, < 10"')
      .optional(),
    /** Packages that must be installed (every one), asked in the same probe. */
    package: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).optional(),
    /** Paths that must exist (every one), asked in the same probe. */
    file: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).optional(),
    /** true: only inside a container; false: only outside one. */
    container: z.boolean().optional(),
  })
  .strict();
export type OnlyIf = z.infer<typeof OnlyIfSchema>;

/** A platform a profile supports: an os-release id (ID or ID_LIKE) and, optionally, a VERSION_ID constraint. */
export const PlatformSchema = z
  .object({
    os: z.string().min(1),
    versions: OnlyIfSchema.shape.osVersion,
  })
  .strict();
export type Platform = z.infer<typeof PlatformSchema>;

/** The platforms the profile a control came from supports; on any other host the control does not apply. */
export const SupportsSchema = z
  .object({ profile: z.string().min(1), platforms: z.array(PlatformSchema).min(1) })
  .strict();
export type Supports = z.infer<typeof SupportsSchema>;

export const ControlSchema = z
  .object({
    id: ControlIdSchema,
    title: z.string().optional(),
    description: z.string().optional(),
    /** Why the control matters; shown to auditors next to a finding. */
    rationale: z.string().optional(),
    /** How to fix a failure. */
    remediation: z.string().optional(),
    impact: z.number().min(0).max(1),
    tags: TagsSchema,
    refs: z.array(z.string()),
    /** References with a url and title; present only where the spec gives some. */
    references: z.array(ReferenceSchema).optional(),
    /** Where the control applies; on other hosts its checks are `not-applicable`. */
    onlyIf: OnlyIfSchema.optional(),
    /** Set by the profile the control came from when that profile names the platforms it supports. */
    supports: SupportsSchema.optional(),
    skip: z.string().optional(),
  })
  .strict();
export type Control = z.infer<typeof ControlSchema>;

export const SubjectSchema = z.union([z.string(), z.number()]);
export type Subject = z.infer<typeof SubjectSchema>;

/** How long a failing check may be re-probed, and how often (`eventually`), in milliseconds. */
export const EventuallySchema = z
  .object({
    timeoutMs: z.number().int().positive(),
    intervalMs: z.number().int().positive(),
  })
  .strict();
export type Eventually = z.infer<typeof EventuallySchema>;

export const DEFAULT_EVENTUALLY_INTERVAL_MS = 1000;
/** Re-probing faster than this would only load the host. */
export const MIN_EVENTUALLY_INTERVAL_MS = 100;

/** As a spec writes it: `60s` (the timeout), or `{ timeout: 60s, interval: 2s }`. Editors get this shape. */
export const EventuallyShapeSchema = z.union([
  z.string(),
  z.object({ timeout: z.string(), interval: z.string().optional() }).strict(),
]);
export type EventuallyInput = z.input<typeof EventuallyShapeSchema>;

/**
 * Reads that shape into milliseconds. Built without a union so that a bad duration keeps its
 * own message ("add a unit") instead of zod's "Invalid input".
 */
export const EventuallyInputSchema = z
  .preprocess(
    (input) => (typeof input === 'string' || typeof input === 'number' ? { timeout: input } : input),
    z.object({ timeout: DurationSchema, interval: DurationSchema.optional() }).strict(),
  )
  .transform((input, context): Eventually => {
    const timeoutMs = input.timeout;
    const intervalMs = input.interval ?? Math.min(DEFAULT_EVENTUALLY_INTERVAL_MS, timeoutMs);
    if (intervalMs < MIN_EVENTUALLY_INTERVAL_MS)
      context.addIssue({
        code: 'custom',
        message: `interval must be at least ${MIN_EVENTUALLY_INTERVAL_MS}ms`,
        path: ['interval'],
      });
    if (intervalMs > timeoutMs)
      context.addIssue({
        code: 'custom',
        message: 'interval is longer than timeout, so the check would never be re-probed',
        path: ['interval'],
      });
    return { timeoutMs, intervalMs };
  });

export const CheckSchema = z
  .object({
    id: z.string(),
    control: ControlIdSchema.nullable(),
    resource: z.string(),
    subject: SubjectSchema,
    /** Resource options that change what is queried (such as a command's timeout); omitted when none. */
    options: z.record(z.string(), z.unknown()).optional(),
    matcher: z.string(),
    negated: z.boolean(),
    args: z.unknown(),
    title: z.string(),
    skip: z.string().optional(),
    /** Re-probe this check while it fails, until it passes or the timeout passes. */
    eventually: EventuallySchema.optional(),
  })
  .strict();
export type Check = z.infer<typeof CheckSchema>;

export const PLAN_SCHEMA_VERSION = 1;

export const SpecInfoSchema = z
  .object({
    name: z.string().min(1),
    version: z.string().optional(),
    title: z.string().optional(),
    source: z.string().optional(),
  })
  .strict();
export type SpecInfo = z.infer<typeof SpecInfoSchema>;

export const PlanSchema = z
  .object({
    schemaVersion: z.literal(PLAN_SCHEMA_VERSION),
    specs: z.array(SpecInfoSchema),
    controls: z.array(ControlSchema),
    checks: z.array(CheckSchema),
  })
  .strict();
export type Plan = z.infer<typeof PlanSchema>;
