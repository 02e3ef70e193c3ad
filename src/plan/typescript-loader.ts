import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import type { Message, Plugin } from 'esbuild';
import { z } from 'zod';
import { writeFileAtomically } from '../io/atomic-write.js';
import { isSpecError, SpecError } from '../inputs/input-error.js';

type PublicApi = Record<string, unknown>;

/**
 * Where a compiled spec finds the API its `import … from 'driftspec'` asks for: each copy of this
 * module that loads specs (the bundled CLI, the compiled modules, a library user's) registers its
 * own package entry under an id of its own, and imports the spec with that id in its URL.
 */
const API_REGISTRY = Symbol.for('driftspec.specApis');
const API_QUERY = 'driftspec-api';
/** The module esbuild puts in place of 'driftspec' (inlined into the compiled spec, no file). */
const API_NAMESPACE = 'driftspec-api';
const API_MODULE = `${API_NAMESPACE}:driftspec`;
/**
 * The compiled spec's own URL, spelled in pieces: scripts/bundle-cli.ts rewrites the whole
 * expression wherever it appears in driftspec's code, strings too.
 */
const SPEC_MODULE_URL = ['import', 'meta', 'url'].join('.');

type ApiRegistry = { [API_REGISTRY]?: Map<string, PublicApi> };

interface OwnApi {
  id: string;
  names: string[];
  /** The source of the module standing for 'driftspec': part of every cache key. */
  moduleSource: string;
}

const CacheMetaSchema = z.object({ output: z.string(), inputs: z.record(z.string(), z.string()) });

/**
 * Loads a TypeScript (or JavaScript) spec: bundled once by esbuild into the cache, then imported.
 * The cache entry stays valid while every input file hashes the same, so a second run pays for
 * no compilation at all.
 */
export async function importTypeScriptSpec(absolutePath: string, cacheDir: string): Promise<unknown> {
  const api = await ownApi();
  const entryKey = sha256(`${absolutePath}\0${api.moduleSource}`).slice(0, 24);
  const metaPath = `${cacheDir}/${entryKey}.json`;
  const cached = await readValidCache(metaPath);
  const output = cached ?? (await compile(absolutePath, cacheDir, entryKey, metaPath, api));
  try {
    // `await import(` as written: scripts/bundle-cli.ts hands exactly that to the module loader.
    const url = `${pathToFileURL(output).href}?${API_QUERY}=${api.id}`;
    const loading = (async () => (await import(url)) as { default?: unknown })();
    const module = await unlessStalled(loading, absolutePath);
    if (module.default === undefined)
      throw new SpecError('has no default export; export default spec(…)', absolutePath);
    return module.default;
  } catch (error) {
    if (isSpecError(error) || isSpecStalledError(error)) throw error;
    throw new SpecError(`failed while loading: ${(error as Error).message}`, absolutePath);
  }
}

/** A spec module that can never finish loading; the CLI exits with its own code (docs/cli.md). */
export class SpecStalledError extends Error {
  override name = 'SpecStalledError';
}

/** By name, like isSpecError. */
export function isSpecStalledError(error: unknown): error is SpecStalledError {
  return error instanceof Error && error.name === 'SpecStalledError';
}

/**
 * A top-level await waiting on a promise that nothing can settle would end the process with
 * Node's bare exit 13 and no word about the spec: once the event loop has nothing left to run
 * while the import is pending, it never will finish.
 */
async function unlessStalled<T>(loading: Promise<T>, absolutePath: string): Promise<T> {
  let onIdle = (): void => undefined;
  const stalled = new Promise<never>((_resolve, reject) => {
    onIdle = () =>
      reject(
        new SpecStalledError(
          `${absolutePath}: the spec never finished loading: a top-level await (in the spec or a module it imports) ` +
            'waits on a promise that nothing is left to settle',
        ),
      );
  });
  process.once('beforeExit', onIdle);
  try {
    return await Promise.race([loading, stalled]);
  } finally {
    process.off('beforeExit', onIdle);
  }
}

let ownApiPromise: Promise<OwnApi> | undefined;

/**
 * What a spec imports from 'driftspec': the DSL of the copy of driftspec that is running (the
 * package entry's values less the programmatic API, which loads specs itself). In the bundled CLI
 * this relative import is bundled too: a spec then uses the bundle's own functions, where an
 * import of dist/src/index.js would load some three hundred modules a second time.
 */
function ownApi(): Promise<OwnApi> {
  ownApiPromise ??= import('../dsl/index.js').then((entry: PublicApi) => {
    const id = randomBytes(8).toString('hex');
    const registry = globalThis as ApiRegistry;
    (registry[API_REGISTRY] ??= new Map()).set(id, entry);
    const names = Object.keys(entry).sort();
    return { id, names, moduleSource: apiModuleSource(names) };
  });
  return ownApiPromise;
}

/** Has the same source for the same export names, whichever copy compiles the spec. */
function apiModuleSource(names: readonly string[]): string {
  const registry = `globalThis[Symbol.for(${JSON.stringify(API_REGISTRY.description)})]`;
  const lines = [
    `const api = ${registry}?.get(new URL(${SPEC_MODULE_URL}).searchParams.get(${JSON.stringify(API_QUERY)}));`,
    `if (api === undefined) throw new Error("a compiled spec is loaded only by driftspec's spec loader");`,
    ...names.map((name, index) => `const value${index} = api[${JSON.stringify(name)}];`),
    `export { ${names.map((name, index) => `value${index} as ${JSON.stringify(name)}`).join(', ')} };`,
  ];
  return `${lines.join('\n')}\n`;
}

async function readValidCache(metaPath: string): Promise<string | undefined> {
  let meta: z.infer<typeof CacheMetaSchema>;
  try {
    meta = CacheMetaSchema.parse(JSON.parse(await readFile(metaPath, 'utf8')));
  } catch {
    return undefined;
  }
  for (const [path, hash] of Object.entries(meta.inputs)) {
    const content = await readFile(path).catch(() => undefined);
    if (!content || sha256(content) !== hash) return undefined;
  }
  return meta.output;
}

async function compile(
  absolutePath: string,
  cacheDir: string,
  entryKey: string,
  metaPath: string,
  api: OwnApi,
): Promise<string> {
  await mkdir(cacheDir, { recursive: true });
  // esbuild loads only to compile: a spec served from the cache never pays for it.
  const { build } = await import('esbuild');
  const result = await build({
    entryPoints: [absolutePath],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    metafile: true,
    logLevel: 'silent',
    plugins: [publicApi(api)],
  }).catch((error: { errors?: Message[] }) => {
    throw new SpecError(formatBuildErrors(error.errors ?? [], api.names) || String(error), absolutePath);
  });
  const code = result.outputFiles[0]!.contents;
  const output = `${cacheDir}/${entryKey}-${sha256(code).slice(0, 16)}.mjs`;
  await writeFileAtomically(output, code);
  const inputs: Record<string, string> = {};
  for (const input of Object.keys(result.metafile.inputs)) {
    if (input === API_MODULE) continue;
    const path = input.startsWith('/') ? input : `${process.cwd()}/${input}`;
    inputs[path] = sha256(await readFile(path));
  }
  await writeFileAtomically(metaPath, JSON.stringify({ output, inputs }));
  return output;
}

function publicApi(api: OwnApi): Plugin {
  return {
    name: 'driftspec-public-api',
    setup(builder) {
      builder.onResolve({ filter: /^driftspec$/ }, () => ({ path: 'driftspec', namespace: API_NAMESPACE }));
      builder.onLoad({ filter: /.*/, namespace: API_NAMESPACE }, () => ({ contents: api.moduleSource, loader: 'js' }));
    },
  };
}

const MISSING_EXPORT = new RegExp(`^No matching export in "${API_MODULE}" for import "(.*)"$`);

function formatBuildErrors(errors: Message[], apiNames: readonly string[]): string {
  return errors
    .map((e) => {
      const missing = MISSING_EXPORT.exec(e.text);
      const text = missing
        ? `driftspec has no export named "${missing[1]}" (it exports: ${apiNames.join(', ')})`
        : e.text;
      return e.location ? `${e.location.file}:${e.location.line}:${e.location.column + 1}: ${text}` : text;
    })
    .join('\n');
}

function sha256(content: string | Uint8Array): string {
  return createHash('sha256').update(content).digest('hex');
}
