import { readFile } from 'node:fs/promises';
import { writeStreamAtomically } from '../io/atomic-write.js';
import { parseSnapshot, SnapshotSchema, type Snapshot } from './snapshot-schema.js';

/**
 * A snapshot on disk: JSON with one item per line, so a text diff of two baselines reads item by
 * item, written piece by piece (a large file tree is never one string) and atomically.
 */

const TOP_LEVEL_KEYS = Object.keys(SnapshotSchema.shape) as (keyof Snapshot)[];

/** The file's text in pieces, in schema key order; lists and maps one entry per line. */
export function* snapshotJsonPieces(snapshot: Snapshot): Generator<string> {
  yield '{\n';
  for (const [index, key] of TOP_LEVEL_KEYS.entries()) {
    const last = index === TOP_LEVEL_KEYS.length - 1;
    const value = snapshot[key];
    yield `  ${JSON.stringify(key)}: `;
    if (Array.isArray(value)) yield* listPieces(value);
    else if (key === 'kernelParameters') yield* mapPieces(value as Record<string, string>);
    else yield JSON.stringify(value);
    yield last ? '\n' : ',\n';
  }
  yield '}\n';
}

function* listPieces(items: readonly unknown[]): Generator<string> {
  if (items.length === 0) return yield '[]';
  yield '[\n';
  for (const [index, item] of items.entries()) yield `    ${JSON.stringify(item)}${index === items.length - 1 ? '\n' : ',\n'}`;
  yield '  ]';
}

function* mapPieces(map: Record<string, string>): Generator<string> {
  const entries = Object.entries(map);
  if (entries.length === 0) return yield '{}';
  yield '{\n';
  for (const [index, [key, value]] of entries.entries()) yield `    ${JSON.stringify(key)}: ${JSON.stringify(value)}${index === entries.length - 1 ? '\n' : ',\n'}`;
  yield '  }';
}

export function renderSnapshot(snapshot: Snapshot): string {
  return [...snapshotJsonPieces(snapshot)].join('');
}

/** Pieces gathered into writes of about this size. */
const WRITE_BATCH = 256 * 1024;

/** Writes pieces to `write` in batches, waiting for each. */
export async function writePieces(pieces: Iterable<string>, write: (text: string) => Promise<void>): Promise<void> {
  let batch = '';
  for (const piece of pieces) {
    batch += piece;
    if (batch.length >= WRITE_BATCH) {
      await write(batch);
      batch = '';
    }
  }
  if (batch !== '') await write(batch);
}

export async function writeSnapshotFile(path: string, snapshot: Snapshot): Promise<void> {
  await writeStreamAtomically(path, (write) => writePieces(snapshotJsonPieces(snapshot), write));
}

export class SnapshotFileError extends Error {
  override name = 'SnapshotFileError';
}

/** Reads and validates a snapshot file; a wrong or unreadable file is a SnapshotFileError naming it. */
export async function readSnapshotFile(path: string): Promise<Snapshot> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new SnapshotFileError(`cannot read snapshot ${path}: ${(error as Error).message}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new SnapshotFileError(`${path}: not JSON: ${(error as Error).message}`);
  }
  try {
    return parseSnapshot(value, path);
  } catch (error) {
    throw new SnapshotFileError((error as Error).message);
  }
}
