import type { Bytes, Frame } from './frames.js';
import { shellQuote } from './quote.js';

export const PARTS_HEADER = 'DSPARTS';

/** The command that ends every grouped query, on a line of its own. */
const PARTS_OUT = 'ds_parts_out';
const PARTS_OUT_LINE = new RegExp(`(^|\n)[ \t]*${PARTS_OUT}([ \t;]|\n|$)`);

/**
 * Whether a query's script writes parts: the probe then reads the list of parts from the query's
 * stdout, which is otherwise the target's to write. A quoted argument holding that line by
 * itself would only make its own query's output unreadable, never another's.
 */
export function writesParts(script: string): boolean {
  return PARTS_OUT_LINE.test(script);
}

/**
 * Shell functions for nested framing. A grouped query runs each of its parts (one tool invocation
 * shared by every member, or one member's own commands) with `ds_part NAME` before and
 * `ds_part_done $? NAME_BYTES` after, and ends with `ds_parts_out`, which writes the query's own
 * stdout: a line listing the parts (the query's number, the count, then per part its name bytes,
 * exit status and stderr file, 0 for none), then every part's name. A part's stdout goes to a file
 * of its own (`p<slot>o<part>`); its stderr to the query's current stderr file (`p<slot>e<n>`),
 * which is kept for that part only when something was written to it (`[ -s ]`, a builtin) and
 * otherwise reused by the next part: most parts write no stderr, and creating files is what costs
 * most on a busy file system after processes. Files are reused from batch to batch. A query that
 * ends before `ds_parts_out`, or wrote anything else to its stdout first, lists none.
 *
 * The probe's batched flush (`ds_flush` in src/probe/script.ts) counts these files in its one
 * `wc -c` and writes the query's stdout as a table of contents, then the list, then every part:
 * `DSPARTS <count>\n`, per part `<exit> <name bytes> <stdout bytes> <stderr bytes>\n`, the list
 * (its line, then the names), then per part `<stdout><stderr>`. Every length comes from `wc -c`
 * or from the script itself: nothing a target prints can look like a part boundary, and parts
 * cost no process of their own.
 */
export const PART_HELPERS = `ds_q=0
ds_pn=0
ds_pe=1
ds_plist=
ds_pnames=
ds_part() { ds_pn=$((ds_pn + 1)); ds_pnames=$ds_pnames$1; }
ds_part_done() {
  if [ -s "$ds_dir/p\${ds_n}e$ds_pe" ]; then
    ds_plist="$ds_plist $2 $1 $ds_pe"; ds_pe=$((ds_pe + 1))
  else
    ds_plist="$ds_plist $2 $1 0"
  fi
  return "$1"
}
${PARTS_OUT}() { printf '%s %s%s\\n%s' "$ds_q" "$ds_pn" "$ds_plist" "$ds_pnames"; }`;

/** The file holding the stdout of the part that ran last, for a query that reads it again. */
export const LAST_PART_STDOUT = `"$ds_dir/p\${ds_n}o$ds_pn"`;

/**
 * The flush's share of the parts, for query slot `ds_k` of a batch that follows query `ds_q0`:
 * `ds_part_list` reads the list line of a grouped query's parts from its stdout (`ds_pc`; `ds_pl`:
 * name bytes, exit status and stderr file of each); none for a query that is not grouped (its
 * stdout is the target's to write) or whose stdout does not start with its own list.
 * `ds_part_toc` reads the sizes of the files APPEND_PART_FILES listed from the flush's `wc -c`
 * output (its stdin), in that order, writes the table of contents (`ds_toc`) and adds it and every
 * part's bytes to the query's stdout size `ds_os`. It fails when the sizes cannot all be read.
 */
export const PART_FLUSH_HELPERS = `ds_part_list() {
  ds_pc=0 ds_pl=
  case $ds_grouped in *" $ds_k "*) ;; *) return 0 ;; esac
  read -r ds_x ds_pc ds_pl <"$ds_dir/o$ds_k" || ds_pc=0
  case $ds_x:$ds_pc in *[!0-9:]* | :* | *:) ds_pc=0 ;; *) [ "$ds_x" -eq $((ds_q0 + ds_k)) ] || ds_pc=0 ;; esac
}
ds_part_toc() {
  ds_part_list
  ds_toc=
  [ "$ds_pc" -gt 0 ] || return 0
  ds_toc="${PARTS_HEADER} $ds_pc
"
  ds_j=0
  while [ "$ds_j" -lt "$ds_pc" ]; do
    ds_j=$((ds_j + 1))
    ds_nb=\${ds_pl%% *}; ds_pl=\${ds_pl#* }
    ds_px=\${ds_pl%% *}; ds_pl=\${ds_pl#* }
    read -r ds_pos ds_x || return 1
    ds_pes=0
    [ "\${ds_pl%% *}" = 0 ] || read -r ds_pes ds_x || return 1
    ds_pl=\${ds_pl#* }
    ds_toc="$ds_toc$ds_px $ds_nb $ds_pos $ds_pes
"
    ds_os=$((ds_os + ds_pos + ds_pes))
  done
  ds_os=$((ds_os + \${#ds_toc}))
}`;

/**
 * The files of query slot `ds_k`'s parts (after `ds_part_list`), added to the positional
 * parameters in the order they are output: each part's stdout and its stderr file if it kept
 * one. Inline in `ds_flush`, since a function has positional parameters of its own.
 */
export const APPEND_PART_FILES = `if [ "$ds_pc" -gt 0 ]; then
  ds_ps=$ds_pl ds_j=0
  while [ "$ds_j" -lt "$ds_pc" ]; do
    ds_j=$((ds_j + 1)); ds_ps=\${ds_ps#* }; ds_ps=\${ds_ps#* }
    set -- "$@" "$ds_dir/p\${ds_k}o$ds_j"
    [ "\${ds_ps%% *}" = 0 ] || set -- "$@" "$ds_dir/p\${ds_k}e\${ds_ps%% *}"
    ds_ps=\${ds_ps#* }
  done
fi`;

/**
 * One part of a grouped query. `script` runs in a subshell of its own, so an `exit` ends only the
 * part; a script of shell builtins alone that never exits (`inline`) runs in the query's shell,
 * which spares a process per part.
 */
export function partScript(name: string, script: string, options: { inline?: boolean } = {}): string {
  return runtimeNamedPart({ word: shellQuote(name), bytes: String(Buffer.byteLength(name)) }, script, options);
}

/**
 * A part whose name the script makes as it runs (one per file a loop finds): `word` is the name
 * as one shell word (`"sysctl:$ds_i"`), `bytes` a shell expression of its length in bytes.
 */
export function runtimeNamedPart(
  name: { word: string; bytes: string },
  script: string,
  options: { inline?: boolean } = {},
): string {
  const [open, close] = options.inline ? ['{', '}'] : ['(', ')'];
  return [
    `ds_part ${name.word}`,
    `${open}\n${script}\n${close} >"$ds_dir/p\${ds_n}o$ds_pn" 2>"$ds_dir/p\${ds_n}e$ds_pe" </dev/null`,
    `ds_part_done $? ${name.bytes}`,
  ].join('\n');
}

/** A grouped query: its parts (from partScript, some perhaps inside an `if`) in order, then written out. */
export function partsScript(parts: readonly string[]): string {
  return [...parts, 'ds_parts_out'].join('\n');
}

/**
 * Reads a grouped query's stdout as its parts (name → frame). The stdout holds nothing but the
 * parts' table of contents and the parts; any other byte, a repeated name or a part cut short
 * makes the whole output untrustworthy.
 */
export function parseParts(stdout: Bytes): Map<string, Frame> {
  const parts = new Map<string, Frame>();
  if (stdout.length === 0) return parts;
  const newline = stdout.indexOf(0x0a);
  const count = /^DSPARTS (\d+)$/.exec(stdout.subarray(0, newline === -1 ? 0 : newline).toString('latin1'));
  if (!count) throw new Error('unexpected output at byte 0 of a grouped query');
  const toc = readLines(stdout, newline + 1, Number(count[1]) + 1);
  const list = toc.lines.pop()!;
  if (!/^\d+ \d+( \d+ \d+ \d+)*$/.test(list))
    throw new Error(`unexpected output in the list of parts of a grouped query: ${JSON.stringify(list)}`);
  const entries = toc.lines.map(readTocEntry);
  let offset = toc.end;
  const names = entries.map((entry) => {
    const name = stdout.subarray(offset, offset + entry.nameBytes);
    offset += entry.nameBytes;
    return name;
  });
  entries.forEach((entry, index) => {
    const stdoutStart = offset;
    const stderrStart = stdoutStart + entry.stdoutBytes;
    const end = stderrStart + entry.stderrBytes;
    if (end > stdout.length) throw new Error('the output of a grouped query stopped inside a part');
    const name = names[index]!.toString('utf8');
    if (parts.has(name)) throw new Error(`a grouped query wrote part ${JSON.stringify(name)} twice`);
    parts.set(name, {
      id: name,
      exitCode: entry.exitCode,
      stdout: stdout.subarray(stdoutStart, stderrStart),
      stderr: stdout.subarray(stderrStart, end),
    });
    offset = end;
  });
  if (offset !== stdout.length) throw new Error(`unexpected output at byte ${offset} of a grouped query`);
  return parts;
}

interface TocEntry {
  exitCode: number;
  nameBytes: number;
  stdoutBytes: number;
  stderrBytes: number;
}

function readTocEntry(line: string): TocEntry {
  const entry = /^(\d+) (\d+) (\d+) (\d+)$/.exec(line);
  if (!entry) throw new Error(`unexpected output in the table of parts of a grouped query: ${JSON.stringify(line)}`);
  const [exitCode, nameBytes, stdoutBytes, stderrBytes] = entry.slice(1).map(Number) as [
    number,
    number,
    number,
    number,
  ];
  return { exitCode, nameBytes, stdoutBytes, stderrBytes };
}

/** `count` newline-terminated lines from `start` (latin1), and where they end. */
function readLines(buffer: Bytes, start: number, count: number): { lines: string[]; end: number } {
  const lines: string[] = [];
  let offset = start;
  while (lines.length < count) {
    const newline = buffer.indexOf(0x0a, offset);
    if (newline === -1) throw new Error('the output of a grouped query stopped inside its table of parts');
    lines.push(buffer.subarray(offset, newline).toString('latin1'));
    offset = newline + 1;
  }
  return { lines, end: offset };
}
