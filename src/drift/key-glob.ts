import { IgnoreGlobError, nameIgnorer, normalisePathGlob, pathIgnorer } from './path-glob.js';
import type { SnapshotKind } from './snapshot-schema.js';

/**
 * Globs in ignore files, accepted-drift files and drift policies speak the one glob language of
 * `driftspec snapshot --ignore` (path-glob.ts, find(1)'s -path): `*` any run of characters
 * ("/" and "." included), `?` any one, `[…]`/`[!…]` a class, `\` quotes the next character; a
 * glob matches the whole key. For files a directory that matches takes everything below it along,
 * as it does when a snapshot leaves paths out; other keys ("openssl:amd64", "tcp4 0.0.0.0:22",
 * "net.ipv4.*") are matched as names.
 */
export type KeyMatcher = (kind: SnapshotKind, key: string) => boolean;

export class GlobError extends Error {
  override name = 'GlobError';
}

export function compileKeyGlobs(globs: readonly string[]): KeyMatcher {
  for (const glob of globs) if (glob === '') throw new GlobError('an empty glob matches nothing');
  const asPath = pathIgnorer(globs);
  const asName = nameIgnorer(globs);
  return (kind, key) => (kind === 'files' ? asPath(key) : asName(key));
}

/** A file path glob must match absolute paths, as snapshot ignores do. */
export function checkPathGlob(glob: string): void {
  try {
    normalisePathGlob(glob);
  } catch (error) {
    if (error instanceof IgnoreGlobError) throw new GlobError(error.message);
    throw error;
  }
}
