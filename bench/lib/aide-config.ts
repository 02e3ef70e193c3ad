/**
 * An AIDE configuration that watches what a driftspec snapshot's file part records: the same
 * trees, the same left-out paths, and the same attributes (sha256, permissions, owner, group,
 * type, link target, size) — nothing AIDE's Debian rules add (inode, link count, times, xattrs).
 */
import { globToRegExp } from '../../src/drift/path-glob.js';

/** AIDE's attribute names for what driftspec records of a file. */
export const AIDE_ATTRIBUTES = 'sha256+p+u+g+ftype+l+s';

export interface AideConfigRequest {
  roots: readonly string[];
  /** Path globs as a snapshot's `ignores.paths` holds them (find -path). */
  ignores: readonly string[];
  /** Where `aide --init` writes its database. */
  databaseOut: string;
}

/**
 * AIDE's selection lines are regular expressions matched from the start of a path. A root
 * selects itself and everything below it; an ignore glob leaves out what it matches and
 * everything below that, as the walk's `-prune` does.
 */
export function aideConfig({ roots, ignores, databaseOut }: AideConfigRequest): string {
  return [
    `database_out=file:${databaseOut}`,
    'gzip_dbout=no',
    `Watched = ${AIDE_ATTRIBUTES}`,
    ...ignores.map((glob) => `!${regexBody(glob)}(/.*)?$`),
    ...roots.map((root) => `${escapeRegex(root)}(/.*)?$ Watched`),
    '',
  ].join('\n');
}

/**
 * The glob as a regular expression without its anchors (the path-glob module's translation).
 * AIDE wants every selection line to start with "/": a glob's leading wildcard becomes "/.*",
 * which matches the same absolute paths.
 */
function regexBody(glob: string): string {
  const body = globToRegExp(glob)
    .source.replace(/^\^/, '')
    .replace(/\$$/, '')
    .replaceAll('[\\s\\S]', '.')
    .replaceAll('\\/', '/');
  return body.startsWith('/') ? body : `/${body}`;
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
