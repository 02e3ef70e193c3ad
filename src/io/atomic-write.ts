import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';

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
export async function writeStreamAtomically(path: string, produce: (write: (content: string | Uint8Array) => Promise<void>) => Promise<void>): Promise<void> {
  const file = await prepareFileAtomically(path, produce);
  await file.commit();
}

/** Writes pieces of text atomically, gathered into writes of about `WRITE_CHUNK_CHARS`. */
export async function writePiecesAtomically(path: string, pieces: Iterable<string>): Promise<void> {
  await writeStreamAtomically(path, async (write) => {
    for (const chunk of chunkPieces(pieces)) await write(chunk);
  });
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
export async function prepareFileAtomically(path: string, produce: (write: (content: string | Uint8Array) => Promise<void>) => Promise<void>): Promise<PreparedFile> {
  await mkdir(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const handle = await open(temporary, 'wx');
  try {
    try {
      await produce(async (content) => {
        const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
        // A write may take fewer bytes than given (a full disk, a signal): go on until all are in.
        for (let offset = 0; offset < bytes.length; ) offset += (await handle.write(bytes, offset, bytes.length - offset)).bytesWritten;
      });
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
  let settled = false;
  return {
    async commit() {
      if (settled) return;
      settled = true;
      try {
        await rename(temporary, path);
      } catch (error) {
        await rm(temporary, { force: true });
        throw error;
      }
    },
    async discard() {
      if (settled) return;
      settled = true;
      await rm(temporary, { force: true });
    },
  };
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
