import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import type { ArchiveAddress } from '../../src/targets/address.js';
import { unpackArchive } from '../../src/targets/image-archive/index.js';
import { runCli } from '../support/cli.js';
import { isRoot, requireInCi } from '../support/environment.js';
import {
  archiveTar,
  dockerArchiveFiles,
  ociLayoutFiles,
  sha256,
  type TestMember,
  writeArchiveDirectory,
  writeTar,
} from '../support/image-archive.js';

const work = mkdtempSync(join(tmpdir(), 'driftspec-archive-test-'));
/** Where unpacking happens in these tests, so that a left-behind directory is seen. */
const scratch = join(work, 'scratch');
/** What a hostile archive aims at: it must stay absent. */
const outside = join(work, 'outside');

const BASE: TestMember[] = [
  { path: 'etc/', type: 'directory' },
  { path: 'etc/passwd', content: 'root:x:0:0:root:/root:/bin/sh\n' },
  { path: 'usr/bin/', type: 'directory' },
  { path: 'usr/bin/su', content: 'binary', mode: 0o4755 },
  { path: 'bin', type: 'symlink', linkTarget: 'usr/bin' },
  { path: 'etc/localtime', type: 'symlink', linkTarget: '/usr/share/zoneinfo/UTC' },
  { path: 'var/cache/apt/pkgcache.bin', content: 'cache' },
  { path: 'etc/motd', content: 'hello' },
  { path: 'var/lib/x/lower', content: 'from the lower layer' },
  { path: 'var/log/lower.log', content: 'from the lower layer' },
];

let counter = 0;
function ociTar(layers: readonly Buffer[], compression?: 'gzip' | 'zstd'): string {
  const path = join(work, `image-${counter++}.tar`);
  writeFileSync(path, archiveTar(ociLayoutFiles([{ layers, ...(compression ? { compression } : {}) }])));
  return path;
}

async function unpack(address: ArchiveAddress) {
  rmSync(scratch, { recursive: true, force: true });
  mkdirSync(scratch);
  return unpackArchive(address, { maxBytes: 1024 ** 3, maxMembers: 1000 }, scratch);
}

async function refusal(address: ArchiveAddress): Promise<Error> {
  try {
    const prepared = await unpack(address);
    prepared.release();
  } catch (error) {
    expect((error as Error).name).to.equal('SpecError');
    expect(readdirSync(scratch), 'the private directory is removed').to.deep.equal([]);
    expect(existsSync(outside), 'nothing is written outside').to.equal(false);
    return error as Error;
  }
  throw new Error('the archive was unpacked without a refusal');
}

describe('image archives unpacked (oci:, docker-archive:)', function () {
  this.timeout(120_000);
  before(function () {
    if (!isRoot()) requireInCi(this, 'unpacking keeps owners (lchown), which needs root');
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  it('applies layers in order: whiteouts delete, opaque directories drop lower entries, owners kept', async () => {
    const layer2 = writeTar([
      { path: 'etc/.wh.motd', content: '' },
      { path: 'var/cache/apt/', type: 'directory' },
      { path: 'var/cache/apt/.wh..wh..opq', content: '' },
      { path: 'var/cache/apt/new', content: 'new' },
      { path: 'var/lib/x/kept', content: 'kept' },
      { path: 'var/.wh..wh..opq', content: '' },
      { path: 'etc/added', content: 'added', uid: 101, gid: 102, mode: 0o600 },
    ]);
    for (const compression of [undefined, 'gzip', 'zstd'] as const) {
      const prepared = await unpack({ kind: 'oci', path: ociTar([writeTar(BASE), layer2], compression) });
      try {
        const root = prepared.path;
        expect(existsSync(join(root, 'etc/motd'))).to.equal(false);
        expect(readdirSync(join(root, 'var/cache/apt'))).to.deep.equal(['new']);
        expect(readdirSync(join(root, 'var'))).to.have.members(['cache', 'lib']);
        expect(readdirSync(join(root, 'var/lib/x'))).to.deep.equal(['kept']);
        expect(readFileSync(join(root, 'etc/added'), 'utf8')).to.equal('added');
        expect(statSync(join(root, 'etc/added'))).to.include({ uid: 101, gid: 102 });
        expect(statSync(join(root, 'etc/added')).mode & 0o7777).to.equal(0o600);
        expect(statSync(join(root, 'usr/bin/su')).mode & 0o7777).to.equal(0o4755);
        expect(statSync(join(root, '..')).mode & 0o777).to.equal(0o700);
      } finally {
        prepared.release();
      }
      expect(readdirSync(scratch)).to.deep.equal([]);
    }
  });

  it('reads an OCI layout directory and a docker save tar alike, picking an image by reference', async () => {
    const images = [
      { layers: [writeTar(BASE)], references: ['web:1'] },
      { layers: [writeTar([{ path: 'other', content: 'x' }])], references: ['db:2'] },
    ];
    const layout = join(work, 'layout');
    writeArchiveDirectory(layout, ociLayoutFiles(images));
    const docker = join(work, 'docker.tar');
    writeFileSync(docker, archiveTar(dockerArchiveFiles(images)));
    for (const address of [
      { kind: 'oci', path: layout, reference: 'db:2' },
      { kind: 'docker-archive', path: docker, reference: 'db:2' },
    ] as const) {
      const prepared = await unpack(address);
      expect(readdirSync(prepared.path)).to.deep.equal(['other']);
      prepared.release();
    }
    expect((await refusal({ kind: 'oci', path: layout })).message).to.match(
      /holds several images \("web:1", "db:2"\): name one/,
    );
    expect((await refusal({ kind: 'docker-archive', path: docker, reference: 'nope:1' })).message).to.match(
      /no image tagged "nope:1"; it holds "web:1", "db:2"/,
    );
  });

  const hostile: [string, TestMember[], RegExp][] = [
    ['a member path with ..', [{ path: '../outside', content: 'x' }], /member "..\/outside": .*climbs out/],
    ['an absolute member path', [{ path: `${outside}`, content: 'x' }], /an absolute member path/],
    [
      'a symlink that climbs out of the root',
      [{ path: 'escape', type: 'symlink', linkTarget: '../../../../../../../../outside' }],
      /member "escape": a symlink .* climbs above the image root/,
    ],
    [
      'a write through a symlinked parent',
      [
        { path: 'etc', type: 'symlink', linkTarget: '/etc' },
        { path: 'etc/passwd', content: 'x' },
      ],
      /member "etc\/passwd": its parent "etc" is a symlink/,
    ],
    [
      'a hard link out of the root',
      [{ path: 'shadow', type: 'hardlink', linkTarget: '../../../etc/shadow' }],
      /member "shadow": the hard link target "..\/..\/..\/etc\/shadow" climbs out/,
    ],
    [
      'a hard link to a path not yet extracted',
      [{ path: 'early', type: 'hardlink', linkTarget: 'etc/later' }],
      /member "early": a hard link to "etc\/later", which is not in the image/,
    ],
    ['a character device', [{ path: 'dev/mem', type: 'character-device' }], /member "dev\/mem": a character device/],
    ['a FIFO', [{ path: 'run/pipe', type: 'fifo' }], /member "run\/pipe": a fifo/],
    [
      'a layer bomb (declared expansion over the limit)',
      [{ path: 'bomb', declaredSize: 40 * 1024 ** 3 }],
      /member "bomb": the image expands to more than 1 GiB of file content \(the expansion limit/,
    ],
    [
      'a member-count bomb',
      Array.from({ length: 1001 }, (_, index) => ({ path: `f${index}`, content: '' })),
      /more than 1000 members \(the member-count limit/,
    ],
  ];
  for (const [what, members, message] of hostile) {
    it(`refuses ${what}, names archive, layer and member, and leaves nothing behind`, async () => {
      const layer = writeTar(members, { end: !members.some((m) => m.declaredSize) });
      const path = ociTar([layer]);
      const before = readFileSync(path);
      const error = await refusal({ kind: 'oci', path });
      expect(error.message).to.contain(`image archive oci:${path}, layer ${sha256(layer)}`);
      expect(error.message).to.match(message);
      expect(readFileSync(path).equals(before)).to.equal(true);
    });
  }

  it('refuses a corrupt tar, a truncated layer, a missing blob and a digest that does not match', async () => {
    const corrupt = join(work, 'corrupt.tar');
    writeFileSync(corrupt, Buffer.alloc(2048, 0x41));
    expect((await refusal({ kind: 'oci', path: corrupt })).message).to.match(/header checksum does not match/);

    const layer = writeTar(BASE);
    const truncatedLayer = layer.subarray(0, 1000);
    const files = ociLayoutFiles([{ layers: [layer] }]);
    const layerBlob = `blobs/sha256/${sha256(layer).slice(7)}`;
    files.set(layerBlob, truncatedLayer);
    const truncated = join(work, 'truncated');
    writeArchiveDirectory(truncated, files);
    expect((await refusal({ kind: 'oci', path: truncated })).message).to.match(/the tar is truncated/);

    files.delete(layerBlob);
    const missing = join(work, 'missing.tar');
    writeFileSync(missing, archiveTar(files));
    expect((await refusal({ kind: 'oci', path: missing })).message).to.match(
      new RegExp(`layer ${sha256(layer)}, member "${layerBlob}": a missing blob`),
    );

    const altered = writeTar([...BASE.slice(0, -1), { path: 'etc/motd', content: 'HELLO' }]);
    files.set(layerBlob, altered);
    const mismatch = join(work, 'mismatch');
    writeArchiveDirectory(mismatch, files);
    expect((await refusal({ kind: 'oci', path: mismatch })).message).to.match(
      /the layer blob's digest is sha256:[0-9a-f]{64}, not sha256:/,
    );
  });

  it('refuses a corrupt gzip layer, and a zstd layer without the zstd program naming the media type', async () => {
    const files = ociLayoutFiles([{ layers: [writeTar(BASE)], compression: 'gzip' }]);
    for (const bytes of files.values()) if (bytes[0] === 0x1f && bytes[1] === 0x8b) bytes.fill(0x41, 20, 60);
    const corrupt = join(work, 'corrupt-gzip');
    writeArchiveDirectory(corrupt, files);
    expect((await refusal({ kind: 'oci', path: corrupt })).message).to.match(/corrupt gzip layer/);

    const zstd = ociTar([writeTar(BASE)], 'zstd');
    const path = process.env.PATH;
    process.env.PATH = join(work, 'no-programs');
    try {
      expect((await refusal({ kind: 'oci', path: zstd })).message).to.match(
        /a application\/vnd\.oci\.image\.layer\.v1\.tar\+zstd layer needs the zstd program to unpack, and it is not/,
      );
    } finally {
      process.env.PATH = path;
    }
  });

  it("waits for zstd's exit status after its output has ended: a success unpacks, a failure refuses", async () => {
    // A zstd that closes its output first and exits a moment later, as a busy machine may show it.
    const programs = join(work, 'slow-zstd');
    mkdirSync(programs, { recursive: true });
    const real = execFileSync('sh', ['-c', 'command -v zstd'], { encoding: 'utf8' }).trim();
    const wrapper = (status: string) => `#!/bin/sh\n${real} "$@"\nstatus=$?\nexec >&-\nsleep 0.3\n${status}\n`;
    const archive = ociTar([writeTar(BASE)], 'zstd');
    const path = process.env.PATH;
    process.env.PATH = `${programs}:${path}`;
    try {
      writeFileSync(join(programs, 'zstd'), wrapper('exit "$status"'), { mode: 0o755 });
      const prepared = await unpack({ kind: 'oci', path: archive });
      expect(readFileSync(join(prepared.path, 'etc/motd'), 'utf8')).to.equal('hello');
      prepared.release();
      writeFileSync(join(programs, 'zstd'), wrapper('echo "checksum mismatch" >&2; exit 1'), { mode: 0o755 });
      expect((await refusal({ kind: 'oci', path: archive })).message).to.match(
        /corrupt zstd layer: checksum mismatch$/,
      );
    } finally {
      process.env.PATH = path;
    }
  });

  it('refuses a docker save layer whose tar is not the one its config names (diff_ids)', async () => {
    const files = dockerArchiveFiles([{ layers: [writeTar(BASE)], references: ['web:1'] }]);
    const layerFile = [...files.keys()].find((name) => name.endsWith('/layer.tar'))!;
    files.set(layerFile, writeTar([...BASE, { path: 'etc/extra', content: 'x' }]));
    const path = join(work, 'altered-docker.tar');
    writeFileSync(path, archiveTar(files));
    expect((await refusal({ kind: 'docker-archive', path })).message).to.match(
      /the uncompressed layer's digest is sha256:\w+, not the config's diff_id sha256:\w+/,
    );
  });

  it('refuses a path that does not exist, naming it', async () => {
    const error = await refusal({ kind: 'docker-archive', path: join(work, 'absent.tar') });
    expect(error.message).to.match(/no such file or directory: .*absent\.tar/);
  });

  it('ends run, snapshot and drift with exit 78 on a refused archive, naming it, no directory left', async function () {
    if (!existsSync(fileURLToPath(new URL('../../dist', import.meta.url))))
      requireInCi(this, 'the CLI is built (npm run build)');
    const path = ociTar([writeTar([{ path: '../outside', content: 'x' }])]);
    const spec = join(work, 'spec.yaml');
    writeFileSync(spec, 'spec: s\ncontrols:\n  - id: c\n    checks:\n      - file: /etc/passwd\n        type: file\n');
    const temporary = join(work, 'cli-tmp');
    mkdirSync(temporary);
    const baseline = join(work, 'baseline.json');
    const snapshot = await runCli(
      ['snapshot', 'local', '--files', '/etc/hostname', '-o', baseline],
      join(work, 'cache'),
    );
    expect(snapshot.code, snapshot.stderr).to.equal(0);
    const commands = [
      ['run', spec, '--target', `oci:${path}`],
      ['snapshot', `oci:${path}`],
      ['drift', '--baseline', baseline, `oci:${path}`],
    ];
    for (const command of commands) {
      const run = await runCli(command, join(work, 'cache'), { TMPDIR: temporary });
      expect(run.code, run.stderr).to.equal(78);
      expect(run.stderr).to.contain(`image archive oci:${path}`);
      expect(run.stderr).to.contain('member "../outside"');
      expect(readdirSync(temporary).filter((name) => name.startsWith('driftspec-archive-'))).to.deep.equal([]);
    }
  });
});
