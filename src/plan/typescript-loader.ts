import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { SourceMap } from 'node:module';
import { relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Message, Plugin } from 'esbuild';
import { z } from 'zod';
import { writeFileAtomically } from '../io/atomic-write.js';
import { isSpecError, SpecError } from '../inputs/input-error.js';
import { isSpecStalledError, SpecStalledError } from './spec-stalled.js';

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
  names: readonly string[];
  /** The source of the module standing for 'driftspec': part of every cache key. */
  moduleSource: string;
  /** Makes the resource functions a compiled spec uses before it is imported. */
  prepare(uses: readonly string[]): Promise<void>;
  /** The resource kinds of the exports a compiled spec uses. */
  kindsOf(uses: readonly string[]): string[];
}

const CacheMetaSchema = z.object({
  output: z.string(),
  inputs: z.record(z.string(), z.string()),
  uses: z.array(z.string()),
});

/** A loaded spec module: its default export, and where in its sources an error was thrown. */
export interface LoadedSpecModule {
  exported: unknown;
  /** The resource kinds whose functions the spec imports. */
  kinds: string[];
  /** `file:line:col` (relative to the working directory) of the spec's own frame nearest the throw. */
  locate(error: unknown): string | undefined;
}

/**
 * Loads a TypeScript (or JavaScript) spec: bundled once by esbuild into the cache, then imported.
 * The cache entry stays valid while every input file hashes the same, so a second run pays for
 * no compilation at all.
 */
export async function importTypeScriptSpec(absolutePath: string, cacheDir: string): Promise<LoadedSpecModule> {
  const api = await ownApi();
  const entryKey = sha256(`${absolutePath}\0${api.moduleSource}`).slice(0, 24);
  const metaPath = `${cacheDir}/${entryKey}.json`;
  const cached = await readValidCache(metaPath);
  const compiled = cached ?? (await compile(absolutePath, cacheDir, entryKey, metaPath, api));
  const { output } = compiled;
  const locate = (error: unknown) => locateInSources(error, compiled);
  await api.prepare(compiled.uses);
  try {
    // `await import(` as written: scripts/bundle-cli.ts hands exactly that to the module loader.
    const url = `${pathToFileURL(output).href}?${API_QUERY}=${api.id}`;
    const loading = (async () => (await import(url)) as { default?: unknown })();
    const module = await unlessStalled(loading, absolutePath);
    if (module.default === undefined)
      throw new SpecError('has no default export; export default spec(…)', absolutePath);
    return { exported: module.default, locate, kinds: api.kindsOf(compiled.uses) };
  } catch (error) {
    if (isSpecError(error) || isSpecStalledError(error)) throw error;
    throw new SpecError(
      `failed while loading: ${(error as Error).message}`,
      errorLocation(absolutePath, locate(error)),
    );
  }
}

/**
 * Where a spec's error is reported: its own line when the throw is in the spec's file; the spec
 * and the line in another module it imports otherwise; the spec alone when nothing maps.
 */
export function errorLocation(specPath: string, where: string | undefined): string {
  if (!where) return specPath;
  return where.startsWith(`${relative(process.cwd(), specPath)}:`) ? where : `${specPath}: ${where}`;
}

/**
 * The first stack frame in the spec's own sources: a frame in the compiled bundle is mapped back
 * through its inline source map (frames in the module standing for 'driftspec' are skipped); a
 * frame that already names a source file (Node's --enable-source-maps, a test runner's loader)
 * is taken as it is.
 */
function locateInSources(error: unknown, compiled: CompiledSpec): string | undefined {
  const stack = error instanceof Error ? error.stack : undefined;
  if (!stack) return undefined;
  const sources = new Set(compiled.inputs);
  let map: SourceMapPayload | undefined;
  for (const line of stack.split('\n')) {
    const frame = STACK_FRAME.exec(line.trim());
    if (!frame) continue;
    const file = frame[1]!.startsWith('file:') ? fileURLToPath(frame[1]!.replace(/\?.*$/, '')) : frame[1]!;
    const [lineNumber, column] = [Number(frame[2]), Number(frame[3])];
    if (sources.has(file)) return `${relative(process.cwd(), file)}:${lineNumber}:${column}`;
    if (file !== compiled.output) continue;
    map ??= inlineSourceMap(compiled.output);
    const entry = map?.consumer.findEntry(lineNumber - 1, column - 1);
    if (!entry || !('originalSource' in entry) || entry.originalSource.startsWith(`${API_NAMESPACE}:`)) continue;
    const source = fileURLToPath(new URL(entry.originalSource, map!.sourceRoot));
    return `${relative(process.cwd(), source)}:${entry.originalLine + 1}:${entry.originalColumn + 1}`;
  }
  return undefined;
}

/** `at name (LOCATION)` or `at LOCATION`, LOCATION being `path-or-URL:line:column`. */
const STACK_FRAME = /^at (?:.*\()?((?:file:\/\/|\/)[^\s()]*?):(\d+):(\d+)\)?$/;

interface SourceMapPayload {
  consumer: SourceMap;
  sourceRoot: string;
}

const INLINE_MAP = /\/\/# sourceMappingURL=data:application\/json;base64,([A-Za-z0-9+/=]+)\s*$/;

function inlineSourceMap(output: string): SourceMapPayload | undefined {
  try {
    const encoded = INLINE_MAP.exec(readFileSync(output, 'utf8'))?.[1];
    if (!encoded) return undefined;
    const payload = JSON.parse(Buffer.from(encoded, 'base64').toString('utf8')) as { sourceRoot?: string };
    return { consumer: new SourceMap(payload as never), sourceRoot: payload.sourceRoot ?? pathToFileURL('/').href };
  } catch {
    return undefined;
  }
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
 * package entry's values less the programmatic API, which loads specs itself), each resource
 * function made once a compiled spec is known to use it (src/dsl/lazy-api.ts). In the bundled CLI
 * this relative import is bundled too: a spec then uses the bundle's own functions, where an
 * import of dist/src/index.js would load some three hundred modules a second time.
 */
function ownApi(): Promise<OwnApi> {
  ownApiPromise ??= import('../dsl/lazy-api.js').then(({ DSL_EXPORT_NAMES, LazyDslApi, kindsOfExports }) => {
    const id = randomBytes(8).toString('hex');
    const dsl = new LazyDslApi();
    const registry = globalThis as ApiRegistry;
    (registry[API_REGISTRY] ??= new Map()).set(id, dsl.entry);
    return {
      id,
      names: DSL_EXPORT_NAMES,
      moduleSource: apiModuleSource(DSL_EXPORT_NAMES),
      prepare: (uses) => dsl.prepare(uses),
      kindsOf: (uses) => kindsOfExports(uses),
    };
  });
  return ownApiPromise;
}

const EXPORT_READER = 'driftspecExport';
/** An export the compiled spec kept; esbuild numbers the reader's name should the spec have one like it. */
const KEPT_EXPORT = new RegExp(`\\b${EXPORT_READER}\\d*\\("([^"]+)"\\)`, 'g');

/** The exports of 'driftspec' that a compiled spec reads. */
export function usedExports(code: string): string[] {
  return [...new Set([...code.matchAll(KEPT_EXPORT)].map((match) => match[1]!))].sort();
}

/** Has the same source for the same export names, whichever copy compiles the spec. */
function apiModuleSource(names: readonly string[]): string {
  const registry = `globalThis[Symbol.for(${JSON.stringify(API_REGISTRY.description)})]`;
  const lines = [
    `const api = ${registry}?.get(new URL(${SPEC_MODULE_URL}).searchParams.get(${JSON.stringify(API_QUERY)}));`,
    `if (api === undefined) throw new Error("a compiled spec is loaded only by driftspec's spec loader");`,
    `const ${EXPORT_READER} = (name) => api[name];`,
    // Pure: esbuild drops the exports a spec does not use, and what is left says which it uses.
    ...names.map(
      (name, index) => `const ${localName(name, index)} = /* @__PURE__ */ ${EXPORT_READER}(${JSON.stringify(name)});`,
    ),
    `export { ${names.map((name, index) => `${localName(name, index)} as ${JSON.stringify(name)}`).join(', ')} };`,
  ];
  return `${lines.join('\n')}\n`;
}

/**
 * The export's own name where it is an identifier, so that an error the engine words from the
 * code (`pkg(...).instaled is not a function`) shows the name the spec wrote.
 */
function localName(name: string, index: number): string {
  return /^[A-Za-z_$][\w$]*$/.test(name) && !RESERVED_WORDS.has(name) ? name : `value${index}`;
}

const RESERVED_WORDS = new Set([
  'api',
  EXPORT_READER,
  'default',
  'import',
  'export',
  'const',
  'let',
  'var',
  'function',
  'class',
  'new',
]);

/** A bundled spec in the cache, and the source files it was bundled from. */
interface CompiledSpec {
  output: string;
  inputs: string[];
  /** The exports of 'driftspec' it reads. */
  uses: string[];
}

async function readValidCache(metaPath: string): Promise<CompiledSpec | undefined> {
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
  return { output: meta.output, inputs: Object.keys(meta.inputs), uses: meta.uses };
}

async function compile(
  absolutePath: string,
  cacheDir: string,
  entryKey: string,
  metaPath: string,
  api: OwnApi,
): Promise<CompiledSpec> {
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
    // Sources named from a root of their own: a cached bundle maps back whatever the working directory.
    sourcemap: 'inline',
    sourcesContent: false,
    sourceRoot: `${pathToFileURL(process.cwd()).href}/`,
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
    const path = resolve(input);
    inputs[path] = sha256(await readFile(path));
  }
  const uses = usedExports(result.outputFiles[0]!.text);
  await writeFileAtomically(metaPath, JSON.stringify({ output, inputs, uses }));
  return { output, inputs: Object.keys(inputs), uses };
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
