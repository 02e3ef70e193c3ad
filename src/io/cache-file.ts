import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * Writes a cache file whole or not at all (a temporary file beside it, renamed into place),
 * without fsync: a cache torn or lost by a crash is only made again. A cache that cannot be
 * written is no error.
 */
export function writeCacheFile(path: string, data: string | Uint8Array, mode = 0o666): void {
  const temporary = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(temporary, data, { flag: 'wx', mode });
    renameSync(temporary, path);
  } catch {
    try {
      rmSync(temporary, { force: true });
    } catch {
      // nothing was written, or nothing can be
    }
  }
}

/**
 * Of the files in `dir` that `matches`, keeps the `kept` modified last and removes the others.
 * Nothing here is an error: another run may remove them too.
 */
export function keepNewestCacheFiles(dir: string, matches: (name: string) => boolean, kept: number): void {
  try {
    const names = readdirSync(dir).filter(matches);
    if (names.length <= kept) return;
    const files = names
      .map((name) => ({
        path: join(dir, name),
        mtimeMs: statSync(join(dir, name), { throwIfNoEntry: false })?.mtimeMs,
      }))
      .filter((file): file is { path: string; mtimeMs: number } => file.mtimeMs !== undefined)
      .sort((a, b) => b.mtimeMs - a.mtimeMs);
    for (const old of files.slice(kept)) rmSync(old.path, { force: true });
  } catch {
    // a cache folder that cannot be listed: left for the next write
  }
}
