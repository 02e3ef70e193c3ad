import { Readable } from 'node:stream';
import { expect } from 'chai';
import type { ArchiveSource } from '../../../src/targets/image-archive/archive-source.js';
import { selectDockerImage, selectOciImage } from '../../../src/targets/image-archive/select-image.js';
import { runFleet } from '../../../src/engine/fleet.js';
import { execOnce, execWhenReady } from '../../../src/engine/wait.js';
import { MemberError, refuse } from '../../../src/targets/image-archive/errors.js';
import {
  memberAction,
  memberComponents,
  requireSymlinkInside,
  resolveLinkTarget,
} from '../../../src/targets/image-archive/member-rules.js';
import { readTar, type TarEntry } from '../../../src/targets/image-archive/tar-reader.js';
import { ScriptedTarget } from '../../support/fake-target.js';
import {
  type ArchiveFiles,
  dockerArchiveFiles,
  ociLayoutFiles,
  sha256,
  writeTar,
} from '../../support/image-archive.js';

async function* chunked(bytes: Buffer, size = 100): AsyncGenerator<Buffer> {
  for (let offset = 0; offset < bytes.length; offset += size) yield bytes.subarray(offset, offset + size);
}

type Read = Omit<TarEntry, 'body'> & { content: string };

async function readAll(bytes: Buffer, chunkSize?: number): Promise<Read[]> {
  const entries: Read[] = [];
  for await (const entry of readTar(chunked(bytes, chunkSize))) {
    const parts: Buffer[] = [];
    for await (const chunk of entry.body) parts.push(chunk);
    const { body: _, ...rest } = entry;
    entries.push({ ...rest, content: Buffer.concat(parts).toString() });
  }
  return entries;
}

async function refusal(bytes: Buffer): Promise<MemberError> {
  try {
    await readAll(bytes);
  } catch (error) {
    expect(error).to.be.instanceOf(MemberError);
    return error as MemberError;
  }
  throw new Error('the tar was read without a refusal');
}

describe('image archives: the tar reader', () => {
  it('reads files, directories and links with owners, modes and mtimes, in any chunking', async () => {
    const tar = writeTar([
      { path: 'etc/', type: 'directory', mode: 0o755 },
      { path: 'etc/shadow', content: 'root:*:1::', mode: 0o640, uid: 0, gid: 42, mtime: 1_600_000_000 },
      { path: 'usr/bin/su', content: 'x'.repeat(1000), mode: 0o4755 },
      { path: 'bin', type: 'symlink', linkTarget: 'usr/bin' },
      { path: 'usr/bin/su2', type: 'hardlink', linkTarget: 'usr/bin/su' },
    ]);
    for (const size of [1, 7, 512, 100_000]) {
      const entries = await readAll(tar, size);
      expect(entries.map((e) => [e.path, e.type, e.mode, e.gid, e.size, e.linkTarget])).to.deep.equal([
        ['etc/', 'directory', 0o755, 0, 0, ''],
        ['etc/shadow', 'file', 0o640, 42, 10, ''],
        ['usr/bin/su', 'file', 0o4755, 0, 1000, ''],
        ['bin', 'symlink', 0o644, 0, 0, 'usr/bin'],
        ['usr/bin/su2', 'hardlink', 0o644, 0, 0, 'usr/bin/su'],
      ]);
      expect(entries[1]!.content).to.equal('root:*:1::');
      expect(entries[1]!.mtime).to.equal(1_600_000_000);
      expect(entries[2]!.content).to.equal('x'.repeat(1000));
    }
  });

  it('takes long names and link targets from pax headers', async () => {
    const long = `${'d/'.repeat(80)}file`;
    const entries = await readAll(
      writeTar([
        { path: long, content: 'a' },
        { path: 'link', type: 'symlink', linkTarget: `/${'t'.repeat(150)}` },
      ]),
    );
    expect(entries.map((e) => e.path)).to.deep.equal([long, 'link']);
    expect(entries[1]!.linkTarget).to.equal(`/${'t'.repeat(150)}`);
  });

  it('takes long names from GNU long-name headers', async () => {
    const long = `${'g'.repeat(150)}/x`;
    const name = Buffer.from(`${long}\0`);
    const tar = writeTar([{ path: '././@LongLink', content: name }]);
    const typed = Buffer.from(tar);
    rewriteTypeFlag(typed, 0, 'L');
    const member = writeTar([{ path: long.slice(0, 100), content: 'b' }]);
    const entries = await readAll(Buffer.concat([typed.subarray(0, typed.length - 1024), member]));
    expect(entries.map((e) => [e.path, e.content])).to.deep.equal([[long, 'b']]);
  });

  it('reads GNU base-256 numbers (a uid beyond what octal holds) and refuses a negative one', async () => {
    const tar = writeTar([{ path: 'big-uid', content: 'x' }]);
    tar.fill(0, 108, 116);
    tar[108] = 0x80;
    tar.writeUInt32BE(5_000_000_000 % 2 ** 32, 112);
    tar[111] = Math.floor(5_000_000_000 / 2 ** 32);
    rewriteChecksum(tar, 0);
    expect((await readAll(tar))[0]!.uid).to.equal(5_000_000_000);
    tar[108] = 0xff;
    rewriteChecksum(tar, 0);
    expect((await refusal(tar)).message).to.match(/negative uid in the header/);
  });

  it('refuses a header whose checksum does not match', async () => {
    const tar = writeTar([{ path: 'a', content: 'x' }]);
    tar[10] = 0x41;
    expect((await refusal(tar)).message).to.match(/corrupt tar: a header checksum does not match/);
  });

  it('refuses a tar cut short inside a member, inside a header, or before its end', async () => {
    const tar = writeTar([{ path: 'a', content: 'x'.repeat(2000) }]);
    expect((await refusal(tar.subarray(0, 1024))).message).to.match(/truncated: it ends inside a member/);
    expect((await refusal(tar.subarray(0, 300))).message).to.match(/truncated: it ends inside a header/);
    expect((await refusal(tar.subarray(0, tar.length - 1024))).message).to.match(
      /truncated: it ends before the end-of-archive block \(after member "a"\)/,
    );
  });

  it('refuses member types it does not know, naming the member', async () => {
    const tar = writeTar([{ path: 'sparse', content: 'x' }]);
    rewriteTypeFlag(tar, 0, 'S');
    const error = await refusal(tar);
    expect(error.message).to.match(/unsupported tar member type "S"/);
    expect(error.member).to.equal('sparse');
  });

  it('reads a declared size in a pax header (beyond the 8 GiB of octal) without reading the content', async () => {
    const tar = writeTar([{ path: 'bomb', declaredSize: 40 * 1024 ** 3 }], { end: false });
    const iterator = readTar(chunked(tar))[Symbol.asyncIterator]();
    const first = await iterator.next();
    expect(first.value).to.include({ path: 'bomb', size: 40 * 1024 ** 3 });
  });
});

function rewriteTypeFlag(tar: Buffer, offset: number, flag: string): void {
  tar.write(flag, offset + 156, 1, 'latin1');
  rewriteChecksum(tar, offset);
}

function rewriteChecksum(tar: Buffer, offset: number): void {
  tar.fill(0x20, offset + 148, offset + 156);
  let sum = 0;
  for (const byte of tar.subarray(offset, offset + 512)) sum += byte;
  tar.write(`${sum.toString(8).padStart(6, '0')}\0 `, offset + 148, 8, 'latin1');
}

describe('image archives: member paths, whiteouts and links', () => {
  it('splits member names into components below the root', () => {
    expect(memberComponents('./etc//passwd')).to.deep.equal(['etc', 'passwd']);
    expect(memberComponents('./')).to.deep.equal([]);
  });

  it('refuses absolute names and names that climb with ..', () => {
    expect(() => memberComponents('/etc/passwd')).to.throw(MemberError, /an absolute member path/);
    expect(() => memberComponents('a/../../x')).to.throw(MemberError, /climbs out of the image root/);
    expect(() => memberComponents('a/..')).to.throw(MemberError, /climbs out/);
  });

  it('reads whiteouts: .wh.NAME deletes NAME, .wh..wh..opq empties its directory of lower layers', () => {
    expect(memberAction('etc/.wh.motd')).to.deep.equal({ kind: 'remove', path: ['etc', 'motd'] });
    expect(memberAction('var/cache/.wh..wh..opq')).to.deep.equal({ kind: 'make-opaque', directory: ['var', 'cache'] });
    expect(memberAction('etc/motd')).to.deep.equal({ kind: 'write', path: ['etc', 'motd'] });
    expect(() => memberAction('etc/.wh..wh.plnk')).to.throw(MemberError, /unknown whiteout/);
    expect(() => memberAction('etc/.wh.')).to.throw(MemberError, /names no file/);
  });

  it('resolves link targets inside the root: absolute ones from the image root', () => {
    expect(resolveLinkTarget(['usr', 'bin', 'sh'], 'dash')).to.deep.equal(['usr', 'bin', 'dash']);
    expect(resolveLinkTarget(['etc', 'localtime'], '/usr/share/zoneinfo/UTC')).to.deep.equal([
      'usr',
      'share',
      'zoneinfo',
      'UTC',
    ]);
    expect(resolveLinkTarget(['lib'], 'usr/lib')).to.deep.equal(['usr', 'lib']);
    expect(resolveLinkTarget(['a', 'b'], '../../x')).to.equal(undefined);
    expect(resolveLinkTarget(['etc', 'x'], '/../../etc/shadow')).to.equal(undefined);
  });

  it('refuses symlinks that climb above the root and accepts absolute ones that stay in it', () => {
    expect(() => requireSymlinkInside('etc/x', ['etc', 'x'], '/etc/shadow')).not.to.throw();
    expect(() => requireSymlinkInside('etc/x', ['etc', 'x'], '../../../etc/shadow')).to.throw(
      MemberError,
      /climbs above the image root/,
    );
    expect(() => requireSymlinkInside('etc/x', ['etc', 'x'], '')).to.throw(MemberError, /empty target/);
  });
});

/** An archive's files held in memory, as the selection reads them. */
function memorySource(files: ArchiveFiles): ArchiveSource {
  return {
    place: { archive: 'oci:/test' },
    has: (name) => files.has(name),
    open: (name) => Readable.from([files.get(name)!]),
  };
}

function blobOf(files: ArchiveFiles, value: unknown): { digest: string; size: number } {
  const bytes = Buffer.from(JSON.stringify(value));
  const digest = sha256(bytes);
  files.set(`blobs/sha256/${digest.slice(7)}`, bytes);
  return { digest, size: bytes.length };
}

describe('image archives: choosing the image', () => {
  const layer = writeTar([{ path: 'a', content: 'a' }]);

  it('takes the build machine architecture from a multi-platform index', async () => {
    const files = ociLayoutFiles([{ layers: [layer] }, { layers: [writeTar([{ path: 'b' }])] }]);
    const index = JSON.parse(files.get('index.json')!.toString()) as { manifests: { platform?: unknown }[] };
    const [amd64, arm64] = index.manifests;
    const nested = blobOf(files, {
      schemaVersion: 2,
      manifests: [
        { ...arm64, platform: { os: 'linux', architecture: 'arm64' } },
        { ...amd64, platform: { os: 'linux', architecture: 'amd64' } },
      ],
    });
    files.set(
      'index.json',
      Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          manifests: [
            { mediaType: 'application/vnd.oci.image.index.v1+json', ...nested, annotations: { [REF]: 'multi:1' } },
          ],
        }),
      ),
    );
    const layers = await selectOciImage(memorySource(files), undefined, 'amd64');
    expect(layers.map((l) => l.diffId)).to.deep.equal([sha256(layer)]);
    expect(layers[0]).to.include({ compression: 'none', digest: sha256(layer) });
    const refused = await selectOciImage(memorySource(files), 'multi:1', 'riscv64').catch((error: Error) => error);
    expect((refused as Error).message).to.match(/platforms: linux\/arm64, linux\/amd64\), none for linux\/riscv64/);
  });

  it('reads a Docker 25 archive (manifest.json naming blobs/sha256 files) and verifies the config digest', async () => {
    const files = ociLayoutFiles([{ layers: [layer] }]);
    const index = JSON.parse(files.get('index.json')!.toString()) as { manifests: { digest: string }[] };
    const manifest = JSON.parse(files.get(`blobs/sha256/${index.manifests[0]!.digest.slice(7)}`)!.toString()) as {
      config: { digest: string };
      layers: { digest: string }[];
    };
    const name = (digest: string) => `blobs/sha256/${digest.slice(7)}`;
    files.set(
      'manifest.json',
      Buffer.from(
        JSON.stringify([
          {
            Config: name(manifest.config.digest),
            RepoTags: ['web:2'],
            Layers: manifest.layers.map((l) => name(l.digest)),
          },
        ]),
      ),
    );
    const layers = await selectDockerImage(memorySource(files), 'web:2');
    expect(layers).to.deep.equal([
      {
        file: name(sha256(layer)),
        name: sha256(layer),
        compression: 'detect',
        digest: sha256(layer),
        diffId: sha256(layer),
      },
    ]);
    files.set(name(manifest.config.digest), Buffer.from('{"rootfs":{"diff_ids":[]}}'));
    const refused = await selectDockerImage(memorySource(files), 'web:2').catch((error: Error) => error);
    expect((refused as Error).message).to.match(/the content's digest is sha256:\w+, not sha256:\w+ \(damaged/);
  });

  it('refuses a docker save manifest naming a file outside the archive', async () => {
    const files = dockerArchiveFiles([{ layers: [layer] }]);
    const manifest = JSON.parse(files.get('manifest.json')!.toString()) as { Layers: string[] }[];
    manifest[0]!.Layers = ['../../etc/shadow'];
    files.set('manifest.json', Buffer.from(JSON.stringify(manifest)));
    const refused = await selectDockerImage(memorySource(files), undefined).catch((error: Error) => error);
    expect((refused as Error).name).to.equal('SpecError');
    expect((refused as Error).message).to.equal(
      'image archive oci:/test, member "manifest.json": not a docker save manifest: 0.Layers.0: expected a ' +
        'relative path inside the archive',
    );
  });

  it('refuses a layer media type it cannot unpack, naming it', async () => {
    const files: ArchiveFiles = new Map();
    const config = blobOf(files, { rootfs: { type: 'layers', diff_ids: [sha256(layer)] } });
    const manifest = blobOf(files, {
      schemaVersion: 2,
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+lz4', digest: sha256(layer), size: 1 }],
    });
    files.set('oci-layout', Buffer.from('{"imageLayoutVersion":"1.0.0"}'));
    const descriptor = { mediaType: 'application/vnd.oci.image.manifest.v1+json', ...manifest };
    files.set('index.json', Buffer.from(JSON.stringify({ schemaVersion: 2, manifests: [descriptor] })));
    const refused = await selectOciImage(memorySource(files), undefined).catch((error: Error) => error);
    expect((refused as Error).message).to.equal(
      `image archive oci:/test, layer ${sha256(layer)}: an unsupported layer media type ` +
        '"application/vnd.oci.image.layer.v1.tar+lz4"',
    );
  });
});

const REF = 'org.opencontainers.image.ref.name';

describe('image archives: a refused archive ends the command', () => {
  it('is rethrown past the host result by execOnce, execWhenReady and the fleet, not made a host error', async () => {
    const refused = refuse({ archive: 'oci:/x.tar', layer: 'sha256:ab', member: '../x' }, 'climbs out');
    expect(refused.name).to.equal('SpecError');
    let caught: unknown;
    try {
      await execOnce(new ScriptedTarget([refused]), [], 1000);
    } catch (error) {
      caught = error;
    }
    expect(caught).to.equal(refused);
    const wait = { timeoutMs: 1000, allowDegraded: true };
    const waited = await execWhenReady(new ScriptedTarget([refused]), [], 1000, wait).catch((error) => error);
    expect(waited).to.equal(refused);
    const fleet = runFleet([new ScriptedTarget([])], {
      concurrency: 1,
      hostTimeoutMs: 10_000,
      work: async () => {
        throw refused;
      },
      stopped: () => 'stopped',
    });
    expect(await fleet.catch((error) => error)).to.equal(refused);
  });
});
