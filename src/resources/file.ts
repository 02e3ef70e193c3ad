import { z } from 'zod';
import { shellQuote } from '../probe/quote.js';
import type { Frame } from '../probe/frames.js';
import { toValueMatcher, type Scalar, type ValueExpectation } from '../matchers/value.js';
import {
  attribute,
  defineResource,
  FactError,
  firstLines,
  NoArgs,
  NoOptions,
  predicate,
  groupedQuery,
  requireRan,
  validateFact,
  type FactQuery,
} from './resource.js';

/** Content matchers read at most this much of a file; a larger file is an error, not a guess. */
export const FILE_CONTENT_LIMIT = 1024 * 1024;

export const FILE_TYPES = ['file', 'directory', 'symlink', 'socket', 'pipe', 'block_device', 'char_device'] as const;
export type FileType = (typeof FILE_TYPES)[number];
const FileTypeSchema = z.enum(FILE_TYPES);

export const TYPE_BY_FORMAT_BITS: Record<number, FileType> = {
  0o140000: 'socket',
  0o120000: 'symlink',
  0o100000: 'file',
  0o060000: 'block_device',
  0o040000: 'directory',
  0o020000: 'char_device',
  0o010000: 'pipe',
};

export const FileMetaSchema = z.discriminatedUnion('exists', [
  z.object({ exists: z.literal(false), reason: z.string() }),
  z.object({
    exists: z.literal(true),
    type: FileTypeSchema,
    mode: z.number().int().min(0).max(0o7777),
    uid: z.number().int().nonnegative(),
    gid: z.number().int().nonnegative(),
    owner: z.string().nullable(),
    group: z.string().nullable(),
    size: z.number().int().nonnegative(),
    mtime: z.number().int(),
    links: z.number().int().nonnegative(),
    linkTarget: z.string().optional(),
  }),
]);
export type FileMeta = z.infer<typeof FileMetaSchema>;

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

const STAT_FORMAT = '%f:%u:%g:%s:%Y:%h:%U:%G';

function metaQuery(path: string): FactQuery<FileMeta> {
  const key = `file-meta:${path}`;
  // Records are lines, and stat names a path it cannot read in quotes: only printable paths
  // without a quote of their own share the grouped query.
  if (!/^[\x20-\x26\x28-\x7e]+$/.test(path)) {
    const p = shellQuote(path);
    return { key, script: `stat -c '${STAT_FORMAT}' -- ${p} || exit $?\nif [ -L ${p} ]; then readlink -- ${p}; fi`, parse: (frame) => parseFileMeta(frame, path) };
  }
  return groupedQuery(key, { key: 'file-meta', member: path, script: metaGroupScript }, (frame) => parseGroupedFileMeta(frame, path));
}

/**
 * One `stat` for many paths, each record ending in the path itself (`%n`), then `@@stat STATUS`,
 * then for every symlink `@@link PATH` and its target. A path stat could not read is named in
 * its complaint on stderr.
 */
export function metaGroupScript(paths: readonly string[]): string {
  const quoted = paths.map(shellQuote).join(' ');
  return [
    `stat -c '${STAT_FORMAT}:%n' -- ${quoted}`,
    `printf '@@stat %s\\n' "$?"`,
    `for ds_p in ${quoted}; do`,
    `  if [ -L "$ds_p" ]; then printf '@@link %s\\n' "$ds_p"; readlink -- "$ds_p"; fi`,
    'done',
  ].join('\n');
}

/** Reads one path's record from a grouped stat; absence only where stat itself said so for it. */
export function parseGroupedFileMeta(frame: Frame, path: string): FileMeta {
  const what = `stat ${path}`;
  requireRan(frame, what);
  if (frame.exitCode !== 0) throw new FactError(`${what}: the query exited ${frame.exitCode}: ${firstLines(frame.stderr.toString('utf8').trim(), 3)}`);
  const lines = frame.stdout.toString('utf8').split('\n');
  const statusAt = lines.findIndex((line) => /^@@stat \d+$/.test(line));
  if (statusAt === -1) throw new FactError(`${what}: the output stopped before stat finished`);
  const record = lines.slice(0, statusAt).find((line) => recordPath(line) === path);
  if (record === undefined) return missingFromGroup(frame, path, Number(lines[statusAt]!.slice('@@stat '.length)));
  const linkAt = lines.indexOf(`@@link ${path}`, statusAt);
  const linkLine = linkAt === -1 ? '' : `\n${lines[linkAt + 1] ?? ''}`;
  return parseFileMeta({ ...frame, exitCode: 0, stdout: Buffer.from(`${record.slice(0, record.length - path.length - 1)}${linkLine}\n`) }, path);
}

/** The path at the end of a `STAT_FORMAT:%n` record: after its eighth colon. */
function recordPath(line: string): string | undefined {
  let at = -1;
  for (let field = 0; field < 8; field++) {
    at = line.indexOf(':', at + 1);
    if (at === -1) return undefined;
  }
  return line.slice(at + 1);
}

function missingFromGroup(frame: Frame, path: string, statStatus: number): FileMeta {
  const what = `stat ${path}`;
  const complaint = frame.stderr
    .toString('utf8')
    .split('\n')
    .find((line) => line.includes(`'${path}'`));
  if (statStatus === 0 || complaint === undefined) throw new FactError(`${what}: stat printed no record of it${complaint ? '' : ' and no complaint naming it'}`);
  const reason = missingReason({ ...frame, exitCode: 1, stderr: Buffer.from(complaint) });
  if (reason) return { exists: false, reason };
  throw new FactError(`${what}: ${complaint}`);
}

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

function contentQuery(path: string): FactQuery<FileContent> {
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

/** `stat` and friends say why a path is missing; only "does not exist" is evidence of absence. */
function missingReason(frame: Frame): string | undefined {
  if (frame.exitCode !== 1) return undefined;
  const stderr = frame.stderr.toString('utf8');
  if (/No such file or directory/.test(stderr)) return 'it does not exist';
  if (/Not a directory/.test(stderr)) return 'it does not exist (a parent is not a directory)';
  return undefined;
}

export function parseFileMeta(frame: Frame, path: string): FileMeta {
  requireRan(frame, `stat ${path}`);
  const reason = missingReason(frame);
  if (reason) return { exists: false, reason };
  if (frame.exitCode !== 0) throw new FactError(`stat ${path} exited ${frame.exitCode}: ${firstLines(frame.stderr.toString('utf8').trim(), 3)}`);
  const text = frame.stdout.toString('utf8');
  const newline = text.indexOf('\n');
  const statLine = newline === -1 ? text : text.slice(0, newline);
  const fields = statLine.split(':');
  if (fields.length < 8) throw new FactError(`stat ${path}: unexpected output ${JSON.stringify(statLine)}`);
  const [rawMode = '', uid, gid, size, mtime, links, ...names] = fields;
  const fullMode = parseInt(rawMode, 16);
  const type = TYPE_BY_FORMAT_BITS[fullMode & 0o170000];
  if (Number.isNaN(fullMode) || !type) throw new FactError(`stat ${path}: unknown file mode ${JSON.stringify(rawMode)}`);
  const [owner = '', group = ''] = splitOwnerGroup(names);
  const linkTarget = type === 'symlink' ? text.slice(newline + 1).replace(/\n$/, '') : undefined;
  return validateFact(
    FileMetaSchema,
    {
      exists: true,
      type,
      mode: fullMode & 0o7777,
      uid: Number(uid),
      gid: Number(gid),
      owner: owner === 'UNKNOWN' ? null : owner,
      group: group === 'UNKNOWN' ? null : group,
      size: Number(size),
      mtime: Number(mtime),
      links: Number(links),
      ...(linkTarget === undefined ? {} : { linkTarget }),
    },
    `stat ${path}`,
  );
}

/** User and group names cannot hold ':', so the two last fields split cleanly. */
function splitOwnerGroup(names: string[]): [string, string] {
  return [names[0] ?? '', names.slice(1).join(':')];
}

export function parseFileContent(frame: Frame, path: string): FileContent {
  const refused = unreadable(frame, path);
  if (refused) throw refused;
  requireRan(frame, `reading ${path}`);
  const reason = missingReason(frame);
  if (reason) return { exists: false, reason };
  if (frame.exitCode !== 0) throw new FactError(`reading ${path} exited ${frame.exitCode}: ${firstLines(frame.stderr.toString('utf8').trim(), 3)}`);
  if (frame.stdout.length > FILE_CONTENT_LIMIT)
    throw new FactError(`${path} is larger than the ${FILE_CONTENT_LIMIT}-byte content limit; check its sha256 instead`);
  return { exists: true, content: frame.stdout.toString('utf8') };
}

export function parseFileDigest(frame: Frame, path: string): FileDigest {
  const refused = unreadable(frame, path);
  if (refused) throw refused;
  requireRan(frame, `sha256sum ${path}`);
  const reason = missingReason(frame);
  if (reason) return { exists: false, reason };
  if (frame.exitCode !== 0) throw new FactError(`sha256sum ${path} exited ${frame.exitCode}: ${firstLines(frame.stderr.toString('utf8').trim(), 3)}`);
  // GNU sha256sum prefixes the line with "\" when the name needed escaping.
  const match = /^\\?([0-9a-f]{64}) /.exec(frame.stdout.toString('utf8'));
  if (!match) throw new FactError(`sha256sum ${path}: unexpected output ${JSON.stringify(frame.stdout.toString('utf8').slice(0, 200))}`);
  return { exists: true, sha256: match[1]! };
}

export function formatMode(value: Scalar): string {
  return typeof value === 'number' ? `0${value.toString(8).padStart(3, '0')}` : String(value);
}

/** Modes are octal: "0640", "640" and "0o640" all mean rw-r-----. */
export function coerceMode(value: Scalar): Scalar {
  if (typeof value !== 'string') return value;
  const match = /^(?:0o?)?([0-7]{1,4})$/.exec(value.trim());
  return match ? parseInt(match[1]!, 8) : value;
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

const ModeArgs = z.object({ mode: z.union([z.number().int().min(0).max(0o7777), z.string().regex(/^(0o?)?[0-7]{1,4}$/)]) }).strict();

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
  subject: z.string().min(1).refine((p) => p.startsWith('/'), 'a file path must be absolute').refine((p) => !p.includes('\0'), 'a path cannot contain a NUL byte'),
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
      test: (fact) => (fact.exists ? { pass: true, actual: `it exists (${fact.type})` } : { pass: false, actual: fact.reason }),
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
    owner: attribute<FileMeta>({ fact: 'meta', describe: 'be owned by', read: readMeta((m) => m.owner ?? String(m.uid)) }),
    uid: attribute<FileMeta>({ fact: 'meta', describe: 'have owner uid', read: readMeta((m) => m.uid) }),
    group: attribute<FileMeta>({ fact: 'meta', describe: 'be in group', read: readMeta((m) => m.group ?? String(m.gid)) }),
    gid: attribute<FileMeta>({ fact: 'meta', describe: 'have group gid', read: readMeta((m) => m.gid) }),
    size: attribute<FileMeta>({ fact: 'meta', describe: 'have size', read: readMeta((m) => m.size) }),
    mtime: attribute<FileMeta>({ fact: 'meta', describe: 'have mtime (seconds since the epoch)', read: readMeta((m) => m.mtime) }),
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
