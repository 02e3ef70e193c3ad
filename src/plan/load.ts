import { extname, resolve } from 'node:path';
import { collectSpec, isSpecDefinition, type SpecDefinition } from '../dsl/spec.js';
import { loadKinds, type ResourceRegistry } from '../resources/registry.js';
import { PlanAssembler } from './assemble.js';
import { isSpecError, SpecError } from '../inputs/input-error.js';
import { readInputFile } from '../inputs/read.js';
import { nextTurn } from '../io/next-turn.js';
import type { Plan } from './schema.js';
import { isMissingInputError, type InputLayer, type InputRecord } from './inputs.js';
import { maskSecrets } from './mask.js';
import { addYamlSpecInSteps, keysWithin, readYamlSpecYielding } from './yaml.js';

const YAML_EXTENSIONS = new Set(['.yaml', '.yml', '.json']);
const MODULE_EXTENSIONS = new Set(['.ts', '.mts', '.js', '.mjs']);

export interface LoadOptions {
  registry: ResourceRegistry;
  /** Where transpiled TypeScript specs, and YAML specs read by this build (`buildId`), are cached between runs. */
  cacheDir: string;
  /**
   * Names the running build (the CLI's, see src/cli/code-cache.ts). With it, a YAML spec this
   * build read and validated before is taken from the cache instead of parsed again; without it
   * (the API, tests) YAML specs are always parsed.
   */
  buildId?: string;
  /** Where input values come from, lowest priority first; without them every input takes its default. */
  inputs?: readonly InputLayer[];
}

/** A plan and the inputs it was made with. */
export interface PlanWithInputs {
  plan: Plan;
  inputs: InputRecord[];
  /** The text of every sensitive input value: reports and messages show *** instead. */
  secrets: string[];
}

/** Reads every spec file, YAML or TypeScript, into one plan. */
export async function loadPlan(paths: readonly string[], options: LoadOptions): Promise<Plan> {
  return (await loadPlanWithInputs(paths, options)).plan;
}

/**
 * The same, with the inputs' values and sources. A mistake's message never shows a sensitive
 * input's value (a check built from it may be refused and quote it).
 */
export async function loadPlanWithInputs(paths: readonly string[], options: LoadOptions): Promise<PlanWithInputs> {
  const assembler = new PlanAssembler(options.registry, options.inputs ?? []);
  try {
    for (const path of paths) await loadSpecFile(path, assembler, options);
  } catch (error) {
    if (!isSpecError(error) || isMissingInputError(error) || assembler.secrets().length === 0) throw error;
    throw new SpecError(maskSecrets(error.message, assembler.secrets()));
  }
  return { plan: assembler.finish(), inputs: assembler.inputs(), secrets: assembler.secrets() };
}

/** spec() definitions given as they are (the programmatic API), planned with the inputs given. */
export function planDefinitionsWithInputs(
  definitions: readonly SpecDefinition[],
  options: Pick<LoadOptions, 'registry' | 'inputs'>,
): PlanWithInputs {
  const assembler = new PlanAssembler(options.registry, options.inputs ?? []);
  for (const definition of definitions) collectSpec(assembler, definition);
  return { plan: assembler.finish(), inputs: assembler.inputs(), secrets: assembler.secrets() };
}

async function loadSpecFile(path: string, assembler: PlanAssembler, options: LoadOptions): Promise<void> {
  const extension = extname(path).toLowerCase();
  if (YAML_EXTENSIONS.has(extension)) {
    const text = readInputFile(path, 'spec');
    await nextTurn();
    const cache = options.buildId === undefined ? undefined : { dir: options.cacheDir, buildId: options.buildId };
    const spec = await readYamlSpecYielding(text, path, cache);
    await Promise.all([loadKinds(options.registry, keysWithin(spec)), nextTurn()]);
    for (const _ of addYamlSpecInSteps(spec, assembler, options.registry)) await nextTurn();
    return nextTurn();
  }
  if (!MODULE_EXTENSIONS.has(extension))
    throw new SpecError(
      `unsupported spec file type "${extension || '(none)'}"; expected .yaml, .yml, .json, .ts, .mts, .js or .mjs`,
      path,
    );
  readInputFile(path, 'spec');
  // Loaded only for a spec in TypeScript or JavaScript: a YAML run does not pay for it.
  const { errorLocation, importTypeScriptSpec } = await import('./typescript-loader.js');
  const { exported, locate, kinds } = await importTypeScriptSpec(resolve(path), options.cacheDir);
  await loadKinds(options.registry, kinds);
  const definitions = Array.isArray(exported) ? exported : [exported];
  if (definitions.length === 0 || !definitions.every(isSpecDefinition))
    throw new SpecError('the default export must be spec(…) (or an array of them)', path);
  for (const definition of definitions) {
    try {
      collectSpec(assembler, definition, path);
    } catch (error) {
      if (isSpecError(error)) throw error;
      throw new SpecError(`the spec body threw: ${(error as Error).message}`, errorLocation(path, locate(error)));
    }
  }
}
