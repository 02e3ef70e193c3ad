import { join } from 'node:path';
import { isConditionCheckId } from '../controls/only-if.js';
import { isSpecError } from '../inputs/input-error.js';
import { loadPlanWithInputs, type PlanWithInputs } from '../plan/load.js';
import { PLAN_SCHEMA_VERSION, type Plan } from '../plan/schema.js';
import { readProfileTree, shapeDependency, type ProfileLoadOptions, type ProfileTree } from './load.js';
import { PROFILE_FILE } from './metadata.js';

/** What `driftspec profile check` found: every problem, each naming its file (and line where one is known). */
export interface ProfileCheck {
  name?: string;
  version?: string;
  controls: number;
  problems: string[];
}

const EMPTY: PlanWithInputs = {
  plan: { schemaVersion: PLAN_SCHEMA_VERSION, specs: [], controls: [], checks: [] },
  inputs: [],
  secrets: [],
};

/**
 * Lints a profile and the profiles it depends on: the metadata's schema and `supports`, that every
 * dependency is found and its include, skip, override and inputs name what it has, that the spec
 * files load (inputs typed, checks valid) with the inputs' defaults, that no control id comes
 * twice and that every control has at least one check of its own.
 */
export async function checkProfile(folder: string, options: ProfileLoadOptions): Promise<ProfileCheck> {
  let tree: ProfileTree;
  try {
    tree = readProfileTree(folder, options);
  } catch (error) {
    if (!isSpecError(error)) throw error;
    return { controls: 0, problems: [(error as Error).message] };
  }
  const problems: string[] = [];
  const { plan } = await checkTree(tree, options, problems);
  if (tree.specFiles.length === 0 && tree.dependencies.length === 0)
    problems.push(`${tree.file.source}: the profile has no control (no spec file, no dependency)`);
  return {
    name: tree.file.metadata.name,
    version: tree.file.metadata.version,
    controls: plan.controls.length,
    problems,
  };
}

/** The profile's plan as a run would have it, and the names of the inputs it and its dependencies declare. */
async function checkTree(
  tree: ProfileTree,
  options: ProfileLoadOptions,
  problems: string[],
): Promise<{ plan: Plan; inputs: Set<string> }> {
  const source = join(tree.folder, PROFILE_FILE);
  const own = await loadOwn(tree, options, problems);
  for (const control of own.plan.controls) {
    const checks = own.plan.checks.filter((c) => c.control === control.id && !isConditionCheckId(c.id));
    if (checks.length === 0) problems.push(`${source}: control "${control.id}" has no check`);
  }
  const parts: { from: string; plan: Plan }[] = [{ from: tree.file.metadata.name, plan: own.plan }];
  const inputs = new Set(own.inputs.map((input) => input.name));
  for (const { dependency, index, tree: child } of tree.dependencies) {
    const { plan: childPlan, inputs: declared } = await checkTree(child, options, problems);
    for (const name of declared) inputs.add(name);
    for (const name of Object.keys(dependency.inputs))
      if (!declared.has(name))
        problems.push(
          `${tree.file.where.at(['depends', index, 'inputs', name])}: inputs: ` +
            `${child.file.metadata.name} declares no input "${name}"`,
        );
    try {
      parts.push({ from: child.file.metadata.name, plan: shapeDependency(childPlan, dependency, tree.file, index) });
    } catch (error) {
      if (!isSpecError(error)) throw error;
      problems.push((error as Error).message);
    }
  }
  problems.push(...duplicateIds(parts, source));
  const plan: Plan = {
    schemaVersion: PLAN_SCHEMA_VERSION,
    specs: parts.flatMap((p) => p.plan.specs),
    controls: parts.flatMap((p) => p.plan.controls),
    checks: parts.flatMap((p) => p.plan.checks),
  };
  return { plan, inputs };
}

/** The profile's own spec files planned with the inputs' defaults; a mistake is a problem and an empty plan. */
async function loadOwn(tree: ProfileTree, options: ProfileLoadOptions, problems: string[]): Promise<PlanWithInputs> {
  if (tree.specFiles.length === 0) return EMPTY;
  try {
    return await loadPlanWithInputs(tree.specFiles, options);
  } catch (error) {
    if (!isSpecError(error)) throw error;
    problems.push((error as Error).message);
    return EMPTY;
  }
}

function duplicateIds(parts: readonly { from: string; plan: Plan }[], source: string): string[] {
  const from = new Map<string, string[]>();
  for (const part of parts)
    for (const control of part.plan.controls) from.set(control.id, [...(from.get(control.id) ?? []), part.from]);
  return [...from]
    .filter(([, profiles]) => profiles.length > 1)
    .map(([id, profiles]) => `${source}: control "${id}" comes from more than one profile: ${profiles.join(', ')}`);
}
