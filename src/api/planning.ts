import { resolve } from 'node:path';
import { z } from 'zod';
import { planRun, type InventoryVars, type RunPlanning, type RunPlanningOptions } from '../controls/host-plans.js';
import { isSpecDefinition, type SpecDefinition } from '../dsl/spec.js';
import { specCacheDir } from '../io/spec-cache-dir.js';
import { planDefinitionsWithInputs } from '../plan/load.js';
import type { Plan } from '../plan/schema.js';
import { sortRunArgument } from '../profiles/locate.js';
import { planSources } from '../profiles/run-arguments.js';
import type { ResourceRegistry } from '../resources/index.js';
import type { ProfileRecord } from '../results/schema.js';
import type { Target } from '../targets/target.js';
import { toolVersion } from '../version.js';
import { DriftspecOptionError } from './errors.js';

const names = (what: string) => z.array(z.string({ error: what }), { error: `an array: ${what} each` });

/** What run() and plan() add to the specs' own plan, as `driftspec run` and `plan` take it from flags. */
export const PlanningOptionsSchema = z.object({
  /** Input values by name: above the input file and inventory vars, as `--input`. */
  inputs: z.record(z.string(), z.unknown(), { error: 'a map of input names to values' }).optional(),
  /** A YAML map of input names to values, as `--input-file`. */
  inputFile: z.string({ error: 'an input file path' }).min(1, { error: 'an input file path' }).optional(),
  /** A waivers file, as `--waivers`. */
  waivers: z.string({ error: 'a waivers file path' }).min(1, { error: 'a waivers file path' }).optional(),
  /** Keep only these controls (ids or globs), as `--controls`. */
  controls: names('a control id or glob').optional(),
  /** Keep only controls with one of these tags (key or key:value, globs ok), as `--tags`. */
  tags: names('a tag').optional(),
});

export type PlanningOptions = z.output<typeof PlanningOptionsSchema>;

/** The plan of a run: its checks, the waivers and selection judged against them, and the profiles read. */
export interface ApiPlanning extends RunPlanning {
  profiles?: ProfileRecord[];
}

/**
 * Plans `specs` (files, folders, globs and profiles; or spec() definitions), or a plan given as it
 * is, with inputs, filters and waivers, as `driftspec run` does; `hosts` gives inventory hosts'
 * vars, which may set inputs per host.
 */
export async function planWith(
  operation: string,
  source: { specs: readonly (string | SpecDefinition)[] } | { plan: Plan },
  options: PlanningOptions & { cwd: string; registry: ResourceRegistry },
  hosts?: { vars: InventoryVars; targets: readonly Target[] },
): Promise<ApiPlanning> {
  const { registry, cwd } = options;
  const cacheDir = specCacheDir(process.env);
  const sources =
    'plan' in source ? givenPlan(source.plan) : specSources(operation, source.specs, { registry, cacheDir, cwd });
  const planning = await planRun(sources.paths, {
    registry,
    cacheDir,
    cwd,
    ...(sources.loader ? { loader: sources.loader } : {}),
    ...(options.inputs === undefined ? {} : { inputValues: options.inputs }),
    ...(options.inputFile === undefined ? {} : { inputFile: options.inputFile }),
    ...(options.waivers === undefined ? {} : { waivers: options.waivers }),
    ...(options.controls === undefined ? {} : { controls: options.controls }),
    ...(options.tags === undefined ? {} : { tags: options.tags }),
    ...(hosts ? { hosts: hosts.vars, targets: hosts.targets } : {}),
  });
  return sources.profiles ? { ...planning, profiles: sources.profiles } : planning;
}

type Sources = ReturnType<typeof planSources>;

function givenPlan(plan: Plan): Sources {
  return { paths: [], loader: async () => ({ plan, inputs: [], secrets: [] }) };
}

function specSources(
  operation: string,
  specs: readonly (string | SpecDefinition)[],
  context: { registry: ResourceRegistry; cacheDir: string; cwd: string },
): Sources {
  checkSpecList(operation, specs);
  if (isSpecDefinition(specs[0])) {
    const definitions = specs as SpecDefinition[];
    const loader: NonNullable<RunPlanningOptions['loader']> = async (inputs) =>
      planDefinitionsWithInputs(definitions, { registry: context.registry, inputs });
    return { paths: [], loader };
  }
  // Spec paths made absolute, since spec files are read from the process's directory, not `cwd`.
  const args = (specs as string[]).map((arg) =>
    sortRunArgument(arg, context.cwd).kind === 'profile' ? arg : resolve(context.cwd, arg),
  );
  return planSources(args, context.cwd, { ...context, toolVersion: toolVersion() });
}

/** Spec files or spec() definitions, never both in one call. */
function checkSpecList(operation: string, specs: readonly (string | SpecDefinition)[]): void {
  if (!Array.isArray(specs) || specs.length === 0)
    throw new DriftspecOptionError(operation, 'specs', 'at least one spec file path or spec() definition');
  const definitions = isSpecDefinition(specs[0]);
  const index = specs.findIndex((item) =>
    definitions ? !isSpecDefinition(item) : typeof item !== 'string' || item === '',
  );
  if (index === -1) return;
  const expected = definitions
    ? 'a spec() definition, as the specs before it'
    : 'a spec file path, as the specs before it';
  throw new DriftspecOptionError(
    operation,
    `specs[${index}]`,
    index === 0 ? 'a spec file path or a spec() definition' : expected,
  );
}
