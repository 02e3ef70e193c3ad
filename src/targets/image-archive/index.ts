import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onProcessExit } from '../../io/exit-hooks.js';
import { imageTargetName, type ArchiveAddress } from '../address.js';
import { PreparedRootTarget, type PreparedRoot } from '../prepared-root.js';
import { applyLayer, DEFAULT_EXPANSION_LIMITS, ExpansionBudget, type ExpansionLimits } from './apply-layer.js';
import { openArchiveSource, type ArchiveSource } from './archive-source.js';
import { MemberError, refuse, type ArchivePlace } from './errors.js';
import { openLayer } from './layer-stream.js';
import { selectDockerImage, selectOciImage, type LayerPlan } from './select-image.js';

export { ArchiveRefusedError } from './errors.js';

/** A container image archive (`oci:`, `docker-archive:`), unpacked into a private directory and checked there. */
export function createArchiveTarget(address: ArchiveAddress, sudoRequested: boolean): PreparedRootTarget {
  return new PreparedRootTarget(imageTargetName(address), () => unpackArchive(address), sudoRequested);
}

/**
 * The image's layers applied in order into a new private directory (mode 0700 under the temporary
 * directory; the image root is its `root` subdirectory). Any refusal or failure removes the
 * directory before it is reported; so does an exit while unpacking (Ctrl-C).
 */
export async function unpackArchive(
  address: ArchiveAddress,
  limits: ExpansionLimits = DEFAULT_EXPANSION_LIMITS,
  temporary: string = tmpdir(),
): Promise<PreparedRoot> {
  const place: ArchivePlace = { archive: imageTargetName(address) };
  const { source, layers } = await asRefusal(place, () => chooseLayers(address, place));
  const directory = mkdtempSync(join(temporary, 'driftspec-archive-'));
  const release = () => rmSync(directory, { recursive: true, force: true });
  const cancelExitHook = onProcessExit(release);
  try {
    const root = join(directory, 'root');
    mkdirSync(root, { mode: 0o755 });
    const budget = new ExpansionBudget(limits);
    for (const layer of layers) await unpackLayer(source, layer, root, budget);
    return { path: root, release };
  } catch (error) {
    release();
    throw error;
  } finally {
    cancelExitHook();
  }
}

async function chooseLayers(address: ArchiveAddress, place: ArchivePlace) {
  const source = await openArchiveSource(address.path, place);
  const layers =
    address.kind === 'oci'
      ? await selectOciImage(source, address.reference)
      : await selectDockerImage(source, address.reference);
  for (const layer of layers)
    if (!source.has(layer.file)) throw refuse({ ...place, layer: layer.name, member: layer.file }, 'a missing blob');
  return { source, layers };
}

/** A member problem is a refusal of the archive (exit 78), with the archive and layer named. */
async function asRefusal<T>(place: ArchivePlace, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof MemberError) throw refuse({ ...place, member: error.member }, error.message);
    throw error;
  }
}

async function unpackLayer(source: ArchiveSource, layer: LayerPlan, root: string, budget: ExpansionBudget) {
  const place = { ...source.place, layer: layer.name };
  const stream = openLayer(source, layer);
  await asRefusal(place, () => applyLayer(root, stream.entries, budget));
  const mismatch = stream.verify();
  if (mismatch) throw refuse(place, mismatch);
}
