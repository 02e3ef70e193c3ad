import { MemberError } from './errors.js';

export type TarEntryType = 'file' | 'hardlink' | 'symlink' | 'directory' | 'character-device' | 'block-device' | 'fifo';

/** One member of a tar, its name as written (not yet judged safe). */
export interface TarEntry {
  path: string;
  type: TarEntryType;
  mode: number;
  uid: number;
  gid: number;
  /** Seconds since the epoch, fractions kept from a pax header. */
  mtime: number;
  /** Bytes of content; 0 for every type but a file. */
  size: number;
  /** A link's target as written; '' for other types. */
  linkTarget: string;
  /** Where the content starts in the tar stream (for reading a member again by position). */
  dataOffset: number;
  /** The content, in chunks; read it before asking for the next member, or it is skipped. */
  body: AsyncIterable<Buffer>;
}

const BLOCK = 512;
/** A pax or GNU long-name header larger than this is not a name but a memory bomb. */
const MAX_META_BYTES = 1024 * 1024;
const BODY_CHUNK = 1024 * 1024;

const TYPES: Record<string, TarEntryType> = {
  '0': 'file',
  '\0': 'file',
  '7': 'file',
  '1': 'hardlink',
  '2': 'symlink',
  '3': 'character-device',
  '4': 'block-device',
  '5': 'directory',
  '6': 'fifo',
};

/** Bytes of a tar; a file read by position can skip content nobody reads instead of reading it. */
export type TarSource = AsyncIterable<Buffer> & { skip?(count: number): void };

/** What pax (`x`) and GNU (`L`, `K`) headers say about the member that follows them. */
interface Overrides {
  path?: string;
  linkTarget?: string;
  size?: number;
  uid?: number;
  gid?: number;
  mtime?: number;
}

/**
 * Reads a tar stream member by member without holding more than one chunk of content: ustar, GNU
 * long names and links, and pax headers (path, linkpath, size, uid, gid, mtime). A header whose
 * checksum does not add up, a stream that ends inside a member or before the end-of-archive
 * block, and a member type other than file, link, directory, device or FIFO are refused.
 * After the end-of-archive block the rest of the stream is read and dropped, so a digest taken
 * of the stream covers all of it.
 */
export async function* readTar(source: TarSource): AsyncGenerator<TarEntry> {
  const input = new ByteQueue(source);
  try {
    yield* readMembers(input);
  } finally {
    await input.close();
  }
}

async function* readMembers(input: ByteQueue): AsyncGenerator<TarEntry> {
  let overrides: Overrides = {};
  let previous: string | undefined;
  for (;;) {
    const block = await input.take(BLOCK);
    if (block.length === 0) throw new MemberError(truncated('before the end-of-archive block', previous));
    if (block.length < BLOCK) throw new MemberError(truncated('inside a header', previous));
    if (isZeroBlock(block)) {
      await input.drain();
      return;
    }
    const header = parseHeader(block, previous);
    const typeFlag = String.fromCharCode(block[156]!);
    if (typeFlag === 'x' || typeFlag === 'g' || typeFlag === 'L' || typeFlag === 'K') {
      const data = await readMeta(input, header, typeFlag, previous);
      if (typeFlag === 'x') overrides = { ...overrides, ...parsePax(data, header.path) };
      if (typeFlag === 'L') overrides.path = cString(data, header.path);
      if (typeFlag === 'K') overrides.linkTarget = cString(data, header.path);
      continue;
    }
    const type = TYPES[typeFlag];
    const path = overrides.path ?? header.path;
    if (!type) throw new MemberError(`unsupported tar member type ${JSON.stringify(typeFlag)}`, path);
    const size = type === 'file' ? (overrides.size ?? header.size) : 0;
    const entry = {
      path,
      type,
      mode: header.mode,
      uid: overrides.uid ?? header.uid,
      gid: overrides.gid ?? header.gid,
      mtime: overrides.mtime ?? header.mtime,
      size,
      linkTarget: type === 'hardlink' || type === 'symlink' ? (overrides.linkTarget ?? header.linkTarget) : '',
    };
    overrides = {};
    previous = path;
    const body = new BodyReader(input, size, path);
    yield { ...entry, dataOffset: input.position, body };
    await body.skipRest();
    await skipPadding(input, size, path);
  }
}

function truncated(where: string, previous: string | undefined): string {
  const after = previous === undefined ? '' : ` (after member ${JSON.stringify(previous)})`;
  return `the tar is truncated: it ends ${where}${after}`;
}

async function readMeta(input: ByteQueue, header: Header, typeFlag: string, previous?: string): Promise<Buffer> {
  if (header.size > MAX_META_BYTES)
    throw new MemberError(
      `a ${typeFlag === 'x' || typeFlag === 'g' ? 'pax' : 'GNU long-name'} header of ${header.size} bytes ` +
        `(at most ${MAX_META_BYTES} allowed)`,
      header.path,
    );
  const data = await input.take(header.size);
  if (data.length < header.size) throw new MemberError(truncated('inside an extended header', previous));
  await skipPadding(input, header.size, header.path);
  return data;
}

async function skipPadding(input: ByteQueue, size: number, path: string): Promise<void> {
  const padding = (BLOCK - (size % BLOCK)) % BLOCK;
  if (padding === 0) return;
  const skipped = await input.take(padding);
  if (skipped.length < padding) throw new MemberError(truncated('inside a member', path), path);
}

interface Header {
  path: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  linkTarget: string;
}

function parseHeader(block: Buffer, previous: string | undefined): Header {
  const name = cString(block.subarray(0, 100), previous);
  verifyChecksum(block, name);
  const posix = block.subarray(257, 263).toString('latin1') === 'ustar\0';
  const prefix = posix ? cString(block.subarray(345, 500), name) : '';
  const path = prefix === '' ? name : `${prefix}/${name}`;
  return {
    path,
    mode: readNumber(block, 100, 8, 'mode', path) & 0o7777,
    uid: readNumber(block, 108, 8, 'uid', path),
    gid: readNumber(block, 116, 8, 'gid', path),
    size: readNumber(block, 124, 12, 'size', path),
    mtime: readNumber(block, 136, 12, 'mtime', path),
    linkTarget: cString(block.subarray(157, 257), path),
  };
}

function verifyChecksum(block: Buffer, name: string): void {
  const stored = parseOctal(block.subarray(148, 156));
  let unsigned = 0;
  let signed = 0;
  for (let index = 0; index < BLOCK; index++) {
    const byte = index >= 148 && index < 156 ? 0x20 : block[index]!;
    unsigned += byte;
    signed += byte > 127 ? byte - 256 : byte;
  }
  if (stored === undefined || (stored !== unsigned && stored !== signed))
    throw new MemberError('corrupt tar: a header checksum does not match (not a tar, or damaged)', name || undefined);
}

/** Octal digits (NUL- or space-terminated), or GNU base-256 when the high bit of the first byte is set. */
function readNumber(block: Buffer, offset: number, length: number, field: string, path: string): number {
  const bytes = block.subarray(offset, offset + length);
  if (bytes[0]! & 0x80) {
    if (bytes[0] === 0xff) throw new MemberError(`negative ${field} in the header`, path);
    let value = BigInt(bytes[0]! & 0x7f);
    for (const byte of bytes.subarray(1)) value = (value << 8n) | BigInt(byte);
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new MemberError(`${field} too large in the header`, path);
    return Number(value);
  }
  const value = parseOctal(bytes);
  if (value === undefined) throw new MemberError(`the header's ${field} is not an octal number`, path);
  return value;
}

function parseOctal(bytes: Buffer): number | undefined {
  const text = bytes
    .toString('latin1')
    .replace(/[\0 ]+$/, '')
    .replace(/^ +/, '');
  if (!/^[0-7]*$/.test(text)) return undefined;
  return text === '' ? 0 : Number.parseInt(text, 8);
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

function cString(bytes: Buffer, member: string | undefined): string {
  const end = bytes.indexOf(0);
  try {
    return UTF8.decode(end === -1 ? bytes : bytes.subarray(0, end));
  } catch {
    throw new MemberError('a member name is not valid UTF-8', member);
  }
}

/** Records `LENGTH key=value\n`; the length counts the whole record. */
function parsePax(data: Buffer, member: string): Overrides {
  const overrides: Overrides = {};
  let offset = 0;
  while (offset < data.length) {
    const space = data.indexOf(0x20, offset);
    const lengthText = space === -1 ? '' : data.subarray(offset, space).toString('latin1');
    const length = /^[1-9][0-9]*$/.test(lengthText) ? Number(lengthText) : Number.NaN;
    const end = offset + length;
    if (!Number.isSafeInteger(length) || end > data.length || data[end - 1] !== 0x0a)
      throw new MemberError('corrupt tar: a malformed pax header record', member);
    const record = cString(data.subarray(space + 1, end - 1), member);
    const equals = record.indexOf('=');
    if (equals === -1) throw new MemberError('corrupt tar: a pax header record without "="', member);
    applyPax(overrides, record.slice(0, equals), record.slice(equals + 1), member);
    offset = end;
  }
  return overrides;
}

function applyPax(overrides: Overrides, key: string, value: string, member: string): void {
  if (key === 'path') overrides.path = value;
  else if (key === 'linkpath') overrides.linkTarget = value;
  else if (key === 'size' || key === 'uid' || key === 'gid') overrides[key] = paxInteger(key, value, member);
  else if (key === 'mtime') {
    if (!/^-?[0-9]+(\.[0-9]+)?$/.test(value)) throw new MemberError(`pax mtime ${JSON.stringify(value)}`, member);
    overrides.mtime = Number(value);
  }
}

function paxInteger(key: string, value: string, member: string): number {
  const number = /^[0-9]+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(number))
    throw new MemberError(`the pax ${key} ${JSON.stringify(value)} is not a whole number`, member);
  return number;
}

function isZeroBlock(block: Buffer): boolean {
  for (const byte of block) if (byte !== 0) return false;
  return true;
}

/** A member's content, read straight from the stream. */
class BodyReader implements AsyncIterable<Buffer> {
  private remaining: number;

  constructor(
    private readonly input: ByteQueue,
    size: number,
    private readonly path: string,
  ) {
    this.remaining = size;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Buffer> {
    while (this.remaining > 0) {
      const chunk = await this.input.takeSome(Math.min(this.remaining, BODY_CHUNK));
      if (chunk.length === 0) throw new MemberError(truncated('inside a member', this.path), this.path);
      this.remaining -= chunk.length;
      yield chunk;
    }
  }

  async skipRest(): Promise<void> {
    await this.input.skip(this.remaining);
    this.remaining = 0;
  }
}

/** Bytes from an async source, taken by exact counts without copying more than needed. */
class ByteQueue {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private ended = false;
  private readonly iterator: AsyncIterator<Buffer>;
  /** Bytes handed out so far. */
  position = 0;

  constructor(private readonly source: TarSource) {
    this.iterator = source[Symbol.asyncIterator]();
  }

  /** Drops `count` bytes: by position where the source can, else by reading them; a short stream is truncated. */
  async skip(count: number): Promise<void> {
    const fromBuffer = Math.min(count, this.buffered);
    this.consume(fromBuffer);
    let rest = count - fromBuffer;
    if (rest > 0 && this.source.skip && !this.ended) {
      this.source.skip(rest);
      this.position += rest;
      return;
    }
    while (rest > 0) {
      const chunk = await this.takeSome(Math.min(rest, BODY_CHUNK));
      if (chunk.length === 0) throw new MemberError(truncated('inside a member', undefined));
      rest -= chunk.length;
    }
  }

  /** Exactly `count` bytes, or fewer only when the stream ended. */
  async take(count: number): Promise<Buffer> {
    await this.fill(count);
    return this.consume(Math.min(count, this.buffered));
  }

  /** At least one byte and at most `max`; empty only at the end of the stream. */
  async takeSome(max: number): Promise<Buffer> {
    await this.fill(1);
    return this.consume(Math.min(max, this.chunks[0]?.length ?? 0));
  }

  /** Lets go of the source when reading stops early (a refusal): a file is closed. */
  async close(): Promise<void> {
    if (!this.ended) await this.iterator.return?.();
  }

  async drain(): Promise<void> {
    this.chunks = [];
    this.buffered = 0;
    while (!this.ended) await this.pull();
  }

  private async fill(count: number): Promise<void> {
    while (this.buffered < count && !this.ended) await this.pull();
  }

  private async pull(): Promise<void> {
    const next = await this.iterator.next();
    if (next.done) {
      this.ended = true;
      return;
    }
    const chunk = Buffer.isBuffer(next.value) ? next.value : Buffer.from(next.value);
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.buffered += chunk.length;
  }

  private consume(count: number): Buffer {
    const parts: Buffer[] = [];
    let needed = count;
    while (needed > 0) {
      const head = this.chunks[0]!;
      if (head.length <= needed) {
        parts.push(head);
        this.chunks.shift();
        needed -= head.length;
      } else {
        parts.push(head.subarray(0, needed));
        this.chunks[0] = head.subarray(needed);
        needed = 0;
      }
    }
    this.buffered -= count;
    this.position += count;
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts, count);
  }
}
