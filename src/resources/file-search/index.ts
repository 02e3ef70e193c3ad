import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { Frame } from '../../probe/frames.js';
import { partScript, partsScript } from '../../probe/parts.js';
import { shellQuote } from '../../probe/quote.js';
import type { Scalar, ValueExpectation } from '../../matchers/value.js';
import {
  attribute,
  defineResource,
  FactError,
  firstLines,
  NoArgs,
  predicate,
  readParts,
  requirePart,
  requireRan,
  type FactQuery,
} from '../resource.js';

/** What a search looks for: the find(1) test each condition becomes. */
export const SEARCH_CONDITIONS = {
  setuid: '-perm -4000',
  setgid: '-perm -2000',
  'setuid-or-setgid': '( -perm -4000 -o -perm -2000 )',
  'world-writable': '-perm -0002',
  'world-writable-without-sticky': '-perm -0002 ! -perm -1000',
  'no-owner': '-nouser',
  'no-group': '-nogroup',
} as const;
export type SearchCondition = keyof typeof SEARCH_CONDITIONS;

const FIND_TYPES = { file: 'f', directory: 'd', any: undefined } as const;

/** The paths found are kept up to this many bytes; a search that finds more is an error. */
export const SEARCH_OUTPUT_LIMIT = 1024 * 1024;
export const DEFAULT_SEARCH_TIMEOUT = 120;

const AbsolutePath = z
  .string()
  .refine((path) => path.startsWith('/') && !path.includes('\0'), 'an absolute path')
  .refine((path) => !path.split('/').includes('..'), 'a path without ".."');

export const FileSearchOptionsSchema = z
  .object({
    condition: z.enum(Object.keys(SEARCH_CONDITIONS) as [SearchCondition, ...SearchCondition[]]),
    type: z.enum(['file', 'directory', 'any']).optional(),
    /** Paths whose whole subtree is left out (find's -prune). */
    exclude: z.array(AbsolutePath).optional(),
    /** Stay on the file system of the root (find -xdev), as the default; false crosses mounts. */
    sameFilesystem: z.boolean().optional(),
    /** Seconds before the search is stopped: an error, never a partial pass. */
    timeout: z.number().int().positive().max(3600).optional(),
  })
  .strict();
export type FileSearchOptions = z.infer<typeof FileSearchOptionsSchema>;

export interface FileSearchResult {
  paths: string[];
}

/**
 * One find(1) under the root, bounded in time (timeout -s KILL where the target has it) and in
 * output (the NUL-separated paths, up to one byte over the limit); find's own exit status is kept
 * in a second part, since the pipeline's is head's. Symbolic links are never matched: a link's
 * own mode is always 0777 and says nothing of what it points to.
 */
export function fileSearchScript(root: string, options: FileSearchOptions): string {
  const type = FIND_TYPES[options.type ?? 'any'];
  const prune = (options.exclude ?? []).map((path) => `-path ${shellQuote(path)} -prune -o`).join(' ');
  const test = SEARCH_CONDITIONS[options.condition].replace(/[()]/g, '\\$&');
  const find = [
    'find',
    shellQuote(root),
    options.sameFilesystem === false ? '' : '-xdev',
    prune,
    '! -type l',
    type ? `-type ${type}` : '',
    test,
    '-print0',
  ]
    .filter((word) => word !== '')
    .join(' ');
  const timeout = options.timeout ?? DEFAULT_SEARCH_TIMEOUT;
  // A file of this search's own: the probe may run other searches.
  const statusFile = `"$ds_dir/search-${createHash('sha256').update(find).digest('hex').slice(0, 12)}"`;
  const search = `{ if ds_has timeout; then timeout -s KILL ${timeout} ${find}; else ${find}; fi
  printf '%s' "$?" >${statusFile}; } | head -c ${SEARCH_OUTPUT_LIMIT + 1}`;
  return partsScript([
    partScript('paths', search),
    partScript('status', `cat ${statusFile} && rm -f ${statusFile}`, { inline: true }),
  ]);
}

export function parseFileSearch(frame: Frame, what: string, timeout: number): FileSearchResult {
  const parts = readParts(frame, what);
  const found = requirePart(parts, 'paths', what);
  const status = requirePart(parts, 'status', what).stdout.toString('utf8');
  requireRan(found, what);
  if (!/^\d+$/.test(status)) throw new FactError(`${what}: find left no exit status (it did not finish)`);
  const exit = Number(status);
  const stderr = found.stderr.toString('utf8').trim();
  if (exit === 137 || exit === 124) throw new FactError(`${what}: took longer than ${timeout} s and was stopped`);
  if (exit === 127) throw new FactError(`${what}: find is not installed on the target`);
  if (exit !== 0) {
    const said = stderr ? `: ${firstLines(stderr, 3)}` : '';
    throw new FactError(`${what}: find could not search everything (exit ${exit}), so nothing can be concluded${said}`);
  }
  if (found.stdout.length > SEARCH_OUTPUT_LIMIT)
    throw new FactError(`${what}: found more than ${SEARCH_OUTPUT_LIMIT} bytes of paths; narrow the search`);
  const paths = found.stdout.toString('utf8').split('\0').slice(0, -1);
  return { paths: paths.sort() };
}

function searchQuery(root: string, options: FileSearchOptions): FactQuery<FileSearchResult> {
  const script = fileSearchScript(root, options);
  const what = `searching ${root} for ${describeSearch(options)}`;
  return {
    key: `file-search:${JSON.stringify([root, options])}`,
    script,
    parse: (frame) => parseFileSearch(frame, what, options.timeout ?? DEFAULT_SEARCH_TIMEOUT),
  };
}

function describeSearch(options: FileSearchOptions): string {
  const kind = options.type === 'file' ? 'files' : options.type === 'directory' ? 'directories' : 'files';
  const words: Record<SearchCondition, string> = {
    setuid: `setuid ${kind}`,
    setgid: `setgid ${kind}`,
    'setuid-or-setgid': `setuid or setgid ${kind}`,
    'world-writable': `world-writable ${kind}`,
    'world-writable-without-sticky': `world-writable ${kind} without the sticky bit`,
    'no-owner': `${kind} without a known owner`,
    'no-group': `${kind} without a known group`,
  };
  return words[options.condition];
}

const SHOWN = 5;

function listed(paths: readonly string[]): string {
  const shown = paths.slice(0, SHOWN).join(', ');
  return paths.length > SHOWN ? `${shown} and ${paths.length - SHOWN} more` : shown;
}

const OnlyPathsArgs = z.object({ paths: z.array(AbsolutePath) }).strict();

export const fileSearchResource = defineResource({
  type: 'file_search',
  dslName: 'fileSearch',
  summary:
    'The files under a root that match a condition (setuid, setgid, world-writable, no owner…), ' +
    'found by one bounded find(1) on the target.',
  subject: AbsolutePath,
  options: FileSearchOptionsSchema,
  title: (root: string, options: FileSearchOptions) => `search for ${describeSearch(options)} under ${root}`,
  facts: {
    found: (root: string, options: FileSearchOptions) => searchQuery(root, options),
  },
  matchers: {
    empty: predicate<FileSearchResult, Record<string, never>>({
      fact: 'found',
      args: NoArgs,
      describe: () => 'find nothing',
      test: (fact) =>
        fact.paths.length === 0
          ? { pass: true, actual: 'it found nothing' }
          : { pass: false, actual: `it found ${fact.paths.length}: ${listed(fact.paths)}` },
    }),
    onlyPaths: predicate<FileSearchResult, z.infer<typeof OnlyPathsArgs>>({
      fact: 'found',
      args: OnlyPathsArgs,
      describe: (args) => `find only allowed paths (${args.paths.length} allowed)`,
      test: (fact, args) => {
        const allowed = new Set(args.paths);
        const others = fact.paths.filter((path) => !allowed.has(path));
        return others.length === 0
          ? { pass: true, actual: `it found only allowed paths (${fact.paths.length})` }
          : { pass: false, actual: `it also found ${listed(others)}` };
      },
    }),
    count: attribute<FileSearchResult, Scalar | ValueExpectation>({
      fact: 'found',
      describe: 'find a number of paths',
      read: (fact) => fact.paths.length,
    }),
    paths: attribute<FileSearchResult, Scalar | ValueExpectation>({
      fact: 'found',
      describe: 'find paths',
      read: (fact) => fact.paths,
    }),
  },
});
