import { END_MARKER, FRAME_HEADER } from './frames.js';
import { HOST_QUERY_ID, HOST_QUERY_SCRIPT, HOST_DETECTION } from './host.js';
import { PART_FLUSH_HELPERS, PART_HELPERS } from './parts.js';

/** One fact query as the probe runs it: a POSIX sh fragment whose output becomes one frame. */
export interface ProbeQuery {
  id: string;
  script: string;
}

/**
 * Assembles the single POSIX sh script a host runs: detection, then every query in its own
 * subshell with stdout and stderr captured to files so each frame carries exact byte counts and
 * that query's exit status. One failing query never hides another.
 */
export function buildProbeScript(queries: readonly ProbeQuery[], tail?: string): string {
  const parts = [
    PREAMBLE,
    PART_FLUSH_HELPERS,
    PART_HELPERS,
    HOST_DETECTION,
    runQuery({ id: HOST_QUERY_ID, script: HOST_QUERY_SCRIPT }),
  ];
  for (const query of queries) parts.push(queueQuery(query));
  parts.push('ds_flush');
  // Output that is not framed (a streamed section, see src/drift/probe-stream.ts) goes last.
  if (tail !== undefined) parts.push(tail);
  parts.push(`printf '%s\\n' '${END_MARKER}'`);
  return parts.join('\n') + '\n';
}

/** A query whose frame is written as soon as it finishes (with every query queued before it). */
export function runQuery(query: ProbeQuery): string {
  return `${queueQuery(query)}\nds_flush`;
}

/**
 * A query whose output waits in `$ds_dir` until the next flush (`ds_flush`): counting the bytes
 * (`wc -c`) and copying them out (`cat`) then costs two commands per batch of up to 16 queries
 * instead of three per query, which were most of the probe's own time (benchmarked in bench/).
 * A batch whose sizes cannot all be read is not emitted, and a probe killed mid-batch loses the
 * batch's frames: either way those queries are reported as unfinished, never as passed.
 */
function queueQuery(query: ProbeQuery): string {
  if (!/^[A-Za-z0-9_.-]+$/.test(query.id)) throw new Error(`invalid probe query id: ${query.id}`);
  return [
    'ds_n=$((ds_n + 1)) ds_q=$((ds_q + 1))',
    `(\n${query.script}\n) >"$ds_dir/o$ds_n" 2>"$ds_dir/e$ds_n" </dev/null`,
    `ds_done ${query.id} $?`,
  ].join('\n');
}

/** Queries per batch of frames. */
const FLUSH_EVERY = 16;

/** Exit status the probe uses when it cannot even start (no temporary directory). */
export const PROBE_SETUP_FAILED = 90;

const PREAMBLE = `LC_ALL=C; export LC_ALL
PATH="$PATH:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"; export PATH
ds_user_umask=$(umask)
umask 077
ds_dir=$(mktemp -d 2>/dev/null) || ds_dir=$(mktemp -d -t driftspec.XXXXXX 2>/dev/null) || { echo 'driftspec probe: cannot create a temporary directory' >&2; exit ${PROBE_SETUP_FAILED}; }
trap 'rm -rf "$ds_dir"' EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM
ds_has() { command -v "$1" >/dev/null 2>&1; }
ds_n=0
ds_pending=
ds_done() {
  ds_pending="$ds_pending $1 $2"
  [ "$ds_n" -lt ${FLUSH_EVERY} ] || ds_flush
}
ds_flush() {
  [ "$ds_n" -gt 0 ] || return 0
  ds_q0=$((ds_q - ds_n))
  set --
  ds_k=0
  while [ "$ds_k" -lt "$ds_n" ]; do
    ds_k=$((ds_k + 1)); set -- "$@" "$ds_dir/o$ds_k" "$ds_dir/e$ds_k"
    ds_part_list; ds_j=0
    while [ "$ds_j" -lt "$ds_pc" ]; do
      ds_j=$((ds_j + 1)); set -- "$@" "$ds_dir/p\${ds_k}e$ds_j" "$ds_dir/p\${ds_k}o$ds_j"
    done
  done
  if wc -c "$@" >"$ds_dir/sizes" 2>/dev/null; then
    set -- $ds_pending
    ds_k=0 ds_m=0
    while [ $# -ge 2 ]; do
      ds_k=$((ds_k + 1))
      read -r ds_os ds_x && read -r ds_es ds_x && ds_part_toc || break
      printf '${FRAME_HEADER} %s %s %s %s\\n%s' "$1" "$2" "$ds_os" "$ds_es" "$ds_toc" >"$ds_dir/h$ds_k" || break
      ds_m=$ds_k
      shift 2
    done <"$ds_dir/sizes"
    set --
    ds_k=0
    while [ "$ds_k" -lt "$ds_m" ]; do
      ds_k=$((ds_k + 1)); set -- "$@" "$ds_dir/h$ds_k"
      ds_part_list; ds_j=0
      while [ "$ds_j" -lt "$ds_pc" ]; do
        ds_j=$((ds_j + 1)); set -- "$@" "$ds_dir/p\${ds_k}e$ds_j" "$ds_dir/p\${ds_k}o$ds_j"
      done
      set -- "$@" "$ds_dir/o$ds_k" "$ds_dir/e$ds_k"
    done
    [ $# -eq 0 ] || cat "$@" </dev/null
  fi
  ds_n=0 ds_pending=
}`;
