import type { Frame } from '../../probe/frames.js';
import type { InitSystem } from '../../probe/host.js';
import { LAST_PART_STDOUT, partScript, partsScript } from '../../probe/parts.js';
import { shellQuote } from '../../probe/quote.js';
import { FactError, groupedQuery, readParts, type FactQuery } from '../resource.js';
import { scriptName, SYSV_START_DIRS, UNIT_FILE_STATES, type ServiceFact } from './facts.js';
import { parseOpenrc } from './openrc.js';
import { parseSysv } from './sysv.js';
import { parseSystemd } from './systemd.js';
import { parseUnitFile, unitFileParts } from './unit-files.js';

export function serviceQuery(name: string): FactQuery<ServiceFact> {
  const group = { key: 'service', member: name, script: serviceGroupScript };
  return groupedQuery(`service:${name}`, group, (frame, host) =>
    parseGroupedService(frame, host.initSystem, name, host.booted !== false),
  );
}

/**
 * Many services in one query, every answer a part of its own (src/probe/parts.ts), so no output
 * of a service, however hostile, can speak for another. Under systemd: one `systemctl show` for
 * all units (part `show`, a block of properties per unit in the order of part `units`) and one
 * `systemctl is-enabled` (part `is-enabled`), taken only when it printed one known state word per
 * unit (systemd before 254 stops at the first unit it cannot find); otherwise `is-enabled` runs
 * once per unit (part `is-enabled:NAME`). Under sysvinit and openrc every service has parts of its
 * own, named after it.
 */
export function serviceGroupScript(names: readonly string[]): string {
  return [
    'case $DS_INIT in',
    `systemd)\nif [ "$DS_BOOTED" = no ]; then\n${unitFileParts(names)}\nelse\n${systemdParts(names)}\nfi ;;`,
    `sysvinit)\n${sysvParts(names)} ;;`,
    `openrc)\n${openrcParts(names)} ;;`,
    `*) echo 'driftspec: no supported init system (systemd, sysvinit, openrc)' >&2; exit 3 ;;`,
    'esac',
  ].join('\n');
}

export function systemdParts(names: readonly string[]): string {
  const units = names.map(shellQuote).join(' ');
  const eachUnit = names.map((name) =>
    partScript(`is-enabled:${name}`, `systemctl is-enabled -- ${shellQuote(name)} 2>&1`),
  );
  return partsScript([
    partScript('units', `printf '%s\\n' ${units}`, { inline: true }),
    partScript('show', `systemctl show --no-pager -- ${units}`),
    partScript('is-enabled', `systemctl is-enabled -- ${units}`),
    // The `read` loop is the shell's own: no process to count the words of part is-enabled.
    'ds_k=0',
    `while read -r ds_w; do case $ds_w in ${UNIT_FILE_STATES.join('|')}) ds_k=$((ds_k + 1)) ;; ` +
      `*) ds_k=-1; break ;; esac; done <${LAST_PART_STDOUT}`,
    `if [ "$ds_k" -ne ${names.length} ]; then\n${eachUnit.join('\n')}\nfi`,
  ]);
}

/** Part `start-links` lists the start directories NUL-separated: a file name may hold a newline. */
function sysvParts(names: readonly string[]): string {
  const starts = SYSV_START_DIRS.map((d) => `${d}/S*`).join(' ');
  const links = partScript('start-links', `printf '%s\\0' ${starts}`, { inline: true });
  const eachService = names.map((name) => {
    const script = shellQuote(`/etc/init.d/${scriptName(name)}`);
    // Exit status 0 only for "present": the status part runs only then.
    const state = [
      `if [ ! -e ${script} ] && [ ! -L ${script} ]; then echo absent; false`,
      `elif [ ! -f ${script} ] || [ ! -x ${script} ]; then echo not-executable; false`,
      'else echo present; fi',
    ].join('\n');
    const status = partScript(`status:${name}`, `${script} status 2>&1`);
    return `if ${partScript(`script:${name}`, state, { inline: true })}\nthen\n${status}\nfi`;
  });
  return partsScript([links, ...eachService]);
}

function openrcParts(names: readonly string[]): string {
  const eachService = names.map((name) => {
    const script = shellQuote(scriptName(name));
    const exists = partScript(`exists:${name}`, `rc-service --exists ${script}`);
    return `if ${exists}\nthen\n${partScript(`status:${name}`, `rc-service ${script} status 2>&1`)}\nfi`;
  });
  return partsScript([partScript('rc-update', 'rc-update show -v'), ...eachService]);
}

/** One service's fact from a grouped query: the shared parts and its own; `booted` false for an image's root. */
export function parseGroupedService(frame: Frame, init: InitSystem, name: string, booted = true): ServiceFact {
  const parts = readParts(frame, `service ${name}`);
  switch (init) {
    case 'systemd':
      return booted ? parseSystemd(parts, name) : parseUnitFile(parts, name);
    case 'sysvinit':
      return parseSysv(parts, name);
    case 'openrc':
      return parseOpenrc(parts, name);
    case 'none':
      throw new FactError('no supported init system on the target (looked for systemd, openrc and /etc/init.d)');
  }
}
