import { readdirSync, statSync, type Dirent, type Stats } from 'node:fs';
import { join, resolve } from 'node:path';
import { globToRegExp } from '../drift/path-glob.js';
import { SpecError } from '../inputs/input-error.js';

/** The spec files a folder given as a spec argument contributes: not `.json`, `.js` or `.mjs`, often other files. */
export const FOLDER_SPEC_EXTENSIONS = ['.yaml', '.yml', '.ts', '.mts'] as const;

const GLOB_CHARACTERS = /[*?[]/;

/**
 * The spec files that `driftspec run` arguments name, in order, each once: a file as it is; a
 * folder as its spec files (FOLDER_SPEC_EXTENSIONS, not its subfolders, sorted); a glob that no
 * shell expanded (quoted: `'specs/**\/*.yaml'`) as the files it matches, sorted. A folder with no
 * spec file, or a glob that matches nothing, is a SpecError naming it (exit 78). A path that does
 * not exist and has no glob character is passed on, for the spec loader to report. Paths are
 * read from `cwd` and returned as written.
 */
export function expandSpecArguments(args: readonly string[], cwd: string): string[] {
  const seen = new Set<string>();
  const paths: string[] = [];
  for (const arg of args) {
    for (const path of expandOne(arg, cwd)) {
      const absolute = resolve(cwd, path);
      if (seen.has(absolute)) continue;
      seen.add(absolute);
      paths.push(path);
    }
  }
  return paths;
}

function expandOne(arg: string, cwd: string): string[] {
  const stats = statOrUndefined(resolve(cwd, arg));
  if (stats?.isDirectory()) return folderSpecs(arg, cwd);
  if (stats || !GLOB_CHARACTERS.test(arg)) return [arg];
  const matches = globFiles(arg, cwd);
  if (matches.length === 0)
    throw new SpecError('no file matches this glob (driftspec expands a quoted glob itself: * ? [..] and **/)', arg);
  return matches;
}

function folderSpecs(folder: string, cwd: string): string[] {
  const specs = listFolder(folder, cwd)
    .filter((entry) => !entry.name.startsWith('.') && isSpecFileName(entry.name))
    .map((entry) => join(folder, entry.name))
    .filter((path) => statOrUndefined(resolve(cwd, path))?.isFile())
    .sort(byCodePoint);
  if (specs.length === 0)
    throw new SpecError(
      `a folder with no spec file (${FOLDER_SPEC_EXTENSIONS.join(', ')}); its subfolders are not searched: ` +
        `name them, or quote a glob such as '${join(folder, '**', '*.yaml')}'`,
      folder,
    );
  return specs;
}

function isSpecFileName(name: string): boolean {
  const lower = name.toLowerCase();
  if (lower.endsWith('.d.ts') || lower.endsWith('.d.mts')) return false;
  return FOLDER_SPEC_EXTENSIONS.some((extension) => lower.endsWith(extension));
}

/**
 * Pathname expansion as a shell does it, one path segment at a time: `*`, `?` and `[…]` within a
 * segment, never matching a name that starts with "." unless the segment does; a segment `**`
 * matches any number of folders (symbolic links to folders are not followed there, so a link
 * cycle ends nothing). Only files are returned.
 */
function globFiles(glob: string, cwd: string): string[] {
  const absolute = glob.startsWith('/');
  const segments = glob.split('/').filter((segment) => segment !== '');
  let candidates = [absolute ? '/' : ''];
  for (const segment of segments) {
    candidates = candidates.flatMap((base) => expandSegment(base, segment, cwd));
  }
  return [...new Set(candidates)].filter((path) => statOrUndefined(resolve(cwd, path))?.isFile()).sort(byCodePoint);
}

function expandSegment(base: string, segment: string, cwd: string): string[] {
  if (segment === '**') return [base, ...foldersBelow(base, cwd)];
  if (!GLOB_CHARACTERS.test(segment)) return [joinSegment(base, segment)];
  const pattern = globToRegExp(segment);
  return listFolder(base || '.', cwd, true)
    .filter((entry) => (segment.startsWith('.') || !entry.name.startsWith('.')) && pattern.test(entry.name))
    .map((entry) => joinSegment(base, entry.name));
}

function foldersBelow(base: string, cwd: string): string[] {
  return listFolder(base || '.', cwd, true)
    .filter((entry) => entry.isDirectory() && !entry.name.startsWith('.'))
    .flatMap((entry) => {
      const folder = joinSegment(base, entry.name);
      return [folder, ...foldersBelow(folder, cwd)];
    });
}

function joinSegment(base: string, name: string): string {
  if (base === '') return name;
  return base.endsWith('/') ? `${base}${name}` : `${base}/${name}`;
}

/** A folder's entries; with `missingIsEmpty`, one that is not a readable folder has none (a glob simply misses it). */
function listFolder(folder: string, cwd: string, missingIsEmpty = false): Dirent[] {
  try {
    return readdirSync(resolve(cwd, folder), { withFileTypes: true });
  } catch (error) {
    if (missingIsEmpty) return [];
    throw new SpecError(`cannot list this folder: ${(error as Error).message}`, folder);
  }
}

function statOrUndefined(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

function byCodePoint(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
