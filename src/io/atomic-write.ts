import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { mkdir, open, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { onProcessExit } from './exit-hooks.js';

/**
 * A file driftspec was asked to write (a report, a snapshot, a generated spec) could not be
 * written: names the path and the reason. The CLI exits with EXIT.output for it.
 */
export class OutputFileError extends Error {
  override name = 'OutputFileError';
  constructor(
    readonly path: string,
    reason: string,
  ) {
    super(`cannot write ${path}: ${reason}`);
  }
}

/** The reason in an fs error, without Node's repetition of the call and path. */
function reasonOf(error: unknown): string {
  const { code, message } = error as NodeJS.ErrnoException;
  const reasons: Record<string, string> = {
    EROFS: 'the file system is read-only',
    EACCES: 'permission denied',
    EPERM: 'operation not permitted',
    EISDIR: 'it is a directory',
    ENOENT: 'it cannot be created there (no such file or directory)',
    ENOTDIR: 'a parent is not a directory',
    ENOSPC: 'no space left on the device',
    EDQUOT: 'the disk quota is exhausted',
  };
  return (code && reasons[code]) ?? message;
}

/** Runs a file-system step of writing `path`; its failure becomes an OutputFileError naming `path`. */
async function writingStep<T>(path: string, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === undefined) throw error;
    throw new OutputFileError(path, reasonOf(error));
  }
}

/**
 * Writes a whole file or nothing: the content goes to a temporary file beside the target, which
 * is flushed to disk and then renamed over it, so a reader (or a crash) never sees half a report.
 * Folders are created.
 */
export async function writeFileAtomically(path: string, content: string | Uint8Array): Promise<void> {
  await writeStreamAtomically(path, (write) => write(content));
}

/**
 * The streaming twin of writeFileAtomically, for content too large to build as one string:
 * `produce` writes piece by piece (each write waits for the disk), then the file is renamed
 * into place; on any failure (`produce` throwing half-way too) the temporary file is removed and
 * nothing appears at `path`, nor is a file already there touched.
 */
export async function writeStreamAtomically(
  path: string,
  produce: (write: (content: string | Uint8Array) => Promise<void>) => Promise<void>,
): Promise<void> {
  const file = await prepareFileAtomically(path, produce);
  await file.commit();
}

/** Writes pieces of text atomically, gathered into writes of about `WRITE_CHUNK_CHARS`. */
export async function writePiecesAtomically(path: string, pieces: Iterable<string>): Promise<void> {
  await writeStreamAtomically(path, (write) => writeChunksOverlapped(chunkPieces(pieces), write));
}

/**
 * Writes the chunks in order, one write in flight while the next chunk is made: a report's text
 * is rendered as it is written, and waiting for each write before rendering more left the process
 * idle for 14–17 % of a CPU profile of 1,000 hosts' reports. A chunk that fails to be made waits for
 * the write in flight before its error goes on.
 */
export async function writeChunksOverlapped(
  chunks: Iterable<string>,
  write: (content: string) => Promise<void>,
): Promise<void> {
  let inFlight: Promise<void> = Promise.resolve();
  try {
    for (const chunk of chunks) {
      await inFlight;
      inFlight = write(chunk);
      // Its failure is taken up when it is awaited, before the next write or at the end.
      inFlight.catch(() => undefined);
    }
  } catch (error) {
    await inFlight.catch(() => undefined);
    throw error;
  }
  await inFlight;
}

/** A file written in full beside its target, not yet in place. */
export interface PreparedFile {
  /** Renames the file over its target. */
  commit(): Promise<void>;
  /** Removes the file; the target stays as it was. */
  discard(): Promise<void>;
}

/**
 * The first half of an atomic write: the whole content in a temporary file beside `path`, on disk
 * (fsync). Several files prepared first and committed together appear only when every one of them
 * could be written; discard the prepared ones when a later one fails.
 */
export async function prepareFileAtomically(
  path: string,
  produce: (write: (content: string | Uint8Array) => Promise<void>) => Promise<void>,
): Promise<PreparedFile> {
  const existing = await stat(path).catch(() => undefined);
  if (existing?.isDirectory()) throw new OutputFileError(path, 'it is a directory');
  if (existing && !existing.isFile()) return writtenInPlace(path, produce);
  await writingStep(path, () => mkdir(dirname(path), { recursive: true }));
  const temporary = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const handle = await writingStep(path, () => open(temporary, 'wx'));
  // A signal or an exit half-way leaves no temporary file behind either.
  const cancelExitHook = onProcessExit(() => rmSync(temporary, { force: true }));
  const removeTemporary = async () => {
    cancelExitHook();
    await rm(temporary, { force: true });
  };
  try {
    try {
      await produce(writerTo(handle, path));
      await writingStep(path, () => handle.sync());
    } finally {
      await handle.close();
    }
  } catch (error) {
    await removeTemporary();
    throw error;
  }
  let settled = false;
  return {
    async commit() {
      if (settled) return;
      settled = true;
      try {
        await writingStep(path, () => rename(temporary, path));
        cancelExitHook();
      } catch (error) {
        await removeTemporary();
        throw error;
      }
    },
    async discard() {
      if (settled) return;
      settled = true;
      await removeTemporary();
    },
  };
}

/** Writes every byte given, in order: a write may take fewer bytes than given (a full disk, a signal). */
function writerTo(handle: FileHandle, path: string): (content: string | Uint8Array) => Promise<void> {
  return async (content) => {
    const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
    for (let offset = 0; offset < bytes.length; )
      offset += (await writingStep(path, () => handle.write(bytes, offset, bytes.length - offset))).bytesWritten;
  };
}

/**
 * A target that is no regular file (`/dev/null`, `/dev/stdout`, a named pipe) is written into as it
 * is, at once: renaming a file over it would put a plain file in its place (as root, in place of
 * /dev/null itself), and a device or a pipe has no whole-or-nothing to keep.
 */
async function writtenInPlace(
  path: string,
  produce: (write: (content: string | Uint8Array) => Promise<void>) => Promise<void>,
): Promise<PreparedFile> {
  const handle = await writingStep(path, () => open(path, 'w'));
  try {
    await produce(writerTo(handle, path));
  } finally {
    await handle.close();
  }
  return { commit: async () => undefined, discard: async () => undefined };
}

/**
 * About this many characters per write: few system calls, and each chunk small enough for V8's
 * young generation (a string or buffer over 128 KiB goes to the large-object space, freed only by a
 * full collection: 1 MiB chunks cost 20 MiB more peak RSS on a 1000-host JSON report, bench/sim/).
 */
export const WRITE_CHUNK_CHARS = 1 << 15;

/**
 * Pieces of text gathered into chunks of about `size` characters; a piece longer than that is cut,
 * at a line end where there is one, never between the two halves of a surrogate pair, so every
 * chunk is valid UTF-8 on its own.
 */
export function* chunkPieces(pieces: Iterable<string>, size: number = WRITE_CHUNK_CHARS): Generator<string> {
  let batch = '';
  for (const piece of pieces) {
    if (piece.length <= size) {
      batch += piece;
      if (batch.length >= size) {
        yield batch;
        batch = '';
      }
      continue;
    }
    if (batch !== '') yield batch;
    batch = '';
    for (let start = 0; start < piece.length; ) {
      let end = Math.min(piece.length, start + size);
      if (end < piece.length) {
        const newline = piece.lastIndexOf('\n', end - 1);
        end = newline >= start ? newline + 1 : end - (isHighSurrogate(piece.charCodeAt(end - 1)) ? 1 : 0);
        if (end === start) end = start + 2;
      }
      yield piece.slice(start, end);
      start = end;
    }
  }
  if (batch !== '') yield batch;
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}
