import type { AnyInventoryPart } from '../resources/inventory-part.js';
import type { KindNote } from './diff-schema.js';
import { heldKinds, type Snapshot, type SnapshotKind } from './snapshot-schema.js';

/**
 * What two snapshots can be compared by when one of them or both are of images that were not
 * booted: only the kinds both hold, and of a kind an image holds differently (kernel parameters
 * as configured, services without running state) only what means the same on both sides.
 * Snapshots of booted systems get no notes, and every kind compared by every attribute.
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
  const held = { baseline: heldKinds(baseline, parts), candidate: heldKinds(candidate, parts) };
  const missingOf = (kind: string) => (['baseline', 'candidate'] as const).filter((side) => !held[side].has(kind));
  // A snapshot written before a kind existed holds none of it, booted or not.
  if (images.length === 0 && parts.every((part) => missingOf(part.kind).length === 0)) return { notes, attributes };
  for (const part of parts) {
    const kind = part.kind as SnapshotKind;
    const missing = missingOf(kind);
    if (missing.length > 0) {
      notes.push({ kind, compared: false, note: notHeld(part, missing, images) });
      continue;
    }
    if (!part.onImage || images.length === 0) continue;
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

function notHeld(part: AnyInventoryPart, missing: readonly Side[], images: readonly Side[]): string {
  const who = missing.length === 2 ? 'neither snapshot holds' : `the ${missing[0]} holds no`;
  const why = missing.every((side) => images.includes(side))
    ? 'an image that was not booted has none'
    : 'a snapshot taken before driftspec recorded them';
  return `not compared: ${who} ${part.noun}s (${why})`;
}
