import { resolve } from 'node:path';
import { isSpecDefinition, planSpecs, type SpecDefinition } from '../dsl/spec.js';
import { specCacheDir } from '../io/spec-cache-dir.js';
import { loadPlan } from '../plan/load.js';
import type { Plan } from '../plan/schema.js';
import { createRegistry } from '../resources/index.js';
import { DriftspecOptionError } from './errors.js';

/**
 * The plan of specs: spec files (YAML, JSON, TypeScript, JavaScript) read from `cwd`, or specs
 * written with the DSL (`spec(…)`), never both in one call. Plain data: what `driftspec plan` prints.
 */
export async function plan(specs: readonly (string | SpecDefinition)[], options: { cwd?: string } = {}): Promise<Plan> {
  if (!Array.isArray(specs) || specs.length === 0)
    throw new DriftspecOptionError('plan', 'specs', 'at least one spec file path or spec() definition');
  const registry = createRegistry();
  const definitions = isSpecDefinition(specs[0]);
  const index = specs.findIndex((item) =>
    definitions ? !isSpecDefinition(item) : typeof item !== 'string' || item === '',
  );
  if (index !== -1) {
    const expected = definitions
      ? 'a spec() definition, as the specs before it'
      : 'a spec file path, as the specs before it';
    throw new DriftspecOptionError(
      'plan',
      `specs[${index}]`,
      index === 0 ? 'a spec file path or a spec() definition' : expected,
    );
  }
  if (definitions)
    return planSpecs(
      (specs as SpecDefinition[]).map((definition) => ({ definition })),
      registry,
    );
  const cwd = options.cwd ?? process.cwd();
  return loadPlan(
    (specs as string[]).map((path) => resolve(cwd, path)),
    { registry, cacheDir: specCacheDir(process.env) },
  );
}
