import type { AnyInventoryPart } from '../resources/inventory-part.js';
import type { KindNote } from './diff-schema.js';
import { heldKinds, type Snapshot, type SnapshotKind } from './snapshot-schema.js';

/**
 * What two snapshots can be compared by: only the kinds both hold (an image that was not booted
 * has no listeners; a snapshot an older driftspec wrote lacks kinds added since), and, when one of
 * them or both are of images that were not booted, of a kind an image holds differently (kernel
 * parameters as configured, services without running state) only what means the same on both
 * sides. Two snapshots of booted systems that hold every kind get no notes.
 */
export interface ImageComparison {
  notes: KindNote[];
  /** Kinds compared by these attributes only. */
  attributes: ReadonlyMap<string, ReadonlySet<string>>;
}

type Side = 'baseline' | 'candidate';

export function imageComparison(
  baseline: Snapshot,
  candidate: Snapshot,
  parts: readonly AnyInventoryPart[],
): ImageComparison {
  const images = (['baseline', 'candidate'] as const).filter(
    (side) => ({ baseline, candidate })[side].host.booted === false,
  );
  const notes: KindNote[] = [];
  const attributes = new Map<string, ReadonlySet<string>>();
  const snapshots = { baseline, candidate };
  const held = { baseline: heldKinds(baseline, parts), candidate: heldKinds(candidate, parts) };
  for (const part of parts) {
    const kind = part.kind as SnapshotKind;
    const missing = (['baseline', 'candidate'] as const).filter((side) => !held[side].has(kind));
    if (missing.length > 0) {
      const reasons = new Set(missing.map((side) => (snapshots[side].host.booted === false ? IMAGE : OLDER)));
      notes.push({ kind, compared: false, note: notHeld(part, missing, [...reasons].join('; ')) });
      continue;
    }
    if (images.length === 0 || !part.onImage) continue;
    const { holds, comparableWithBooted } = part.onImage;
    if (images.length === 2) {
      notes.push({ kind, compared: true, note: `both snapshots hold ${holds}` });
      continue;
    }
    const [image] = images as [Side];
    const other = image === 'baseline' ? 'candidate' : 'baseline';
    if (comparableWithBooted === undefined) {
      notes.push({ kind, compared: false, note: `not compared: the ${image} holds ${holds}, the ${other} live ones` });
      continue;
    }
    attributes.set(kind, new Set(comparableWithBooted));
    const by = comparableWithBooted.join(', ');
    notes.push({ kind, compared: true, note: `compared by ${by} only: the ${image} holds ${holds}` });
  }
  return { notes, attributes };
}

const IMAGE = 'an image that was not booted has none';
const OLDER = 'written by a driftspec that did not list them yet';

function notHeld(part: AnyInventoryPart, missing: readonly Side[], why: string): string {
  const who = missing.length === 2 ? 'neither snapshot holds' : `the ${missing[0]} holds no`;
  return `not compared: ${who} ${part.noun}s (${why})`;
}
