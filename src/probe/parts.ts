import type { Frame } from './frames.js';
import { shellQuote } from './quote.js';

export const PART_HEADER = 'DSPART';

/**
 * Shell functions for nested framing: a grouped query runs each of its parts (one tool invocation
 * shared by every member, or one member's own commands) with `ds_part NAME` before and
 * `ds_part_done $?` after, stdout and stderr to files, and ends with `ds_parts_out`, which writes
 * every part as `DSPART <exit> <name bytes> <stdout bytes> <stderr bytes>\n<name><stdout><stderr>`.
 * Every length, the part's name included, comes from one `wc -c` over the files: nothing a target
 * prints can look like a part boundary, and one `wc` and one `cat` serve the whole group.
 */
export const PART_HELPERS = `ds_pn=0
ds_pstat=
ds_part() {
  ds_pn=$((ds_pn + 1))
  printf '%s' "$1" >"$ds_dir/pn$ds_pn"
}
ds_part_done() { ds_pstat="$ds_pstat $1"; return "$1"; }
ds_parts_out() {
  [ "$ds_pn" -gt 0 ] || return 0
  set --
  ds_k=0
  while [ "$ds_k" -lt "$ds_pn" ]; do
    ds_k=$((ds_k + 1)); set -- "$@" "$ds_dir/pn$ds_k" "$ds_dir/po$ds_k" "$ds_dir/pe$ds_k"
  done
  wc -c "$@" >"$ds_dir/psizes" || return 3
  set -- $ds_pstat
  ds_k=0
  while [ $# -ge 1 ] && read -r ds_ns ds_x && read -r ds_os ds_x && read -r ds_es ds_x; do
    ds_k=$((ds_k + 1))
    printf '${PART_HEADER} %s %s %s %s\\n' "$1" "$ds_ns" "$ds_os" "$ds_es" >"$ds_dir/ph$ds_k" || return 3
    shift
  done <"$ds_dir/psizes"
  [ "$ds_k" -eq "$ds_pn" ] || return 3
  set --
  ds_k=0
  while [ "$ds_k" -lt "$ds_pn" ]; do
    ds_k=$((ds_k + 1)); set -- "$@" "$ds_dir/ph$ds_k" "$ds_dir/pn$ds_k" "$ds_dir/po$ds_k" "$ds_dir/pe$ds_k"
  done
  cat "$@" </dev/null
}`;

/**
 * One part of a grouped query. `script` runs in a subshell of its own, so an `exit` ends only the
 * part; a script of shell builtins alone that never exits (`inline`) runs in the query's shell,
 * which spares a process per part.
 */
export function partScript(name: string, script: string, options: { inline?: boolean } = {}): string {
  const [open, close] = options.inline ? ['{', '}'] : ['(', ')'];
  return [
    `ds_part ${shellQuote(name)}`,
    `${open}\n${script}\n${close} >"$ds_dir/po$ds_pn" 2>"$ds_dir/pe$ds_pn" </dev/null`,
    'ds_part_done $?',
  ].join('\n');
}

/** A grouped query: its parts (from partScript, some perhaps inside an `if`) in order, then written out. */
export function partsScript(parts: readonly string[]): string {
  return [...parts, 'ds_parts_out'].join('\n');
}

/**
 * Reads a grouped query's stdout as its parts (name → frame). The stdout holds nothing but parts;
 * any other byte, a repeated name or a part cut short makes the whole output untrustworthy.
 */
export function parseParts(stdout: Buffer): Map<string, Frame> {
  const parts = new Map<string, Frame>();
  let offset = 0;
  while (offset < stdout.length) {
    const newline = stdout.indexOf(0x0a, offset);
    const line = stdout.subarray(offset, newline === -1 ? stdout.length : newline).toString('latin1');
    const header = /^DSPART (\d+) (\d+) (\d+) (\d+)$/.exec(line);
    if (newline === -1 || !header) throw new Error(`unexpected output at byte ${offset} of a grouped query`);
    const [exitCode, nameBytes, stdoutBytes, stderrBytes] = header.slice(1).map(Number) as [
      number,
      number,
      number,
      number,
    ];
    const nameStart = newline + 1;
    const stdoutStart = nameStart + nameBytes;
    const stderrStart = stdoutStart + stdoutBytes;
    const end = stderrStart + stderrBytes;
    if (end > stdout.length) throw new Error('the output of a grouped query stopped inside a part');
    const name = stdout.subarray(nameStart, stdoutStart).toString('utf8');
    if (parts.has(name)) throw new Error(`a grouped query wrote part ${JSON.stringify(name)} twice`);
    parts.set(name, {
      id: name,
      exitCode,
      stdout: stdout.subarray(stdoutStart, stderrStart),
      stderr: stdout.subarray(stderrStart, end),
    });
    offset = end;
  }
  return parts;
}
