import { z } from 'zod';
import type { Frame } from '../../probe/frames.js';
import type { HostFacts } from '../../probe/host.js';
import { FactError, requireRan, validateFact, type FactQuery } from '../resource.js';
import { parseStatLine } from '../process/table.js';
import { decodeProcAddress } from './addresses.js';

/** One kernel socket table per protocol and address family. */
export const SOCKET_FAMILIES = ['tcp4', 'tcp6', 'udp4', 'udp6'] as const;
export type SocketFamily = (typeof SOCKET_FAMILIES)[number];

/** What `listening({ protocol })` accepts: `tcp` and `udp` mean either address family. */
export const PORT_PROTOCOLS = ['tcp', 'udp', 'tcp4', 'tcp6', 'udp4', 'udp6'] as const;
export type PortProtocol = (typeof PORT_PROTOCOLS)[number];

const TABLE_FILES: Record<SocketFamily, string> = { tcp4: 'tcp', tcp6: 'tcp6', udp4: 'udp', udp6: 'udp6' };
const FAMILY_BY_FILE = new Map(Object.entries(TABLE_FILES).map(([family, file]) => [file, family as SocketFamily]));
/** Without these the machine has no IPv4 socket tables at all: nothing could be concluded. */
const REQUIRED_TABLES = new Set(['tcp', 'udp']);

/** TCP_LISTEN; for UDP, TCP_CLOSE (07) is an unconnected, bound socket: one that receives from anyone. */
const LISTENING_STATE: Record<'tcp' | 'udp', string> = { tcp: '0A', udp: '07' };

// ---------------------------------------------------------------------------------------------
// The socket table: one query for every port check
// ---------------------------------------------------------------------------------------------

export const ListeningSocketSchema = z.object({
  family: z.enum(SOCKET_FAMILIES),
  address: z.string(),
  port: z.number().int().min(0).max(65535),
  inode: z.number().int().nonnegative(),
  /** Pids holding the socket open, as far as their open files could be read. */
  owners: z.array(z.number().int().positive()),
});
export type ListeningSocket = z.infer<typeof ListeningSocketSchema>;

export const SocketTableSchema = z.object({
  /** TCP sockets in LISTEN and unconnected UDP sockets, in the probe's network namespace. */
  listening: z.array(ListeningSocketSchema),
  /** pid → kernel process name, for the owners above. */
  processNames: z.record(z.string(), z.string()),
  /** Processes whose open files could not be read (permission denied). */
  unreadablePids: z.array(z.number().int().positive()),
  /** Why no socket owner could be read at all (no `ls`), or null. */
  ownerListingProblem: z.string().nullable(),
});
export type SocketTable = z.infer<typeof SocketTableSchema>;

/** What a check on one port reads. */
export const PortFactSchema = z.object({
  port: z.number().int(),
  sockets: z.array(
    z.object({
      family: z.enum(SOCKET_FAMILIES),
      address: z.string(),
      /** Distinct names of the owning processes; null when they cannot be known. */
      processes: z.array(z.string()).nullable(),
    }),
  ),
  /** Why some owners are null. */
  ownerProblem: z.string().nullable(),
});
export type PortFact = z.infer<typeof PortFactSchema>;

/**
 * Sections open with lines starting "@ds:", which no data line can start with: table lines start
 * with spaces, `ls` lines with a mode, "total" or "/proc/", stat lines with a pid. `ls -q` (POSIX)
 * prints control characters in link targets as "?", so a file name cannot forge a line; busybox
 * ls has no -q and always does so. Every end marker starts on a fresh line.
 */
export const LISTENER_TABLE_SCRIPT = `for ds_t in tcp tcp6 udp udp6; do
  if [ -e "/proc/net/$ds_t" ]; then
    printf '@ds:table %s\\n' "$ds_t"
    cat "/proc/net/$ds_t"
    printf '\\n@ds:end %s\\n' "$?"
  else
    printf '@ds:no-table %s\\n' "$ds_t"
  fi
done
printf '@ds:byte-order %s\\n' "$(printf '\\001\\000\\000\\000' | od -An -tx4 2>/dev/null)"`;

/** The socket tables and, for every socket, the processes holding it: every open file of every process. */
export const SOCKET_TABLE_SCRIPT = `${LISTENER_TABLE_SCRIPT}
ds_ls=-l
if ls -dq / >/dev/null 2>&1; then ds_ls=-lq; fi
printf '@ds:fds %s\\n' "$ds_ls"
ls $ds_ls /proc/[0-9]*/fd
printf '\\n@ds:end %s\\n' "$?"
printf '@ds:stat\\n'
for ds_p in /proc/[0-9]*; do
  IFS= read -r ds_s 2>/dev/null <"$ds_p/stat" && printf '%s\\n' "$ds_s"
done
printf '@ds:end 0\\n'`;

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

/** Why the owners of a listener-table query are not known. */
const OWNERS_NOT_LISTED = 'the processes holding sockets were not listed by this query';

interface Section {
  name: string;
  lines: string[];
  status?: number;
}

function splitSections(text: string): { sections: Section[]; missingTables: string[]; byteOrder: string | undefined } {
  const sections: Section[] = [];
  const missingTables: string[] = [];
  let byteOrder: string | undefined;
  let current: Section | undefined;
  for (const line of text.split('\n')) {
    let m: RegExpExecArray | null;
    if ((m = /^@ds:(table|fds) (\S*)$/.exec(line))) sections.push((current = { name: `${m[1]} ${m[2]}`, lines: [] }));
    else if (line === '@ds:stat') sections.push((current = { name: 'stat', lines: [] }));
    else if ((m = /^@ds:end (\d+)$/.exec(line))) {
      if (!current || current.status !== undefined) throw new FactError(`reading the socket tables: stray end marker`);
      current.status = Number(m[1]);
    } else if ((m = /^@ds:no-table (\S+)$/.exec(line))) missingTables.push(m[1]!);
    else if ((m = /^@ds:byte-order ?(.*)$/.exec(line))) byteOrder = m[1]!.trim();
    else if (line === '') continue;
    else if (current && current.status === undefined) current.lines.push(line);
    else throw new FactError(`reading the socket tables: unexpected line ${JSON.stringify(line.slice(0, 120))}`);
  }
  return { sections, missingTables, byteOrder };
}

const BIG_ENDIAN_ARCHES = /^(s390x?|ppc|ppc64|powerpc|powerpc64|sparc|sparc64|m68k|parisc|parisc64|hppa|armeb|aarch64_be|mips|mips64)$/;

/** `od` tells the byte order; `uname -m` is the fallback where there is no od. */
function isLittleEndian(byteOrder: string | undefined, host: HostFacts): boolean {
  if (byteOrder === '00000001') return true;
  if (byteOrder === '01000000') return false;
  return !BIG_ENDIAN_ARCHES.test(host.arch);
}

const TABLE_LINE = /^\s*\d+:\s+([0-9A-F]{8}|[0-9A-F]{32}):([0-9A-F]{4})\s+[0-9A-F]+:[0-9A-F]{4}\s+([0-9A-F]{2})\s+\S+\s+\S+\s+\S+\s+\d+\s+\d+\s+(\d+)/;

function parseTable(file: string, lines: string[], littleEndian: boolean): ListeningSocket[] {
  const family = FAMILY_BY_FILE.get(file)!;
  const [header, ...entries] = lines;
  if (!header || !/local_address/.test(header)) throw new FactError(`/proc/net/${file}: unexpected header ${JSON.stringify((header ?? '').slice(0, 120))}`);
  const addressLength = family.endsWith('6') ? 32 : 8;
  const listeningState = LISTENING_STATE[family.startsWith('tcp') ? 'tcp' : 'udp'];
  const sockets: ListeningSocket[] = [];
  for (const entry of entries) {
    const match = TABLE_LINE.exec(entry);
    if (!match || match[1]!.length !== addressLength) throw new FactError(`/proc/net/${file}: unexpected line ${JSON.stringify(entry.slice(0, 120))}`);
    if (match[3] !== listeningState) continue;
    sockets.push({
      family,
      address: decodeProcAddress(match[1]!, littleEndian),
      port: parseInt(match[2]!, 16),
      inode: Number(match[4]),
      owners: [],
    });
  }
  return sockets;
}

// `ls -l` of /proc/PID/fd: "lrwx------ 1 root root 64 Nov 26 23:17 12 -> socket:[30384]". The
// whole line is matched so that a file name cannot pose as a socket.
const FD_ENTRY = /^l\S*\s+\d+\s+\S+\s+\S+\s+\d+\s+\S+\s+\S+\s+\S+\s+\d+(?: -> (.*))?$/;
const FD_DIRECTORY = /^\/proc\/(\d+)\/fd:$/;
const DENIED = /\/proc\/(\d+)\/fd\b.*Permission denied/;

function parseFdListing(lines: string[], stderr: string): { ownersByInode: Map<number, Set<number>>; unreadable: Set<number> } {
  const ownersByInode = new Map<number, Set<number>>();
  const unreadable = new Set<number>();
  let pid: number | undefined;
  for (const line of lines) {
    const directory = FD_DIRECTORY.exec(line);
    if (directory) {
      pid = Number(directory[1]);
      continue;
    }
    const entry = FD_ENTRY.exec(line);
    if (!entry || pid === undefined) continue;
    const target = entry[1];
    // An entry without a target is a link ls could not read.
    if (target === undefined) unreadable.add(pid);
    const socket = /^socket:\[(\d+)\]$/.exec(target ?? '');
    if (!socket) continue;
    const inode = Number(socket[1]);
    ownersByInode.set(inode, (ownersByInode.get(inode) ?? new Set()).add(pid));
  }
  for (const line of stderr.split('\n')) {
    const denied = DENIED.exec(line);
    if (denied) unreadable.add(Number(denied[1]));
  }
  return { ownersByInode, unreadable };
}

export function parseSocketTable(frame: Frame, host: HostFacts, options: { owners: boolean } = { owners: true }): SocketTable {
  requireRan(frame, 'reading the socket tables');
  if (frame.exitCode !== 0) throw new FactError(`reading the socket tables exited ${frame.exitCode}${stderrNote(frame)}`);
  const { sections, missingTables, byteOrder } = splitSections(frame.stdout.toString('utf8'));
  for (const file of missingTables) {
    if (REQUIRED_TABLES.has(file)) throw new FactError(`/proc/net/${file} does not exist: /proc is not mounted, so no socket can be seen`);
  }
  const littleEndian = isLittleEndian(byteOrder, host);
  const listening: ListeningSocket[] = [];
  const seenTables = new Set<string>();
  let fdSection: Section | undefined;
  let statSection: Section | undefined;
  for (const section of sections) {
    if (section.status === undefined) throw new FactError(`reading the socket tables: output cut short in "${section.name}"`);
    const [kind, name = ''] = section.name.split(' ');
    if (kind === 'table') {
      if (!FAMILY_BY_FILE.has(name)) throw new FactError(`reading the socket tables: unknown table ${name}`);
      if (section.status !== 0) throw new FactError(`/proc/net/${name} could not be read (cat exited ${section.status})${stderrNote(frame)}`);
      listening.push(...parseTable(name, section.lines, littleEndian));
      seenTables.add(name);
    } else if (kind === 'fds') fdSection = section;
    else statSection = section;
  }
  for (const file of FAMILY_BY_FILE.keys()) {
    if (!seenTables.has(file) && !missingTables.includes(file)) throw new FactError(`reading the socket tables: output cut short (no /proc/net/${file})`);
  }
  if (!options.owners) {
    return validateFact(SocketTableSchema, { listening, processNames: {}, unreadablePids: [], ownerListingProblem: OWNERS_NOT_LISTED }, 'reading the socket tables');
  }
  if (!fdSection || !statSection) throw new FactError('reading the socket tables: output cut short (no process listing)');
  const ownerListingProblem = fdSection.status === 127 ? 'ls is not installed, so the processes holding sockets cannot be listed' : null;
  const { ownersByInode, unreadable } = parseFdListing(fdSection.lines, frame.stderr.toString('utf8'));
  const names = new Map<number, string>();
  for (const line of statSection.lines) {
    const stat = parseStatLine(line);
    if (stat) names.set(stat.pid, stat.comm);
  }
  const processNames: Record<string, string> = {};
  for (const socket of listening) {
    socket.owners = [...(ownersByInode.get(socket.inode) ?? [])].sort((a, b) => a - b);
    for (const pid of socket.owners) {
      const name = names.get(pid);
      if (name !== undefined) processNames[String(pid)] = name;
    }
  }
  return validateFact(
    SocketTableSchema,
    { listening, processNames, unreadablePids: [...unreadable].sort((a, b) => a - b), ownerListingProblem },
    'reading the socket tables',
  );
}

function stderrNote(frame: Frame): string {
  const stderr = frame.stderr.toString('utf8').trim();
  return stderr ? `: ${stderr.split('\n').slice(0, 3).join(' / ')}` : '';
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
    return `a non-root user (uid ${host.uid}) cannot read other users' open files in /proc/PID/fd, so the processes holding port ${port} are not known; run the probe as root`;
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
        const unreadable = table.unreadablePids.length > 0 ? `, or one of the processes whose open files were unreadable: pids ${listPids(table.unreadablePids)}` : '';
        ownerProblem ??= `no process whose open files could be read holds ${where} (a kernel socket, a process in another PID namespace${unreadable})`;
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
