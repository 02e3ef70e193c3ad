import { writePiecesAtomically } from '../io/atomic-write.js';
import { SpecError } from '../inputs/input-error.js';
import { parseJsonInput } from '../inputs/json-input.js';
import { readInputFile } from '../inputs/read.js';
import { checkSnapshot, SNAPSHOT_FIELDS, SNAPSHOT_KINDS, type Snapshot } from './snapshot-schema.js';

/**
 * A snapshot on disk: JSON with one item per line, so a text diff of two baselines reads item by
 * item, written piece by piece (a large file tree is never one string) and atomically.
 */

const TOP_LEVEL_KEYS = SNAPSHOT_FIELDS;
const KIND_FIELDS = new Set<string>(SNAPSHOT_KINDS);

/** The file's text in pieces, in schema key order; lists and maps one entry per line. */
export function* snapshotJsonPieces(snapshot: Snapshot): Generator<string> {
  yield '{\n';
  // Optional fields (`kinds`) are written only where the snapshot has them.
  const keys = TOP_LEVEL_KEYS.filter((key) => snapshot[key] !== undefined);
  for (const [index, key] of keys.entries()) {
    const last = index === keys.length - 1;
    const value = snapshot[key];
    yield `  ${JSON.stringify(key)}: `;
    if (Array.isArray(value)) yield* listPieces(value);
    else if (KIND_FIELDS.has(key) && typeof value === 'object') yield* mapPieces(value as Record<string, string>);
    else yield JSON.stringify(value);
    yield last ? '\n' : ',\n';
  }
  yield '}\n';
}

function* listPieces(items: readonly unknown[]): Generator<string> {
  if (items.length === 0) return yield '[]';
  yield '[\n';
  for (const [index, item] of items.entries())
    yield `    ${JSON.stringify(item)}${index === items.length - 1 ? '\n' : ',\n'}`;
  yield '  ]';
}

function* mapPieces(map: Record<string, string>): Generator<string> {
  const entries = Object.entries(map);
  if (entries.length === 0) return yield '{}';
  yield '{\n';
  for (const [index, [key, value]] of entries.entries())
    yield `    ${JSON.stringify(key)}: ${JSON.stringify(value)}${index === entries.length - 1 ? '\n' : ',\n'}`;
  yield '  }';
}

export function renderSnapshot(snapshot: Snapshot): string {
  return [...snapshotJsonPieces(snapshot)].join('');
}

/** Writes a snapshot file atomically, piece by piece: a snapshot is never held as one string. */
export async function writeSnapshotFile(path: string, snapshot: Snapshot): Promise<void> {
  await writePiecesAtomically(path, snapshotJsonPieces(snapshot));
}

/**
 * Reads and validates a snapshot file: the one reader of every command that takes snapshot files
 * (`driftspec drift`, `driftspec generate --from`). `path` is shown as given and read from `cwd`.
 * A file that is missing, unreadable, not JSON (also one cut short) or not a snapshot is a
 * SpecError that names the file and what is wrong with it: exit 78, like every bad input file.
 */
export async function readSnapshotFile(path: string, cwd: string): Promise<Snapshot> {
  const value = parseJsonInput(readInputFile(path, 'snapshot', cwd), path);
  const checked = checkSnapshot(value);
  if ('problem' in checked) throw new SpecError(checked.problem, path);
  return checked.snapshot;
}
