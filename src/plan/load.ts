import { extname, resolve } from 'node:path';
import { collectSpec, isSpecDefinition } from '../dsl/spec.js';
import type { ResourceRegistry } from '../resources/index.js';
import { PlanAssembler } from './assemble.js';
import { isSpecError, SpecError } from '../inputs/input-error.js';
import { readInputFile } from '../inputs/read.js';
import type { Plan } from './schema.js';
import { errorLocation, importTypeScriptSpec } from './typescript-loader.js';
import { loadYamlSpec } from './yaml.js';

const YAML_EXTENSIONS = new Set(['.yaml', '.yml', '.json']);
const MODULE_EXTENSIONS = new Set(['.ts', '.mts', '.js', '.mjs']);

export interface LoadOptions {
  registry: ResourceRegistry;
  /** Where transpiled TypeScript specs are cached between runs. */
  cacheDir: string;
}

/** Reads every spec file, YAML or TypeScript, into one plan. */
export async function loadPlan(paths: readonly string[], options: LoadOptions): Promise<Plan> {
  const assembler = new PlanAssembler(options.registry);
  for (const path of paths) await loadSpecFile(path, assembler, options);
  return assembler.finish();
}

async function loadSpecFile(path: string, assembler: PlanAssembler, options: LoadOptions): Promise<void> {
  const extension = extname(path).toLowerCase();
  if (YAML_EXTENSIONS.has(extension)) {
    return loadYamlSpec(readInputFile(path, 'spec'), path, assembler, options.registry);
  }
  if (!MODULE_EXTENSIONS.has(extension))
    throw new SpecError(
      `unsupported spec file type "${extension || '(none)'}"; expected .yaml, .yml, .json, .ts, .mts, .js or .mjs`,
      path,
    );
  readInputFile(path, 'spec');
  const { exported, locate } = await importTypeScriptSpec(resolve(path), options.cacheDir);
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
