import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { expect } from 'chai';
import { isSpecError } from '../../src/inputs/input-error.js';
import { prepareDisk } from '../../src/targets/disk-image/index.js';
import type { PreparedRoot } from '../../src/targets/prepared-root.js';
import { RootfsError } from '../../src/targets/rootfs.js';
import { runCli } from '../support/cli.js';
import { isRoot, requireInCi } from '../support/environment.js';

const MIB = 1024 * 1024;
const LINUX_DATA = '0FC63DAF-8483-4772-8E79-3D69D8477DE4';
const ROOT_TYPE: Readonly<Record<string, string>> = {
  x64: '4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709',
  arm64: 'B921B045-1DF0-41C3-AF44-4C6F280D3FAE',
};

interface PartitionPlan {
  sizeMib: number;
  /** sfdisk's type: a GPT GUID or an MBR byte such as 83. */
  type: string;
  /** Files to put on an ext4 file system, path → content; no file system when left out. */
  files?: Record<string, string>;
  uuid?: string;
}

/** Made with sfdisk and `mke2fs -d -E offset=`, never mounted. */
function makeDisk(directory: string, name: string, table: 'gpt' | 'dos', partitions: PartitionPlan[]): string {
  const disk = join(directory, name);
  const totalMib = partitions.reduce((sum, p) => sum + p.sizeMib, 2);
  execFileSync('truncate', ['-s', `${totalMib}M`, disk]);
  let startMib = 1;
  const lines = partitions.map((p) => {
    const line = `start=${startMib * 2048}, size=${p.sizeMib * 2048}, type=${p.type}`;
    startMib += p.sizeMib;
    return line;
  });
  execFileSync('sfdisk', ['--quiet', disk], { input: `label: ${table}\n${lines.join('\n')}\n` });
  startMib = 1;
  for (const partition of partitions) {
    if (partition.files) makeExt4(disk, partition.files, startMib * MIB, partition.sizeMib, partition.uuid);
    startMib += partition.sizeMib;
  }
  return disk;
}

function makeExt4(file: string, files: Record<string, string>, offset: number, sizeMib: number, uuid?: string): void {
  const tree = mkdtempSync(join(tmpdir(), 'driftspec-disk-tree-'));
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(tree, path)), { recursive: true });
    writeFileSync(join(tree, path), content);
  }
  const uuidArgs = uuid ? ['-U', uuid] : [];
  execFileSync('mke2fs', ['-q', '-t', 'ext4', ...uuidArgs, '-E', `offset=${offset}`, '-d', tree, file, `${sizeMib}M`]);
  rmSync(tree, { recursive: true });
}

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');
const attachedLoops = (file: string) => execFileSync('losetup', ['--associated', file], { encoding: 'utf8' }).trim();
const mountsUnder = (directory: string) =>
  execFileSync('findmnt', ['--list', '--noheadings', '--output', 'TARGET'], { encoding: 'utf8' })
    .split('\n')
    .filter((target) => target.startsWith(directory));
const diskWorkDirectories = () => readdirSync(tmpdir()).filter((name) => name.startsWith('driftspec-disk-'));

const OS_RELEASE = { 'etc/os-release': 'ID=debian\n' };
const BOOT_UUID = '0b0b0b0b-1111-4222-8333-444455556666';

describe('disk images attached, mounted read-only and released', function () {
  this.timeout(60_000);
  let work: string;
  let leftBefore: string[];

  before(function () {
    if (!isRoot()) return requireInCi(this, 'attaching loop devices and mounting needs root');
    for (const tool of ['sfdisk', 'mke2fs', 'losetup', 'partx', 'blkid'])
      try {
        execFileSync('sh', ['-c', `command -v ${tool}`]);
      } catch {
        return requireInCi(this, `${tool} is not installed`);
      }
    work = mkdtempSync(join(tmpdir(), 'driftspec-disk-test-'));
  });
  beforeEach(() => {
    leftBefore = diskWorkDirectories();
  });
  after(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  /** Nothing of a preparation is left: no loop device on the image, no mount, no private directory. */
  function expectNothingLeft(disk: string): void {
    expect(attachedLoops(disk)).to.equal('');
    expect(mountsUnder(tmpdir()).filter((t) => t.includes('driftspec-disk-'))).to.deep.equal([]);
    expect(diskWorkDirectories()).to.deep.equal(leftBefore);
  }

  async function preparationError(disk: string): Promise<Error> {
    const error = await prepareDisk(disk).then(
      (prepared) => {
        prepared.release();
        throw new Error('expected the preparation to fail');
      },
      (caught: unknown) => caught as Error,
    );
    expectNothingLeft(disk);
    return error;
  }

  it('mounts the typed root and the partition its fstab names, read-only, and undoes all of it', async function () {
    const rootType = ROOT_TYPE[process.arch];
    if (rootType === undefined) return this.skip();
    const disk = makeDisk(work, 'gpt.raw', 'gpt', [
      { sizeMib: 4, type: LINUX_DATA, files: { 'marker-of-boot': 'boot\n' }, uuid: BOOT_UUID },
      {
        sizeMib: 8,
        type: rootType,
        files: { ...OS_RELEASE, 'etc/fstab': `UUID=${BOOT_UUID} /boot ext4 defaults 0 2\n`, 'boot/.keep': '' },
      },
    ]);
    const before = sha256(disk);
    let prepared: PreparedRoot | undefined;
    try {
      prepared = await prepareDisk(disk);
      expect(readFileSync(join(prepared.path, 'etc/os-release'), 'utf8')).to.equal('ID=debian\n');
      expect(prepared.readOnlyBinds).to.have.length(1);
      const boot = prepared.readOnlyBinds![0]!;
      expect(boot.target).to.equal('/boot');
      expect(readFileSync(join(boot.source, 'marker-of-boot'), 'utf8')).to.equal('boot\n');
      const options = execFileSync('findmnt', ['--noheadings', '--output', 'OPTIONS', prepared.path], {
        encoding: 'utf8',
      });
      expect(options.split(',')[0]).to.equal('ro');
      const loops = attachedLoops(disk).split('\n');
      expect(loops).to.have.length(2);
      for (const loop of loops) {
        const device = loop.slice(0, loop.indexOf(':'));
        expect(execFileSync('blockdev', ['--getro', device], { encoding: 'utf8' }).trim()).to.equal('1');
      }
      expect(() => writeFileSync(join(prepared!.path, 'new-file'), 'x')).to.throw(/EROFS|read-only/);
    } finally {
      prepared?.release();
    }
    // A second release (close after the exit hook, or the reverse) finds nothing to undo.
    prepared.release();
    expectNothingLeft(disk);
    expect(sha256(disk)).to.equal(before);
  });

  it('finds the root of an MBR disk by its os-release, and of a file system without a partition table', async () => {
    const mbr = makeDisk(work, 'mbr.raw', 'dos', [
      { sizeMib: 4, type: '83', files: { 'only-data': '' } },
      { sizeMib: 4, type: '82' },
      { sizeMib: 6, type: '83', files: { 'usr/lib/os-release': 'ID=test\n' } },
    ]);
    const whole = join(work, 'whole.raw');
    execFileSync('truncate', ['-s', '6M', whole]);
    makeExt4(whole, OS_RELEASE, 0, 6);
    for (const [disk, marker] of [
      [mbr, 'usr/lib/os-release'],
      [whole, 'etc/os-release'],
    ] as const) {
      const before = sha256(disk);
      const prepared = await prepareDisk(disk);
      try {
        expect(existsSync(join(prepared.path, marker)), disk).to.equal(true);
        expect(prepared.readOnlyBinds).to.deep.equal([]);
      } finally {
        prepared.release();
      }
      expectNothingLeft(disk);
      expect(sha256(disk)).to.equal(before);
    }
  });

  it('mounts an ext4 file system whose journal needs recovery without replaying it', async () => {
    const disk = join(work, 'needs-recovery.raw');
    execFileSync('truncate', ['-s', '8M', disk]);
    makeExt4(disk, OS_RELEASE, 0, 8);
    // As a system that crashed leaves it: a plain read-only mount would replay the journal or refuse.
    execFileSync('debugfs', ['-w', '-R', 'feature needs_recovery', disk], { stdio: 'ignore' });
    const before = sha256(disk);
    const prepared = await prepareDisk(disk);
    try {
      expect(readFileSync(join(prepared.path, 'etc/os-release'), 'utf8')).to.equal('ID=debian\n');
    } finally {
      prepared.release();
    }
    expectNothingLeft(disk);
    expect(sha256(disk)).to.equal(before);
  });

  it('refuses a missing file, a directory and a file that is no disk image, naming the path', async () => {
    const missing = join(work, 'missing.raw');
    const zeros = join(work, 'zeros.raw');
    execFileSync('truncate', ['-s', '4M', zeros]);
    const cases: [string, RegExp][] = [
      [missing, /^disk image .*missing\.raw: no such file$/],
      [work, /: not a regular file; expected a raw disk image file$/],
      [zeros, /zeros\.raw: not a disk image: expected a partition table \(GPT or MBR\) or a file system$/],
    ];
    for (const [path, message] of cases) {
      const error = await preparationError(path);
      expect(isSpecError(error), error.message).to.equal(true);
      expect(error.message).to.match(message);
    }
    for (const command of [['run', '--target'], ['snapshot']]) {
      const cli = await runCli([...command, `disk:${zeros}`], join(work, 'cli-cache'));
      expect(cli.code, cli.stderr).to.equal(78);
      expect(cli.stderr).to.include(`disk image ${zeros}: not a disk image`);
    }
  });

  it('refuses a disk without a root and one with two, undoing the mounts it made to look', async () => {
    const noRoot = makeDisk(work, 'no-root.raw', 'dos', [
      { sizeMib: 4, type: '83', files: { data: '' } },
      { sizeMib: 4, type: '83' },
    ]);
    const twoRoots = makeDisk(work, 'two-roots.raw', 'dos', [
      { sizeMib: 4, type: '83', files: OS_RELEASE },
      { sizeMib: 4, type: '83', files: OS_RELEASE },
    ]);
    const none = await preparationError(noRoot);
    expect(isSpecError(none)).to.equal(true);
    expect(none.message).to.match(/no-root\.raw: no root partition: .*\(looked at partition 1\)/);
    const two = await preparationError(twoRoots);
    expect(isSpecError(two)).to.equal(true);
    expect(two.message).to.match(/several partitions hold an os-release file \(partition 1, partition 2\)/);
  });

  it('refuses a root whose fstab mounts a partition that is not on the disk, after unmounting the root', async () => {
    const disk = makeDisk(work, 'fstab-elsewhere.raw', 'dos', [
      { sizeMib: 6, type: '83', files: { ...OS_RELEASE, 'etc/fstab': 'LABEL=elsewhere /var ext4 defaults 0 2\n' } },
    ]);
    const error = await preparationError(disk);
    expect(isSpecError(error)).to.equal(true);
    expect(error.message).to.match(
      /fstab line 1: LABEL=elsewhere \(mounted on \/var\) is not a partition of this disk/,
    );
  });

  it('is a host error, not an input error, when the file system cannot be mounted here', async () => {
    const disk = makeDisk(work, 'unmountable.raw', 'dos', [{ sizeMib: 6, type: '83', files: OS_RELEASE }]);
    const corrupt = join(work, 'unmountable-part.raw');
    execFileSync('dd', [`if=${disk}`, `of=${corrupt}`, 'bs=1M', 'status=none']);
    // Break the superblock's block count so the kernel refuses the mount (blkid only reads the magic).
    const superblock = 1 * MIB + 1024;
    const buffer = readFileSync(corrupt);
    buffer.writeUInt32LE(0xffffffff, superblock + 4);
    writeFileSync(corrupt, buffer);
    const error = await preparationError(corrupt);
    expect(error).to.be.instanceOf(RootfsError);
    expect(error.message).to.match(/could not mount the ext4 file system at offset 1048576 of .*unmountable-part\.raw/);
  });
});
