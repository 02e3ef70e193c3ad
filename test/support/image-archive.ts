import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

/** A tar member as a test writes it: any name, any type, even what GNU tar refuses to write. */
export interface TestMember {
  path: string;
  type?: 'file' | 'directory' | 'symlink' | 'hardlink' | 'character-device' | 'block-device' | 'fifo';
  content?: Buffer | string;
  /** A size written into the header in place of the content's (a declared bomb). */
  declaredSize?: number;
  linkTarget?: string;
  mode?: number;
  uid?: number;
  gid?: number;
  mtime?: number;
}

const TYPE_FLAGS = {
  file: '0',
  hardlink: '1',
  symlink: '2',
  'character-device': '3',
  'block-device': '4',
  directory: '5',
  fifo: '6',
} as const;

/** A tar (POSIX ustar, pax headers for long names and large sizes), ended by two zero blocks unless `end` is false. */
export function writeTar(members: readonly TestMember[], options: { end?: boolean } = {}): Buffer {
  const blocks: Buffer[] = [];
  for (const member of members) {
    const content = Buffer.from(member.content ?? '');
    const size = member.declaredSize ?? content.length;
    const pax: Record<string, string> = {};
    if (Buffer.byteLength(member.path) > 100) pax.path = member.path;
    if (Buffer.byteLength(member.linkTarget ?? '') > 100) pax.linkpath = member.linkTarget!;
    if (size > 0o77777777777) pax.size = String(size);
    if (Object.keys(pax).length > 0) {
      const records = Buffer.from(
        Object.entries(pax)
          .map(([key, value]) => paxRecord(key, value))
          .join(''),
      );
      blocks.push(header({ path: 'PaxHeader', size: records.length, typeFlag: 'x' }), padded(records));
    }
    blocks.push(
      header({
        path: member.path.slice(0, 100),
        size: pax.size ? 0 : size,
        typeFlag: TYPE_FLAGS[member.type ?? 'file'],
        linkTarget: (member.linkTarget ?? '').slice(0, 100),
        mode: member.mode ?? (member.type === 'directory' ? 0o755 : 0o644),
        uid: member.uid ?? 0,
        gid: member.gid ?? 0,
        mtime: member.mtime ?? 1_700_000_000,
      }),
    );
    if (content.length > 0) blocks.push(padded(content));
  }
  if (options.end !== false) blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  let length = Buffer.byteLength(body) + 1;
  while (String(length).length + Buffer.byteLength(body) !== length) length += 1;
  return `${length}${body}`;
}

interface HeaderFields {
  path: string;
  size: number;
  typeFlag: string;
  linkTarget?: string;
  mode?: number;
  uid?: number;
  gid?: number;
  mtime?: number;
}

function header(fields: HeaderFields): Buffer {
  const block = Buffer.alloc(512);
  block.write(fields.path, 0, 100, 'utf8');
  octal(block, 100, 8, fields.mode ?? 0o644);
  octal(block, 108, 8, fields.uid ?? 0);
  octal(block, 116, 8, fields.gid ?? 0);
  octal(block, 124, 12, fields.size);
  octal(block, 136, 12, fields.mtime ?? 1_700_000_000);
  block.write(fields.typeFlag, 156, 1, 'latin1');
  block.write(fields.linkTarget ?? '', 157, 100, 'utf8');
  block.write('ustar\0', 257, 6, 'latin1');
  block.write('00', 263, 2, 'latin1');
  block.fill(0x20, 148, 156);
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'latin1');
  return block;
}

function octal(block: Buffer, offset: number, length: number, value: number): void {
  block.write(`${value.toString(8).padStart(length - 1, '0')}\0`, offset, length, 'latin1');
}

function padded(content: Buffer): Buffer {
  const padding = (512 - (content.length % 512)) % 512;
  return padding === 0 ? content : Buffer.concat([content, Buffer.alloc(padding)]);
}

export function sha256(bytes: Buffer): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/** One image for an archive: its layers as uncompressed tars, and how it is named. */
export interface TestImage {
  layers: readonly Buffer[];
  /** OCI: the ref.name annotation; docker-archive: the RepoTags. */
  references?: readonly string[];
  /** How the OCI layout stores the layers (uncompressed by default; zstd through the zstd program). */
  compression?: 'gzip' | 'zstd';
}

/** The files of an archive, by name: written as a directory or as a tar. */
export type ArchiveFiles = Map<string, Buffer>;

function blobName(digest: string): string {
  return `blobs/sha256/${digest.slice('sha256:'.length)}`;
}

function imageConfig(layers: readonly Buffer[]): Buffer {
  return Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      config: {},
      rootfs: { type: 'layers', diff_ids: layers.map(sha256) },
    }),
  );
}

function compress(layer: Buffer, compression: TestImage['compression']): Buffer {
  if (compression === 'gzip') return gzipSync(layer);
  if (compression === 'zstd') return execFileSync('zstd', ['-q', '-c'], { input: layer, maxBuffer: 1024 ** 3 });
  return layer;
}

/** An OCI image layout: oci-layout, index.json, and every blob under blobs/sha256. */
export function ociLayoutFiles(images: readonly TestImage[]): ArchiveFiles {
  const files: ArchiveFiles = new Map();
  const addBlob = (bytes: Buffer) => {
    const digest = sha256(bytes);
    files.set(blobName(digest), bytes);
    return { digest, size: bytes.length };
  };
  const manifests = images.map((image) => {
    const layers = image.layers.map((layer) => ({
      mediaType: `application/vnd.oci.image.layer.v1.tar${image.compression ? `+${image.compression}` : ''}`,
      ...addBlob(compress(layer, image.compression)),
    }));
    const config = { mediaType: 'application/vnd.oci.image.config.v1+json', ...addBlob(imageConfig(image.layers)) };
    const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, config, layers }));
    const reference = image.references?.[0];
    return {
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      ...addBlob(manifest),
      ...(reference ? { annotations: { 'org.opencontainers.image.ref.name': reference } } : {}),
    };
  });
  files.set('oci-layout', Buffer.from(JSON.stringify({ imageLayoutVersion: '1.0.0' })));
  files.set('index.json', Buffer.from(JSON.stringify({ schemaVersion: 2, manifests })));
  return files;
}

/** A `docker save` archive as Docker before 25 wrote it: manifest.json, HEX.json configs, ID/layer.tar layers. */
export function dockerArchiveFiles(images: readonly TestImage[]): ArchiveFiles {
  const files: ArchiveFiles = new Map();
  const manifest = images.map((image) => {
    const config = imageConfig(image.layers);
    const configName = `${sha256(config).slice('sha256:'.length)}.json`;
    files.set(configName, config);
    const layers = image.layers.map((layer, index) => {
      const id = createHash('sha256').update(`${configName}/${index}`).digest('hex');
      files.set(`${id}/layer.tar`, layer);
      return `${id}/layer.tar`;
    });
    return { Config: configName, RepoTags: image.references ?? [], Layers: layers };
  });
  files.set('manifest.json', Buffer.from(JSON.stringify(manifest)));
  return files;
}

export function writeArchiveDirectory(directory: string, files: ArchiveFiles): void {
  for (const [name, bytes] of files) {
    mkdirSync(join(directory, name, '..'), { recursive: true });
    writeFileSync(join(directory, name), bytes);
  }
}

export function archiveTar(files: ArchiveFiles): Buffer {
  return writeTar([...files].map(([path, content]) => ({ path, content })));
}
