import { z } from 'zod';
import { attributesOf, listCollection, listed, type InventoryPart } from '../inventory-part.js';
import { INTERFACES_SCRIPT, parseInterfaceTable } from './index.js';

/** Identity: name. Temporary IPv6 addresses (privacy extensions) are left out: the kernel rotates them. */
export const SnapshotInterfaceSchema = z.object({
  name: z.string().min(1),
  up: z.boolean(),
  mtu: z.number().int(),
  mac: z.string().nullable(),
  /** Sorted "address/prefix"; null where the target could not tell its IPv4 addresses (no `ip -j`). */
  addresses: z.array(z.string()).nullable(),
});
export type SnapshotInterface = z.infer<typeof SnapshotInterfaceSchema>;

/** Container and VPN links that come and go with the workloads, not with the machine's configuration. */
export const DEFAULT_INTERFACE_IGNORES: readonly string[] = ['veth*', 'tun*', 'tap*'];

export const interfaceInventory: InventoryPart<SnapshotInterface> = {
  kind: 'interfaces',
  needsRunningSystem: true,
  noun: 'interface',
  absentFromOlderSnapshots: true,
  listing: {
    type: 'framed',
    id: 'snapshot-interfaces',
    script: INTERFACES_SCRIPT,
    read: (frame, { ignored }) => {
      const table = parseInterfaceTable(frame);
      return listed(
        table.interfaces
          .filter((link) => !ignored(link.name))
          .map((link) => ({
            name: link.name,
            up: link.adminUp,
            mtu: link.mtu,
            mac: link.mac,
            addresses: table.ipv4Unknown
              ? null
              : link.addresses.filter((address) => !link.temporary.includes(address)).sort(),
          })),
      );
    },
  },
  collection: listCollection(SnapshotInterfaceSchema, (i) => i.name),
  identity: (i) => i.name,
  attributes: attributesOf(SnapshotInterfaceSchema, ['name']),
  unknownWhenNull: ['addresses'],
  unique: true,
  ignore: {
    field: 'interfaces',
    defaults: DEFAULT_INTERFACE_IGNORES,
    takesIgnoreOption: true,
    match: 'name',
    subject: (i) => i.name,
    leftOut: 'these interfaces out',
  },
};
