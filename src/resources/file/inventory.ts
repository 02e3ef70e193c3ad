import { z } from 'zod';
import { FILE_TYPES } from '../file/index.js';
import {
  attributesOf,
  listCollection,
  type GeneratedCheck,
  type GenerateChoices,
  type InventoryPart,
  type MatcherValue,
  type SnapshotView,
} from '../inventory-part.js';
import { FileTreeReader, fileWalkScript, type WalkedFile } from './inventory-walk.js';
import { FileContentSettingsSchema } from './inventory-content.js';
import type { StreamReader } from '../inventory-part.js';

/** A path a snapshot records: absolute, since every comparison places it below a walked root. */
const absolute = (schema: z.ZodString) => schema.refine((path) => path.startsWith('/'), 'not an absolute path');

export const SnapshotFileSchema = z.object({
  /** Absolute path, exactly as on the target (any byte but NUL and "/" in a name survives). */
  path: absolute(z.string().min(1)),
  type: z.enum(FILE_TYPES),
  /** Permission bits including setuid/setgid/sticky, four octal digits: "0644", "4755". */
  mode: z.string().regex(/^[0-7]{4}$/),
  uid: z.number().int().nonnegative(),
  gid: z.number().int().nonnegative(),
  /** Null when the id has no name on the target. */
  owner: z.string().nullable(),
  group: z.string().nullable(),
  /** Bytes; recorded for regular files and symlinks only (directory sizes are filesystem noise). */
  size: z.number().int().nonnegative().optional(),
  /** Symlinks only: the target as stored, not resolved. */
  linkTarget: z.string().optional(),
  /** Regular files only; absent when unreadable, and then a `files` gap names the path. */
  sha256: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .optional(),
  /**
   * The text of a regular file at most the content limit long, under a content tree, readable by
   * others, valid UTF-8 and no secret (inventory-content.ts); absent otherwise and in older snapshots.
   */
  content: z.string().optional(),
});
export type SnapshotFile = z.infer<typeof SnapshotFileSchema>;

/** Paths that change without anyone changing the machine, or that name one instance. */
export const DEFAULT_PATH_IGNORES: readonly string[] = [
  // per-instance identity
  '/etc/machine-id',
  '/var/lib/dbus/machine-id',
  '/etc/ssh/ssh_host_*',
  '/etc/hostname',
  // written by the system as it runs
  '/etc/mtab',
  '/etc/ld.so.cache',
  '/etc/adjtime',
  '/etc/.updated',
  '/var/.updated',
  '/var/lib/systemd/random-seed',
  '/var/lib/systemd/timers',
  '/var/lib/dhcp',
  // cloud-init instance data
  '/var/lib/cloud/instance',
  '/var/lib/cloud/instances',
  '/var/lib/cloud/data',
  '/run/cloud-init',
  // interactive history (the VarFile rules Debian's aide suggests, commented out, in 31_aide_root-dotfiles)
  // and the homes' XDG caches, which any program may rewrite
  '*/.bash_history',
  '*/.lesshst',
  '*/.viminfo',
  '*/.python_history',
  '*/.wget-hsts',
  '/root/.cache',
  '/home/*/.cache',
  // queues and timestamps of the spools (AIDE: mail and print queue files excluded, VarFile stamps)
  '/var/spool/anacron',
  '/var/spool/postfix',
  '/var/spool/exim4',
  '/var/spool/cups',
  '/var/spool/rsyslog',
  '/var/spool/news',
  // logs, caches, scratch space and pseudo file systems
  '/var/log',
  '/var/cache',
  '/tmp',
  '/var/tmp',
  '/run',
  '/var/run',
  '/proc',
  '/sys',
  '/dev',
];

/** True for a path at or below a root. */
export function isAtOrBelow(path: string, root: string): boolean {
  if (root === '/') return path.startsWith('/');
  const base = root.endsWith('/') ? root.slice(0, -1) : root;
  return path === base || path.startsWith(`${base}/`);
}

const rootsOf = (snapshot: SnapshotView): readonly string[] => snapshot.fileRoots as string[];

export const fileInventory: InventoryPart<SnapshotFile> = {
  kind: 'files',
  noun: 'file',
  listing: {
    type: 'streamed',
    id: 'snapshot-files',
    errorsId: 'snapshot-file-errors',
    script: fileWalkScript,
    // Owner and group names are added once the account databases are read (relate).
    reader: (ignored) => new FileTreeReader(ignored) as StreamReader<WalkedFile> as StreamReader<SnapshotFile>,
  },
  collection: listCollection(SnapshotFileSchema, (f) => f.path),
  identity: (f) => f.path,
  attributes: attributesOf(SnapshotFileSchema, ['path', 'content']),
  unique: true,
  ignore: {
    field: 'paths',
    defaults: DEFAULT_PATH_IGNORES,
    takesIgnoreOption: true,
    match: 'path',
    subject: (f) => f.path,
    leftOut: 'these paths out',
  },
  /** The trees that were walked, absolute, as given. */
  settings: { fileRoots: z.array(absolute(z.string())), fileContent: FileContentSettingsSchema.optional() },
  covers: (gapPath, key) => isAtOrBelow(key, gapPath),
  looked: (snapshot, key) => rootsOf(snapshot).some((root) => isAtOrBelow(key, root)),
  differentScope: (baseline, candidate) => [
    ...rootsOf(baseline)
      .filter((root) => !rootsOf(candidate).includes(root))
      .map((path) => ({ path, reason: 'only the baseline snapshot walked this tree' })),
    ...rootsOf(candidate)
      .filter((root) => !rootsOf(baseline).includes(root))
      .map((path) => ({ path, reason: 'only the candidate snapshot walked this tree' })),
  ],
  growth: { size: 'size', content: 'sha256' },
  text: { field: 'content', attribute: 'sha256' },
  relate: (files, snapshot) => nameOwners(files, snapshot),
  generate: (snapshot, choices) => [
    {
      id: 'files',
      title: 'Files: type, mode and ownership (setuid/setgid files and the chosen paths)',
      checks: fileChecks(snapshot, choices),
    },
  ],
  generateNotes: (choices) => [
    `   files: type, mode, owner, group${choices.withContentHashes ? ', sha256' : ''} ` +
      'of every setuid/setgid file and of',
    ...wrapList(choices.files.length > 0 ? choices.files : ['no other paths'], '     '),
  ],
  leftToDrift: 'the rest of the file trees',
};

/** Owner and group names as the account database gives them (the first entry with the id, as libc does). */
function nameOwners(files: WalkedFile[], snapshot: SnapshotView): SnapshotFile[] {
  const userNames = new Map<number, string>();
  for (const user of snapshot.users as Array<{ name: string; uid: number }>) {
    if (!userNames.has(user.uid)) userNames.set(user.uid, user.name);
  }
  const groupNames = new Map<number, string>();
  for (const group of snapshot.groups as Array<{ name: string; gid: number }>) {
    if (!groupNames.has(group.gid)) groupNames.set(group.gid, group.name);
  }
  // In place: a large tree is not copied once more.
  return files.map((file) =>
    Object.assign(file, { owner: userNames.get(file.uid) ?? null, group: groupNames.get(file.gid) ?? null }),
  );
}

function isSetId(file: SnapshotFile): boolean {
  return file.type === 'file' && (parseInt(file.mode, 8) & 0o6000) !== 0;
}

function fileChecks(snapshot: SnapshotView, choices: GenerateChoices): GeneratedCheck[] {
  const chosen = choices.chosenFile;
  const unreadable = new Set(
    snapshot.gaps.filter((gap) => gap.kind === 'files' && gap.path !== undefined).map((gap) => gap.path),
  );
  return (snapshot.files as SnapshotFile[])
    .filter((file) => chosen(file.path) || isSetId(file))
    .map((file) => {
      const matchers: [string, MatcherValue][] = [
        ['type', file.type],
        ['mode', file.mode],
        file.owner !== null ? ['owner', file.owner] : ['uid', file.uid],
        file.group !== null ? ['group', file.group] : ['gid', file.gid],
      ];
      if (file.linkTarget !== undefined) matchers.push(['linkTarget', file.linkTarget]);
      if (choices.withContentHashes && file.sha256 !== undefined && !unreadable.has(file.path)) {
        matchers.push(['sha256', file.sha256]);
      }
      return { resource: 'file', subject: file.path, matchers };
    });
}

function wrapList(items: readonly string[], indent: string, width = 96): string[] {
  const lines: string[] = [];
  let line = indent;
  for (const [index, item] of items.entries()) {
    const piece = `${item}${index === items.length - 1 ? '.' : ','}`;
    if (line.length + piece.length + 1 > width && line.trim() !== '') {
      lines.push(line.trimEnd());
      line = indent;
    }
    line += `${piece} `;
  }
  lines.push(line.trimEnd());
  return lines;
}
