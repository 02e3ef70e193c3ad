import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import { SpecError } from '../plan/build.js';
import { IMPACT_NAMES, type ImpactName } from '../plan/schema.js';
import { parseLocatedYaml, type Path } from '../plan/located-yaml.js';
import { innermostIssue } from '../drift/ignore-yaml.js';
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
          .object(Object.fromEntries(IMPACT_LEVELS.map((level) => [level, AllowanceSchema.optional()])) as Record<ImpactName, z.ZodOptional<typeof AllowanceSchema>>)
          .strict()
          .default({})
          .describe('Failed controls tolerated per host, by the control\'s impact; an impact not listed tolerates none.'),
      })
      .strict()
      .default({ allow: {} }),
    errors: BlockOrAllowSchema.default('block').describe('Whether checks that errored (and hosts whose probe failed) block promotion.'),
    unreachable: BlockOrAllowSchema.default('block').describe('Whether hosts that could not be reached block promotion.'),
    skips: BlockOrAllowSchema.default('allow').describe('Whether skipped checks block promotion.'),
    drift: DriftPolicySchema.optional().describe('Rules for `driftspec drift` (docs/drift.md); `driftspec run` does not read them.'),
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
  return parseGatePolicy(readPolicyText(resolve(cwd, path), path), path);
}

export function parseGatePolicy(text: string, source: string): GatePolicy {
  const { document, where } = parseLocatedYaml(text, source);
  const value: unknown = document.toJS();
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new SpecError('a policy file must be a map with any of `failures:`, `errors:`, `unreachable:`, `skips:`', where.at([]));
  }
  const result = GatePolicySchema.safeParse(value);
  if (result.success) return result.data;
  const { issue, path } = innermostIssue(result.error.issues[0]!, []);
  throw new SpecError(describeIssue(issue, path), where.at(issue.code === 'unrecognized_keys' ? [...path, issue.keys[0]!] : path));
}

function readPolicyText(absolute: string, shown: string): string {
  try {
    return readFileSync(absolute, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new SpecError('policy file not found', shown);
    if (code === 'EISDIR') throw new SpecError('is a directory, not a policy file', shown);
    throw new SpecError(`cannot read the policy file: ${code ?? (error as Error).message}`, shown);
  }
}

function describeIssue(issue: z.core.$ZodIssue, path: Path): string {
  const field = path.length > 0 ? `${path.join('.')}: ` : '';
  if (issue.code === 'unrecognized_keys') {
    const expected = path[0] === 'drift' ? driftPolicyKeys(path) : path.at(-1) === 'allow' ? IMPACT_LEVELS : path.length === 0 ? Object.keys(GatePolicySchema.shape) : ['allow'];
    return `${field}unknown key "${issue.keys.join('", "')}"; expected one of: ${expected.join(', ')}`;
  }
  if (path.at(-2) === 'allow') return `${field}expected a count (0 or more) or "unlimited"`;
  if (issue.code === 'invalid_value') return `${field}expected one of: ${issue.values.map(String).join(', ')}`;
  return `${field}${issue.message}`;
}
