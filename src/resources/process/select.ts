import { FactError, type FactQuery } from '../resource.js';
import { COMM_LENGTH, parseProcessTable, PROCESS_TABLE_SCRIPT } from './table.js';
import type { ProcessEntry, ProcessMatches, ProcessTable } from './table.js';

function basename(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/**
 * Whether a process is called `name`. The kernel keeps 15 bytes of a name, so a longer name
 * matches when those 15 bytes agree AND the basename of argv[0] (the command line up to its
 * first space) is the full name.
 * Returns undefined when that cannot be decided (the command line is unknown).
 */
export function processHasName(process: Pick<ProcessEntry, 'comm' | 'args'>, name: string): boolean | undefined {
  if (name.length <= COMM_LENGTH) return process.comm === name;
  if (process.comm !== name.slice(0, COMM_LENGTH)) return false;
  if (process.args === null) return undefined;
  return basename(process.args.split(' ')[0] ?? '') === name;
}

export function selectProcesses(table: ProcessTable, name: string): ProcessMatches {
  const processes: ProcessMatches['processes'] = [];
  for (const p of table.processes) {
    const named = processHasName(p, name);
    if (named === undefined)
      throw new FactError(
        `cannot tell whether process ${p.pid} (${p.comm}) is ${name}: ` +
          'its command line was not listed (it started or ended while the probe ran)',
      );
    if (!named) continue;
    const user =
      p.euid === null || table.userLookupProblem !== null ? null : (table.userNames[String(p.euid)] ?? String(p.euid));
    processes.push({ pid: p.pid, comm: p.comm, user, args: p.args });
  }
  return { name, processes, incomplete: table.incomplete, userLookupProblem: table.userLookupProblem };
}

export function processQuery(name: string): FactQuery<ProcessMatches> {
  return {
    // One process table serves every process check; the engine parses it once per name.
    key: 'process-table',
    script: PROCESS_TABLE_SCRIPT,
    parse: (frame, host) => selectProcesses(parseProcessTable(frame, host), name),
    // The probe's own processes are told apart by their parents; a query running meanwhile could
    // end a parent between the reads of the table and leave its child looking like the host's.
    alone: true,
  };
}
