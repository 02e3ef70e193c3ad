import { readdirSync, readFileSync } from 'node:fs';

/**
 * Ends, with SIGKILL, every process of the session that `leader` started (the local probe is
 * spawned detached, so it leads a session of its own). A process group alone is not enough:
 * `timeout` moves each command check into a group of its own, inside the same session. Where
 * there is no /proc, the leader's process group is what can be reached.
 */
export function killSession(leader: number): void {
  signal(-leader);
  for (const pid of sessionMembers(leader)) signal(pid);
}

/** Process ids whose session id is `session`, from /proc/PID/stat (empty without /proc). */
export function sessionMembers(session: number): number[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  const members: number[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    if (sessionOf(entry) === session) members.push(Number(entry));
  }
  return members;
}

/** Field 6 of /proc/PID/stat; the command name before it is in parentheses and may hold anything. */
function sessionOf(pid: string): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[3]);
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
