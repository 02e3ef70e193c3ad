import { readdirSync, readFileSync } from 'node:fs';
import { sleepSync } from '../io/sleep-sync.js';

/**
 * Ends, with SIGKILL, every process that `leader` started: the members of the session it leads
 * (the local probe is spawned detached, so it leads one of its own) and all its descendants,
 * which includes a command check that the probe moved into a session of its own (`setsid`).
 * Where there is no /proc, the leader's process group is what can be reached.
 */
export function killSession(leader: number): void {
  // Read before any is killed: an orphan is handed to init, out of the tree.
  const started = startedBy(leader);
  signal(-leader);
  for (const pid of started) signal(pid);
}

/**
 * SIGTERM to `leader` first, so it can end what it started and clean up after itself, then, once
 * it has gone or `graceMs` has passed, SIGKILL to whatever of its session is left. Synchronous,
 * for exit hooks: it waits by sleeping the thread in short steps.
 */
export function endSessionGracefully(leader: number, graceMs: number): void {
  const started = startedBy(leader);
  try {
    process.kill(leader, 'SIGTERM');
    const deadline = Date.now() + graceMs;
    while (alive(leader) && Date.now() < deadline) sleepSync(GRACE_POLL_MS);
  } catch {
    // already gone
  }
  signal(-leader);
  for (const pid of started) signal(pid);
}

const GRACE_POLL_MS = 20;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !isZombie(pid);
  } catch {
    return false;
  }
}

/** A child that has exited but was not yet reaped still answers signal 0. */
function isZombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z';
  } catch {
    return false;
  }
}

interface ProcessEntry {
  pid: number;
  parent: number;
  session: number;
}

/** Process ids in the session `leader` leads or below it in the process tree (empty without /proc). */
export function startedBy(leader: number): number[] {
  const entries = processTable();
  const found = new Set(entries.filter((entry) => entry.session === leader).map((entry) => entry.pid));
  found.add(leader);
  // Descendants, to any depth: repeat until a pass adds nobody.
  for (let added = true; added; ) {
    added = false;
    for (const entry of entries) {
      if (found.has(entry.pid) || !found.has(entry.parent)) continue;
      found.add(entry.pid);
      added = true;
    }
  }
  found.delete(leader);
  return [...found];
}

function processTable(): ProcessEntry[] {
  let names: string[];
  try {
    names = readdirSync('/proc');
  } catch {
    return [];
  }
  const entries: ProcessEntry[] = [];
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue;
    const entry = readEntry(name);
    if (entry) entries.push(entry);
  }
  return entries;
}

/** Fields 4 and 6 of /proc/PID/stat; the command name before them is in parentheses and may hold anything. */
function readEntry(pid: string): ProcessEntry | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { pid: Number(pid), parent: Number(fields[1]), session: Number(fields[3]) };
  } catch {
    return undefined;
  }
}

function signal(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone, or not ours to end
  }
}
