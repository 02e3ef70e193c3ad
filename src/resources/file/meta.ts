import { z } from 'zod';
import type { Frame } from '../../probe/frames.js';
import { partScript, partsScript } from '../../probe/parts.js';
import { shellQuote } from '../../probe/quote.js';
import {
  FactError,
  firstLines,
  groupedQuery,
  readParts,
  requirePart,
  requireRan,
  validateFact,
  type FactQuery,
} from '../resource.js';

export const FILE_TYPES = ['file', 'directory', 'symlink', 'socket', 'pipe', 'block_device', 'char_device'] as const;
export type FileType = (typeof FILE_TYPES)[number];
export const FileTypeSchema = z.enum(FILE_TYPES);

/**
 * S_IFMT values in octal, as stat(2) defines them. A Map, not an object: the linter's fix for
 * numeric object keys (useSimpleNumberKeys) rewrites octal keys to wrong decimal numbers.
 */
export const TYPE_BY_FORMAT_BITS: ReadonlyMap<number, FileType> = new Map([
  [0o140000, 'socket'],
  [0o120000, 'symlink'],
  [0o100000, 'file'],
  [0o060000, 'block_device'],
  [0o040000, 'directory'],
  [0o020000, 'char_device'],
  [0o010000, 'pipe'],
]);

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

const STAT_FORMAT = '%f:%u:%g:%s:%Y:%h:%U:%G';

/** A symlink's target is a part of its own: all of `readlink`'s output, newlines included. */
function linkPart(path: string): string {
  const p = shellQuote(path);
  return `if [ -L ${p} ]; then\n${partScript(`link:${path}`, `readlink -- ${p}`)}\nfi`;
}

/** Where stat prints a path itself (`%n`), only printable paths without a quote are grouped. */
function groupable(path: string): boolean {
  return /^[\x20-\x26\x28-\x7e]+$/.test(path);
}

export function metaQuery(path: string): FactQuery<FileMeta> {
  const key = `file-meta:${path}`;
  if (!groupable(path)) return { key, script: metaScript(path), parse: (frame) => parseFileMeta(frame, path) };
  const group = { key: 'file-meta', member: path, script: metaGroupScript };
  return groupedQuery(key, group, (frame) => parseGroupedFileMeta(frame, path));
}

/** One path whose name stat could not print on one line: part `stat` (no name in it) and its link part. */
export function metaScript(path: string): string {
  return partsScript([partScript('stat', `stat -c '${STAT_FORMAT}' -- ${shellQuote(path)}`), linkPart(path)]);
}

/**
 * One `stat` for many paths (part `stat`, one line per path, ending in the path itself: the paths
 * are printable and the other fields numbers or account names, which hold neither ':' at the end
 * nor a newline), then a part per symlink with its target. A path stat could not read is named
 * in its complaint on the stat part's stderr.
 */
export function metaGroupScript(paths: readonly string[]): string {
  const stat = partScript('stat', `stat -c '${STAT_FORMAT}:%n' -- ${paths.map(shellQuote).join(' ')}`);
  return partsScript([stat, ...paths.map(linkPart)]);
}

/** Reads one path's record from a grouped stat; absence only where stat itself said so for it. */
export function parseGroupedFileMeta(frame: Frame, path: string): FileMeta {
  const what = `stat ${path}`;
  const parts = readParts(frame, what);
  const stat = requirePart(parts, 'stat', what);
  requireRan(stat, what);
  const record = stat.stdout
    .toString('utf8')
    .split('\n')
    .find((line) => recordPath(line) === path);
  if (record === undefined) return missingFromGroup(stat, path);
  return statRecord(record.slice(0, record.length - path.length - 1), parts.get(`link:${path}`), path);
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

function missingFromGroup(stat: Frame, path: string): FileMeta {
  const what = `stat ${path}`;
  const complaint = stat.stderr
    .toString('utf8')
    .split('\n')
    .find((line) => line.includes(`'${path}'`));
  if (stat.exitCode === 0 || complaint === undefined) {
    throw new FactError(`${what}: stat printed no record of it${complaint ? '' : ' and no complaint naming it'}`);
  }
  const reason = missingReason({ ...stat, exitCode: 1, stderr: Buffer.from(complaint) });
  if (reason) return { exists: false, reason };
  throw new FactError(`${what}: ${complaint}`);
}

/** `stat` and friends say why a path is missing; only "does not exist" is evidence of absence. */
export function missingReason(frame: Frame): string | undefined {
  if (frame.exitCode !== 1) return undefined;
  const stderr = frame.stderr.toString('utf8');
  if (/No such file or directory/.test(stderr)) return 'it does not exist';
  if (/Not a directory/.test(stderr)) return 'it does not exist (a parent is not a directory)';
  return undefined;
}

export function parseFileMeta(frame: Frame, path: string): FileMeta {
  const what = `stat ${path}`;
  const parts = readParts(frame, what);
  const stat = requirePart(parts, 'stat', what);
  requireRan(stat, what);
  const reason = missingReason(stat);
  if (reason) return { exists: false, reason };
  if (stat.exitCode !== 0)
    throw new FactError(`${what} exited ${stat.exitCode}: ${firstLines(stat.stderr.toString('utf8').trim(), 3)}`);
  return statRecord(stat.stdout.toString('utf8').replace(/\n$/, ''), parts.get(`link:${path}`), path);
}

/** One stat record (`STAT_FORMAT`) and, for a symlink, the part `readlink` printed its target in. */
function statRecord(record: string, link: Frame | undefined, path: string): FileMeta {
  const what = `stat ${path}`;
  const fields = record.split(':');
  if (fields.length < 8) throw new FactError(`${what}: unexpected output ${JSON.stringify(record)}`);
  const [rawMode = '', uid, gid, size, mtime, links, ...names] = fields;
  const fullMode = parseInt(rawMode, 16);
  const type = TYPE_BY_FORMAT_BITS.get(fullMode & 0o170000);
  if (Number.isNaN(fullMode) || !type) throw new FactError(`${what}: unknown file mode ${JSON.stringify(rawMode)}`);
  const [owner = '', group = ''] = splitOwnerGroup(names);
  const linkTarget = type === 'symlink' ? readLinkTarget(link, path) : undefined;
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
    what,
  );
}

/** readlink ends the target with one newline of its own; every other byte is the target's. */
function readLinkTarget(link: Frame | undefined, path: string): string {
  const what = `readlink ${path}`;
  if (!link) throw new FactError(`${what}: stat says it is a symlink, but its target was not read (did it change?)`);
  requireRan(link, what);
  if (link.exitCode !== 0)
    throw new FactError(`${what} exited ${link.exitCode}: ${firstLines(link.stderr.toString('utf8').trim(), 3)}`);
  const target = link.stdout.toString('utf8');
  if (!target.endsWith('\n')) throw new FactError(`${what}: the target was cut short`);
  return target.slice(0, -1);
}

/** User and group names cannot hold ':', so the two last fields split cleanly. */
function splitOwnerGroup(names: string[]): [string, string] {
  return [names[0] ?? '', names.slice(1).join(':')];
}
