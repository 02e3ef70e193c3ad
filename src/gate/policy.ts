import { z } from 'zod';
import type { Path } from '../inputs/located-yaml.js';
import { readInputFile } from '../inputs/read.js';
import { parseYamlInput } from '../inputs/yaml-input.js';
import { DriftPolicySchema, driftPolicyKeys } from './drift-policy.js';
import { IMPACT_LEVELS, RUN_POLICY_FIELDS } from './run-policy.js';

export { DEFAULT_POLICY, IMPACT_LEVELS, type Allowance } from './run-policy.js';

export const GatePolicySchema = z
  .object({
    ...RUN_POLICY_FIELDS,
    drift: DriftPolicySchema.optional().describe(
      'Rules for `driftspec drift` (docs/drift.md); `driftspec run` does not read them.',
    ),
  })
  .strict();
export type GatePolicy = z.infer<typeof GatePolicySchema>;

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
