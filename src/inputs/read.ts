import { isUtf8 } from 'node:buffer';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { resolve } from 'node:path';
import { SpecError } from './input-error.js';
import { describeSize, INPUT_KINDS, type InputKindName } from './kinds.js';
import { firstInvalidUtf8, linePosition } from './utf8.js';

/**
 * The one reader of every input file: `path` is shown as given and read from `cwd`. A file that
 * is missing, unreadable, larger than its kind's limit or not UTF-8 is a SpecError naming it.
 */
export function readInputFile(path: string, kind: InputKindName, cwd: string = process.cwd()): string {
  const bytes = readBounded(path, kind, cwd);
  // isUtf8 is native and fast; the byte-by-byte scan runs only to say where a bad byte is.
  const bad = isUtf8(bytes) ? -1 : firstInvalidUtf8(bytes);
  if (bad >= 0) {
    const { line, col } = linePosition(bytes, bad);
    const byte = bytes[bad]!.toString(16).toUpperCase().padStart(2, '0');
    throw new SpecError(notUtf8Message(byte), `${path}:${line}:${col}`);
  }
  return bytes.toString('utf8');
}

const CHUNK = 64 * 1024;

/** Reads at most one chunk beyond the limit, so that a pipe or a device never fills the memory. */
function readBounded(path: string, kind: InputKindName, cwd: string): Buffer {
  const fd = openInput(path, kind, cwd);
  try {
    return readAll(fd, path, kind);
  } catch (error) {
    throw readError(error, path, kind);
  } finally {
    closeSync(fd);
  }
}

function openInput(path: string, kind: InputKindName, cwd: string): number {
  try {
    return openSync(resolve(cwd, path), 'r');
  } catch (error) {
    throw readError(error, path, kind);
  }
}

/** The kind's size limit, and how a message names it; a file already larger is refused. */
function sizeLimit(fd: number, path: string, kind: InputKindName): { maxBytes: number; limit: string } {
  const { noun, maxBytes } = INPUT_KINDS[kind];
  const limit = `the limit of ${describeSize(maxBytes)} for ${withArticle(noun)}`;
  const { size } = fstatSync(fd);
  if (size > maxBytes) throw new SpecError(`the file is ${size} bytes, more than ${limit}`, path);
  return { maxBytes, limit };
}

function readAll(fd: number, path: string, kind: InputKindName): Buffer {
  const { maxBytes, limit } = sizeLimit(fd, path, kind);
  const chunks: Buffer[] = [];
  let total = 0;
  for (;;) {
    const chunk = Buffer.allocUnsafe(CHUNK);
    const count = readSync(fd, chunk, 0, CHUNK, null);
    if (count === 0) return Buffer.concat(chunks, total);
    chunks.push(chunk.subarray(0, count));
    total += count;
    if (total > maxBytes) throw new SpecError(`the file is larger than ${limit}`, path);
  }
}

/**
 * The same file as `readInputFile` reads, with the same checks, as text in pieces of some 64 KiB:
 * for a file too large to hold whole. A bad byte is named at its line and column as there.
 */
export function* readInputPieces(
  path: string,
  kind: InputKindName,
  cwd: string = process.cwd(),
): Generator<string, void, undefined> {
  const fd = openInput(path, kind, cwd);
  try {
    yield* decodedPieces(fd, path, kind);
  } catch (error) {
    throw readError(error, path, kind);
  } finally {
    closeSync(fd);
  }
}

function* decodedPieces(fd: number, path: string, kind: InputKindName): Generator<string, void, undefined> {
  const { maxBytes, limit } = sizeLimit(fd, path, kind);
  const place = new TextPlace();
  let carry = Buffer.alloc(0);
  let total = 0;
  for (;;) {
    const chunk = Buffer.allocUnsafe(CHUNK);
    const count = readSync(fd, chunk, 0, CHUNK, null);
    total += count;
    if (total > maxBytes) throw new SpecError(`the file is larger than ${limit}`, path);
    const bytes = carry.length === 0 ? chunk.subarray(0, count) : Buffer.concat([carry, chunk.subarray(0, count)]);
    const bad = isUtf8(bytes) ? -1 : firstInvalidUtf8(bytes);
    // A character cut by the end of the chunk: kept for the next one, unless the file ends there.
    const cut = bad >= 0 && count > 0 && bytes.length - bad < 4;
    if (bad >= 0 && !cut) throw place.notUtf8(bytes, bad, path);
    const text = bytes.subarray(0, bad >= 0 ? bad : bytes.length).toString('utf8');
    carry = bad >= 0 ? Buffer.from(bytes.subarray(bad)) : Buffer.alloc(0);
    place.advance(text);
    if (text.length > 0) yield text;
    if (count === 0) return;
  }
}

/** How many lines have gone by and how many characters of the current one, for naming a bad byte. */
class TextPlace {
  private lines = 0;
  private columns = 0;

  advance(text: string): void {
    const newline = text.lastIndexOf('\n');
    if (newline >= 0) {
      this.lines += text.split('\n').length - 1;
      this.columns = [...text.slice(newline + 1)].length;
    } else this.columns += [...text].length;
  }

  notUtf8(bytes: Buffer, bad: number, path: string): SpecError {
    const { line, col } = linePosition(bytes, bad);
    const at = `${path}:${this.lines + line}:${line === 1 ? this.columns + col : col}`;
    const byte = bytes[bad]!.toString(16).toUpperCase().padStart(2, '0');
    return new SpecError(notUtf8Message(byte), at);
  }
}

function notUtf8Message(byte: string): string {
  return `not UTF-8: byte 0x${byte} here is not valid UTF-8; save the file as UTF-8`;
}

function readError(error: unknown, path: string, kind: InputKindName): SpecError {
  if (error instanceof SpecError) return error;
  const { noun, directory } = INPUT_KINDS[kind] as { noun: string; directory?: string };
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new SpecError(`${noun} not found`, path);
  if (code === 'EISDIR') return new SpecError(directory ?? `is a directory, not ${withArticle(noun)}`, path);
  return new SpecError(`cannot read the ${noun}: ${code ?? (error as Error).message}`, path);
}

function withArticle(noun: string): string {
  return `${/^[aeiou]/.test(noun) ? 'an' : 'a'} ${noun}`;
}
