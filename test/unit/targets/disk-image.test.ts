import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { parseTargetAddress } from '../../../src/targets/address.js';
import { parseFstab, resolveSubmounts } from '../../../src/targets/disk-image/fstab.js';
import { resolveInImage } from '../../../src/targets/disk-image/image-path.js';
import {
  type DiskVolume,
  DiskLayoutError,
  parseBlkidExport,
  parsePartxPairs,
  rootByOsRelease,
  rootByPartitionType,
} from '../../../src/targets/disk-image/layout.js';
import { mountOptions } from '../../../src/targets/disk-image/mounts.js';
import { createTarget } from '../../../src/targets/parse.js';
import { PreparedRootTarget } from '../../../src/targets/prepared-root.js';
import { nspawnArgv } from '../../../src/targets/rootfs.js';

/** Recorded on the build machine from the test disk (test/testbed/build-disk-image.sh) and small sfdisk layouts. */
const fixture = (name: string) => readFileSync(new URL(`../../fixtures/disk-image/${name}`, import.meta.url), 'utf8');

const X86_64_ROOT = '4f68bce3-e8cd-4db1-96e7-fbcaf984b709';
const LINUX_DATA = '0fc63daf-8483-4772-8e79-3d69d8477de4';

function volume(number: number, type: string, fileSystem?: DiskVolume['fileSystem'], partUuid?: string): DiskVolume {
  return {
    partition: { number, offset: number * 1048576, size: 1048576, type, ...(partUuid ? { partUuid } : {}) },
    ...(fileSystem ? { fileSystem } : {}),
  };
}

const ext4 = (uuid: string, label?: string) => ({
  type: 'ext4',
  usage: 'filesystem',
  uuid,
  ...(label ? { label } : {}),
});

describe('disk: target', () => {
  it('is a prepared root named by its image', () => {
    const address = parseTargetAddress('disk:/srv/images/web.raw');
    const target = createTarget(address, () => {
      throw new Error('a disk target must not read SSH settings');
    });
    expect(target).to.be.instanceOf(PreparedRootTarget);
    expect(target.name).to.equal('disk:/srv/images/web.raw');
    expect(target.booted).to.equal(false);
  });

  it('reads a GPT table as partx reports it, offsets in bytes', () => {
    expect(parsePartxPairs(fixture('gpt-testbed.partx'))).to.deep.equal([
      {
        number: 1,
        offset: 1048576,
        size: 67108864,
        type: LINUX_DATA,
        partUuid: '6b1e2f40-6d0a-4c47-9a52-2d1f0e7c0002',
        partLabel: 'boot',
      },
      {
        number: 2,
        offset: 133120 * 512,
        size: 470810624,
        type: X86_64_ROOT,
        partUuid: '6b1e2f40-6d0a-4c47-9a52-2d1f0e7c0003',
        partLabel: 'root',
      },
    ]);
  });

  it('reads an MBR table with logical partitions and leaves out the extended container', () => {
    const partitions = parsePartxPairs(fixture('mbr-extended.partx'));
    expect(partitions.map((p) => [p.number, p.type, p.partUuid])).to.deep.equal([
      [1, '0x83', '1234abcd-01'],
      [5, '0x82', '1234abcd-05'],
      [6, '0x83', '1234abcd-06'],
    ]);
    expect(partitions.every((p) => p.partLabel === undefined)).to.equal(true);
  });

  it('decodes escaped bytes in partx values and refuses a malformed line', () => {
    const line = 'NR="1" START="2048" SECTORS="8" SIZE="4096" TYPE="0x83" UUID="" NAME="my\\x20disk" SCHEME="gpt"';
    expect(parsePartxPairs(line)[0]).to.include({ partLabel: 'my disk' });
    expect(() => parsePartxPairs('NR="x" START="2048"')).to.throw(
      DiskLayoutError,
      /partx line 1: NR: expected a decimal/,
    );
  });

  it('tells a file system, a partition table and nothing apart in blkid output', () => {
    expect(parseBlkidExport(fixture('gpt-testbed-boot.blkid'))).to.deep.equal({
      kind: 'file-system',
      signature: {
        type: 'ext4',
        usage: 'filesystem',
        uuid: '6b1e2f40-6d0a-4c47-9a52-2d1f0e7c0b00',
        label: 'testbed-boot',
      },
    });
    expect(parseBlkidExport(fixture('whole-disk-ext4.blkid'))).to.deep.include({ kind: 'file-system' });
    expect(parseBlkidExport(fixture('mbr-extended.blkid'))).to.deep.equal({ kind: 'partition-table' });
    expect(parseBlkidExport(fixture('swap.blkid'))).to.deep.include({
      signature: { type: 'swap', usage: 'other', uuid: 'a8c92111-1060-44e3-9a00-44b8a8b6c03d' },
    });
    expect(parseBlkidExport('')).to.deep.equal({ kind: 'nothing' });
  });

  it('picks the partition typed as this architecture’s root, and refuses two', () => {
    const boot = volume(1, LINUX_DATA, ext4('b'));
    const root = volume(2, X86_64_ROOT, ext4('r'));
    expect(rootByPartitionType([boot, root], 'x64')).to.equal(root);
    expect(rootByPartitionType([boot, root], 'arm64')).to.equal(undefined);
    expect(() => rootByPartitionType([root, volume(3, X86_64_ROOT, ext4('s'))], 'x64')).to.throw(
      DiskLayoutError,
      /several partitions have the root partition type of x64 \(partition 2, partition 3\)/,
    );
  });

  it('otherwise picks the one file system holding os-release; none or several is an error naming them', () => {
    const first = volume(1, '0x83', ext4('a'));
    const second = volume(2, '0x83', ext4('b'));
    expect(
      rootByOsRelease([
        { volume: first, holdsOsRelease: false },
        { volume: second, holdsOsRelease: true },
      ]),
    ).to.equal(second);
    expect(() => rootByOsRelease([{ volume: first, holdsOsRelease: false }])).to.throw(
      DiskLayoutError,
      /no root partition: .*\/etc\/os-release or \/usr\/lib\/os-release \(looked at partition 1\)/,
    );
    expect(() =>
      rootByOsRelease([
        { volume: first, holdsOsRelease: true },
        { volume: second, holdsOsRelease: true },
      ]),
    ).to.throw(DiskLayoutError, /several partitions hold an os-release file \(partition 1, partition 2\)/);
  });

  it('reads fstab fields with comments, defaults and octal escapes', () => {
    expect(parseFstab('# comment\n\nUUID=abc /srv/my\\040data ext4 ro,nofail 0 2 # note\nLABEL=x /y\n')).to.deep.equal([
      { line: 3, source: 'UUID=abc', mountPoint: '/srv/my data', type: 'ext4', options: ['ro', 'nofail'] },
      { line: 4, source: 'LABEL=x', mountPoint: '/y', type: 'auto', options: ['defaults'] },
    ]);
  });

  it('mounts the partitions of this disk that fstab names by any identity, parents first', () => {
    const root = volume(1, X86_64_ROOT, ext4('aaaa', 'root'));
    const boot = volume(2, LINUX_DATA, ext4('bbbb', 'boot'), 'pppp-2');
    const efi = volume(3, LINUX_DATA, { type: 'vfat', usage: 'filesystem', uuid: '12ab-34cd', label: 'ESP' }, 'pppp-3');
    const data = volume(4, LINUX_DATA, ext4('dddd', 'my data'));
    const swap = volume(5, LINUX_DATA, { type: 'swap', usage: 'other', uuid: 'ssss' });
    const fstab = parseFstab(
      [
        'UUID=AAAA / ext4 defaults 0 1',
        'PARTUUID=pppp-3 /boot/efi vfat umask=0077 0 1',
        '/dev/disk/by-uuid/bbbb /boot ext4 defaults 0 2',
        '/dev/disk/by-label/my\\x20data /srv ext4 defaults 0 2',
        'UUID=ssss none swap sw 0 0',
        'tmpfs /tmp tmpfs defaults 0 0',
        'proc /proc proc defaults 0 0',
        'server:/export /mnt/nfs nfs defaults 0 0',
        'UUID=elsewhere /backup ext4 nofail 0 2',
        '/dev/sdb1 /media/usb ext4 noauto 0 0',
      ].join('\n'),
    );
    const submounts = resolveSubmounts(fstab, [root, boot, efi, data, swap]);
    expect(submounts.map((s) => [s.mountPoint, s.volume.partition.number])).to.deep.equal([
      ['/boot', 2],
      ['/srv', 4],
      ['/boot/efi', 3],
    ]);
  });

  it('refuses an fstab mount it cannot back with this disk, so no files go missing unnoticed', () => {
    const root = volume(1, X86_64_ROOT, ext4('aaaa'));
    const swap = volume(2, LINUX_DATA, { type: 'swap', usage: 'other' });
    const resolve = (line: string) => () => resolveSubmounts(parseFstab(line), [root, swap, volume(3, LINUX_DATA)]);
    expect(resolve('UUID=ffff /var ext4 defaults 0 2')).to.throw(
      DiskLayoutError,
      /fstab line 1: UUID=ffff \(mounted on \/var\) is not a partition of this disk; its files would be missing/,
    );
    expect(resolve('/dev/vda3 /var ext4 defaults 0 2')).to.throw(DiskLayoutError, /use UUID=, LABEL=/);
    expect(resolve('PARTLABEL=nothing /home ext4 defaults 0 2')).to.throw(DiskLayoutError, /not a partition/);
    expect(() =>
      resolveSubmounts(parseFstab('PARTUUID=p2 /var ext4 defaults 0 2'), [
        root,
        volume(2, LINUX_DATA, undefined, 'p2'),
      ]),
    ).to.throw(DiskLayoutError, /partition 2 \(mounted on \/var\) holds no file system that could be recognised/);
  });

  it('mounts without replaying a journal', () => {
    expect(mountOptions('ext4')).to.equal('ro,noload');
    expect(mountOptions('ext3')).to.equal('ro,noload');
    expect(mountOptions('xfs')).to.equal('ro,norecovery');
    expect(mountOptions('vfat')).to.equal('ro');
  });

  it('shows further partitions read-only at their mount points inside the container, colons escaped', () => {
    const argv = nspawnArgv('/tmp/d/part-2', 'driftspec-test', [
      { source: '/tmp/d/part-1', target: '/boot' },
      { source: '/tmp/d/part-3', target: '/srv/a:b' },
    ]);
    expect(argv).to.include.members(['--bind-ro=/tmp/d/part-1:/boot', '--bind-ro=/tmp/d/part-3:/srv/a\\:b']);
    expect(argv.indexOf('--bind-ro=/tmp/d/part-1:/boot')).to.be.lessThan(argv.indexOf('--'));
  });

  it('resolves the image’s links inside the image, never on the build machine', () => {
    const root = mkdtempSync(join(tmpdir(), 'driftspec-image-path-'));
    try {
      mkdirSync(join(root, 'srv/etc'), { recursive: true });
      writeFileSync(join(root, 'srv/etc/fstab'), 'image fstab\n');
      symlinkSync('/srv/etc', join(root, 'etc'));
      symlinkSync('../../usr/lib/os-release', join(root, 'srv/etc/os-release'));
      symlinkSync('/loop-b', join(root, 'loop-a'));
      symlinkSync('/loop-a', join(root, 'loop-b'));
      expect(resolveInImage(root, '/etc/fstab', true)).to.equal(join(root, 'srv/etc/fstab'));
      // The build machine's /etc/os-release exists; the image's link to usr/lib/os-release is dangling.
      expect(resolveInImage(root, '/etc/os-release', false)).to.equal(join(root, 'srv/etc/os-release'));
      expect(resolveInImage(root, '/etc/os-release', true)).to.equal(undefined);
      expect(resolveInImage(root, '/etc/passwd', true)).to.equal(undefined);
      expect(resolveInImage(root, '/../../etc/fstab', true)).to.equal(join(root, 'srv/etc/fstab'));
      expect(() => resolveInImage(root, '/loop-a/x', true)).to.throw(DiskLayoutError, /more than 40 links/);
    } finally {
      rmSync(root, { recursive: true });
    }
  });
});
