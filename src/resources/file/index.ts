import { z } from 'zod';
import { shellQuote } from '../../probe/quote.js';
import type { Frame } from '../../probe/frames.js';
import { toValueMatcher, type Scalar, type ValueExpectation } from '../../matchers/value.js';
import {
  attribute,
  defineResource,
  FactError,
  firstLines,
  NoArgs,
  NoOptions,
  predicate,
  requireRan,
  type FactQuery,
} from '../resource.js';
import { coerceMode, formatMode, ModeExpectationSchema, ModeSchema } from './mode.js';
import { FileTypeSchema, metaQuery, missingReason, type FileMeta, type FileType } from './meta.js';

export { coerceMode, formatMode, modeProblem } from './mode.js';
export {
  FILE_TYPES,
  FileMetaSchema,
  metaGroupScript,
  parseFileMeta,
  parseGroupedFileMeta,
  TYPE_BY_FORMAT_BITS,
  type FileMeta,
  type FileType,
} from './meta.js';

/** Content matchers read at most this much of a file; a larger file is an error, not a guess. */
export const FILE_CONTENT_LIMIT = 1024 * 1024;

export const FileContentSchema = z.discriminatedUnion('exists', [
  z.object({ exists: z.literal(false), reason: z.string() }),
  z.object({ exists: z.literal(true), content: z.string() }),
]);
export type FileContent = z.infer<typeof FileContentSchema>;

export const FileDigestSchema = z.discriminatedUnion('exists', [
  z.object({ exists: z.literal(false), reason: z.string() }),
  z.object({ exists: z.literal(true), sha256: z.string().regex(/^[0-9a-f]{64}$/) }),
]);
export type FileDigest = z.infer<typeof FileDigestSchema>;

/** Content and digest reads stop after this many seconds (a file on a hung network mount, a huge file). */
export const FILE_READ_TIMEOUT_SECONDS = 30;

/** The read's exit status when the path exists but is no regular file (a FIFO would block, /dev/zero never ends). */
const NOT_A_REGULAR_FILE = 3;

/**
 * Reads only a regular file (a symlink to one included), within FILE_READ_TIMEOUT_SECONDS where
 * the target has timeout(1): a FIFO, a device or a directory is refused by name, and what the
 * path is goes to stderr. A missing path is left to the reader, whose "No such file" is the
 * evidence of absence.
 */
function regularFileRead(path: string, read: string): string {
  const p = shellQuote(path);
  return `if [ -e ${p} ] && [ ! -f ${p} ]; then
  if [ -d ${p} ]; then echo 'a directory' >&2; elif [ -p ${p} ]; then echo 'a FIFO' >&2
  elif [ -c ${p} ]; then echo 'a character device' >&2; elif [ -b ${p} ]; then echo 'a block device' >&2
  elif [ -S ${p} ]; then echo 'a socket' >&2; else echo 'not a regular file' >&2; fi
  exit ${NOT_A_REGULAR_FILE}
fi
if ds_has timeout; then exec timeout -s KILL ${FILE_READ_TIMEOUT_SECONDS} ${read}; fi
exec ${read}`;
}

export function contentQuery(path: string): FactQuery<FileContent> {
  return {
    key: `file-content:${path}`,
    script: regularFileRead(path, `head -c ${FILE_CONTENT_LIMIT + 1} -- ${shellQuote(path)}`),
    parse: (frame) => parseFileContent(frame, path),
  };
}

function digestQuery(path: string): FactQuery<FileDigest> {
  return {
    key: `file-sha256:${path}`,
    script: regularFileRead(path, `sha256sum -- ${shellQuote(path)}`),
    parse: (frame) => parseFileDigest(frame, path),
  };
}

/** A read that was refused or stopped: what the path is, or that it took too long. */
function unreadable(frame: Frame, path: string): FactError | undefined {
  if (frame.exitCode === NOT_A_REGULAR_FILE) {
    const what = firstLines(frame.stderr.toString('utf8').trim(), 1) || 'not a regular file';
    return new FactError(`${path} is ${what}: only a regular file's content and sha256 are read`);
  }
  // timeout -s KILL: GNU timeout exits 137 (or 124), BusyBox's killed child 137.
  if (frame.exitCode === 137 || frame.exitCode === 124)
    return new FactError(`reading ${path} took longer than ${FILE_READ_TIMEOUT_SECONDS} s and was stopped`);
  return undefined;
}

export function parseFileContent(frame: Frame, path: string): FileContent {
  const refused = unreadable(frame, path);
  if (refused) throw refused;
  requireRan(frame, `reading ${path}`);
  const reason = missingReason(frame);
  if (reason) return { exists: false, reason };
  if (frame.exitCode !== 0)
    throw new FactError(
      `reading ${path} exited ${frame.exitCode}: ${firstLines(frame.stderr.toString('utf8').trim(), 3)}`,
    );
  if (frame.stdout.length > FILE_CONTENT_LIMIT)
    throw new FactError(
      `${path} is larger than the ${FILE_CONTENT_LIMIT}-byte content limit; check its sha256 instead`,
    );
  return { exists: true, content: frame.stdout.toString('utf8') };
}

export function parseFileDigest(frame: Frame, path: string): FileDigest {
  const refused = unreadable(frame, path);
  if (refused) throw refused;
  requireRan(frame, `sha256sum ${path}`);
  const reason = missingReason(frame);
  if (reason) return { exists: false, reason };
  if (frame.exitCode !== 0)
    throw new FactError(
      `sha256sum ${path} exited ${frame.exitCode}: ${firstLines(frame.stderr.toString('utf8').trim(), 3)}`,
    );
  // GNU sha256sum prefixes the line with "\" when the name needed escaping.
  const match = /^\\?([0-9a-f]{64}) /.exec(frame.stdout.toString('utf8'));
  if (!match)
    throw new FactError(
      `sha256sum ${path}: unexpected output ${JSON.stringify(frame.stdout.toString('utf8').slice(0, 200))}`,
    );
  return { exists: true, sha256: match[1]! };
}

const PERMISSION_BITS = {
  readable: { owner: 0o400, group: 0o040, others: 0o004 },
  writable: { owner: 0o200, group: 0o020, others: 0o002 },
  executable: { owner: 0o100, group: 0o010, others: 0o001 },
} as const;

const ByClassArgs = z.object({ by: z.enum(['owner', 'group', 'others']) }).strict();

function permissionMatcher(access: keyof typeof PERMISSION_BITS) {
  return predicate<FileMeta, z.infer<typeof ByClassArgs>>({
    fact: 'meta',
    args: ByClassArgs,
    describe: (args) => `be ${access} by ${args.by}`,
    test: (fact, args) => {
      if (!fact.exists) return { pass: false, actual: fact.reason };
      const pass = (fact.mode & PERMISSION_BITS[access][args.by]) !== 0;
      return { pass, actual: `its mode is ${formatMode(fact.mode)}` };
    },
  });
}

const ModeArgs = z.object({ mode: ModeSchema }).strict();

function readMeta<T>(pick: (meta: Extract<FileMeta, { exists: true }>) => T) {
  return (fact: FileMeta) => (fact.exists ? pick(fact) : { absent: fact.reason });
}

const CONTENT_PREVIEW = 120;

function previewContent(value: Scalar): string {
  const text = String(value);
  if (text.length <= CONTENT_PREVIEW) return JSON.stringify(text);
  return `${JSON.stringify(text.slice(0, CONTENT_PREVIEW))}… (${text.length} characters)`;
}

export const fileResource = defineResource({
  type: 'file',
  summary: 'A path on the target: existence, type, mode, ownership, size, link target, content and digest.',
  subject: z
    .string()
    .min(1)
    .refine((p) => p.startsWith('/'), 'a file path must be absolute')
    .refine((p) => !p.includes('\0'), 'a path cannot contain a NUL byte'),
  options: NoOptions,
  title: (path: string) => `file ${path}`,
  facts: {
    meta: (path: string) => metaQuery(path),
    content: (path: string) => contentQuery(path),
    sha256: (path: string) => digestQuery(path),
  },
  matchers: {
    exists: predicate<FileMeta, Record<string, never>>({
      fact: 'meta',
      args: NoArgs,
      describe: () => 'exist',
      test: (fact) =>
        fact.exists ? { pass: true, actual: `it exists (${fact.type})` } : { pass: false, actual: fact.reason },
    }),
    type: attribute<FileMeta, FileType | { oneOf: FileType[] }>({
      fact: 'meta',
      describe: 'be of type',
      expected: z.union([FileTypeSchema, z.object({ oneOf: z.array(FileTypeSchema).min(1) }).strict()]),
      read: readMeta((m) => m.type),
      format: String,
    }),
    mode: attribute<FileMeta, number | string | ValueExpectation>({
      fact: 'meta',
      describe: 'have mode',
      expected: ModeExpectationSchema,
      read: readMeta((m) => m.mode),
      coerce: coerceMode,
      format: formatMode,
    }),
    morePermissiveThan: predicate<FileMeta, z.infer<typeof ModeArgs>>({
      fact: 'meta',
      args: ModeArgs,
      describe: (args) => `be more permissive than ${formatMode(coerceMode(args.mode))}`,
      test: (fact, args) => {
        if (!fact.exists) return { pass: false, actual: fact.reason };
        const limit = coerceMode(args.mode) as number;
        return { pass: (fact.mode & ~limit & 0o7777) !== 0, actual: `its mode is ${formatMode(fact.mode)}` };
      },
    }),
    readable: permissionMatcher('readable'),
    writable: permissionMatcher('writable'),
    executable: permissionMatcher('executable'),
    owner: attribute<FileMeta>({
      fact: 'meta',
      describe: 'be owned by',
      read: readMeta((m) => m.owner ?? String(m.uid)),
    }),
    uid: attribute<FileMeta>({ fact: 'meta', describe: 'have owner uid', read: readMeta((m) => m.uid) }),
    group: attribute<FileMeta>({
      fact: 'meta',
      describe: 'be in group',
      read: readMeta((m) => m.group ?? String(m.gid)),
    }),
    gid: attribute<FileMeta>({ fact: 'meta', describe: 'have group gid', read: readMeta((m) => m.gid) }),
    size: attribute<FileMeta>({ fact: 'meta', describe: 'have size', read: readMeta((m) => m.size) }),
    mtime: attribute<FileMeta>({
      fact: 'meta',
      describe: 'have mtime (seconds since the epoch)',
      read: readMeta((m) => m.mtime),
    }),
    linkTarget: attribute<FileMeta>({
      fact: 'meta',
      describe: 'link to',
      read: (fact) => {
        if (!fact.exists) return { absent: fact.reason };
        return fact.linkTarget ?? { absent: `it is a ${fact.type}, not a symlink` };
      },
    }),
    content: attribute<FileContent>({
      fact: 'content',
      describe: 'have content',
      read: (fact) => (fact.exists ? fact.content : { absent: fact.reason }),
      format: previewContent,
    }),
    sha256: attribute<FileDigest>({
      fact: 'sha256',
      describe: 'have sha256',
      read: (fact) => (fact.exists ? fact.sha256 : { absent: fact.reason }),
      coerce: (v) => (typeof v === 'string' ? v.toLowerCase() : v),
    }),
  },
  shortcuts: {
    isFile: () => ({ matcher: 'type', args: 'file' }),
    isDirectory: () => ({ matcher: 'type', args: 'directory' }),
    isSymlink: () => ({ matcher: 'type', args: 'symlink' }),
    isSocket: () => ({ matcher: 'type', args: 'socket' }),
    isPipe: () => ({ matcher: 'type', args: 'pipe' }),
    isBlockDevice: () => ({ matcher: 'type', args: 'block_device' }),
    isCharDevice: () => ({ matcher: 'type', args: 'char_device' }),
    /** A string is a substring test, a RegExp a pattern test, over the whole content. */
    contains: (text: string | RegExp) => ({
      matcher: 'content',
      args: text instanceof RegExp ? toValueMatcher(text) : { contains: text },
    }),
  },
});
