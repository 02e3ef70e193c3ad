import { lstatSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SpecError } from '../../inputs/input-error.js';
import { onProcessExit } from '../../io/exit-hooks.js';
import { imageTargetName, type DiskAddress } from '../address.js';
import { type PreparedRoot, PreparedRootTarget } from '../prepared-root.js';
import { parseFstab, resolveSubmounts } from './fstab.js';
import { resolveInImage } from './image-path.js';
import {
  type BlkidProbe,
  type DiskVolume,
  DiskLayoutError,
  parseBlkidExport,
  parsePartxPairs,
  rootByOsRelease,
  rootByPartitionType,
} from './layout.js';
import { DiskMounts, runTool } from './mounts.js';

/** A raw disk image (`disk:`), its partitions mounted read-only through loop devices and checked there. */
export function createDiskTarget(address: DiskAddress, sudoRequested: boolean): PreparedRootTarget {
  return new PreparedRootTarget(imageTargetName(address), () => prepareDisk(address.path), sudoRequested);
}

/**
 * Finds the root file system and the partitions its fstab mounts, and mounts them read-only.
 * Partitions are read from the image file by partx and blkid and each is attached on a loop
 * device of its own (offset and size limit), so neither the kernel's partition scanning nor udev
 * is needed. A mistake of the image itself is a SpecError (exit 78) naming the file.
 */
export async function prepareDisk(image: string): Promise<PreparedRoot> {
  requireDiskFile(image);
  const work = mkdtempSync(join(tmpdir(), 'driftspec-disk-'));
  const mounts = new DiskMounts(image, work);
  // Until the target holds the prepared root, an exit (a second Ctrl-C) must undo what is attached so far.
  const cancelExitHook = onProcessExit(() => mounts.release());
  const release = () => {
    mounts.release();
    cancelExitHook();
  };
  try {
    const volumes = await readVolumes(image);
    const mountedAt = new Map<DiskVolume, string>();
    const mount = async (volume: DiskVolume): Promise<string> => {
      const known = mountedAt.get(volume);
      if (known !== undefined) return known;
      const directory = join(work, `part-${volume.partition.number}`);
      await mounts.mount(volume, directory);
      mountedAt.set(volume, directory);
      return directory;
    };
    const root = await findRoot(volumes, mount);
    const rootDirectory = await mount(root);
    const submounts = resolveSubmounts(parseFstab(readImageFstab(rootDirectory)), volumes);
    const readOnlyBinds = [];
    for (const submount of submounts)
      readOnlyBinds.push({ source: await mount(submount.volume), target: submount.mountPoint });
    return { path: rootDirectory, readOnlyBinds, release };
  } catch (error) {
    release();
    if (error instanceof DiskLayoutError) throw new SpecError(error.message, `disk image ${image}`);
    throw error;
  }
}

function requireDiskFile(image: string): void {
  let isFile: boolean;
  try {
    isFile = statSync(image).isFile();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new SpecError(code === 'ENOENT' ? 'no such file' : `cannot be read (${code})`, `disk image ${image}`);
  }
  if (!isFile) throw new SpecError('not a regular file; expected a raw disk image file', `disk image ${image}`);
}

/** The partitions of the table, or the whole image when it is one file system. */
async function readVolumes(image: string): Promise<DiskVolume[]> {
  const table = await runTool([
    'partx',
    '--pairs',
    '--bytes',
    '--output',
    'NR,START,SECTORS,SIZE,TYPE,UUID,NAME,SCHEME',
    image,
  ]);
  if (table.code === 0) {
    const partitions = parsePartxPairs(table.stdout);
    if (partitions.length === 0) throw new DiskLayoutError('the partition table holds no partition');
    const volumes: DiskVolume[] = [];
    for (const partition of partitions) {
      const found = await probeRange(image, ['--offset', String(partition.offset), '--size', String(partition.size)]);
      volumes.push(found.kind === 'file-system' ? { partition, fileSystem: found.signature } : { partition });
    }
    return volumes;
  }
  const whole = await probeRange(image, []);
  if (whole.kind === 'file-system' && whole.signature.usage === 'filesystem')
    return [{ partition: { number: 0, offset: 0, size: statSync(image).size, type: '' }, fileSystem: whole.signature }];
  throw new DiskLayoutError(
    `not a disk image: ${whole.kind === 'file-system' ? `it holds "${whole.signature.type}", ` : ''}` +
      'expected a partition table (GPT or MBR) or a file system',
  );
}

async function probeRange(image: string, range: string[]): Promise<BlkidProbe> {
  const result = await runTool(['blkid', '--probe', '--output', 'export', ...range, image]);
  // Exit status 2: nothing recognised there.
  if (result.code === 2) return { kind: 'nothing' };
  if (result.code !== 0) throw new DiskLayoutError(`blkid could not read it: ${result.stderr.trim()}`);
  return parseBlkidExport(result.stdout);
}

const OS_RELEASE_PATHS = ['/etc/os-release', '/usr/lib/os-release'];

async function findRoot(volumes: DiskVolume[], mount: (volume: DiskVolume) => Promise<string>): Promise<DiskVolume> {
  const typed = rootByPartitionType(volumes, process.arch);
  if (typed !== undefined) return typed;
  const candidates = [];
  for (const volume of volumes.filter((v) => v.fileSystem?.usage === 'filesystem')) {
    const directory = await mount(volume);
    candidates.push({
      volume,
      holdsOsRelease: OS_RELEASE_PATHS.some((p) => resolveInImage(directory, p, false) !== undefined),
    });
  }
  return rootByOsRelease(candidates);
}

/** The image's /etc/fstab, its links followed inside the image only; none is an empty one. */
function readImageFstab(root: string): string {
  const path = resolveInImage(root, '/etc/fstab', true);
  if (path === undefined) return '';
  if (!lstatSync(path).isFile()) throw new DiskLayoutError('/etc/fstab in the root file system is not a file');
  return readFileSync(path, 'utf8');
}
