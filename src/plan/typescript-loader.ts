import { createHash } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Message, Plugin } from 'esbuild';
import { z } from 'zod';
import { writeFileAtomically } from '../io/atomic-write.js';
import { isSpecError, SpecError } from './build.js';

/** The package entry a spec's `import … from 'driftspec'` must reach: the very module the CLI runs. */
const SELF_ENTRY = fileURLToPath(new URL('../index.js', import.meta.url));

const CacheMetaSchema = z.object({ output: z.string(), inputs: z.record(z.string(), z.string()) });

/**
 * Loads a TypeScript (or JavaScript) spec: bundled once by esbuild into the cache, then imported.
 * The cache entry stays valid while every input file hashes the same, so a second run pays for
 * no compilation at all.
 */
export async function importTypeScriptSpec(absolutePath: string, cacheDir: string): Promise<unknown> {
  const entryKey = sha256(`${absolutePath}\0${SELF_ENTRY}`).slice(0, 24);
  const metaPath = `${cacheDir}/${entryKey}.json`;
  const cached = await readValidCache(metaPath);
  const output = cached ?? (await compile(absolutePath, cacheDir, entryKey, metaPath));
  try {
    const module = (await import(pathToFileURL(output).href)) as { default?: unknown };
    if (module.default === undefined) throw new SpecError('has no default export; export default spec(…)', absolutePath);
    return module.default;
  } catch (error) {
    if (isSpecError(error)) throw error;
    throw new SpecError(`failed while loading: ${(error as Error).message}`, absolutePath);
  }
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

async function compile(absolutePath: string, cacheDir: string, entryKey: string, metaPath: string): Promise<string> {
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
    plugins: [selfReference()],
  }).catch((error: { errors?: Message[] }) => {
    throw new SpecError(formatBuildErrors(error.errors ?? []) || String(error), absolutePath);
  });
  const code = result.outputFiles[0]!.contents;
  const output = `${cacheDir}/${entryKey}-${sha256(code).slice(0, 16)}.mjs`;
  await writeFileAtomically(output, code);
  const inputs: Record<string, string> = {};
  for (const input of Object.keys(result.metafile.inputs)) {
    const path = input.startsWith('/') ? input : `${process.cwd()}/${input}`;
    inputs[path] = sha256(await readFile(path));
  }
  await writeFileAtomically(metaPath, JSON.stringify({ output, inputs }));
  return output;
}

function selfReference(): Plugin {
  return {
    name: 'driftspec-self',
    setup(builder) {
      builder.onResolve({ filter: /^driftspec$/ }, () => ({ path: SELF_ENTRY, external: true }));
    },
  };
}

function formatBuildErrors(errors: Message[]): string {
  return errors
    .map((e) => (e.location ? `${e.location.file}:${e.location.line}:${e.location.column + 1}: ${e.text}` : e.text))
    .join('\n');
}


function sha256(content: string | Uint8Array): string {
  return createHash('sha256').update(content).digest('hex');
}
