import { z } from 'zod';

/** One partition of a disk image (or the whole image when it holds a file system without a partition table). */
export interface DiskPartition {
  /** 1-based as the partition table numbers it; 0 for a whole-disk file system. */
  number: number;
  offset: number;
  size: number;
  /** GPT type GUID (lower case) or MBR type (`0x83`); empty for a whole-disk file system. */
  type: string;
  partUuid?: string;
  partLabel?: string;
}

/** What `blkid -p` found at a partition's offset. */
export interface FileSystemSignature {
  type: string;
  uuid?: string;
  label?: string;
  /** `filesystem` for what can be mounted; `other` (swap), `raid`, `crypto` are not. */
  usage: string;
}

export interface DiskVolume {
  partition: DiskPartition;
  fileSystem?: FileSystemSignature;
}

/** Something in the image that is not what a disk image should hold; the message says what was expected. */
export class DiskLayoutError extends Error {
  override name = 'DiskLayoutError';
}

const SECTOR_BYTES = 512;
/** MBR extended-partition containers: they hold the logical partitions, not a file system. */
const MBR_CONTAINER_TYPES = new Set(['0x5', '0xf', '0x85']);

const DecimalSchema = z
  .string()
  .regex(/^\d+$/, 'expected a decimal number')
  .transform((text) => Number(text));

const PartxRowSchema = z.object({
  NR: DecimalSchema,
  START: DecimalSchema,
  SIZE: DecimalSchema,
  TYPE: z.string(),
  UUID: z.string(),
  NAME: z.string(),
});

/** `partx --pairs --bytes --output NR,START,SECTORS,SIZE,TYPE,UUID,NAME,SCHEME`: the partitions that can hold data. */
export function parsePartxPairs(output: string): DiskPartition[] {
  return output
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line, index) => {
      const row = PartxRowSchema.safeParse(parsePairs(line));
      if (!row.success)
        throw new DiskLayoutError(
          `partx line ${index + 1}: ${row.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
        );
      return row.data;
    })
    .filter((row) => !MBR_CONTAINER_TYPES.has(row.TYPE.toLowerCase()))
    .map((row) => ({
      number: row.NR,
      offset: row.START * SECTOR_BYTES,
      size: row.SIZE,
      type: row.TYPE.toLowerCase(),
      ...(row.UUID !== '' ? { partUuid: row.UUID.toLowerCase() } : {}),
      ...(row.NAME !== '' ? { partLabel: row.NAME } : {}),
    }));
}

/** `KEY="value"` pairs; util-linux writes unsafe bytes as `\xHH`. */
function parsePairs(line: string): Record<string, string> {
  const pairs: Record<string, string> = {};
  for (const match of line.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g))
    pairs[match[1]!] = match[2]!.replace(/\\x([0-9a-fA-F]{2})/g, (_, hex: string) =>
      String.fromCharCode(Number.parseInt(hex, 16)),
    );
  return pairs;
}

const BlkidExportSchema = z.object({
  TYPE: z.string().min(1).optional(),
  PTTYPE: z.string().min(1).optional(),
  UUID: z.string().optional(),
  LABEL: z.string().optional(),
  USAGE: z.string().optional(),
});

export type BlkidProbe =
  | { kind: 'file-system'; signature: FileSystemSignature }
  | { kind: 'partition-table' }
  | {
      kind: 'nothing';
    };

/** `blkid -p -o export`: a file system, a partition table, or nothing known (blkid's exit status 2, empty output). */
export function parseBlkidExport(output: string): BlkidProbe {
  const values: Record<string, string> = {};
  for (const line of output.split('\n')) {
    const equals = line.indexOf('=');
    if (equals > 0) values[line.slice(0, equals)] = line.slice(equals + 1).replace(/\\(.)/g, '$1');
  }
  const probe = BlkidExportSchema.parse(values);
  if (probe.TYPE !== undefined)
    return {
      kind: 'file-system',
      signature: {
        type: probe.TYPE,
        usage: probe.USAGE ?? 'unknown',
        ...(probe.UUID ? { uuid: probe.UUID.toLowerCase() } : {}),
        ...(probe.LABEL ? { label: probe.LABEL } : {}),
      },
    };
  return probe.PTTYPE !== undefined ? { kind: 'partition-table' } : { kind: 'nothing' };
}

/**
 * The GPT partition types of a root file system by architecture, from the Discoverable Partitions
 * Specification; keyed by Node's `process.arch`.
 */
const GPT_ROOT_TYPES: Readonly<Record<string, string>> = {
  x64: '4f68bce3-e8cd-4db1-96e7-fbcaf984b709',
  ia32: '44479540-f297-41b2-9af7-d131d5f0458a',
  arm64: 'b921b045-1df0-41c3-af44-4c6f280d3fae',
  arm: '69dad710-2ce4-4e3c-b16c-21a1d49abed3',
  riscv64: '72ec70a6-cf74-40e6-bd49-4bda08e8f224',
  ppc64: 'c31c45e6-3f39-412e-80fb-4809c4980599',
  s390x: '5eead9a9-fe09-4a1e-a1d7-520d00531306',
  loong64: '77055800-792c-4f94-b39a-98c91b762bb6',
};

export function describeVolume(volume: DiskVolume): string {
  const { partition } = volume;
  if (partition.number === 0) return 'the whole disk';
  const label = partition.partLabel ? ` "${partition.partLabel}"` : '';
  return `partition ${partition.number}${label}`;
}

/** The one partition typed as this architecture's root, if the table marks one; several are an error. */
export function rootByPartitionType(volumes: readonly DiskVolume[], arch: string): DiskVolume | undefined {
  const rootType = GPT_ROOT_TYPES[arch];
  const typed = volumes.filter((v) => rootType !== undefined && v.partition.type === rootType);
  if (typed.length > 1)
    throw new DiskLayoutError(
      `several partitions have the root partition type of ${arch} (${typed.map(describeVolume).join(', ')}); ` +
        'expected one',
    );
  return typed[0];
}

/** The one file system holding an os-release file; none or several are an error. */
export function rootByOsRelease(candidates: readonly { volume: DiskVolume; holdsOsRelease: boolean }[]): DiskVolume {
  const roots = candidates.filter((c) => c.holdsOsRelease).map((c) => c.volume);
  if (roots.length === 1) return roots[0]!;
  if (roots.length === 0) {
    const lookedAt = candidates.map((c) => describeVolume(c.volume)).join(', ') || 'no file system';
    throw new DiskLayoutError(
      'no root partition: none is typed as one for this architecture and no file system holds ' +
        `/etc/os-release or /usr/lib/os-release (looked at ${lookedAt})`,
    );
  }
  throw new DiskLayoutError(
    `several partitions hold an os-release file (${roots.map(describeVolume).join(', ')}) and none is typed as ` +
      'the root partition: expected one root',
  );
}
