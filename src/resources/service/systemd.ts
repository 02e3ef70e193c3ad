import type { Frame } from '../../probe/frames.js';
import { FactError, firstLines, requirePart, requireRan, stderrSuffix, validateFact } from '../resource.js';
import { SystemdServiceSchema, UNIT_FILE_STATES, type SystemdService } from './facts.js';

/** One unit's fact from the parts `units`, `show`, and `is-enabled` or `is-enabled:NAME`. */
export function parseSystemd(parts: ReadonlyMap<string, Frame>, name: string): SystemdService {
  const what = `systemctl show ${name}`;
  const units = requirePart(parts, 'units', what).stdout.toString('utf8').split('\n').slice(0, -1);
  const index = units.indexOf(name);
  if (index === -1) throw new FactError(`${what}: the output does not list this service`);
  const show = requirePart(parts, 'show', what);
  requireRan(show, what);
  // "System has not been booted with systemd", "Failed to connect to bus": never "not running".
  if (show.exitCode !== 0) throw new FactError(`${what} exited ${show.exitCode}${stderrSuffix(show)}`);
  const blocks = show.stdout.toString('utf8').split(/\n\n(?=\S)/);
  if (blocks.length !== units.length) {
    throw new FactError(
      `${what}: systemctl show printed ${blocks.length} blocks of properties for ${units.length} units`,
    );
  }
  const properties = parseProperties(blocks[index]!);
  const repeated = repeatedProperties(blocks[index]!);
  for (const key of ['LoadState', 'ActiveState', 'SubState']) {
    if (!properties[key]) throw new FactError(`${what}: no ${key} in the output${stderrSuffix(show)}`);
  }
  const { state, error } = unitFileState(parts, name, index, units.length);
  const fact = { init: 'systemd', name, properties, repeated, unitFileState: state, unitFileStateError: error };
  return validateFact(SystemdServiceSchema, fact, what);
}

function unitFileState(parts: ReadonlyMap<string, Frame>, name: string, index: number, count: number) {
  const what = `systemctl is-enabled ${name}`;
  const own = parts.get(`is-enabled:${name}`);
  if (own) {
    requireRan(own, what);
    return parseIsEnabled(own.stdout.toString('utf8').replace(/\n+$/, ''), own.exitCode);
  }
  const words = requirePart(parts, 'is-enabled', what).stdout.toString('utf8').split(/\s+/).filter(Boolean);
  if (words.length !== count)
    throw new FactError(`${what}: systemctl is-enabled printed ${words.length} states for ${count} units`);
  return { state: words[index]!, error: null };
}

/**
 * `systemctl show` prints values unescaped, and a value may hold a newline (a transient unit's
 * Description, a C-escaped `Environment=`): its next line could then look like another property,
 * or with a blank line like another unit's block (see the block count above). systemd prints list
 * properties once per entry (ExecReload, DeviceAllow), but each of the states the checks judge
 * once: one of those twice is a forgery, and an error.
 */
export function parseProperties(text: string): Record<string, string> {
  const properties: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const match = /^([A-Za-z][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (!match) continue;
    if (SINGLE_STATES.has(match[1]!) && Object.hasOwn(properties, match[1]!))
      throw new FactError(`systemctl show printed ${match[1]} twice`);
    properties[match[1]!] = match[2]!;
  }
  return properties;
}

/** The list properties systemd printed more than once (Listen, ExecStart, …): every value, in order. */
export function repeatedProperties(text: string): Record<string, string[]> {
  const seen = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    const match = /^([A-Za-z][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (!match) continue;
    const values = seen.get(match[1]!) ?? [];
    values.push(match[2]!);
    seen.set(match[1]!, values);
  }
  return Object.fromEntries([...seen].filter(([, values]) => values.length > 1));
}

const SINGLE_STATES = new Set(['Id', 'LoadState', 'ActiveState', 'SubState', 'UnitFileState']);

/** Its stderr is merged into its part, so hints such as "redirecting to systemd-sysv-install" come first. */
export function parseIsEnabled(text: string, exitCode: number): { state: string | null; error: string | null } {
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const last = lines.at(-1) ?? '';
  if ((UNIT_FILE_STATES as readonly string[]).includes(last)) return { state: last, error: null };
  // systemd before 254 answers a missing unit with this message instead of the word "not-found".
  if (exitCode !== 0 && /^Failed to get unit file state for .*: No such file or directory$/m.test(text)) {
    return { state: 'not-found', error: null };
  }
  const said = text ? `: ${firstLines(text, 3)}` : ' without output';
  return { state: null, error: `systemctl is-enabled exited ${exitCode}${said}` };
}
