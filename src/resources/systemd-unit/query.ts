import type { Frame } from '../../probe/frames.js';
import type { HostFacts } from '../../probe/host.js';
import { FactError, readParts, requireRan, stderrSuffix } from '../resource.js';
import {
  parseSystemd,
  parseUnitFile,
  systemdParts,
  unitFileParts,
  type SystemdService,
  type SystemdUnitFile,
} from '../service/index.js';

/** A unit as a running systemd knows it, or, where systemd does not run, as its unit files say. */
export type UnitFact = SystemdService | SystemdUnitFile;

/** Exit status of the query where the target has no systemctl. */
export const NO_SYSTEMCTL = 3;

/**
 * Every unit of a spec in one query. Where systemd runs: one `systemctl show` and one `systemctl
 * is-enabled` for all of them (the parts `service` reads too, src/resources/service/query.ts).
 * Elsewhere (an image that is not booted, a host booted with another init but with systemd's
 * files): `systemctl --root=/ is-enabled` per unit, which reads the unit files as systemd would
 * at boot.
 */
export function unitsScript(names: readonly string[]): string {
  return [
    `ds_has systemctl || { echo 'systemctl is not on the target' >&2; exit ${NO_SYSTEMCTL}; }`,
    'if [ "$DS_INIT" = systemd ] && [ "$DS_BOOTED" != no ]; then',
    systemdParts(names),
    'else',
    unitFileParts(names),
    'fi',
  ].join('\n');
}

export function parseUnit(frame: Frame, name: string, host: HostFacts): UnitFact {
  const what = `systemd unit ${name}`;
  requireRan(frame, what);
  if (frame.exitCode === NO_SYSTEMCTL) throw new FactError(`${what}: systemctl is not on the target`);
  if (frame.exitCode !== 0) throw new FactError(`${what}: the query exited ${frame.exitCode}${stderrSuffix(frame)}`);
  const parts = readParts(frame, what);
  return systemdRuns(host) ? parseSystemd(parts, name) : parseUnitFile(parts, name);
}

export function systemdRuns(host: HostFacts): boolean {
  return host.initSystem === 'systemd' && host.booted !== false;
}

/** Why a running state cannot be had from unit files alone. */
export function notLoadedReason(host: HostFacts): string {
  if (host.booted === false) return 'the image is not booted: no systemd has loaded its units';
  return `systemd is not running on this host (its init system is ${host.initSystem}): only unit files can be read`;
}
