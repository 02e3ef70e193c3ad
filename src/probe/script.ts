import { END_MARKER, FRAME_HEADER } from './frames.js';
import { HOST_QUERY_ID, HOST_QUERY_SCRIPT, HOST_DETECTION } from './host.js';

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
export function buildProbeScript(queries: readonly ProbeQuery[]): string {
  const parts = [PREAMBLE, HOST_DETECTION, runQuery({ id: HOST_QUERY_ID, script: HOST_QUERY_SCRIPT })];
  for (const query of queries) parts.push(runQuery(query));
  parts.push(`printf '%s\\n' '${END_MARKER}'`);
  return parts.join('\n') + '\n';
}

function runQuery(query: ProbeQuery): string {
  if (!/^[A-Za-z0-9_.-]+$/.test(query.id)) throw new Error(`invalid probe query id: ${query.id}`);
  return `(\n${query.script}\n) >"$ds_dir/o" 2>"$ds_dir/e" </dev/null\nds_emit ${query.id} $?`;
}

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
ds_emit() {
  printf '${FRAME_HEADER} %s %s %s %s\\n' "$1" "$2" $(wc -c <"$ds_dir/o") $(wc -c <"$ds_dir/e")
  cat "$ds_dir/o" "$ds_dir/e"
}`;
