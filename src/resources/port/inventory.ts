import { z } from 'zod';
import { attributesOf, listCollection, listed, type InventoryPart, type MatcherValue } from '../inventory-part.js';
import { parseSocketTable, selectPort, SOCKET_FAMILIES, SOCKET_TABLE_SCRIPT } from '../port/index.js';

/** Identity: (protocol, address, port). Sockets sharing one identity (SO_REUSEPORT) are merged. */
export const SnapshotListenerSchema = z.object({
  /** tcp4/tcp6/udp4/udp6, as the port resource's `protocol` option takes it. */
  protocol: z.enum(SOCKET_FAMILIES),
  /** Normalised: "0.0.0.0", "::", "127.0.0.1", "::1", … */
  address: z.string(),
  port: z.number().int().min(0).max(65535),
  /** Distinct kernel names of the owning processes, sorted; null when the owners could not be read. */
  processes: z.array(z.string()).nullable(),
});
export type SnapshotListener = z.infer<typeof SnapshotListenerSchema>;

export const listenerInventory: InventoryPart<SnapshotListener> = {
  kind: 'listeners',
  needsRunningSystem: true,
  noun: 'listener',
  listing: {
    type: 'framed',
    id: 'snapshot-listeners',
    script: SOCKET_TABLE_SCRIPT,
    // The port resource's socket table; sockets sharing protocol, address and port are one listener.
    read: (frame, { host }) => {
      const table = parseSocketTable(frame, host);
      const listeners = new Map<string, SnapshotListener>();
      for (const port of new Set(table.listening.map((socket) => socket.port))) {
        for (const socket of selectPort(table, port, host).sockets) {
          const key = `${socket.family} ${socket.address} ${port}`;
          const known = listeners.get(key);
          const processes = known === undefined ? socket.processes : mergedOwners(known.processes, socket.processes);
          listeners.set(key, { protocol: socket.family, address: socket.address, port, processes });
        }
      }
      return listed([...listeners.values()]);
    },
  },
  collection: listCollection(
    SnapshotListenerSchema,
    (l) => l.port,
    (l) => l.protocol,
    (l) => l.address,
  ),
  identity: (l) => `${l.protocol}\0${l.address}\0${l.port}`,
  // "tcp4 0.0.0.0:22", "udp6 [::1]:323": the way ss and netstat print them.
  display: (l) => `${l.protocol} ${l.address.includes(':') ? `[${l.address}]` : l.address}:${l.port}`,
  attributes: attributesOf(SnapshotListenerSchema, ['protocol', 'address', 'port']),
  unknownWhenNull: ['processes'],
  unique: true,
  generate: (snapshot) => [
    {
      id: 'ports',
      title: 'Listening sockets at the baseline',
      checks: (snapshot.listeners as SnapshotListener[]).map((listener) => {
        const where = { protocol: listener.protocol, address: listener.address };
        const matchers: [string, MatcherValue][] = [['listening', where]];
        if (listener.processes !== null && listener.processes.length > 0) {
          matchers.push(['process', { contains: [...listener.processes] }]);
        }
        return { resource: 'port', subject: listener.port, matchers };
      }),
    },
  ],
  generateNotes: () => ['   ports: protocol and address as recorded, with the owning processes where they were known;'],
};

function mergedOwners(known: string[] | null, more: string[] | null): string[] | null {
  return known === null || more === null ? null : [...new Set([...known, ...more])].sort();
}
