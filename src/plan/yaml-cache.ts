import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SpecFile } from './spec-file.js';

/**
 * Where YAML specs, once read and validated, are kept between runs, and the build that read
 * them: an entry is only ever used by the build that wrote it, since another build may read the
 * same text differently.
 */
export interface YamlSpecCache {
  dir: string;
  /** Names the running code (the CLI's bundle, see src/cli/code-cache.ts). */
  buildId: string;
}

/** How many read YAML specs are kept: those written last. */
export const YAML_SPECS_KEPT = 100;

const PREFIX = 'yaml-';

/**
 * A spec file as this build read it from exactly this text before, or undefined. A damaged or
 * unreadable entry is a miss: the text is read again.
 */
export function cachedSpecFile(cache: YamlSpecCache, text: string): SpecFile | undefined {
  const key = entryKey(cache, text);
  try {
    const entry = JSON.parse(readFileSync(entryPath(cache, key), 'utf8')) as { key?: unknown; file?: unknown };
    return entry.key === key && isPlainData(entry.file) ? (entry.file as SpecFile) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Keeps a validated spec file for the next run, written whole or not at all. A value that JSON
 * would not give back as it is (a non-finite number, -0, an undefined) is not kept. Nothing here
 * is an error: a cache that cannot be written only costs the next run the reading.
 */
export function storeSpecFile(cache: YamlSpecCache, text: string, file: SpecFile): void {
  if (!isPlainData(file)) return;
  const key = entryKey(cache, text);
  const path = entryPath(cache, key);
  const temporary = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    mkdirSync(cache.dir, { recursive: true });
    // Readable by its owner only: the spec file itself may be.
    writeFileSync(temporary, JSON.stringify({ key, file }), { flag: 'wx', mode: 0o600 });
    renameSync(temporary, path);
    removeOlderEntries(cache.dir);
  } catch {
    try {
      rmSync(temporary, { force: true });
    } catch {
      // nothing was written, or nothing can be
    }
  }
}

function entryKey(cache: YamlSpecCache, text: string): string {
  return createHash('sha256').update(`${cache.buildId}\0`).update(text).digest('hex').slice(0, 32);
}

function entryPath(cache: YamlSpecCache, key: string): string {
  return join(cache.dir, `${PREFIX}${key}.json`);
}

/** Data that JSON gives back as it was: plain objects and arrays, strings, finite numbers, booleans, null. */
function isPlainData(value: unknown): boolean {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value) && !Object.is(value, -0);
  if (Array.isArray(value)) return value.every(isPlainData);
  if (typeof value !== 'object' || Object.getPrototypeOf(value) !== Object.prototype) return false;
  return Object.entries(value).every(([key, inner]) => key !== '__proto__' && isPlainData(inner));
}

/** Beyond the YAML_SPECS_KEPT written last, older entries are removed; another run may remove them too. */
function removeOlderEntries(dir: string): void {
  try {
    const names = readdirSync(dir).filter((name) => name.startsWith(PREFIX) && name.endsWith('.json'));
    if (names.length <= YAML_SPECS_KEPT) return;
    const entries = names
      .map((name) => ({
        path: join(dir, name),
        mtimeMs: statSync(join(dir, name), { throwIfNoEntry: false })?.mtimeMs,
      }))
      .filter((entry): entry is { path: string; mtimeMs: number } => entry.mtimeMs !== undefined)
      .sort((a, b) => b.mtimeMs - a.mtimeMs);
    for (const old of entries.slice(YAML_SPECS_KEPT)) rmSync(old.path, { force: true });
  } catch {
    // a folder that cannot be listed: left for the next write
  }
}
