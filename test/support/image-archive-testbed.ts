import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { archiveTar, dockerArchiveFiles, ociLayoutFiles, writeArchiveDirectory, writeTar } from './image-archive.js';

const BUILD_IMAGE = fileURLToPath(new URL('../testbed/build-image.sh', import.meta.url));
const CACHE = '/var/cache/driftspec-testbed';
/** Bump when the way the archives are made changes (invalidates the cache). */
const LAYOUT_VERSION = 1;

/** The golden test-bed image as container archives, next to the root it was made from. */
export interface TestbedArchives {
  rootfs: string;
  /** An OCI layout directory (gzip layers), its tar, and a `docker save` tar (uncompressed layers). */
  ociDirectory: string;
  ociTar: string;
  dockerArchive: string;
  /** What the second layer does: removes this file of the first and adds the other. */
  removed: string;
  added: string;
}

const REMOVED = 'etc/motd';
const ADDED = 'etc/driftspec-second-layer';

/**
 * Builds (or reuses) the archives: layer 1 is the whole tree (GNU tar, pax format, numeric owners,
 * device nodes left out as container images do), layer 2 a whiteout of /etc/motd and a new file.
 * Cached by the rootfs's cache name (a hash of its inputs) and this layout's version; made in a
 * temporary sibling and renamed, marked complete last.
 */
export function testbedArchives(): TestbedArchives {
  const rootfs = execFileSync('bash', [BUILD_IMAGE], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] })
    .trim()
    .split('\n')
    .pop()!;
  const hash = createHash('sha256')
    .update(`${LAYOUT_VERSION}\n${dirname(rootfs)}\n`)
    .digest('hex')
    .slice(0, 12);
  const directory = join(CACHE, `archives-${hash}`);
  const archives = {
    rootfs,
    ociDirectory: join(directory, 'oci'),
    ociTar: join(directory, 'oci.tar'),
    dockerArchive: join(directory, 'docker.tar'),
    removed: `/${REMOVED}`,
    added: `/${ADDED}`,
  };
  if (existsSync(join(directory, '.complete'))) return archives;
  const building = mkdtempSync(join(CACHE, `.archives-${hash}-`));
  try {
    const layers = [treeLayer(rootfs, building), secondLayer()];
    const image = { layers, references: ['driftspec-testbed:1'] };
    writeArchiveDirectory(join(building, 'oci'), ociLayoutFiles([{ ...image, compression: 'gzip' }]));
    writeFileSync(join(building, 'oci.tar'), archiveTar(ociLayoutFiles([{ ...image, compression: 'gzip' }])));
    writeFileSync(join(building, 'docker.tar'), archiveTar(dockerArchiveFiles([image])));
    chmodSync(building, 0o755);
    writeFileSync(join(building, '.complete'), '');
    rmSync(directory, { recursive: true, force: true });
    renameSync(building, directory);
  } finally {
    rmSync(building, { recursive: true, force: true });
  }
  return archives;
}

function treeLayer(rootfs: string, building: string): Buffer {
  const nodes = execFileSync(
    'find',
    [
      rootfs,
      '-xdev',
      '(',
      '-type',
      'b',
      '-o',
      '-type',
      'c',
      '-o',
      '-type',
      'p',
      '-o',
      '-type',
      's',
      ')',
      '-printf',
      './%P\\n',
    ],
    { encoding: 'utf8' },
  );
  const excluded = join(building, 'excluded');
  writeFileSync(excluded, nodes);
  const layer = join(building, 'layer1.tar');
  execFileSync('tar', ['-C', rootfs, '--format=posix', '--numeric-owner', '-X', excluded, '-cf', layer, '.']);
  const bytes = readFileSync(layer);
  rmSync(layer);
  rmSync(excluded);
  return bytes;
}

function secondLayer(): Buffer {
  const [directory, name] = [dirname(REMOVED), REMOVED.slice(dirname(REMOVED).length + 1)];
  return writeTar([
    { path: `${directory}/.wh.${name}`, content: '' },
    { path: ADDED, content: 'added by the second layer\n', mode: 0o644 },
  ]);
}
