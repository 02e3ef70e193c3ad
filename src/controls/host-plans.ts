import { SpecError } from '../inputs/input-error.js';
import { isMissingInputError, type InputLayer, type InputRecord } from '../plan/inputs.js';
import { inputFlagLayer, inventoryVarsLayer, loadInputFile } from '../plan/input-sources.js';
import { loadPlanWithInputs, type LoadOptions, type PlanWithInputs } from '../plan/load.js';
import type { Plan } from '../plan/schema.js';
import type { Selection } from '../results/schema.js';
import type { Target } from '../targets/target.js';
import { selectControls, type ControlFilter } from './select.js';
import { loadWaiversFile, resolveWaivers, skipWaivedChecks, type WaiverBook, type WaiverClock } from './waivers.js';

/** What one host runs: its plan, the inputs it was made with, the sensitive values to mask in its result. */
export interface HostPlan {
  plan: Plan;
  inputs: InputRecord[];
  secrets: readonly string[];
}

export interface RunPlanningOptions extends ControlFilter, Omit<LoadOptions, 'inputs'> {
  /** Inventory hosts' vars, when an input has no value but theirs. */
  hosts?: InventoryVars;
  /** Every target of the run, to refuse one without vars when an input has no value elsewhere. */
  targets?: readonly Target[];
  /** `--input-file` and `--input name=value`. */
  inputFile?: string;
  inputFlags?: readonly string[];
  /** Input values given as they are (the API's `inputs`): in place of `--input`, the same priority. */
  inputValues?: Readonly<Record<string, unknown>>;
  /** `--waivers`, judged on the clock's day (default: now). */
  waivers?: string;
  clock?: WaiverClock;
  cwd: string;
  /** Loads the plan in place of reading `paths` as spec files (a run of profiles). */
  loader?: (inputs: InputLayer[]) => Promise<PlanWithInputs>;
}

export interface RunPlanning extends HostPlan {
  waivers?: WaiverBook;
  selection?: Selection;
  /** Each inventory host's own plan where its vars set inputs (hosts with the same values share one). */
  planHosts(): Promise<HostPlans>;
}

export type HostPlans = (target: Target) => HostPlan | undefined;

export interface InventoryVars {
  /** Each inventory host's entry, holding its vars. */
  entries: ReadonlyMap<Target, { readonly vars: Readonly<Record<string, unknown>> }>;
  /** The first host of the inventory's selection, a target of this run or not (a shard's). */
  first: { target: string; vars: Readonly<Record<string, unknown>> } | undefined;
  /** The inventory file, named as the source of a value. */
  inventory: string;
}

/** What planning reads of a run's selected hosts (inventory/select.ts) and its inventory file. */
export function inventoryVars(
  selected: {
    inventory: InventoryVars['entries'];
    firstInventoryHost?: NonNullable<InventoryVars['first']>;
  },
  inventory: string,
): InventoryVars {
  return { entries: selected.inventory, first: selected.firstInventoryHost, inventory };
}

/**
 * The plan the run is described by (its controls, the waivers judged against them). When an input
 * has no value outside the inventory, that is the first inventory host's plan.
 */
async function loadBase(
  load: () => Promise<PlanWithInputs>,
  hosts: InventoryVars | undefined,
  loadWith: (vars: InputLayer) => Promise<PlanWithInputs>,
): Promise<PlanWithInputs & { fromInventory?: true }> {
  try {
    return await load();
  } catch (error) {
    const first = hosts?.first;
    if (!isMissingInputError(error) || !first || !hosts) throw error;
    const loaded = await forHost(first.target, () => loadWith(inventoryVarsLayer(first.vars, hosts.inventory)));
    return { ...loaded, fromInventory: true };
  }
}

function refuseTargetsWithoutVars(hosts: InventoryVars | undefined, targets: readonly Target[]): void {
  const without = targets.find((target) => !hosts?.entries.has(target));
  if (without)
    throw new SpecError(
      `${without.name}: an input has no value and no default, and only the inventory's vars give it; ` +
        'give it with --input or --input-file, or check inventory hosts only',
    );
}

/**
 * Reads the specs with the inputs of the command line (defaults, then `--input-file`, then
 * `--input`), applies `--controls`, `--tags` and `--waivers`, and can make each inventory host its
 * own plan with its vars between the file and the flags: inputs in one documented order.
 */
export async function planRun(paths: readonly string[], options: RunPlanningOptions): Promise<RunPlanning> {
  const file = options.inputFile === undefined ? undefined : loadInputFile(options.inputFile, options.cwd);
  const flags = topInputLayer(options);
  const layers = (vars?: InputLayer): InputLayer[] => [file, vars, flags].filter((l) => l !== undefined);
  const load = (inputs: InputLayer[]) =>
    options.loader
      ? options.loader(inputs)
      : loadPlanWithInputs(paths, {
          registry: options.registry,
          cacheDir: options.cacheDir,
          ...(options.buildId === undefined ? {} : { buildId: options.buildId }),
          inputs,
        });
  const base = await loadBase(
    () => load(layers()),
    options.hosts,
    (vars) => load(layers(vars)),
  );
  if (base.fromInventory) refuseTargetsWithoutVars(options.hosts, options.targets ?? []);
  refuseUndeclaredFlags(flags, base.inputs, options.inputValues ? 'inputs' : '--input');
  const selected = selectControls(base.plan, options);
  const waivers =
    options.waivers === undefined
      ? undefined
      : resolveWaivers(
          loadWaiversFile(options.waivers, options.cwd),
          selected.plan,
          options.clock ?? Date,
          selected.filteredOut,
        );
  const finish = (plan: Plan): Plan => {
    const kept = selectControls(plan, options).plan;
    return waivers ? skipWaivedChecks(kept, waivers) : kept;
  };
  const declared = new Set(base.inputs.map((input) => input.name));
  return {
    plan: finish(base.plan),
    inputs: base.inputs,
    secrets: base.secrets,
    ...(waivers ? { waivers } : {}),
    ...(selected.selection ? { selection: selected.selection } : {}),
    async planHosts() {
      if (!options.hosts) return () => undefined;
      const { entries, inventory } = options.hosts;
      const byVars = new Map<string, HostPlan>();
      const plans = new Map<Target, HostPlan>();
      for (const [target, { vars: hostVars }] of entries) {
        // Only the vars that are inputs decide whether two hosts can share a plan.
        const relevant = Object.fromEntries(Object.entries(hostVars).filter(([name]) => declared.has(name)));
        if (Object.keys(relevant).length === 0) continue;
        const key = JSON.stringify(relevant);
        let plan = byVars.get(key);
        if (!plan) {
          const loaded = await forHost(target.name, () => load(layers(inventoryVarsLayer(relevant, inventory))));
          plan = { plan: finish(loaded.plan), inputs: loaded.inputs, secrets: loaded.secrets };
          byVars.set(key, plan);
        }
        plans.set(target, plan);
      }
      return (target) => plans.get(target);
    },
  };
}

/** The layer that overrides every other: `--input` flags, or the values the API was given. */
function topInputLayer(options: RunPlanningOptions): InputLayer | undefined {
  if (options.inputFlags?.length) return inputFlagLayer(options.inputFlags);
  const values = options.inputValues;
  if (values === undefined || Object.keys(values).length === 0) return undefined;
  return { values: new Map(Object.entries(values)), locate: (name) => `inputs.${name}` };
}

/** A `--input` that no spec declares is a typo: refused rather than silently unused. */
function refuseUndeclaredFlags(flags: InputLayer | undefined, inputs: readonly InputRecord[], given: string): void {
  const declared = new Set(inputs.map((input) => input.name));
  const unknown = [...(flags?.values.keys() ?? [])].filter((name) => !declared.has(name));
  if (unknown.length > 0)
    throw new SpecError(
      `${given} ${unknown.join(', ')}: no spec declares ${unknown.length === 1 ? 'this input' : 'these inputs'}` +
        `; declared: ${[...declared].join(', ') || '(none)'}`,
    );
}

async function forHost<T>(target: string, action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (error) {
    if (error instanceof Error && error.name === 'SpecError') throw new SpecError(`${target}: ${error.message}`);
    throw error;
  }
}
