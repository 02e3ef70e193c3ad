import { z } from 'zod';
import type { SpecDefinition } from '../dsl/spec.js';
import type { Plan } from '../plan/schema.js';
import { createRegistry } from '../resources/index.js';
import { parseOptions } from './access.js';
import { planWith, PlanningOptionsSchema } from './planning.js';

const PlanOptionsSchema = PlanningOptionsSchema.extend({
  /** Relative paths are read from here (default: the process's working directory). */
  cwd: z.string({ error: 'a directory path' }).optional(),
}).strict();

export type PlanOptions = z.input<typeof PlanOptionsSchema>;

/**
 * The plan of specs: spec files (YAML, JSON, TypeScript, JavaScript), folders, globs and profiles
 * read from `cwd`, or specs written with the DSL (`spec(…)`), never both in one call; with inputs,
 * `controls`, `tags` and `waivers` as `driftspec plan` takes them. Plain data: what it prints.
 */
export async function plan(specs: readonly (string | SpecDefinition)[], options: PlanOptions = {}): Promise<Plan> {
  const parsed = parseOptions('plan', PlanOptionsSchema, options);
  const cwd = parsed.cwd ?? process.cwd();
  const planning = await planWith('plan', { specs }, { ...parsed, cwd, registry: createRegistry() });
  return planning.plan;
}
