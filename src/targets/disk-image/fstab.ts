import { posix } from 'node:path';
import { type DiskVolume, DiskLayoutError, describeVolume } from './layout.js';

export interface FstabEntry {
  line: number;
  source: string;
  mountPoint: string;
  type: string;
  options: string[];
}

/** A partition of this disk that the root's fstab mounts below `/`. */
export interface Submount {
  volume: DiskVolume;
  mountPoint: string;
}

/** fstab's fields, with its octal escapes (`\040` for a space) decoded. */
export function parseFstab(text: string): FstabEntry[] {
  return text.split('\n').flatMap((raw, index) => {
    const line = raw.replace(/#.*$/, '').trim();
    if (line === '') return [];
    const [source, mountPoint, type = 'auto', options = 'defaults'] = line.split(/\s+/).map(unescapeOctal);
    if (source === undefined || mountPoint === undefined) return [];
    return [{ line: index + 1, source, mountPoint, type, options: options.split(',') }];
  });
}

function unescapeOctal(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(Number.parseInt(octal, 8)));
}

const BY_PATH_KEYS: Readonly<Record<string, string>> = {
  '/dev/disk/by-uuid/': 'UUID',
  '/dev/disk/by-label/': 'LABEL',
  '/dev/disk/by-partuuid/': 'PARTUUID',
  '/dev/disk/by-partlabel/': 'PARTLABEL',
};

/** `UUID=…` or `/dev/disk/by-uuid/…` as key and value; undefined for what names no block device by identity. */
function sourceIdentity(source: string): { key: string; value: string } | undefined {
  const tagged = /^(UUID|LABEL|PARTUUID|PARTLABEL)=(.*)$/.exec(source);
  if (tagged) return { key: tagged[1]!, value: tagged[2]!.replace(/^"(.*)"$/, '$1') };
  const prefix = Object.keys(BY_PATH_KEYS).find((p) => source.startsWith(p));
  if (prefix === undefined) return undefined;
  // udev writes unsafe characters of a label as \xHH in the link's name.
  const value = source
    .slice(prefix.length)
    .replace(/\\x([0-9a-fA-F]{2})/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
  return { key: BY_PATH_KEYS[prefix]!, value };
}

function volumeMatches(volume: DiskVolume, key: string, value: string): boolean {
  const lower = value.toLowerCase();
  if (key === 'UUID') return volume.fileSystem?.uuid === lower;
  if (key === 'LABEL') return volume.fileSystem?.label === value;
  if (key === 'PARTUUID') return volume.partition.partUuid === lower;
  return volume.partition.partLabel === value;
}

const BY_KERNEL_NAME_HINT = ' that can be found by that name (use UUID=, LABEL=, PARTUUID= or PARTLABEL=)';
const NOT_BLOCK_DEVICE_TYPES = new Set(['swap', 'tmpfs', 'proc', 'sysfs', 'devpts', 'none', 'nfs', 'nfs4', 'cifs']);

/**
 * The fstab entries below `/` that this disk's partitions back, in mount order (parents first).
 * An entry that names a block device which is not on this disk (or by a kernel name such as
 * `/dev/sda2`, which a disk image cannot resolve) is an error unless it is `noauto` or `nofail`:
 * its files would silently be missing from the check.
 */
export function resolveSubmounts(entries: readonly FstabEntry[], volumes: readonly DiskVolume[]): Submount[] {
  const submounts: Submount[] = [];
  for (const entry of entries) {
    const mountPoint = posix.normalize(entry.mountPoint);
    if (!mountPoint.startsWith('/') || mountPoint === '/' || NOT_BLOCK_DEVICE_TYPES.has(entry.type)) continue;
    if (entry.options.includes('noauto') || entry.options.includes('bind')) continue;
    const identity = sourceIdentity(entry.source);
    if (identity === undefined && !entry.source.startsWith('/dev/')) continue;
    const volume = identity && volumes.find((v) => volumeMatches(v, identity.key, identity.value));
    if (volume === undefined) {
      if (entry.options.includes('nofail')) continue;
      const byKernelName = identity === undefined ? BY_KERNEL_NAME_HINT : '';
      throw new DiskLayoutError(
        `/etc/fstab line ${entry.line}: ${entry.source} (mounted on ${mountPoint}) is not a partition of this disk` +
          `${byKernelName}; its files would be missing from the check`,
      );
    }
    if (volume.fileSystem?.usage !== 'filesystem')
      throw new DiskLayoutError(
        `/etc/fstab line ${entry.line}: ${describeVolume(volume)} (mounted on ${mountPoint}) holds ` +
          `${volume.fileSystem ? `"${volume.fileSystem.type}"` : 'no file system that could be recognised'}; ` +
          'expected a file system',
      );
    submounts.push({ volume, mountPoint });
  }
  return submounts.sort((a, b) => a.mountPoint.split('/').length - b.mountPoint.split('/').length);
}
