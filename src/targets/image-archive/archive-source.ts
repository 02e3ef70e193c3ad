import { createReadStream, statSync } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { MemberError, refuse, type ArchivePlace } from './errors.js';
import { memberComponents } from './member-rules.js';
import { readTar } from './tar-reader.js';

/** The files of an image archive by name: a directory (an OCI layout) or a tar of one, or a `docker save` tar. */
export interface ArchiveSource {
  readonly place: ArchivePlace;
  has(name: string): boolean;
  /** The file's bytes as a stream; the caller checks the name with `has` first. */
  open(name: string): Readable;
}

/** JSON documents (indexes, manifests, configs) are small; a larger one is refused rather than read. */
const MAX_DOCUMENT_BYTES = 16 * 1024 * 1024;

/** A directory or a tar file; anything else, or a path that cannot be read, is refused (exit 78). */
export async function openArchiveSource(path: string, place: ArchivePlace): Promise<ArchiveSource> {
  let isDirectory: boolean;
  try {
    const stats = statSync(path);
    if (!stats.isDirectory() && !stats.isFile()) throw refuse(place, 'neither a directory nor a file');
    isDirectory = stats.isDirectory();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === undefined) throw error;
    throw refuse(place, code === 'ENOENT' ? `no such file or directory: ${path}` : `cannot read ${path}: ${code}`);
  }
  return isDirectory ? new DirectorySource(path, place) : await TarSource.index(path, place);
}

/** Reads a whole named file (a JSON document) into memory, refusing one larger than the limit. */
export async function readDocument(source: ArchiveSource, name: string, place: ArchivePlace): Promise<Buffer> {
  if (!source.has(name)) throw refuse({ ...place, member: name }, 'missing from the archive');
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of source.open(name)) {
    size += (chunk as Buffer).length;
    if (size > MAX_DOCUMENT_BYTES)
      throw refuse({ ...place, member: name }, `a JSON document larger than ${MAX_DOCUMENT_BYTES} bytes`);
    parts.push(chunk as Buffer);
  }
  return Buffer.concat(parts);
}

class DirectorySource implements ArchiveSource {
  constructor(
    private readonly root: string,
    readonly place: ArchivePlace,
  ) {}

  has(name: string): boolean {
    try {
      return statSync(this.file(name)).isFile();
    } catch {
      return false;
    }
  }

  open(name: string): Readable {
    return createReadStream(this.file(name));
  }

  private file(name: string): string {
    return join(this.root, ...memberComponents(name));
  }
}

/** A file read in chunks from a position that `skip` moves on, so an index of a tar reads only its headers. */
class FileChunks {
  private position = 0;

  private constructor(private readonly file: FileHandle) {}

  static async open(path: string): Promise<FileChunks> {
    return new FileChunks(await open(path, 'r'));
  }

  skip(count: number): void {
    this.position += count;
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Buffer> {
    try {
      for (;;) {
        const buffer = Buffer.allocUnsafe(64 * 1024);
        const { bytesRead } = await this.file.read(buffer, 0, buffer.length, this.position);
        if (bytesRead === 0) return;
        this.position += bytesRead;
        yield buffer.subarray(0, bytesRead);
      }
    } finally {
      await this.file.close();
    }
  }
}

interface TarMember {
  offset: number;
  size: number;
}

/** A tar's regular files, found in one pass and then read by position. */
class TarSource implements ArchiveSource {
  private constructor(
    private readonly path: string,
    private readonly members: Map<string, TarMember>,
    readonly place: ArchivePlace,
  ) {}

  static async index(path: string, place: ArchivePlace): Promise<TarSource> {
    const members = new Map<string, TarMember>();
    try {
      for await (const entry of readTar(await FileChunks.open(path))) {
        if (entry.type !== 'file') continue;
        const name = memberComponents(entry.path).join('/');
        if (members.has(name)) throw new MemberError('the archive holds this file twice', entry.path);
        members.set(name, { offset: entry.dataOffset, size: entry.size });
      }
    } catch (error) {
      if (error instanceof MemberError) throw refuse({ ...place, member: error.member }, error.message);
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== undefined) throw refuse(place, `cannot read ${path}: ${code}`);
      throw error;
    }
    return new TarSource(path, members, place);
  }

  has(name: string): boolean {
    return this.members.has(this.key(name));
  }

  open(name: string): Readable {
    const member = this.members.get(this.key(name))!;
    if (member.size === 0) return Readable.from([]);
    return createReadStream(this.path, { start: member.offset, end: member.offset + member.size - 1 });
  }

  private key(name: string): string {
    return memberComponents(name).join('/');
  }
}
