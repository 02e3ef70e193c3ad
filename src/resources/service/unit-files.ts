import type { Frame } from '../../probe/frames.js';
import { LAST_PART_STDOUT, partScript, partsScript } from '../../probe/parts.js';
import { shellQuote } from '../../probe/quote.js';
import { FactError, requirePart, requireRan, stderrSuffix, validateFact } from '../resource.js';
import { SYSTEM_UNIT_DIRECTORIES, SystemdUnitFileSchema, unitFileName, type SystemdUnitFile } from './facts.js';
import { parseIsEnabled } from './systemd.js';

/**
 * Services of an image that is not running: systemd is not PID 1 there, so nothing is loaded and
 * `systemctl show` has no bus to ask. `systemctl --root=/` reads the unit files and their links
 * instead, as systemd would at boot: part `is-enabled:NAME` per unit (one per unit: systemd
 * before 254 stops at the first unit it cannot find), and for an alias part `alias:NAME`, the
 * unit its link names (first line) and that unit's state.
 */
export function unitFileParts(names: readonly string[]): string {
  return partsScript(
    names.flatMap((name) => [
      partScript(`is-enabled:${name}`, `systemctl --root=/ is-enabled -- ${shellQuote(name)} 2>&1`),
      `ds_w=; while read -r ds_l; do ds_w=$ds_l; done <${LAST_PART_STDOUT}`,
      `if [ "$ds_w" = alias ]; then\n${partScript(`alias:${name}`, aliasScript(unitFileName(name)))}\nfi`,
    ]),
  );
}

/** The first unit file of that name in systemd's search path, resolved to the unit it links to. */
function aliasScript(file: string): string {
  const paths = SYSTEM_UNIT_DIRECTORIES.map((directory) => shellQuote(`${directory}/${file}`)).join(' ');
  return [
    `for ds_u in ${paths}; do`,
    '  [ -L "$ds_u" ] || [ -e "$ds_u" ] || continue',
    '  ds_t=$(readlink -f "$ds_u") || exit 1',
    '  ds_t=${ds_t##*/}',
    `  printf '%s\\n' "$ds_t"`,
    '  exec systemctl --root=/ is-enabled -- "$ds_t" 2>&1',
    'done',
    `echo ${shellQuote(`no unit file ${file} in ${SYSTEM_UNIT_DIRECTORIES.join(', ')}`)} >&2`,
    'exit 1',
  ].join('\n');
}

/** One unit's fact from its parts `is-enabled:NAME` and, for an alias, `alias:NAME`. */
export function parseUnitFile(parts: ReadonlyMap<string, Frame>, name: string): SystemdUnitFile {
  const what = `systemctl --root=/ is-enabled ${name}`;
  const own = requirePart(parts, `is-enabled:${name}`, what);
  requireRan(own, what);
  const { state, error } = parseIsEnabled(own.stdout.toString('utf8').replace(/\n+$/, ''), own.exitCode);
  const fact = { init: 'systemd-unit-files', name, unitFileState: state, unitFileStateError: error };
  if (state !== 'alias') return validateFact(SystemdUnitFileSchema, { ...fact, aliasOf: null }, what);
  // An alias is judged by the unit it names; without that answer nothing about it is known.
  const alias = requirePart(parts, `alias:${name}`, what);
  requireRan(alias, what);
  const [unit = '', ...rest] = alias.stdout.toString('utf8').split('\n');
  const named = parseIsEnabled(rest.join('\n').replace(/\n+$/, ''), alias.exitCode);
  if (alias.exitCode !== 0 && named.state === null)
    throw new FactError(`${what}: the unit this alias names could not be read${stderrSuffix(alias)}`);
  if (named.state === null) throw new FactError(`${what}: ${unit}: ${named.error}`);
  return validateFact(SystemdUnitFileSchema, { ...fact, aliasOf: { unit, unitFileState: named.state } }, what);
}
