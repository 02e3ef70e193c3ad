import { z } from 'zod';
import type { Frame } from '../../probe/frames.js';
import type { HostFacts } from '../../probe/host.js';
import { FactError, requireRan, stderrInline, validateFact } from '../resource.js';

/** The kernel keeps at most this many bytes of a process name (TASK_COMM_LEN - 1). */
export const COMM_LENGTH = 15;
// ---------------------------------------------------------------------------------------------
// /proc/PID/stat
// ---------------------------------------------------------------------------------------------

export interface StatLine {
  pid: number;
  comm: string;
  ppid: number;
}

/**
 * `PID (COMM) STATE PPID …`. COMM may hold spaces and ')' (a process names itself), so it runs
 * from the first " (" to the LAST ')'. A line cut short (a COMM holding a newline stops the
 * shell's `read`) has no closing ')' and gives undefined.
 */
export function parseStatLine(line: string): StatLine | undefined {
  const open = line.indexOf(' (');
  const close = line.lastIndexOf(')');
  if (open < 1 || close < open + 1) return undefined;
  const pid = line.slice(0, open);
  const [state, ppid] = line
    .slice(close + 1)
    .trim()
    .split(' ');
  if (!/^\d+$/.test(pid) || !state || !/^\d+$/.test(ppid ?? '')) return undefined;
  return { pid: Number(pid), comm: line.slice(open + 2, close), ppid: Number(ppid) };
}

// ---------------------------------------------------------------------------------------------
// The process table: one query for every process check.
// ---------------------------------------------------------------------------------------------

export const ProcessEntrySchema = z.object({
  pid: z.number().int().positive(),
  ppid: z.number().int().nonnegative(),
  comm: z.string(),
  /** Effective uid, as ps shows it; null when /proc/PID/status could not be read. */
  euid: z.number().int().nonnegative().nullable(),
  /** The command line as `ps -o args` shows it; null when the process was not in that list. */
  args: z.string().nullable(),
});
export type ProcessEntry = z.infer<typeof ProcessEntrySchema>;

export const ProcessTableSchema = z.object({
  /** The probe's own shell; it and its descendants are left out of `processes`. */
  probePid: z.number().int().positive(),
  processes: z.array(ProcessEntrySchema),
  /** uid → user name, for every uid seen; a uid without a passwd entry maps to its number. */
  userNames: z.record(z.string(), z.string()),
  /** Why user names could not be looked up at all, or null. */
  userLookupProblem: z.string().nullable(),
  /** Why this table may lack processes (hidepid as non-root), or null when it is complete. */
  incomplete: z.string().nullable(),
  argsSource: z.enum(['ps', 'cmdline']),
});
export type ProcessTable = z.infer<typeof ProcessTableSchema>;

/** What a check on one process name reads: the matching processes, with users resolved. */
export const ProcessMatchesSchema = z.object({
  name: z.string(),
  processes: z.array(
    z.object({
      pid: z.number().int().positive(),
      comm: z.string(),
      /** null when unknown: /proc/PID/status was unreadable, or user names could not be looked up. */
      user: z.string().nullable(),
      args: z.string().nullable(),
    }),
  ),
  incomplete: z.string().nullable(),
  userLookupProblem: z.string().nullable(),
});
export type ProcessMatches = z.infer<typeof ProcessMatchesSchema>;

/**
 * Sections, each opened by a line starting with "@ds:" that no data line can start with: ps
 * lines start with a pid, grep's lines with "/proc/" (every line, also the rest of a stat whose
 * name holds a newline), the loop's lines with a uid or "-", cmdline lines with a pid, and
 * process text cannot hold a newline there (ps prints "?" for it, `tr` maps it to "?", and `read`
 * stops at it). passwd lines come last and the parser reads the end marker from the end.
 *
 * One grep reads every /proc/PID/stat and the Uid line of every /proc/PID/status: the shell's
 * `read` takes a byte per system call, which for a hundred processes cost a probe about 15 ms.
 * Where there is no grep, or it gave nothing (an argument list too long), the shell loop reads them.
 *
 * `$$` is the probe's own shell (a subshell keeps its parent's `$$`); everything below it
 * is probe machinery and is left out by the parser.
 */
export const PROCESS_TABLE_SCRIPT = `printf '@ds:self %s\\n' "$$"
while read -r ds_dev ds_mnt ds_fstype ds_opts ds_rest; do
  if [ "$ds_mnt" = /proc ]; then printf '@ds:proc-mount %s\\n' "$ds_opts"; fi
done </proc/self/mounts
if ds_has ps && ds_out=$(ps -e -o pid= -o args= 2>/dev/null); then
  printf '@ds:args ps\\n%s\\n' "$ds_out"
else
  printf '@ds:args cmdline\\n'
  for ds_p in /proc/[0-9]*; do
    [ -r "$ds_p/cmdline" ] || continue
    printf '%s ' "\${ds_p#/proc/}"
    tr '\\000\\n' ' ?' 2>/dev/null <"$ds_p/cmdline"
    printf '\\n'
  done
fi
ds_uids=' '
ds_files=
if ds_has grep; then
  ds_files=$(grep -s -H -e '^[0-9]' -e '^Uid:' /proc/[0-9]*/stat /proc/[0-9]*/status 2>/dev/null)
fi
if [ -n "$ds_files" ]; then
  printf '@ds:proc-files\\n%s\\n' "$ds_files"
  ds_tab='\t'
  ds_ifs=$IFS
  IFS='
'
  set -f
  for ds_l in $ds_files; do
    case $ds_l in
      /proc/*/status:Uid:*)
        ds_r=\${ds_l#*:Uid:"$ds_tab"}
        ds_r=\${ds_r#*"$ds_tab"}
        ds_e=\${ds_r%%"$ds_tab"*}
        case $ds_e in
          ''|*[!0-9]*) ;;
          *) case $ds_uids in *" $ds_e "*) ;; *) ds_uids="$ds_uids$ds_e " ;; esac ;;
        esac ;;
    esac
  done
  set +f
  IFS=$ds_ifs
else
  printf '@ds:procs\\n'
  for ds_p in /proc/[0-9]*; do
    IFS= read -r ds_s 2>/dev/null <"$ds_p/stat" || continue
    ds_e=-
    while read -r ds_k ds_r ds_u ds_rest; do
      if [ "$ds_k" = Uid: ]; then ds_e=$ds_u; break; fi
    done 2>/dev/null <"$ds_p/status"
    case $ds_e in
      ''|*[!0-9]*) ds_e=- ;;
      *) case $ds_uids in *" $ds_e "*) ;; *) ds_uids="$ds_uids$ds_e " ;; esac ;;
    esac
    printf '%s %s\\n' "$ds_e" "$ds_s"
  done
fi
if ds_has getent; then
  printf '@ds:passwd getent\\n'
  getent passwd $ds_uids
else
  printf '@ds:passwd file\\n'
  cat /etc/passwd
fi
printf '\\n@ds:end %s\\n' "$?"`;

interface ProcessQuerySections {
  self: string | undefined;
  procMounts: string[];
  argsSource: string | undefined;
  argsLines: string[];
  /** "- STAT" or "EUID STAT" per process, from the shell's loop where there is no grep. */
  procLines: string[];
  /** grep's "/proc/PID/stat:LINE" and "/proc/PID/status:Uid:…" lines. */
  procFileLines: string[];
  passwdSource: string | undefined;
  passwdLines: string[];
  endStatus: number | undefined;
}

function splitProcessQuery(text: string): ProcessQuerySections {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  const sections: ProcessQuerySections = {
    self: undefined,
    procMounts: [],
    argsSource: undefined,
    argsLines: [],
    procLines: [],
    procFileLines: [],
    passwdSource: undefined,
    passwdLines: [],
    endStatus: undefined,
  };
  const endMatch = /^@ds:end (\d+)$/.exec(lines.at(-1) ?? '');
  if (endMatch) {
    sections.endStatus = Number(endMatch[1]);
    lines.pop();
  }
  let current: string[] | undefined;
  for (const line of lines) {
    if (sections.passwdSource !== undefined) {
      sections.passwdLines.push(line);
      continue;
    }
    let m: RegExpExecArray | null;
    if ((m = /^@ds:self (\d+)$/.exec(line))) sections.self = m[1];
    else if ((m = /^@ds:proc-mount (.*)$/.exec(line))) sections.procMounts.push(m[1]!);
    else if ((m = /^@ds:args (\S+)$/.exec(line))) {
      sections.argsSource = m[1];
      current = sections.argsLines;
    } else if (line === '@ds:procs') current = sections.procLines;
    else if (line === '@ds:proc-files') current = sections.procFileLines;
    else if ((m = /^@ds:passwd (\S+)$/.exec(line))) sections.passwdSource = m[1];
    else if (current) current.push(line);
    else throw new FactError(`process table: unexpected line ${JSON.stringify(line.slice(0, 120))}`);
  }
  return sections;
}

/** hidepid=1/2 (or noaccess/invisible/ptraceable) hides other users' processes from non-root. */
function hiddenProcesses(procMountOptions: string[], host: HostFacts): string | null {
  if (host.uid === 0) return null;
  const options = procMountOptions.at(-1)?.split(',') ?? [];
  const hidepid = options.find((o) => o.startsWith('hidepid='))?.slice('hidepid='.length);
  if (hidepid === undefined || hidepid === '0' || hidepid === 'off') return null;
  return (
    `/proc is mounted with hidepid=${hidepid}, ` +
    `so a non-root user (uid ${host.uid}) cannot see other users' processes`
  );
}

function parseArgsLines(lines: string[], source: 'ps' | 'cmdline'): Map<number, string> {
  const args = new Map<number, string>();
  for (const line of lines) {
    const match = /^\s*(\d+)(?: (.*))?$/.exec(line);
    if (!match) {
      if (line.trim() === '') continue;
      throw new FactError(`process table: unexpected ${source} line ${JSON.stringify(line.slice(0, 120))}`);
    }
    // cmdline ends every argument with NUL, which became a space.
    const text = source === 'cmdline' ? (match[2] ?? '').replace(/ $/, '') : (match[2] ?? '');
    args.set(Number(match[1]), text);
  }
  return args;
}

function parsePasswd(lines: string[]): Map<number, string> {
  const names = new Map<number, string>();
  for (const line of lines) {
    const fields = line.split(':');
    if (fields.length < 7 || !/^\d+$/.test(fields[2] ?? '')) continue;
    const uid = Number(fields[2]);
    // getpwuid returns the first entry for a uid.
    if (!names.has(uid)) names.set(uid, fields[0]!);
  }
  return names;
}

interface ProcLine {
  stat: StatLine;
  euid: number | null;
}

const unexpectedLine = (line: string) =>
  new FactError(`reading the process table: unexpected line ${JSON.stringify(line.slice(0, 120))}`);

/** The shell loop's lines: the effective uid ("-" when unknown), a space, the stat line. */
function procsFromLoop(lines: string[]): ProcLine[] {
  const procs: ProcLine[] = [];
  for (const line of lines) {
    const space = line.indexOf(' ');
    const uidText = line.slice(0, space);
    if (space < 1 || !/^(\d+|-)$/.test(uidText)) throw unexpectedLine(line);
    const stat = parseStatLine(line.slice(space + 1));
    // A name holding a newline cut the line short; no subject can equal such a name.
    if (stat) procs.push({ stat, euid: uidText === '-' ? null : Number(uidText) });
  }
  return procs;
}

/**
 * grep's lines, each named by its file: a process's stat line and the Uid line of its status
 * (real, effective, saved, filesystem uid). A process that ended before grep read its status has
 * no uid (null). Every line a stat file gives is named by that file, so a name holding a newline
 * cannot pass for another process: such a stat comes in more lines than one (or, cut short, has no
 * closing parenthesis) and is left out, as the loop leaves it out.
 */
function procsFromFiles(lines: string[]): ProcLine[] {
  const statLines = new Map<number, string[]>();
  const euids = new Map<number, number>();
  for (const line of lines) {
    const file = /^\/proc\/(\d+)\/(stat|status):/.exec(line);
    if (!file) throw unexpectedLine(line);
    const pid = Number(file[1]);
    const content = line.slice(file[0].length);
    if (file[2] === 'stat') {
      statLines.set(pid, [...(statLines.get(pid) ?? []), content]);
      continue;
    }
    const euid = /^Uid:\t\d+\t(\d+)(?:\t|$)/.exec(content)?.[1];
    if (euid === undefined) throw unexpectedLine(line);
    euids.set(pid, Number(euid));
  }
  const procs: ProcLine[] = [];
  for (const [pid, [first, ...more]] of statLines) {
    const stat = more.length === 0 && first !== undefined ? parseStatLine(first) : undefined;
    if (!stat) continue;
    if (stat.pid !== pid) throw unexpectedLine(`/proc/${pid}/stat:${first}`);
    procs.push({ stat, euid: euids.get(pid) ?? null });
  }
  return procs;
}

export function parseProcessTable(frame: Frame, host: HostFacts): ProcessTable {
  requireRan(frame, 'reading the process table');
  const sections = splitProcessQuery(frame.stdout.toString('utf8'));
  if (
    sections.self === undefined ||
    sections.argsSource === undefined ||
    sections.passwdSource === undefined ||
    sections.endStatus === undefined
  )
    throw new FactError(`reading the process table: output cut short (exit ${frame.exitCode})${stderrInline(frame)}`);
  if (sections.argsSource !== 'ps' && sections.argsSource !== 'cmdline')
    throw new FactError(
      `reading the process table: unknown command-line source ${JSON.stringify(sections.argsSource)}`,
    );
  const argsSource = sections.argsSource;
  const args = parseArgsLines(sections.argsLines, argsSource);
  const probePid = Number(sections.self);
  const processes: ProcessEntry[] = [];
  const uids = new Set<number>();
  const procs =
    sections.procFileLines.length > 0 ? procsFromFiles(sections.procFileLines) : procsFromLoop(sections.procLines);
  for (const { stat, euid } of procs) {
    if (euid !== null) uids.add(euid);
    const commandLine = args.get(stat.pid);
    processes.push({
      ...stat,
      euid,
      args: commandLine === undefined ? null : commandLine === '' ? `[${stat.comm}]` : commandLine,
    });
  }
  if (!processes.some((p) => p.pid === probePid))
    throw new FactError(
      `reading the process table: the probe's own shell (pid ${probePid}) is not in /proc; ` +
        "/proc does not show this system's processes",
    );
  const passwdStatus = sections.endStatus;
  const lookupWorked =
    sections.passwdSource === 'getent' ? passwdStatus === 0 || passwdStatus === 2 : passwdStatus === 0;
  const namesByUid = parsePasswd(sections.passwdLines);
  const userNames: Record<string, string> = {};
  for (const uid of uids) userNames[String(uid)] = namesByUid.get(uid) ?? String(uid);
  return validateFact(
    ProcessTableSchema,
    {
      probePid,
      processes: withoutProbe(processes, probePid),
      userNames,
      userLookupProblem: lookupWorked ? null : userLookupFailure(sections.passwdSource, passwdStatus, frame),
      incomplete: hiddenProcesses(sections.procMounts, host),
      argsSource,
    },
    'reading the process table',
  );
}

function userLookupFailure(passwdSource: string | undefined, status: number | undefined, frame: Frame): string {
  const command = passwdSource === 'getent' ? 'getent passwd' : 'reading /etc/passwd';
  return `looking up user names failed (${command} exited ${status})${stderrInline(frame)}`;
}

/** Drops the probe's shell and everything it started (its subshells, ps). */
function withoutProbe(processes: ProcessEntry[], probePid: number): ProcessEntry[] {
  const children = new Map<number, number[]>();
  for (const p of processes) children.set(p.ppid, [...(children.get(p.ppid) ?? []), p.pid]);
  const probe = new Set<number>([probePid]);
  const pending = [probePid];
  while (pending.length > 0) {
    for (const child of children.get(pending.pop()!) ?? []) {
      if (!probe.has(child)) {
        probe.add(child);
        pending.push(child);
      }
    }
  }
  return processes.filter((p) => !probe.has(p.pid));
}
