import { END_MARKER, FRAME_HEADER } from './frames.js';
import { HOST_QUERY_ID, HOST_QUERY_SCRIPT, HOST_DETECTION } from './host.js';
import { APPEND_PART_FILES, writesParts, PART_FLUSH_HELPERS, PART_HELPERS } from './parts.js';

/** One fact query as the probe runs it: a POSIX sh fragment whose output becomes one frame. */
export interface ProbeQuery {
  id: string;
  script: string;
  /**
   * Runs with no other query at the same time, even in a concurrent probe (see FactQuery.alone in
   * src/resources/resource.ts; the wait for boot is one too).
   */
  alone?: boolean;
}

export interface ProbeScriptOptions {
  /** Unframed output after every query (a streamed section, see src/drift/probe-stream.ts). */
  tail?: string;
  /** False for an image's root that is not running: queries then read what the image configures. */
  booted?: boolean;
  /**
   * Run the queries of each batch at the same time (see concurrentBatch); their frames still come
   * out in query order. Queries marked `alone` run by themselves, in their place in the order.
   */
  concurrent?: boolean;
}

/**
 * The script itself says whether the target is booted (`DS_BOOTED`), never the environment it
 * inherits, so a variable of the caller's cannot make a booted host read as an image.
 */
function bootedVariable(booted: boolean): string {
  return `DS_BOOTED=${booted ? 'yes' : 'no'}`;
}

/**
 * Assembles the single POSIX sh script a host runs: detection, then every query in its own
 * subshell with stdout and stderr captured to files so each frame carries exact byte counts and
 * that query's exit status. One failing query never hides another.
 */
export function buildProbeScript(queries: readonly ProbeQuery[], options: ProbeScriptOptions = {}): string {
  const parts = [
    PREAMBLE,
    bootedVariable(options.booted ?? true),
    WATCHDOG,
    PART_FLUSH_HELPERS,
    PART_HELPERS,
    HOST_DETECTION,
    runQuery({ id: HOST_QUERY_ID, script: HOST_QUERY_SCRIPT }),
  ];
  if (options.concurrent) parts.push(...concurrentQueries(queries));
  else for (const query of queries) parts.push(queueQuery(query));
  parts.push('ds_flush');
  // Output that is not framed (a streamed section, see src/drift/probe-stream.ts) goes last.
  if (options.tail !== undefined) parts.push(options.tail);
  parts.push(`printf '%s\\n' '${END_MARKER}'`);
  return `${parts.join('\n')}\n`;
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
  return ['ds_n=$((ds_n + 1)) ds_q=$((ds_q + 1))', querySubshell(query), queryDone(query, '$?')].join('\n');
}

/** The query in a subshell of its own, its stdout and stderr to the files of slot `ds_n`. */
function querySubshell(query: ProbeQuery): string {
  if (!/^[A-Za-z0-9_.-]+$/.test(query.id)) throw new Error(`invalid probe query id: ${query.id}`);
  return `(\n${query.script}\n) >"$ds_dir/o$ds_n" 2>"$ds_dir/e$ds_n" </dev/null`;
}

/** Notes the query's frame for the next flush, with its exit status. */
function queryDone(query: ProbeQuery, status: string): string {
  return `ds_done ${query.id} ${status}${writesParts(query.script) ? ' grouped' : ''}`;
}

/** Runs of queries that may share the time in concurrent batches, each query marked `alone` by itself. */
function concurrentQueries(queries: readonly ProbeQuery[]): string[] {
  const parts: string[] = [];
  let together: ProbeQuery[] = [];
  const startTogether = () => {
    for (let start = 0; start < together.length; start += FLUSH_EVERY)
      parts.push(concurrentBatch(together.slice(start, start + FLUSH_EVERY)));
    together = [];
  };
  for (const query of queries) {
    if (!query.alone) {
      together.push(query);
      continue;
    }
    startTogether();
    // After a batch, whose every job has ended; written by the next flush, with the queries after it.
    parts.push(queueQuery(query));
  }
  startTogether();
  return parts;
}

/**
 * Up to FLUSH_EVERY queries started together in the background, each to its own output files as
 * queueQuery does, then waited for one by one in query order: a query's exit status is its job's
 * (`wait`), and the batch is written by the one flush as before. The batch starts after a flush
 * (`ds_n` 0), so slot numbers are those a sequential batch would use. The probe's total time is
 * then about its slowest query's instead of the sum, where cores are free (a snapshot's systemd
 * listings are its slowest queries on a small system).
 */
function concurrentBatch(queries: readonly ProbeQuery[]): string {
  const lines = ['ds_flush'];
  queries.forEach((query, slot) => {
    lines.push('ds_n=$((ds_n + 1)) ds_q=$((ds_q + 1))', `${querySubshell(query)} &`, `ds_job${slot}=$!`);
  });
  lines.push('ds_n=0');
  queries.forEach((query, slot) => {
    lines.push(`wait "$ds_job${slot}"`, 'ds_status=$?', 'ds_n=$((ds_n + 1))', queryDone(query, '$ds_status'));
  });
  lines.push('ds_flush');
  return lines.join('\n');
}

/** Queries per batch of frames. */
const FLUSH_EVERY = 16;

/** Exit status the probe uses when it cannot even start (no temporary directory). */
export const PROBE_SETUP_FAILED = 90;

const PREAMBLE = `LC_ALL=C; export LC_ALL
PATH="$PATH:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"; export PATH
ds_user_umask=$(umask)
umask 077
ds_dir=$(mktemp -d 2>/dev/null) || ds_dir=$(mktemp -d -t driftspec.XXXXXX 2>/dev/null) ||
  { echo 'driftspec probe: cannot create a temporary directory' >&2; exit ${PROBE_SETUP_FAILED}; }
trap 'rm -rf "$ds_dir"' EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM
ds_has() { command -v "$1" >/dev/null 2>&1; }
ds_n=0
ds_pending=
ds_grouped=
ds_done() {
  ds_pending="$ds_pending $1 $2"
  [ -z "\${3:-}" ] || ds_grouped="$ds_grouped $ds_n "
  [ "$ds_n" -lt ${FLUSH_EVERY} ] || ds_flush
}
ds_flush() {
  [ "$ds_n" -gt 0 ] || return 0
  ds_q0=$((ds_q - ds_n))
  set --
  ds_k=0
  while [ "$ds_k" -lt "$ds_n" ]; do
    ds_k=$((ds_k + 1)); set -- "$@" "$ds_dir/o$ds_k" "$ds_dir/e$ds_k"
    ds_part_list
${APPEND_PART_FILES}
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
      ds_k=$((ds_k + 1)); set -- "$@" "$ds_dir/h$ds_k" "$ds_dir/o$ds_k"
      ds_part_list
${APPEND_PART_FILES}
      set -- "$@" "$ds_dir/e$ds_k"
    done
    [ $# -eq 0 ] || cat "$@" </dev/null
  fi
  ds_n=0 ds_pending= ds_grouped=
}`;

/** Seconds the probe's watchdog waits beyond the target's own timeout before it ends the probe itself. */
export const WATCHDOG_MARGIN_SECONDS = 2;

/**
 * The script as a target runs it under `timeoutMs`: the watchdog (see WATCHDOG) ends the probe a
 * little after that, should the target's own timeout not reach it (a root probe over SSH, or
 * under sudo, cannot be signalled by driftspec).
 */
export function withProbeDeadline(script: string, timeoutMs: number): string {
  return `${probeDeadlineLine(timeoutMs)}${script}`;
}

/** The line withProbeDeadline puts before the script, for a target that sends the two apart. */
export function probeDeadlineLine(timeoutMs: number): string {
  return `ds_deadline=${Math.ceil(timeoutMs / 1000) + WATCHDOG_MARGIN_SECONDS}\n`;
}

/**
 * Every process the probe starts ends with it. A background watchdog checks once a second that
 * the probe's parent (driftspec, sshd, sudo) is still there and that the deadline
 * (`ds_deadline`, seconds, set before the script by withProbeDeadline) has not passed; otherwise
 * it kills the process group of every command check (`timeout` gives each its own, recorded in
 * `$ds_dir/groups` by ds_in_group), sends SIGTERM to the probe's own process group, and after a
 * grace of two seconds SIGKILL. A parent that is gone means driftspec was killed or the SSH
 * connection was lost: OpenSSH closes the pipes, but sends no signal for a session without a
 * terminal, and refuses a client's signal request for root logins. Under sudo, which stays when
 * driftspec goes, the watchdog looks one step further up where /proc tells it: sudo handed to
 * another parent means the same. ds_in_group also ends, once a command has finished, what it left
 * running in its group. The watchdog holds none of the
 * probe's pipes (`exec` redirections: a redirected function call would keep a saved copy), so it
 * never holds a channel open.
 */
const WATCHDOG = `ds_probe=$$
ds_parent=$PPID
ds_alive() {
  kill -0 "$1" 2>/dev/null && return 0
  case $(kill -0 "$1" 2>&1) in *ermitted*) return 0 ;; esac
  return 1
}
ds_stop_commands() {
  [ -s "$ds_dir/groups" ] || return 0
  while read -r ds_g; do kill -KILL "-$ds_g" 2>/dev/null || kill -KILL "$ds_g" 2>/dev/null; done <"$ds_dir/groups"
  : >"$ds_dir/groups"
}
ds_in_group() {
  sh -c 'printf "%s\\n" "$$" >"$1"; shift; exec "$@"' ds_in_group "$ds_dir/groups" "$@"
  set -- $?
  # What the command left running in its group goes with it, and lets go of the output pipes.
  read -r ds_g <"$ds_dir/groups" 2>/dev/null && kill -KILL "-$ds_g" 2>/dev/null
  : >"$ds_dir/groups"
  return "$1"
}
ds_parent_of() {
  [ -r "/proc/$1/stat" ] && read -r ds_stat <"/proc/$1/stat" || return 1
  set -- \${ds_stat##*) }
  ds_up=$2
}
ds_watch() {
  trap 'kill "$ds_nap" 2>/dev/null; exit 0' TERM
  ds_sudo_parent=
  if read -r ds_name <"/proc/$ds_parent/comm" 2>/dev/null && [ "$ds_name" = sudo ] && ds_parent_of "$ds_parent"; then
    ds_sudo_parent=$ds_up
  fi
  ds_t=0
  while :; do
    sleep 1 &
    ds_nap=$!
    wait "$ds_nap"
    ds_alive "$ds_probe" || { ds_stop_commands; rm -rf "$ds_dir"; exit 0; }
    ds_t=$((ds_t + 1))
    ds_alive "$ds_parent" || break
    [ -z "$ds_sudo_parent" ] || { ds_parent_of "$ds_parent" && [ "$ds_up" = "$ds_sudo_parent" ]; } || break
    [ -z "\${ds_deadline:-}" ] || [ "$ds_t" -lt "$ds_deadline" ] || break
  done
  trap '' TERM
  ds_stop_commands
  kill -TERM 0
  sleep 2
  rm -rf "$ds_dir"
  kill -KILL 0
}
(exec </dev/null >/dev/null 2>&1; ds_watch) &
ds_watchdog=$!
trap 'kill "$ds_watchdog" 2>/dev/null; ds_stop_commands; rm -rf "$ds_dir"' EXIT`;
