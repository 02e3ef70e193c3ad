import type { HostFacts } from '../../probe/host.js';
import type { FactQuery } from '../resource.js';
import { parseSocketTable } from './proc-net.js';
import {
  LISTENER_TABLE_SCRIPT,
  SOCKET_TABLE_SCRIPT,
  type PortFact,
  type SocketFamily,
  type SocketTable,
} from './sockets.js';

export function portQuery(port: number): FactQuery<PortFact> {
  return {
    // One socket table serves every port check; the engine parses it once per port.
    key: 'port-sockets',
    script: SOCKET_TABLE_SCRIPT,
    parse: (frame, host) => selectPort(parseSocketTable(frame, host), port, host),
  };
}

/**
 * The socket tables alone, for checks that do not ask which process holds a port: listing every
 * open file of every process costs more than the tables themselves.
 */
export function listenerQuery(port: number): FactQuery<PortFact> {
  return {
    key: 'port-listeners',
    script: LISTENER_TABLE_SCRIPT,
    parse: (frame, host) => selectPort(parseSocketTable(frame, host, { owners: false }), port, host),
  };
}

export function describeSocket(socket: { family: SocketFamily; address: string }): string {
  return `${socket.family} ${socket.address}`;
}

function listPids(pids: readonly number[]): string {
  return pids.length > 10 ? `${pids.slice(0, 10).join(', ')}, …` : pids.join(', ');
}

/** Why no owner list on this host can be trusted to be complete, or null. */
function ownersUnknowable(table: SocketTable, host: HostFacts, port: number): string | null {
  if (table.ownerListingProblem) return table.ownerListingProblem;
  if (host.uid !== 0 && table.unreadablePids.length > 0)
    return (
      `a non-root user (uid ${host.uid}) cannot read other users' open files in /proc/PID/fd, ` +
      `so the processes holding port ${port} are not known; run the probe as root`
    );
  return null;
}

/**
 * The sockets on one port, with owner names. Owners count as known only where they were seen:
 * as root, a socket that no readable process holds has unknown owners; as any other user, the
 * open files of other users' processes are hidden, so no owner list can be trusted.
 */
export function selectPort(table: SocketTable, port: number, host: HostFacts): PortFact {
  const unknowable = ownersUnknowable(table, host, port);
  let ownerProblem = unknowable;
  const sockets = table.listening
    .filter((s) => s.port === port)
    .map((socket) => {
      const entry = { family: socket.family, address: socket.address, processes: null as string[] | null };
      if (unknowable) return entry;
      const names = socket.owners.map((pid) => table.processNames[String(pid)]);
      const where = `${describeSocket(socket)} port ${port}`;
      if (socket.owners.length === 0) {
        const unreadable =
          table.unreadablePids.length > 0
            ? `, or one of the processes whose open files were unreadable: pids ${listPids(table.unreadablePids)}`
            : '';
        ownerProblem ??=
          `no process whose open files could be read holds ${where} ` +
          `(a kernel socket, a process in another PID namespace${unreadable})`;
        return entry;
      }
      if (names.some((n) => n === undefined)) {
        ownerProblem ??= `a process holding ${where} ended while the probe ran`;
        return entry;
      }
      return { ...entry, processes: [...new Set(names as string[])].sort() };
    });
  return { port, sockets, ownerProblem };
}
