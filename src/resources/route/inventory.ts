import { z } from 'zod';
import { attributesOf, listCollection, listed, type InventoryPart } from '../inventory-part.js';
import { ROUTE_FAMILIES } from './facts.js';
import { parseRouteTable, ROUTES_SCRIPT } from './index.js';

/**
 * Identity: family and destination ("ipv6 default"); a destination may have several routes of
 * different metrics, so it is not unique, and the items of one destination keep metric order.
 */
export const SnapshotRouteSchema = z.object({
  family: z.enum(ROUTE_FAMILIES),
  destination: z.string().min(1),
  gateways: z.array(z.string()),
  devices: z.array(z.string()),
  metric: z.number().int(),
  type: z.string(),
});
export type SnapshotRoute = z.infer<typeof SnapshotRouteSchema>;

const identity = (r: SnapshotRoute) => `${r.family} ${r.destination}`;

export const routeInventory: InventoryPart<SnapshotRoute> = {
  kind: 'routes',
  needsRunningSystem: true,
  noun: 'route',
  absentFromOlderSnapshots: true,
  listing: {
    type: 'framed',
    id: 'snapshot-routes',
    script: ROUTES_SCRIPT,
    read: (frame, { host, ignored }) =>
      listed(parseRouteTable(frame, host).routes.filter((route) => !ignored(identity(route)))),
  },
  collection: listCollection(
    SnapshotRouteSchema,
    (r) => r.family,
    (r) => r.destination,
    (r) => r.metric,
  ),
  identity,
  attributes: attributesOf(SnapshotRouteSchema, ['family', 'destination']),
  unique: false,
};
