import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';

/** Left out of a profile's hash: installed dependencies (hashed as profiles of their own), dot-entries such as .git. */
function counts(name: string): boolean {
  return name !== 'node_modules' && !name.startsWith('.');
}

/** Every file under the folder as a path relative to it with "/", sorted by code point. */
function listFiles(root: string, relative = ''): string[] {
  const files: string[] = [];
  const entries = readdirSync(join(root, relative), { withFileTypes: true }).filter((entry) => counts(entry.name));
  for (const entry of entries) {
    const path = relative === '' ? entry.name : `${relative}/${entry.name}`;
    if (entry.isDirectory()) files.push(...listFiles(root, path));
    else files.push(path);
  }
  return files.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * sha256 over a profile folder's files in a stable order: each file's relative path, its kind
 * and length, then its bytes (a symbolic link's target text), so that renaming, moving or
 * changing any file changes the hash and the machine, clock and order of the folder do not.
 */
export function profileContentHash(root: string): string {
  const hash = createHash('sha256');
  for (const path of listFiles(root)) {
    const full = join(root, path);
    const isLink = lstatSync(full).isSymbolicLink();
    const bytes = isLink ? Buffer.from(readlinkSync(full)) : readFileSync(full);
    hash.update(`${path}\0${isLink ? 'link' : 'file'}\0${bytes.length}\0`);
    hash.update(bytes);
  }
  return `sha256:${hash.digest('hex')}`;
}
