import { z } from 'zod';
import { IMPACT_NAMES, ImpactInputSchema, type ImpactName } from '../plan/schema.js';
import type { Path } from '../inputs/located-yaml.js';
import { readInputFile } from '../inputs/read.js';
import { parseYamlInput } from '../inputs/yaml-input.js';
import { DriftPolicySchema, driftPolicyKeys } from './drift-policy.js';

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
 */
export const GatePolicySchema = z
  .object({
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
          .describe(
            "Failed controls tolerated per host, by the control's impact; an impact not listed tolerates none.",
          ),
        minImpact: ImpactInputSchema.optional().describe(
          'Failed controls below this impact (0.0–1.0 or none, low, medium, high, critical) never block.',
        ),
      })
      .strict()
      .default({ allow: {} }),
    errors: BlockOrAllowSchema.default('block').describe(
      'Whether checks that errored (and hosts whose probe failed) block promotion.',
    ),
    unreachable: BlockOrAllowSchema.default('block').describe(
      'Whether hosts that could not be reached block promotion.',
    ),
    skips: BlockOrAllowSchema.default('allow').describe('Whether skipped checks block promotion.'),
    waived: BlockOrAllowSchema.default('allow').describe(
      'Whether controls waived by `--waivers` block promotion (their checks never do on their own).',
    ),
    drift: DriftPolicySchema.optional().describe(
      'Rules for `driftspec drift` (docs/drift.md); `driftspec run` does not read them.',
    ),
  })
  .strict();
export type GatePolicy = z.infer<typeof GatePolicySchema>;

/** The gate without a policy file: any failed check, errored check or unreachable host blocks. */
export const DEFAULT_POLICY: GatePolicy = GatePolicySchema.parse({});

/** The JSON Schema for policy files (`driftspec schema policy`). */
export function policyJsonSchema(): unknown {
  return {
    ...(z.toJSONSchema(GatePolicySchema, { io: 'input' }) as object),
    $id: 'urn:driftspec:schema:policy:1',
    title: 'driftspec gate policy',
  };
}

/** Reads a policy file; every mistake is a SpecError (exit 78) naming file:line:column. */
export function loadGatePolicy(path: string, cwd: string = process.cwd()): GatePolicy {
  return parseGatePolicy(readInputFile(path, 'policy', cwd), path);
}

export function parseGatePolicy(text: string, source: string): GatePolicy {
  return parseYamlInput(text, source, GatePolicySchema, {
    shape: 'a policy file must be a map with any of `failures:`, `errors:`, `unreachable:`, `skips:`, `waived:`',
    expectedKeys,
    describe: (issue, path) => (issue.code !== 'unrecognized_keys' && path.at(-2) === 'allow' ? ALLOWANCE : undefined),
  }).value;
}

const ALLOWANCE = 'expected a count (0 or more) or "unlimited"';

function expectedKeys(path: Path): readonly string[] {
  if (path[0] === 'drift') return driftPolicyKeys(path);
  if (path.at(-1) === 'allow') return IMPACT_LEVELS;
  return path.length === 0 ? Object.keys(GatePolicySchema.shape) : ['allow', 'minImpact'];
}
