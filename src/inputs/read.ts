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
    const message = `not UTF-8: byte 0x${byte} here is not valid UTF-8; save the file as UTF-8`;
    throw new SpecError(message, `${path}:${line}:${col}`);
  }
  return bytes.toString('utf8');
}

const CHUNK = 64 * 1024;

/** Reads at most one chunk beyond the limit, so that a pipe or a device never fills the memory. */
function readBounded(path: string, kind: InputKindName, cwd: string): Buffer {
  let fd: number;
  try {
    fd = openSync(resolve(cwd, path), 'r');
  } catch (error) {
    throw readError(error, path, kind);
  }
  try {
    return readAll(fd, path, kind);
  } catch (error) {
    throw readError(error, path, kind);
  } finally {
    closeSync(fd);
  }
}

function readAll(fd: number, path: string, kind: InputKindName): Buffer {
  const { noun, maxBytes } = INPUT_KINDS[kind];
  const limit = `the limit of ${describeSize(maxBytes)} for ${withArticle(noun)}`;
  const { size } = fstatSync(fd);
  if (size > maxBytes) throw new SpecError(`the file is ${size} bytes, more than ${limit}`, path);
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
