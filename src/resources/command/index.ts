import { z } from 'zod';
import { shellQuote } from '../../probe/quote.js';
import type { Frame } from '../../probe/frames.js';
import type { Scalar, ValueExpectation, ValueMatcher } from '../../matchers/value.js';
import type { HostFacts } from '../../probe/host.js';
import {
  attribute,
  defineResource,
  FactError,
  predicate,
  requireRan,
  type AttributeCheck,
  type FactQuery,
} from '../resource.js';

/** stdout and stderr are each kept up to this size; a check on a larger one is an error. */
export const COMMAND_OUTPUT_LIMIT = 1024 * 1024;
export const DEFAULT_COMMAND_TIMEOUT = 60;

export const CommandOptionsSchema = z
  .object({
    /** Seconds before the command is stopped (with `timeout(1)` where the target has it). */
    timeout: z.number().int().positive().max(86_400).optional(),
  })
  .strict();
export type CommandOptions = z.infer<typeof CommandOptionsSchema>;

export const CommandResultSchema = z.object({
  exitStatus: z.number().int().nonnegative(),
  stdout: z.string(),
  stderr: z.string(),
  stdoutBytes: z.number().int().nonnegative(),
  stderrBytes: z.number().int().nonnegative(),
  /**
   * Why the exit status is the shell's, not the command's: not found (127) or not executable
   * (126). Every check is then an error, except one that expects exactly that status.
   */
  notRun: z.string().optional(),
});
export type CommandResult = z.infer<typeof CommandResultSchema>;

const HEADER = /^@@command (\d+) (\d+|none) (\d+) (\d+)\n/;
const UNSPOOLED = /^@@command-unspooled (stdout|stderr) (\d+)\n/;

/**
 * Seconds a timed-out command has, after SIGTERM, before SIGKILL (`timeout -k`); where timeout(1)
 * has no `-k` (old BusyBox), the command gets SIGKILL at once.
 */
export const COMMAND_KILL_AFTER = 2;
const KILL_AFTER = `-k ${COMMAND_KILL_AFTER}`;
const KILL_AT_ONCE = '-s KILL';

/**
 * The wrapper's files emptied once its frame is written, by the shell itself (no `rm` process):
 * the space goes back at once, and an empty status or spool file is one the next command check
 * cannot read, so a write of its own that fails is never read as this check's (exit 92).
 */
const EMPTY_COMMAND_FILES = ['stdout', 'stderr', 'status', 'stdout-spool', 'stderr-spool']
  .map((name) => `: >"$ds_dir/command-${name}"`)
  .join('; ');

/** Exit status of the wrapper when its spool files could not be read back. */
const SPOOL_READ_FAILED = 92;

/**
 * The text runs as ONE word given to `sh -c`: the spec's text is the command, nothing around it
 * is. `timeout` enforces the time limit, SIGKILL included; `setsid` (or else GNU timeout itself)
 * gives the command its own process group, recorded for the probe's watchdog (ds_in_group,
 * src/probe/script.ts): BusyBox timeout signals only the command's own process, not its children. Its stdout and
 * stderr go through pipes into files in the probe's private directory, each file capped at one
 * byte over the limit (the rest is only counted), so a chatty command never fills the target's
 * temporary file system. The frame carries a header (status, timeout applied, sizes) and then up
 * to the limit of each, in that order; or `@@command-unspooled` naming the stream that could not
 * be kept.
 */
export function commandScript(text: string, timeout: number): string {
  const run = `sh -c ${shellQuote(text)}`;
  const keep = COMMAND_OUTPUT_LIMIT + 1;
  // The probe's own umask is 077; the user's command gets the login's umask back.
  return `ds_spool() {
  # A spool that could not be written is removed at once: the space is needed for the status.
  if head -c ${keep} >"$ds_dir/command-$1"; then ds_kept=ok; else ds_kept=failed; : >"$ds_dir/command-$1"; fi
  printf '%s %s\\n' "$ds_kept" "$(wc -c)"
}
ds_timeout_kill() {
  # Whether timeout(1) has -k is learned once per probe.
  if [ -s "$ds_dir/timeout-kill" ] && read -r ds_kill <"$ds_dir/timeout-kill"; then
    case $ds_kill in '${KILL_AFTER}' | '${KILL_AT_ONCE}') return 0 ;; esac
  fi
  if timeout -k 1 1 true >/dev/null 2>&1; then ds_kill='${KILL_AFTER}'; else ds_kill='${KILL_AT_ONCE}'; fi
  printf '%s\\n' "$ds_kill" >"$ds_dir/timeout-kill" 2>/dev/null || :
}
# stderr reaches its spool through a pipe of its own: fd 3 of the group, closed for the command.
{
  {
    umask "$ds_user_umask"
    if ds_has timeout; then
      ds_limit=${timeout}
      ds_timeout_kill
      ds_own=; ! ds_has setsid || ds_own=setsid
      ds_in_group $ds_own timeout $ds_kill ${timeout} ${run} 2>&3 3>&-
    else ds_limit=none; ${run} 2>&3 3>&-; fi
    printf '%s %s\\n' "$?" "$ds_limit" >"$ds_dir/command-status"
  } | ds_spool stdout >"$ds_dir/command-stdout-spool" 3>&-
} 3>&1 | ds_spool stderr >"$ds_dir/command-stderr-spool"
read -r ds_rc ds_limit <"$ds_dir/command-status" || exit ${SPOOL_READ_FAILED}
read -r ds_out_kept ds_out_rest <"$ds_dir/command-stdout-spool" || exit ${SPOOL_READ_FAILED}
read -r ds_err_kept ds_err_rest <"$ds_dir/command-stderr-spool" || exit ${SPOOL_READ_FAILED}
for ds_s in "stdout $ds_out_kept" "stderr $ds_err_kept"; do
  case $ds_s in
    *' ok') ;;
    *) rm -f -- "$ds_dir"/command-*; printf '@@command-unspooled %s %s\\n' "\${ds_s%% *}" "$ds_rc"; exit 0 ;;
  esac
done
# The kept bytes of both streams, counted by one wc.
ds_sizes=$(wc -c "$ds_dir/command-stdout" "$ds_dir/command-stderr") || exit ${SPOOL_READ_FAILED}
{ read -r ds_out ds_x && read -r ds_err ds_x; } <<ds_sizes_end || exit ${SPOOL_READ_FAILED}
$ds_sizes
ds_sizes_end
printf '@@command %s %s %s %s\\n' "$ds_rc" "$ds_limit" "$((ds_out + ds_out_rest))" "$((ds_err + ds_err_rest))"
if [ "$ds_out" -gt ${COMMAND_OUTPUT_LIMIT} ] || [ "$ds_err" -gt ${COMMAND_OUTPUT_LIMIT} ]; then
  head -c ${COMMAND_OUTPUT_LIMIT} -- "$ds_dir/command-stdout"
  head -c ${COMMAND_OUTPUT_LIMIT} -- "$ds_dir/command-stderr"
elif [ $((ds_out + ds_err)) -gt 0 ]; then
  cat -- "$ds_dir/command-stdout" "$ds_dir/command-stderr"
fi
${EMPTY_COMMAND_FILES}`;
}

function commandQuery(text: string, options: CommandOptions): FactQuery<CommandResult> {
  const timeout = options.timeout ?? DEFAULT_COMMAND_TIMEOUT;
  return {
    key: `command:${timeout}:${text}`,
    script: commandScript(text, timeout),
    parse: (frame) => parseCommandResult(frame, text),
    alone: true,
  };
}

/** What sh(1) says with the statuses of a command it could not run. */
function notRunStatus(status: number, stderr: string): string | undefined {
  const said = stderr ? `: ${firstLine(stderr)}` : '';
  if (status === 127) return `command not found (exit 127)${said}`;
  if (status === 126) return `command found but not executable (exit 126)${said}`;
  return undefined;
}

/** What timeout(1) says with exit statuses that are not the command's own answer. */
function timeoutStatus(status: number, timeoutApplied: number | undefined): string | undefined {
  if (timeoutApplied !== undefined && status === 124) return `timed out after ${timeoutApplied} s`;
  // BusyBox timeout(1) reports a timeout as death by SIGTERM; a KILL may be the probe's own.
  if (timeoutApplied !== undefined && (status === 143 || status === 137))
    return `killed by signal ${status - 128} (the ${timeoutApplied} s timeout may have expired)`;
  return undefined;
}

function firstLine(text: string): string {
  const line = text.trim().split('\n')[0] ?? '';
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}

export function parseCommandResult(frame: Frame, text: string): CommandResult {
  const what = `running command ${text.length > 80 ? `${text.slice(0, 80)}…` : text}`;
  requireRan(frame, what);
  const start = frame.stdout.toString('latin1', 0, 200);
  const header = HEADER.exec(start);
  if (frame.exitCode !== 0 || !header) throw new FactError(`${what}: ${wrapperFailure(frame, start)}`);
  const [, status, limit, outBytes, errBytes] = header as unknown as [string, string, string, string, string];
  const stdoutBytes = Number(outBytes);
  const stderrBytes = Number(errBytes);
  const bodyStart = header[0].length;
  const stdoutEnd = bodyStart + Math.min(stdoutBytes, COMMAND_OUTPUT_LIMIT);
  const stderrEnd = stdoutEnd + Math.min(stderrBytes, COMMAND_OUTPUT_LIMIT);
  if (frame.stdout.length !== stderrEnd)
    throw new FactError(
      `${what}: the captured output is ${frame.stdout.length - bodyStart} bytes, expected ${stderrEnd - bodyStart}`,
    );
  const result: CommandResult = {
    exitStatus: Number(status),
    stdout: frame.stdout.toString('utf8', bodyStart, stdoutEnd),
    stderr: frame.stdout.toString('utf8', stdoutEnd, stderrEnd),
    stdoutBytes,
    stderrBytes,
  };
  const timedOut = timeoutStatus(result.exitStatus, limit === 'none' ? undefined : Number(limit));
  if (timedOut) throw new FactError(`${what}: ${timedOut}`);
  const notRun = notRunStatus(result.exitStatus, result.stderr);
  return notRun ? { ...result, notRun: `${what}: ${notRun}` } : result;
}

/** Why the wrapper around the command gave no result: most often a full temporary file system. */
function wrapperFailure(frame: Frame, start: string): string {
  const wrapperError = frame.stderr.toString('utf8').trim();
  const said = wrapperError ? `: ${firstLine(wrapperError)}` : '';
  const unspooled = UNSPOOLED.exec(start);
  if (frame.exitCode === 0 && unspooled)
    return (
      `the command ran (exit ${unspooled[2]}), but its ${unspooled[1]} could not be kept in the probe's temporary ` +
      `directory on the target (is its file system full?)${said}`
    );
  if (frame.exitCode === 0 || frame.exitCode === SPOOL_READ_FAILED)
    return (
      `the command wrapper could not keep the command's output or status in the probe's temporary directory ` +
      `on the target (is its file system full?; exit ${frame.exitCode})${said}`
    );
  return `the command wrapper failed (exit ${frame.exitCode})${said}`;
}

/** A command the shell could not run answers no question about its output or status. */
function requireRun(fact: CommandResult): void {
  if (fact.notRun !== undefined) throw new FactError(fact.notRun);
}

/**
 * The status, also 127 or 126 where the check names exactly that status (`exitStatus: 127`,
 * `{ oneOf: [126, 127] }`): then "not found" is the answer it asks for, negated or not. Any
 * other expectation (`not: { exitStatus: 0 }`) could pass only because the command is missing.
 */
function readExitStatus(fact: CommandResult, _host: HostFacts, check: AttributeCheck): number {
  if (fact.notRun !== undefined && !namesStatus(check.expected, fact.exitStatus)) throw new FactError(fact.notRun);
  return fact.exitStatus;
}

function namesStatus(expected: ValueMatcher, status: number): boolean {
  if (typeof expected === 'number') return expected === status;
  if (typeof expected !== 'object') return false;
  if ('equals' in expected) return expected.equals === status;
  if ('oneOf' in expected) return expected.oneOf.includes(status);
  return false;
}

/** Exactly as printed, final newline included: `echo hello` prints "hello\n". */
function readStream(stream: 'stdout' | 'stderr') {
  return (fact: CommandResult): string => {
    requireRun(fact);
    const bytes = stream === 'stdout' ? fact.stdoutBytes : fact.stderrBytes;
    if (bytes > COMMAND_OUTPUT_LIMIT)
      // A partial output could hide exactly what a negated check looks for.
      throw new FactError(`its ${stream} is ${bytes} bytes, more than the ${COMMAND_OUTPUT_LIMIT}-byte limit`);
    return fact[stream];
  };
}

const PREVIEW = 200;

function previewOutput(value: Scalar): string {
  const text = String(value);
  if (text.length <= PREVIEW) return JSON.stringify(text);
  return `${JSON.stringify(text.slice(0, PREVIEW))}… (${text.length} characters)`;
}

// ---------------------------------------------------------------------------------------------
// JSON output

export const StdoutJsonArgs = z
  .object({
    /** Dot path into the document: `a.b.0.c` (numbers index arrays). Omitted: the whole document. */
    path: z.string().min(1).optional(),
    /** Deep equality with the value at `path`. Omitted: the path only has to exist. */
    equals: z.unknown().optional(),
  })
  .strict();
export type StdoutJsonArgs = z.infer<typeof StdoutJsonArgs>;

export function valueAtPath(
  document: unknown,
  path: string | undefined,
): { found: true; value: unknown } | { found: false; missing: string } {
  if (path === undefined) return { found: true, value: document };
  let current: unknown = document;
  const walked: string[] = [];
  for (const step of path.split('.')) {
    walked.push(step);
    if (Array.isArray(current) && /^\d+$/.test(step) && Number(step) < current.length) current = current[Number(step)];
    else if (current !== null && typeof current === 'object' && !Array.isArray(current) && Object.hasOwn(current, step))
      current = (current as Record<string, unknown>)[step];
    else return { found: false, missing: walked.join('.') };
  }
  return { found: true, value: current };
}

export function jsonEquals(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    return (
      Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((item, i) => jsonEquals(item, b[i]))
    );
  }
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  const left = Object.keys(a);
  const right = Object.keys(b);
  return (
    left.length === right.length &&
    left.every(
      (k) => Object.hasOwn(b, k) && jsonEquals((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]),
    )
  );
}

function shortJson(value: unknown): string {
  const text = JSON.stringify(value) ?? 'undefined';
  return text.length > PREVIEW ? `${text.slice(0, PREVIEW)}…` : text;
}

function describeJson(args: StdoutJsonArgs): string {
  const where = args.path === undefined ? 'print JSON' : `print JSON with ${args.path}`;
  return args.equals === undefined ? where : `${where} equal to ${shortJson(args.equals)}`;
}

export const commandResource = defineResource({
  type: 'command',
  dslName: 'command',
  summary: 'A shell command run on the target with `sh -c`: exit status, stdout, stderr and JSON output.',
  subject: z
    .string()
    .min(1)
    .refine((t) => !t.includes('\0'), 'a command cannot contain a NUL byte'),
  options: CommandOptionsSchema,
  title: (text: string) => `command ${text}`,
  facts: {
    result: (text: string, options: CommandOptions) => commandQuery(text, options),
  },
  matchers: {
    exitStatus: attribute<CommandResult, number | ValueExpectation>({
      fact: 'result',
      describe: 'exit with status',
      read: readExitStatus,
    }),
    stdout: attribute<CommandResult, string | ValueExpectation>({
      fact: 'result',
      describe: 'print on stdout',
      read: readStream('stdout'),
      format: previewOutput,
    }),
    stderr: attribute<CommandResult, string | ValueExpectation>({
      fact: 'result',
      describe: 'print on stderr',
      read: readStream('stderr'),
      format: previewOutput,
    }),
    stdoutJson: predicate<CommandResult, StdoutJsonArgs>({
      fact: 'result',
      args: StdoutJsonArgs,
      describe: describeJson,
      test: (fact, args) => {
        const text = readStream('stdout')(fact);
        let document: unknown;
        try {
          document = JSON.parse(text);
        } catch (error) {
          // Not JSON is not an answer to any JSON question, negated or not.
          throw new FactError(`its stdout is not JSON (${(error as Error).message}): ${previewOutput(text)}`);
        }
        const at = valueAtPath(document, args.path);
        if (!at.found) return { pass: false, actual: `its JSON has nothing at ${at.missing}` };
        if (args.equals === undefined)
          return { pass: true, actual: `its JSON has ${shortJson(at.value)} at ${args.path ?? 'the top'}` };
        return {
          pass: jsonEquals(at.value, args.equals),
          actual: `its JSON has ${shortJson(at.value)}${args.path ? ` at ${args.path}` : ''}`,
        };
      },
    }),
  },
});
