import { isAscii } from 'node:buffer';
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Script } from 'node:vm';
import { EXIT } from '../gate/exit-codes.js';
import { keepNewestCacheFiles, writeCacheFile } from '../io/cache-file.js';
import { specCacheDir } from '../io/spec-cache-dir.js';
import { COMMAND_NAMES } from './command-names.js';
import type { main, watchInterrupts } from './main.js';

/**
 * The CLI bundled into one file in dist/ by scripts/bundle-cli.ts: a CommonJS module's code inside
 * the function expression that loadBundle compiles and calls (`wrapBundle`).
 */
export const BUNDLE_FILE = 'driftspec-cli.cjs';
/** What the bundle calls instead of `import()`: a script compiled by node:vm has no module loader. */
export const IMPORT_PARAMETER = '__driftspecImport';
/**
 * Commands with a code cache each: a cache holds the functions compiled by the run that wrote
 * it, so one written by `--version` would leave a `run` compiling all of its own code again.
 */
export const CACHED_COMMANDS = COMMAND_NAMES;

const WRAPPER_HEAD = `(function (exports, require, module, __filename, __dirname, ${IMPORT_PARAMETER}) {`;
const WRAPPER_TAIL = '\n})';

/**
 * A CommonJS module's code as the function expression loadBundle runs. Wrapped when the bundle is
 * written, not when it is loaded: joining the two at start-up would copy the whole text (1.7 MB)
 * once more, on the heap, and that copy alone could start V8's first full collection of a run.
 */
export function wrapBundle(code: string): string {
  return WRAPPER_HEAD + code + WRAPPER_TAIL;
}
/** A cache file: this tag, the SHA-1 of the V8 data, the V8 data. */
const CACHE_TAG = Buffer.from('DSV8');
const CHECKSUM_BYTES = 20;

export interface LoadedCli {
  main: typeof main;
  watchInterrupts: typeof watchInterrupts;
  /** For process 'exit', when there was no cache to use: writes one with every function compiled so far. */
  onExit?: (code: number) => void;
  /** Names the bundle that runs (its code-cache key); none when the compiled modules run instead. */
  buildId?: string;
}

export interface CompiledBundle {
  exports: Record<string, unknown>;
  /** A hash of the bundle, its installation, the Node version and architecture. */
  key: string;
  cachePath: string;
  /** used: V8 took it; absent; corrupt: checksum or tag wrong; rejected: V8 refused it (other V8, flags or source). */
  cache: 'used' | 'absent' | 'corrupt' | 'rejected';
  writeCache?: () => void;
}

/**
 * The CLI from dist/: the bundle, compiled with the code cache of the command about to run, or,
 * where the bundle is missing or older than tsc's output (tsc run alone), the compiled modules.
 */
export async function loadCli(
  distDir: URL,
  options: { env: NodeJS.ProcessEnv; command: string | undefined },
): Promise<LoadedCli> {
  const bundlePath = fileURLToPath(new URL(BUNDLE_FILE, distDir));
  const entry = new URL('src/cli/main.js', distDir);
  if (!isCurrent(bundlePath, fileURLToPath(entry))) return (await import(entry.href)) as LoadedCli;
  const { exports, writeCache, key } = loadBundle(bundlePath, {
    cacheDir: specCacheDir(options.env),
    command: options.command,
  });
  // A run refused for bad input compiled little of its command: the next run writes the cache instead.
  const onExit = writeCache && ((code: number) => code < EXIT.usage && writeCache());
  const cli = { main: exports.main as typeof main, watchInterrupts: exports.watchInterrupts as typeof watchInterrupts };
  return { ...cli, onExit, buildId: key };
}

function isCurrent(bundlePath: string, entryPath: string): boolean {
  try {
    return statSync(bundlePath).mtimeMs >= statSync(entryPath).mtimeMs;
  } catch {
    return false;
  }
}

/**
 * Runs a wrapped CommonJS bundle (`wrapBundle`) through node:vm with a V8 code cache from
 * `cacheDir`, one per command, named by a hash of the bundle, its path and the Node version and
 * architecture: the path, because the compiled functions carry the file name that stack traces
 * show, so two checkouts of the same bundle must not share a cache. A cache that is missing,
 * damaged or refused by V8 is ignored and `writeCache` is returned to write it anew.
 */
export function loadBundle(
  bundlePath: string,
  options: {
    cacheDir: string;
    command: string | undefined;
    importModule?: (specifier: string) => Promise<unknown>;
    /** Where the bundle is installed, for the cache key (default: `bundlePath`). */
    installation?: string;
  },
): CompiledBundle {
  const bytes = readFileSync(bundlePath);
  // The bundle is ASCII (scripts/bundle-cli.ts sees to it): decoded as Latin-1 it costs next to
  // nothing, where UTF-8 decoding of its 1.5 MB takes 15–40 ms.
  const source = bytes.toString(isAscii(bytes) ? 'latin1' : 'utf8');
  const key = cacheKey(bytes, options.installation ?? bundlePath);
  const command = CACHED_COMMANDS.find((name) => name === options.command) ?? 'other';
  const cachePath = join(options.cacheDir, `cli-${command}-${key}.v8cache`);
  const stored = readCacheFile(cachePath);
  const script = new Script(source, { filename: bundlePath, cachedData: stored.data });
  const cache = stored.state !== 'present' ? stored.state : script.cachedDataRejected ? 'rejected' : 'used';
  const module = { exports: {} as Record<string, unknown> };
  const importModule = options.importModule ?? ((specifier: string) => import(specifier));
  (script.runInThisContext() as (...args: unknown[]) => void)(
    module.exports,
    createRequire(bundlePath),
    module,
    bundlePath,
    dirname(bundlePath),
    importModule,
  );
  return {
    exports: module.exports,
    key,
    cachePath,
    cache,
    writeCache:
      cache === 'used'
        ? undefined
        : () => {
            writeCodeCache(cachePath, script.createCachedData());
            removeOlderCaches(options.cacheDir, command);
          },
  };
}

/** How many code caches of one command are kept: those of the builds or installations run last. */
export const CACHES_KEPT_PER_COMMAND = 3;

/**
 * Each new build or installation writes a cache of its own for each command (about 1.5 MB):
 * beyond the few used last, older ones of the same command are removed as a new one is written,
 * so upgrades do not pile them up.
 */
function removeOlderCaches(cacheDir: string, command: string): void {
  const prefix = `cli-${command}-`;
  const isCache = (name: string) => name.startsWith(prefix) && name.endsWith('.v8cache');
  keepNewestCacheFiles(cacheDir, isCache, CACHES_KEPT_PER_COMMAND);
}

function cacheKey(bundle: Buffer, installation: string): string {
  const hash = createHash('sha1').update(bundle);
  return hash.update(`\0${process.version}\0${process.arch}\0${installation}`).digest('hex').slice(0, 24);
}

/** V8 does not check its cache data for damage (a flipped byte can crash it): the checksum does. */
function readCacheFile(path: string): { data?: Buffer; state: 'present' | 'absent' | 'corrupt' } {
  let file: Buffer;
  try {
    file = readFileSync(path);
  } catch {
    return { state: 'absent' };
  }
  const data = file.subarray(CACHE_TAG.length + CHECKSUM_BYTES);
  const intact =
    file.length > CACHE_TAG.length + CHECKSUM_BYTES &&
    file.subarray(0, CACHE_TAG.length).equals(CACHE_TAG) &&
    sha1(data).equals(file.subarray(CACHE_TAG.length, CACHE_TAG.length + CHECKSUM_BYTES));
  return intact ? { data, state: 'present' } : { state: 'corrupt' };
}

/** After a crash a torn file fails the checksum and is written again (see writeCacheFile). */
function writeCodeCache(path: string, data: Buffer): void {
  writeCacheFile(path, Buffer.concat([CACHE_TAG, sha1(data), data]));
}

function sha1(data: Uint8Array): Buffer {
  return createHash('sha1').update(data).digest();
}
