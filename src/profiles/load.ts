import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { SpecError } from '../inputs/input-error.js';
import type { InputLayer } from '../plan/inputs.js';
import { loadPlanWithInputs, type LoadOptions, type PlanWithInputs } from '../plan/load.js';
import { impactValue, PLAN_SCHEMA_VERSION, type Control, type Plan } from '../plan/schema.js';
import { FOLDER_SPEC_EXTENSIONS } from '../plan/spec-paths.js';
import type { ProfileRecord } from '../results/schema.js';
import { satisfiesVersionConstraint } from '../versions/constraint.js';
import { profileContentHash } from './content-hash.js';
import { dependencyFolder } from './locate.js';
import { PROFILE_FILE, readProfileFile, type ControlOverride, type Dependency, type ProfileFile } from './metadata.js';

export interface ProfileLoadOptions extends Omit<LoadOptions, 'inputs'> {
  /** The running driftspec's version, judged against a profile's `driftspec` range. */
  toolVersion: string;
}

/** A profile and the profiles it depends on, read (metadata, spec files, hash) but not yet planned. */
export interface ProfileTree {
  folder: string;
  file: ProfileFile;
  specFiles: string[];
  hash: string;
  dependencies: { dependency: Dependency; index: number; tree: ProfileTree }[];
}

/** The spec files of a profile folder: its own files of the spec extensions, sorted, not profile.yaml. */
export function profileSpecFiles(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true })
    .filter((entry) => entry.isFile() && !entry.name.startsWith('.') && entry.name !== PROFILE_FILE)
    .map((entry) => entry.name)
    .filter((name) => {
      const lower = name.toLowerCase();
      return !/\.d\.m?ts$/.test(lower) && FOLDER_SPEC_EXTENSIONS.some((extension) => lower.endsWith(extension));
    })
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    .map((name) => join(folder, name));
}

/** Reads a profile and, recursively, its dependencies; a dependency cycle is refused. */
export function readProfileTree(
  folder: string,
  options: ProfileLoadOptions,
  chain: readonly string[] = [],
): ProfileTree {
  const file = readProfileFile(join(folder, PROFILE_FILE));
  const { metadata, where } = file;
  if (chain.includes(folder))
    throw new SpecError(`profile ${metadata.name} depends on itself through ${chain.map(shortName).join(' → ')}`);
  if (metadata.driftspec !== undefined && !satisfiesVersionConstraint(options.toolVersion, metadata.driftspec, 'rpm'))
    throw new SpecError(
      `profile ${metadata.name} needs driftspec ${metadata.driftspec}; this is driftspec ${options.toolVersion}`,
      where.at(['driftspec']),
    );
  const dependencies = metadata.depends.map((dependency, index) => {
    const at = where.at(['depends', index]);
    const tree = readProfileTree(dependencyFolder(dependency, folder, at), options, [...chain, folder]);
    return { dependency, index, tree };
  });
  return { folder, file, specFiles: profileSpecFiles(folder), hash: profileContentHash(folder), dependencies };
}

function shortName(folder: string): string {
  return relative(process.cwd(), folder) || '.';
}

/** Every profile of the tree once, the named one first, each dependency with the profile that needs it. */
export function profileRecords(tree: ProfileTree, requiredBy?: string): ProfileRecord[] {
  const { metadata } = tree.file;
  const own: ProfileRecord = {
    name: metadata.name,
    version: metadata.version,
    ...(metadata.title === undefined ? {} : { title: metadata.title }),
    hash: tree.hash,
    ...(requiredBy === undefined ? {} : { requiredBy }),
  };
  return [own, ...tree.dependencies.flatMap((d) => profileRecords(d.tree, metadata.name))];
}

const EMPTY_PLAN: Plan = { schemaVersion: PLAN_SCHEMA_VERSION, specs: [], controls: [], checks: [] };

/**
 * The plan of a profile: its own spec files, then each dependency's plan cut down by `include` and
 * `skip`, its controls' metadata replaced by `override`, its inputs' defaults by `inputs`. Every
 * control of a profile that names `supports` carries them, so on another host it does not apply.
 */
export async function loadProfilePlan(
  tree: ProfileTree,
  inputs: readonly InputLayer[],
  options: ProfileLoadOptions,
): Promise<PlanWithInputs> {
  const { metadata, source } = tree.file;
  const own =
    tree.specFiles.length === 0
      ? { plan: EMPTY_PLAN, inputs: [], secrets: [] }
      : await loadPlanWithInputs(tree.specFiles, { ...options, inputs });
  const supports = metadata.supports;
  const marked: PlanWithInputs = supports
    ? {
        ...own,
        plan: {
          ...own.plan,
          controls: own.plan.controls.map((c) => ({ ...c, supports: { profile: metadata.name, platforms: supports } })),
        },
      }
    : own;
  const parts = [marked];
  for (const { dependency, index, tree: child } of tree.dependencies) {
    const layers = [dependencyInputsLayer(dependency, tree.file, index), ...inputs];
    const loaded = await loadProfilePlan(child, layers, options);
    parts.push({ ...loaded, plan: shapeDependency(loaded.plan, dependency, tree.file, index) });
  }
  return mergePlans(parts, source);
}

/** A depending profile's `inputs:` for a dependency: above the defaults, below every other source. */
function dependencyInputsLayer(dependency: Dependency, file: ProfileFile, index: number): InputLayer {
  return {
    values: new Map(Object.entries(dependency.inputs)),
    locate: (name) => file.where.at(['depends', index, 'inputs', name]),
  };
}

/** A dependency's plan after the depending profile's include, skip and override. */
export function shapeDependency(plan: Plan, dependency: Dependency, file: ProfileFile, index: number): Plan {
  const known = new Set(plan.controls.map((c) => c.id));
  const refuseUnknown = (ids: readonly string[], key: string) =>
    ids.forEach((id, at) => {
      if (!known.has(id))
        throw new SpecError(
          `${key}: the dependency has no control "${id}"; its controls: ${[...known].join(', ') || '(none)'}`,
          file.where.at(['depends', index, key, at]),
        );
    });
  const { include, skip, override } = dependency;
  if (include !== 'all') refuseUnknown(include, 'include');
  refuseUnknown(skip, 'skip');
  const overridden = Object.keys(override);
  overridden.forEach((id) => {
    if (!known.has(id))
      throw new SpecError(
        `override: the dependency has no control "${id}"`,
        file.where.at(['depends', index, 'override', id]),
      );
  });
  const wanted = (id: string) => (include === 'all' || include.includes(id)) && !skip.includes(id);
  const controls = plan.controls.filter((c) => wanted(c.id)).map((c) => withOverride(c, override[c.id]));
  const kept = new Set(controls.map((c) => c.id));
  // Checks outside any control belong to the dependency as a whole: taken only with all of it.
  const checks = plan.checks.filter((check) => (check.control === null ? include === 'all' : kept.has(check.control)));
  return { ...plan, controls, checks };
}

function withOverride(control: Control, override: ControlOverride | undefined): Control {
  if (!override) return control;
  const { impact, ...rest } = override;
  return { ...control, ...rest, ...(impact === undefined ? {} : { impact: impactValue(impact) }) };
}

/** Plans joined in order; a control id or check id met twice is refused, naming the profile. */
export function mergePlans(parts: readonly PlanWithInputs[], source: string): PlanWithInputs {
  const controls = new Set<string>();
  const checks = new Set<string>();
  for (const { plan } of parts) {
    for (const control of plan.controls) {
      if (controls.has(control.id))
        throw new SpecError(`control "${control.id}" comes twice from this profile and its dependencies`, source);
      controls.add(control.id);
    }
    for (const check of plan.checks) {
      if (checks.has(check.id))
        throw new SpecError(`check "${check.id}" comes twice from this profile and its dependencies`, source);
      checks.add(check.id);
    }
  }
  return {
    plan: {
      schemaVersion: PLAN_SCHEMA_VERSION,
      specs: parts.flatMap((p) => p.plan.specs),
      controls: parts.flatMap((p) => p.plan.controls),
      checks: parts.flatMap((p) => p.plan.checks),
    },
    inputs: parts.flatMap((p) => p.inputs),
    secrets: [...new Set(parts.flatMap((p) => p.secrets))],
  };
}
