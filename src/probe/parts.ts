import type { Bytes, Frame } from './frames.js';
import { shellQuote } from './quote.js';

export const PARTS_HEADER = 'DSPARTS';

/**
 * Shell functions for nested framing. A grouped query runs each of its parts (one tool invocation
 * shared by every member, or one member's own commands) with `ds_part NAME NAME_BYTES` before and
 * `ds_part_done $?` after, and ends with `ds_parts_out`, which lists the parts it wrote (file
 * `p<slot>`: the query's number, the count, then each part's name bytes and exit status). A part's
 * name starts its stderr file, so a part costs two files of the query's slot
 * (`p<slot>e<part>`, `p<slot>o<part>`), reused from batch to batch: creating files is what costs
 * most on a busy file system after processes. A query that ends before `ds_parts_out` lists none.
 *
 * The probe's batched flush (`ds_flush` in src/probe/script.ts) counts these files in its one
 * `wc -c` and writes the query's stdout as a table of contents, then every part:
 * `DSPARTS <count>\n`, per part `<exit> <name bytes> <stdout bytes> <stderr bytes>\n`, then per part
 * `<name><stderr><stdout>`. Every length comes from `wc -c` or from the script itself: nothing a
 * target prints can look like a part boundary, and parts cost no process of their own.
 */
export const PART_HELPERS = `ds_q=0
ds_pn=0
ds_plist=
ds_part() {
  ds_pn=$((ds_pn + 1))
  ds_plist="$ds_plist $2"
  printf '%s' "$1" >"$ds_dir/p\${ds_n}e$ds_pn"
}
ds_part_done() { ds_plist="$ds_plist $1"; return "$1"; }
ds_parts_out() { printf '%s %s%s\\n' "$ds_q" "$ds_pn" "$ds_plist" >"$ds_dir/p$ds_n"; }`;

/** The file holding the stdout of the part that ran last, for a query that reads it again. */
export const LAST_PART_STDOUT = `"$ds_dir/p\${ds_n}o$ds_pn"`;

/**
 * The flush's share of the parts, for query slot `ds_k` of a batch that follows query `ds_q0`:
 * `ds_part_list` reads the parts the query listed (`ds_pc`; `ds_pl`: name bytes and exit status of
 * each), none when the list is an earlier batch's; `ds_part_toc` reads their sizes from the
 * flush's `wc -c` output (its stdin), writes the table of contents (`ds_toc`) and adds it and every
 * part's bytes to the query's stdout size `ds_os`. It fails when the sizes cannot all be read.
 */
export const PART_FLUSH_HELPERS = `ds_part_list() {
  ds_pc=0 ds_pl=
  [ -f "$ds_dir/p$ds_k" ] && read -r ds_x ds_pc ds_pl <"$ds_dir/p$ds_k" && [ "$ds_x" -eq $((ds_q0 + ds_k)) ] || ds_pc=0
}
ds_part_toc() {
  ds_part_list
  ds_toc=
  [ "$ds_pc" -gt 0 ] || return 0
  ds_toc="${PARTS_HEADER} $ds_pc
"
  ds_j=0
  while [ "$ds_j" -lt "$ds_pc" ]; do
    read -r ds_pes ds_x && read -r ds_pos ds_x || return 1
    ds_j=$((ds_j + 1))
    ds_nb=\${ds_pl%% *}; ds_pl=\${ds_pl#* }
    ds_toc="$ds_toc\${ds_pl%% *} $ds_nb $ds_pos $((ds_pes - ds_nb))
"
    ds_pl=\${ds_pl#* }
    ds_os=$((ds_os + ds_pes + ds_pos))
  done
  ds_os=$((ds_os + \${#ds_toc}))
}`;

/**
 * One part of a grouped query. `script` runs in a subshell of its own, so an `exit` ends only the
 * part; a script of shell builtins alone that never exits (`inline`) runs in the query's shell,
 * which spares a process per part.
 */
export function partScript(name: string, script: string, options: { inline?: boolean } = {}): string {
  const [open, close] = options.inline ? ['{', '}'] : ['(', ')'];
  return [
    `ds_part ${shellQuote(name)} ${Buffer.byteLength(name)}`,
    `${open}\n${script}\n${close} >"$ds_dir/p\${ds_n}o$ds_pn" 2>>"$ds_dir/p\${ds_n}e$ds_pn" </dev/null`,
    'ds_part_done $?',
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
  const toc = readLines(stdout, newline + 1, Number(count[1]));
  let offset = toc.end;
  for (const line of toc.lines) {
    const entry = /^(\d+) (\d+) (\d+) (\d+)$/.exec(line);
    if (!entry) throw new Error(`unexpected output in the table of parts of a grouped query: ${JSON.stringify(line)}`);
    const [exitCode, nameBytes, stdoutBytes, stderrBytes] = entry.slice(1).map(Number) as [
      number,
      number,
      number,
      number,
    ];
    const stderrStart = offset + nameBytes;
    const stdoutStart = stderrStart + stderrBytes;
    const end = stdoutStart + stdoutBytes;
    if (end > stdout.length) throw new Error('the output of a grouped query stopped inside a part');
    const name = stdout.subarray(offset, stderrStart).toString('utf8');
    if (parts.has(name)) throw new Error(`a grouped query wrote part ${JSON.stringify(name)} twice`);
    parts.set(name, {
      id: name,
      exitCode,
      stdout: stdout.subarray(stdoutStart, end),
      stderr: stdout.subarray(stderrStart, stdoutStart),
    });
    offset = end;
  }
  if (offset !== stdout.length) throw new Error(`unexpected output at byte ${offset} of a grouped query`);
  return parts;
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
