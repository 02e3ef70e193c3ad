import type { Frame } from '../../probe/frames.js';
import type { HostFacts } from '../../probe/host.js';
import { parseStatLine } from '../process/table.js';
import { FactError, requireRan, stderrInline, validateFact } from '../resource.js';
import { decodeProcAddress } from './addresses.js';
import { SocketTableSchema, type ListeningSocket, type SocketFamily, type SocketTable } from './sockets.js';

const TABLE_FILES: Record<SocketFamily, string> = { tcp4: 'tcp', tcp6: 'tcp6', udp4: 'udp', udp6: 'udp6' };
const FAMILY_BY_FILE = new Map(Object.entries(TABLE_FILES).map(([family, file]) => [file, family as SocketFamily]));
/** Without these the machine has no IPv4 socket tables at all: nothing could be concluded. */
const REQUIRED_TABLES = new Set(['tcp', 'udp']);

/** TCP_LISTEN; for UDP, TCP_CLOSE (07) is an unconnected, bound socket: one that receives from anyone. */
const LISTENING_STATE: Record<'tcp' | 'udp', string> = { tcp: '0A', udp: '07' };

/** Why the owners of a listener-table query are not known. */
const OWNERS_NOT_LISTED = 'the processes holding sockets were not listed by this query';

interface SocketQuerySection {
  name: string;
  lines: string[];
  status?: number;
}

function splitSocketQuery(text: string): {
  sections: SocketQuerySection[];
  missingTables: string[];
  byteOrder: string | undefined;
} {
  const sections: SocketQuerySection[] = [];
  const missingTables: string[] = [];
  let byteOrder: string | undefined;
  let current: SocketQuerySection | undefined;
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

const BIG_ENDIAN_ARCHES =
  /^(s390x?|ppc|ppc64|powerpc|powerpc64|sparc|sparc64|m68k|parisc|parisc64|hppa|armeb|aarch64_be|mips|mips64)$/;

/** `od` tells the byte order; `uname -m` is the fallback where there is no od. */
export function isLittleEndian(byteOrder: string | undefined, host: HostFacts): boolean {
  if (byteOrder === '00000001') return true;
  if (byteOrder === '01000000') return false;
  return !BIG_ENDIAN_ARCHES.test(host.arch);
}

/** sl, local address:port, remote address:port, st, tx:rx queue, tr:when, retrnsmt, uid, timeout, inode. */
const TABLE_LINE = new RegExp(
  String.raw`^\s*\d+:\s+([0-9A-F]{8}|[0-9A-F]{32}):([0-9A-F]{4})\s+[0-9A-F]+:[0-9A-F]{4}\s+([0-9A-F]{2})` +
    String.raw`\s+\S+\s+\S+\s+\S+\s+\d+\s+\d+\s+(\d+)`,
);

function parseTable(file: string, lines: string[], littleEndian: boolean): ListeningSocket[] {
  const family = FAMILY_BY_FILE.get(file)!;
  const [header, ...entries] = lines;
  if (!header || !/local_address/.test(header))
    throw new FactError(`/proc/net/${file}: unexpected header ${JSON.stringify((header ?? '').slice(0, 120))}`);
  const addressLength = family.endsWith('6') ? 32 : 8;
  const listeningState = LISTENING_STATE[family.startsWith('tcp') ? 'tcp' : 'udp'];
  const sockets: ListeningSocket[] = [];
  for (const entry of entries) {
    const match = TABLE_LINE.exec(entry);
    if (!match || match[1]!.length !== addressLength)
      throw new FactError(`/proc/net/${file}: unexpected line ${JSON.stringify(entry.slice(0, 120))}`);
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

function parseFdListing(
  lines: string[],
  stderr: string,
): { ownersByInode: Map<number, Set<number>>; unreadable: Set<number> } {
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

export function parseSocketTable(
  frame: Frame,
  host: HostFacts,
  options: { owners: boolean } = { owners: true },
): SocketTable {
  requireRan(frame, 'reading the socket tables');
  if (frame.exitCode !== 0)
    throw new FactError(`reading the socket tables exited ${frame.exitCode}${stderrInline(frame)}`);
  const { sections, missingTables, byteOrder } = splitSocketQuery(frame.stdout.toString('utf8'));
  for (const file of missingTables) {
    if (REQUIRED_TABLES.has(file))
      throw new FactError(`/proc/net/${file} does not exist: /proc is not mounted, so no socket can be seen`);
  }
  const littleEndian = isLittleEndian(byteOrder, host);
  const listening: ListeningSocket[] = [];
  const seenTables = new Set<string>();
  let fdSection: SocketQuerySection | undefined;
  let statSection: SocketQuerySection | undefined;
  for (const section of sections) {
    if (section.status === undefined)
      throw new FactError(`reading the socket tables: output cut short in "${section.name}"`);
    const [kind, name = ''] = section.name.split(' ');
    if (kind === 'table') {
      if (!FAMILY_BY_FILE.has(name)) throw new FactError(`reading the socket tables: unknown table ${name}`);
      if (section.status !== 0)
        throw new FactError(`/proc/net/${name} could not be read (cat exited ${section.status})${stderrInline(frame)}`);
      listening.push(...parseTable(name, section.lines, littleEndian));
      seenTables.add(name);
    } else if (kind === 'fds') fdSection = section;
    else statSection = section;
  }
  for (const file of FAMILY_BY_FILE.keys()) {
    if (!seenTables.has(file) && !missingTables.includes(file))
      throw new FactError(`reading the socket tables: output cut short (no /proc/net/${file})`);
  }
  if (!options.owners) {
    return validateFact(
      SocketTableSchema,
      { listening, processNames: {}, unreadablePids: [], ownerListingProblem: OWNERS_NOT_LISTED },
      'reading the socket tables',
    );
  }
  if (!fdSection || !statSection)
    throw new FactError('reading the socket tables: output cut short (no process listing)');
  const ownerListingProblem =
    fdSection.status === 127 ? 'ls is not installed, so the processes holding sockets cannot be listed' : null;
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
