import { z } from 'zod';
import { IMPACT_NAMES, ImpactInputSchema, type ImpactName } from '../plan/schema.js';

/** Impact levels from the lowest to the highest, as controls name them. */
export const IMPACT_LEVELS = Object.keys(IMPACT_NAMES) as [ImpactName, ...ImpactName[]];

const AllowanceSchema = z
  .union([z.number().int().nonnegative(), z.literal('unlimited')])
  .describe('How many failed controls of this impact one host may have and still pass: a count, or "unlimited".');
export type Allowance = z.infer<typeof AllowanceSchema>;

const BlockOrAllowSchema = z.enum(['block', 'allow']);

/**
 * What may be promoted. Every field has a default, and the defaults are the strict gate: any
 * failure, error, unreachable host blocks; skips do not. docs/reports.md documents each field.
 * The policy file's `drift:` rules are added in ./policy.ts: a run does not read them, so a run
 * without --policy loads none of the drift code (each kind's inventory part among it).
 */
export const RUN_POLICY_FIELDS = {
  failures: z
    .object({
      allow: z
        .object(
          Object.fromEntries(IMPACT_LEVELS.map((level) => [level, AllowanceSchema.optional()])) as Record<
            ImpactName,
            z.ZodOptional<typeof AllowanceSchema>
          >,
        )
        .strict()
        .default({})
        .describe("Failed controls tolerated per host, by the control's impact; an impact not listed tolerates none."),
      minImpact: ImpactInputSchema.optional().describe(
        'Failed controls below this impact (0.0–1.0 or none, low, medium, high, critical) never block.',
      ),
    })
    .strict()
    .default({ allow: {} }),
  errors: BlockOrAllowSchema.default('block').describe(
    'Whether checks that errored (and hosts whose probe failed) block promotion.',
  ),
  unreachable: BlockOrAllowSchema.default('block').describe('Whether hosts that could not be reached block promotion.'),
  skips: BlockOrAllowSchema.default('allow').describe('Whether skipped checks block promotion.'),
  waived: BlockOrAllowSchema.default('allow').describe(
    'Whether controls waived by `--waivers` block promotion (their checks never do on their own).',
  ),
};

const RunPolicySchema = z.object(RUN_POLICY_FIELDS).strict();
/** A gate policy without its drift rules: all that `driftspec run` reads. */
export type RunPolicy = z.infer<typeof RunPolicySchema>;

/** The gate without a policy file: any failed check, errored check or unreachable host blocks. */
export const DEFAULT_POLICY: RunPolicy = RunPolicySchema.parse({});
