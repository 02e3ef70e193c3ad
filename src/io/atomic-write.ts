import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * Writes a whole file or nothing: the content goes to a temporary file beside the target, which
 * is then renamed over it, so a reader (or a crash) never sees half a report. Folders are created.
 */
export async function writeFileAtomically(path: string, content: string | Uint8Array): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(temporary, content);
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

/**
 * The streaming twin of writeFileAtomically, for content too large to build as one string:
 * `produce` writes piece by piece (waiting when the disk is slower), then the file is renamed
 * into place; on any failure the temporary file is removed and nothing appears at `path`.
 */
export async function writeStreamAtomically(path: string, produce: (write: (text: string) => Promise<void>) => Promise<void>): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const stream = createWriteStream(temporary, { flags: 'wx' });
  const failure = new Promise<never>((_, reject) => stream.once('error', reject));
  failure.catch(() => undefined);
  try {
    const write = (text: string) => (stream.write(text) ? Promise.resolve() : Promise.race([once(stream, 'drain').then(() => undefined), failure]));
    await produce(write);
    const closed = once(stream, 'close');
    stream.end();
    await Promise.race([closed, failure]);
    await rename(temporary, path);
  } catch (error) {
    stream.destroy();
    await rm(temporary, { force: true });
    throw error;
  }
}
