import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { keepNewestCacheFiles, writeCacheFile } from '../io/cache-file.js';
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
  // Readable by its owner only: the spec file itself may be.
  writeCacheFile(entryPath(cache, key), JSON.stringify({ key, file }), 0o600);
  keepNewestCacheFiles(cache.dir, isEntry, YAML_SPECS_KEPT);
}

function entryKey(cache: YamlSpecCache, text: string): string {
  return createHash('sha256').update(`${cache.buildId}\0`).update(text).digest('hex').slice(0, 32);
}

function entryPath(cache: YamlSpecCache, key: string): string {
  return join(cache.dir, `${PREFIX}${key}.json`);
}

function isEntry(name: string): boolean {
  return name.startsWith(PREFIX) && name.endsWith('.json');
}

/** Data that JSON gives back as it was: plain objects and arrays, strings, finite numbers, booleans, null. */
function isPlainData(value: unknown): boolean {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value) && !Object.is(value, -0);
  if (Array.isArray(value)) return value.every(isPlainData);
  if (typeof value !== 'object' || Object.getPrototypeOf(value) !== Object.prototype) return false;
  return Object.entries(value).every(([key, inner]) => key !== '__proto__' && isPlainData(inner));
}
