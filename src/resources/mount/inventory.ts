import { z } from 'zod';
import { attributesOf, listCollection, listed, type InventoryPart } from '../inventory-part.js';
import { MOUNT_TABLE_SCRIPT, parseMountTable } from '../mount/index.js';

/**
 * Identity: point. Stacked mounts on one point keep their table order (the last one is visible),
 * so identity within a stack is (point, position).
 */
export const SnapshotMountSchema = z.object({
  point: z.string().min(1),
  source: z.string(),
  filesystem: z.string(),
  options: z.array(z.string()),
});
export type SnapshotMount = z.infer<typeof SnapshotMountSchema>;

/** Mount points that come and go with logins. */
export const DEFAULT_MOUNT_IGNORES: readonly string[] = ['/run/user/*'];

export const mountInventory: InventoryPart<SnapshotMount> = {
  kind: 'mounts',
  needsRunningSystem: true,
  noun: 'mount',
  listing: {
    type: 'framed',
    id: 'snapshot-mounts',
    script: MOUNT_TABLE_SCRIPT,
    read: (frame, { ignored }) =>
      listed(
        parseMountTable(frame)
          .entries.filter((entry) => !ignored(entry.mountPoint))
          .map((entry) => ({
            point: entry.mountPoint,
            source: entry.device,
            filesystem: entry.filesystem,
            options: entry.options,
          })),
      ),
  },
  collection: listCollection(SnapshotMountSchema, (m) => m.point),
  identity: (m) => m.point,
  attributes: attributesOf(SnapshotMountSchema, ['point']),
  unique: false,
  ignore: {
    field: 'mounts',
    defaults: DEFAULT_MOUNT_IGNORES,
    takesIgnoreOption: true,
    match: 'name',
    subject: (m) => m.point,
    leftOut: 'these mount points out',
  },
};
