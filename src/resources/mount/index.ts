import { z } from 'zod';
import type { Frame } from '../../probe/frames.js';
import type { ValueExpectation } from '../../matchers/value.js';
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

export interface MountEntry {
  device: string;
  mountPoint: string;
  filesystem: string;
  options: string[];
}

export const MountFactSchema = z.discriminatedUnion('mounted', [
  z.object({ mounted: z.literal(false), table: z.string() }),
  z.object({
    mounted: z.literal(true),
    table: z.string(),
    device: z.string(),
    filesystem: z.string(),
    options: z.array(z.string()),
    /** How many entries the table has for this point; the last one is what is visible there. */
    stacked: z.number().int().positive(),
  }),
]);
export type MountFact = z.infer<typeof MountFactSchema>;

export const MOUNT_TABLES = ['/proc/self/mounts', '/proc/mounts', '/etc/mtab'] as const;

/** Exit status of the query when no mount table is readable. */
export const NO_MOUNT_TABLE = 3;

/**
 * The first readable table, after a first line `@@table PATH` naming it. Not a nested frame, and
 * it needs none: the name line is the first line of the output and the only one read as a name,
 * the path is one of MOUNT_TABLES, and the kernel escapes every blank and newline of a mount's
 * fields (\012), so a mount point cannot cut a table line in two.
 */
export const MOUNT_TABLE_SCRIPT = `for ds_f in ${MOUNT_TABLES.join(' ')}; do
  if [ -r "$ds_f" ]; then printf '@@table %s\\n' "$ds_f"; cat -- "$ds_f"; exit $?; fi
done
echo 'no mount table is readable (${MOUNT_TABLES.join(', ')})' >&2
exit ${NO_MOUNT_TABLE}`;

/** One mount table serves every mount check; the engine parses it once per mount point. */
function tableQuery(point: string): FactQuery<MountFact> {
  return {
    key: 'mount-table',
    script: MOUNT_TABLE_SCRIPT,
    parse: (frame) => mountFactFor(parseMountTable(frame), point),
  };
}

/** fstab(5) escaping as the kernel writes it: \040 space, \011 tab, \012 newline, \134 backslash. */
export function decodeMountField(field: string): string {
  const bytes: number[] = [];
  const raw = Buffer.from(field, 'latin1');
  for (let i = 0; i < raw.length; i++) {
    const octal = raw[i] === 0x5c ? /^[0-7]{3}/.exec(raw.subarray(i + 1, i + 4).toString('latin1')) : null;
    if (octal) {
      bytes.push(parseInt(octal[0], 8) & 0xff);
      i += 3;
    } else {
      bytes.push(raw[i]!);
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

export function parseMountTable(frame: Frame): { table: string; entries: MountEntry[] } {
  const what = 'reading the mount table';
  requireRan(frame, what);
  const stderr = frame.stderr.toString('utf8').trim();
  if (frame.exitCode !== 0)
    throw new FactError(`${what}: exited ${frame.exitCode}${stderr ? `: ${firstLines(stderr, 3)}` : ''}`);
  // latin1 keeps every byte as one character until the fields are decoded.
  const lines = frame.stdout.toString('latin1').split('\n');
  const header = /^@@table (\/\S+)$/.exec(lines[0] ?? '');
  if (!header) throw new FactError(`${what}: unexpected output ${JSON.stringify((lines[0] ?? '').slice(0, 200))}`);
  const entries = lines
    .slice(1)
    .filter((line) => line !== '')
    .map((line) => parseMountLine(line, header[1]!));
  return { table: header[1]!, entries };
}

function parseMountLine(line: string, table: string): MountEntry {
  const fields = line.split(' ');
  if (fields.length < 4 || fields.slice(0, 4).some((f) => f === ''))
    throw new FactError(`reading the mount table: unparseable line in ${table}: ${JSON.stringify(line.slice(0, 200))}`);
  const [device, mountPoint, filesystem, options] = fields.slice(0, 4).map(decodeMountField) as [
    string,
    string,
    string,
    string,
  ];
  return { device, mountPoint, filesystem, options: options.split(',') };
}

export function mountFactFor(parsed: { table: string; entries: MountEntry[] }, point: string): MountFact {
  const matching = parsed.entries.filter((entry) => entry.mountPoint === point);
  const visible = matching.at(-1);
  if (!visible) return { mounted: false, table: parsed.table };
  return {
    mounted: true,
    table: parsed.table,
    device: visible.device,
    filesystem: visible.filesystem,
    options: visible.options,
    stacked: matching.length,
  };
}

const MountPointSchema = z
  .string()
  .refine((p) => p.startsWith('/'), 'a mount point is an absolute path')
  .refine((p) => !p.includes('\0'), 'a path cannot contain a NUL byte')
  .refine((p) => p === '/' || !p.endsWith('/'), 'write a mount point without a trailing "/", as the mount table does')
  .refine(
    (p) =>
      p === '/' ||
      !p
        .split('/')
        .slice(1)
        .some((c) => c === '' || c === '.' || c === '..'),
    'write a mount point without "//", "." or ".." components',
  );

function readMounted<T extends string | readonly string[]>(pick: (fact: Extract<MountFact, { mounted: true }>) => T) {
  return (fact: MountFact) => (fact.mounted ? pick(fact) : { absent: `it is not mounted (per ${fact.table})` });
}

export const mountResource = defineResource({
  type: 'mount',
  dslName: 'mount',
  summary: 'A mount point: whether something is mounted there and its device, filesystem type and options.',
  subject: MountPointSchema,
  options: NoOptions,
  title: (point: string) => `mount ${point}`,
  facts: {
    table: (point: string) => tableQuery(point),
  },
  matchers: {
    mounted: predicate<MountFact, Record<string, never>>({
      fact: 'table',
      needsRunningSystem: true,
      args: NoArgs,
      describe: () => 'be mounted',
      test: (fact) =>
        fact.mounted
          ? { pass: true, actual: `${fact.device} is mounted there (${fact.filesystem})` }
          : { pass: false, actual: `nothing is mounted there (per ${fact.table})` },
    }),
    source: attribute<MountFact, string | ValueExpectation>({
      fact: 'table',
      needsRunningSystem: true,
      describe: 'have source',
      read: readMounted((f) => f.device),
    }),
    filesystem: attribute<MountFact, string | ValueExpectation>({
      fact: 'table',
      needsRunningSystem: true,
      describe: 'have filesystem type',
      read: readMounted((f) => f.filesystem),
    }),
    /** Not `options`: in YAML that key holds a check's resource options. */
    mountOptions: attribute<MountFact, ValueExpectation>({
      fact: 'table',
      needsRunningSystem: true,
      describe: 'have mount options',
      read: readMounted((f) => f.options),
    }),
  },
  shortcuts: {
    /** `mount('/tmp').hasOptions('nodev', 'nosuid')` is `mountOptions: { contains: [nodev, nosuid] }`. */
    hasOptions: (...options: string[]) => ({ matcher: 'mountOptions', args: { contains: options } }),
  },
});
