import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { pipeline, Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type { ArchiveSource } from './archive-source.js';
import { MemberError } from './errors.js';
import type { Compression, LayerPlan } from './select-image.js';
import { readTar, type TarEntry } from './tar-reader.js';

/** A layer's members, its stored and uncompressed bytes hashed as they pass; `verify` after the last member. */
export interface LayerStream {
  entries: AsyncIterable<TarEntry>;
  /** What does not match (a digest or size), for the caller to refuse with the archive and layer named. */
  verify(): string | undefined;
}

const GZIP_MAGIC = Buffer.from([0x1f, 0x8b]);
const ZSTD_MAGIC = Buffer.from([0x28, 0xb5, 0x2f, 0xfd]);

export function openLayer(source: ArchiveSource, layer: LayerPlan): LayerStream {
  const stored = new HashTap();
  // An uncompressed layer is hashed once: its stored bytes are its tar.
  let uncompressed = stored;
  const raw = stored.tap(source.open(layer.file));
  const entries = readTar(
    decompress(raw, layer, () => {
      uncompressed = new HashTap();
      return uncompressed;
    }),
  );
  return {
    entries,
    verify() {
      if (layer.size !== undefined && stored.size !== layer.size)
        return `the layer blob holds ${stored.size} bytes where the manifest says ${layer.size}`;
      if (layer.digest !== undefined && stored.digest() !== layer.digest)
        return `the layer blob's digest is ${stored.digest()}, not ${layer.digest} (damaged or altered)`;
      if (uncompressed.digest() !== layer.diffId)
        return `the uncompressed layer's digest is ${uncompressed.digest()}, not the config's diff_id ${layer.diffId}`;
      return undefined;
    },
  };
}

class HashTap {
  private readonly hash = createHash('sha256');
  size = 0;
  private result?: string;

  async *tap(chunks: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
    for await (const chunk of chunks) {
      this.hash.update(chunk);
      this.size += chunk.length;
      yield chunk;
    }
  }

  digest(): string {
    this.result ??= `sha256:${this.hash.digest('hex')}`;
    return this.result;
  }
}

async function* decompress(
  raw: AsyncIterable<Buffer>,
  layer: LayerPlan,
  hashUncompressed: () => HashTap,
): AsyncGenerator<Buffer> {
  const { compression, rest } = await sniff(raw, layer.compression);
  if (compression === 'none') return yield* rest;
  const tap = hashUncompressed();
  if (compression === 'gzip') return yield* tap.tap(gunzip(rest));
  return yield* tap.tap(unzstd(rest, layer.mediaType));
}

/** Looks at the first bytes when the archive does not say how a layer is compressed (docker save). */
async function sniff(
  raw: AsyncIterable<Buffer>,
  stated: Compression,
): Promise<{ compression: Exclude<Compression, 'detect'>; rest: AsyncIterable<Buffer> }> {
  if (stated !== 'detect') return { compression: stated, rest: raw };
  const iterator = raw[Symbol.asyncIterator]();
  const first = await iterator.next();
  const head: Buffer = first.done ? Buffer.alloc(0) : first.value;
  const rest = (async function* () {
    if (head.length > 0) yield head;
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield next.value;
  })();
  if (head.subarray(0, 2).equals(GZIP_MAGIC)) return { compression: 'gzip', rest };
  if (head.subarray(0, 4).equals(ZSTD_MAGIC)) return { compression: 'zstd', rest };
  return { compression: 'none', rest };
}

async function* gunzip(compressed: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  const output = pipeline(Readable.from(compressed), createGunzip(), () => undefined);
  try {
    for await (const chunk of output) yield chunk as Buffer;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code?.startsWith('Z_'))
      throw new MemberError(`corrupt gzip layer: ${(error as Error).message}`);
    throw error;
  }
}

/** zstd layers go through the `zstd` program: Node's zlib has no zstd before Node 22. */
async function* unzstd(compressed: AsyncIterable<Buffer>, mediaType = 'zstd-compressed'): AsyncGenerator<Buffer> {
  const child = spawn('zstd', ['-d', '-c', '-q'], { stdio: ['pipe', 'pipe', 'pipe'] });
  const exited = new Promise<{ code: number | null; error?: NodeJS.ErrnoException }>((resolve) => {
    child.once('error', (error) => resolve({ code: null, error }));
    child.once('close', (code) => resolve({ code }));
  });
  const stderr: Buffer[] = [];
  child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
  pipeline(Readable.from(compressed), child.stdin, () => undefined);
  let read = false;
  try {
    for await (const chunk of child.stdout) yield chunk as Buffer;
    read = true;
  } finally {
    // Only a reader that stopped early ends zstd: once its output has ended, zstd may not have
    // exited yet, and its exit status is the verdict on the layer.
    if (!read && child.exitCode === null) child.kill('SIGKILL');
  }
  const { code, error } = await exited;
  if (error?.code === 'ENOENT')
    throw new MemberError(`a ${mediaType} layer needs the zstd program to unpack, and it is not installed`);
  if (error) throw error;
  if (code !== 0)
    throw new MemberError(`corrupt zstd layer: ${Buffer.concat(stderr).toString('utf8').trim().slice(0, 300)}`);
}
