import type { InputLayer } from '../plan/inputs.js';
import { loadPlanWithInputs, type PlanWithInputs } from '../plan/load.js';
import { expandSpecArguments } from '../plan/spec-paths.js';
import type { ProfileRecord } from '../results/schema.js';
import { loadProfilePlan, mergePlans, profileRecords, readProfileTree, type ProfileLoadOptions } from './load.js';
import { sortRunArgument } from './locate.js';

/** What `driftspec run` arguments hold once profiles are told apart from specs. */
export interface RunSources {
  /** The profiles named and those they depend on; empty when no profile was named. */
  profiles: ProfileRecord[];
  /** The plan of every argument, in their order, with the inputs given. */
  load(inputs: readonly InputLayer[]): Promise<PlanWithInputs>;
}

/**
 * Sorts the arguments into profiles (a folder with profile.yaml, or an installed package's name)
 * and spec arguments (files, folders, globs); undefined when there is no profile among them, so
 * that a run of specs alone goes the way it always has.
 */
export function profileRunSources(
  args: readonly string[],
  cwd: string,
  options: ProfileLoadOptions,
): RunSources | undefined {
  const sorted = args.map((arg) => sortRunArgument(arg, cwd));
  if (!sorted.some((arg) => arg.kind === 'profile')) return undefined;
  const parts = sorted.map((arg) =>
    arg.kind === 'profile'
      ? { kind: 'profile' as const, tree: readProfileTree(arg.folder, options) }
      : { kind: 'spec' as const, specs: expandSpecArguments([arg.path], cwd) },
  );
  const profiles = parts.flatMap((part) => (part.kind === 'profile' ? profileRecords(part.tree) : []));
  return {
    profiles: [...new Map(profiles.map((p) => [`${p.name}@${p.version} ${p.hash}`, p])).values()],
    async load(inputs) {
      const plans: PlanWithInputs[] = [];
      for (const part of parts)
        plans.push(
          part.kind === 'profile'
            ? await loadProfilePlan(part.tree, inputs, options)
            : await loadPlanWithInputs(part.specs, { ...options, inputs }),
        );
      return mergePlans(plans, 'the run arguments');
    },
  };
}

/** Where a run's plan comes from: spec files, or a loader of the profiles named among them. */
export interface PlanSources {
  paths: string[];
  profiles?: ProfileRecord[];
  loader?: RunSources['load'];
}

/** The run and plan arguments sorted: profiles (and specs beside them) loaded together, or spec files alone. */
export function planSources(args: readonly string[], cwd: string, options: ProfileLoadOptions): PlanSources {
  const profiles = profileRunSources(args, cwd, options);
  if (profiles) return { paths: [], profiles: profiles.profiles, loader: profiles.load };
  return { paths: expandSpecArguments(args, cwd) };
}
