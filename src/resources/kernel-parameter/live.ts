import type { Frame } from '../../probe/frames.js';
import type { HostFacts } from '../../probe/host.js';
import { partScript, partsScript } from '../../probe/parts.js';
import { shellQuote } from '../../probe/quote.js';
import { FactError, firstLines, readParts, requirePart, requireRan } from '../resource.js';
import { normaliseValue, type KernelParameter } from './fact.js';
import { CONFIGURED_PARAMETERS_SCRIPT, parseConfiguredParameter } from './image.js';

/**
 * The directories under /proc/sys a sysctl key names: "." separates them, and a "/" inside one
 * stands for a "." in the name itself (sysctl's spelling of interface names such as eth0.100).
 * Undefined when the key is not a plain sysctl name or would leave /proc/sys.
 */
export function sysctlComponents(key: string): string[] | undefined {
  if (key === '' || key.startsWith('/') || /[\s\\\x00-\x1f\x7f]/.test(key)) return undefined;
  const components = key.split('.').map((part) => part.replace(/\//g, '.'));
  if (components.some((c) => c === '' || c === '.' || c === '..')) return undefined;
  return components;
}

export function sysctlPath(key: string): string {
  const components = sysctlComponents(key);
  if (!components) throw new Error(`not a sysctl key: ${JSON.stringify(key)}`);
  return `/proc/sys/${components.join('/')}`;
}

/** Exit status of the query when /proc/sys itself is missing (no procfs): never evidence of absence. */
export const NO_PROC_SYS = 3;

const NO_PROC_SYS_CHECK =
  "[ -d /proc/sys/kernel ] || { echo '/proc/sys is not available (procfs is not mounted)' >&2; " +
  `exit ${NO_PROC_SYS}; }`;

/**
 * Every kernel parameter of a spec in one query: the shell's own tests tell which are missing,
 * directories or unreadable (part `states`, a line `STATE PATH` each: keys hold no blanks or
 * control characters, so PATH is one word on one line), then one `grep -H` prints every line of
 * every readable one prefixed by its path (part `values`, with grep's status and complaints).
 * (The shell's `read` is no substitute: some shells read one byte at a time, and procfs answers
 * a read at a non-zero offset with end of file.)
 */
export function parameterGroupScript(keys: readonly string[]): string {
  return `if [ "$DS_BOOTED" = no ]; then\n${CONFIGURED_PARAMETERS_SCRIPT}\nelse\n${liveParametersScript(keys)}\nfi`;
}

function liveParametersScript(keys: readonly string[]): string {
  return [NO_PROC_SYS_CHECK, partsScript(liveParameterParts(keys))].join('\n');
}

/** Parts `states` and `values` (see parameterGroupScript), for a query that may hold other parts. */
export function liveParameterParts(keys: readonly string[]): string[] {
  const paths = keys.map((key) => shellQuote(sysctlPath(key))).join(' ');
  const states = [
    'set --',
    'ds_states=',
    `for ds_p in ${paths}; do`,
    '  if [ -d "$ds_p" ]; then ds_s=directory; elif [ ! -e "$ds_p" ]; then ds_s=missing;',
    '  elif [ ! -r "$ds_p" ]; then ds_s=denied; else ds_s=value; set -- "$@" "$ds_p"; fi',
    `  ds_states="$ds_states$ds_s $ds_p\n"`,
    'done',
  ].join('\n');
  return [
    states,
    partScript('states', `printf '%s' "$ds_states"`, { inline: true }),
    partScript('values', `[ $# -eq 0 ] || exec grep -H '' -- "$@"`),
  ];
}

export function parseKernelParameter(frame: Frame, key: string, host?: HostFacts): KernelParameter {
  const what = `reading kernel parameter ${key}`;
  requireRan(frame, what);
  if (host?.booted === false) return parseConfiguredParameter(readParts(frame, what), key, what);
  if (frame.exitCode === NO_PROC_SYS) throw new FactError(`${what}: ${frame.stderr.toString('utf8').trim()}`);
  return liveParameter(readParts(frame, what), key, what, host);
}

/** The live value from the parts `states` and `values`. */
export function liveParameter(
  parts: ReadonlyMap<string, Frame>,
  key: string,
  what: string,
  host?: HostFacts,
): KernelParameter {
  const path = sysctlPath(key);
  const answer = parseParameterParts(parts, what);
  const stderr = answer.stderr;
  const readFailure = answer.states.get(path) === 'value' ? failedRead(answer, path, stderr) : undefined;
  switch (readFailure === 'Permission denied' ? 'denied' : answer.states.get(path)) {
    case undefined:
      throw new FactError(`${what}: the output has no section for ${path}`);
    case 'missing':
      return { exists: false, reason: 'it does not exist on this kernel' };
    case 'directory':
      throw new FactError(`${what}: ${key} is a group of parameters, not a parameter`);
    case 'denied': {
      const who =
        host && host.uid !== 0
          ? ` to uid ${host.uid} (some parameters are readable by root only)`
          : ' (it may be write-only)';
      throw new FactError(`${what}: permission denied${who}`);
    }
    case 'value': {
      if (readFailure !== undefined) throw new FactError(`${what}: reading it failed: ${readFailure}`);
      const prefix = `${path}:`;
      // A line belongs to the longest path it starts with (a name may hold ":").
      const longer = [...answer.states.keys()].filter(
        (other) => other.length > path.length && other.startsWith(prefix),
      );
      const ownLine = (line: string) =>
        line.startsWith(prefix) && !longer.some((other) => line.startsWith(`${other}:`));
      const lines = answer.lines.filter(ownLine).map((line) => line.slice(prefix.length));
      return { exists: true, value: normaliseValue(lines.join('\n')) };
    }
  }
}

/**
 * Why grep could not read this parameter, if it could not. grep exits 1 when every readable
 * parameter was empty and 2 when a read failed; its complaints name the file, and where one of
 * them cannot be told apart, every parameter of the query is in doubt.
 */
function failedRead(answer: ParameterAnswer, path: string, stderr: string): string | undefined {
  if (answer.status <= 1) return undefined;
  const complaints = stderr.split('\n').filter((line) => line.trim() !== '');
  const known = [...answer.states.keys()];
  if (complaints.length === 0 || !complaints.every((line) => known.some((p) => line.startsWith(`grep: ${p}: `)))) {
    return `grep exited ${answer.status}${stderr ? `: ${firstLines(stderr, 3)}` : ''}`;
  }
  const own = complaints.find((line) => line.startsWith(`grep: ${path}: `));
  return own === undefined ? undefined : own.slice(`grep: ${path}: `.length);
}

const PARAMETER_STATES = ['missing', 'directory', 'denied', 'value'] as const;
type ParameterState = (typeof PARAMETER_STATES)[number];

interface ParameterAnswer {
  states: Map<string, ParameterState>;
  /** grep's lines, each `PATH:LINE`. */
  lines: string[];
  status: number;
  stderr: string;
}

function parseParameterParts(parts: ReadonlyMap<string, Frame>, what: string): ParameterAnswer {
  const statesPart = requirePart(parts, 'states', what);
  const values = requirePart(parts, 'values', what);
  requireRan(values, what);
  const states = new Map<string, ParameterState>();
  for (const line of statesPart.stdout.toString('utf8').split('\n').slice(0, -1)) {
    const match = /^(\w+) (\S+)$/.exec(line);
    const state = match?.[1] as ParameterState | undefined;
    if (!match || !state || !PARAMETER_STATES.includes(state)) {
      throw new FactError(`${what}: unexpected output ${JSON.stringify(line.slice(0, 200))}`);
    }
    states.set(match[2]!, state);
  }
  const lines = values.stdout
    .toString('utf8')
    .split('\n')
    .filter((line) => line !== '');
  return { states, lines, status: values.exitCode, stderr: values.stderr.toString('utf8').trim() };
}
