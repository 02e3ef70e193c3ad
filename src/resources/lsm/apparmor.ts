import { FactError } from '../resource.js';
import { lsmEvidence, pathOf, type LsmFiles } from './query.js';

export interface AppArmorProfile {
  name: string;
  /** enforce, complain, kill, unconfined, prompt: as the kernel lists it. */
  mode: string;
}

export interface AppArmorState {
  enabled: boolean;
  evidence: string;
  /** The loaded profiles; none where AppArmor is not enabled; why not where they could not be read. */
  profiles: AppArmorProfile[] | { unknown: string };
}

const PROFILE_LINE = /^(.+) \(([a-z_]+)\)$/;

/** Enabled as aa-enabled tells it (the module's `enabled` parameter), profiles as aa-status reads them. */
export function appArmorState(files: LsmFiles): AppArmorState {
  const switchFile = files['apparmor-enabled'];
  if ('unknown' in switchFile) throw new FactError(switchFile.unknown);
  const flag = 'text' in switchFile ? switchFile.text.trim() : undefined;
  if (flag !== undefined && flag !== 'Y' && flag !== 'N')
    throw new FactError(`${pathOf('apparmor-enabled')} holds ${JSON.stringify(flag.slice(0, 40))}, not Y or N`);
  const listed = files.activeLsms?.includes('apparmor');
  if (flag !== 'Y') {
    if (listed) throw new FactError(`AppArmor is an active LSM but ${pathOf('apparmor-enabled')} is not Y`);
    const why =
      flag === 'N' ? `${pathOf('apparmor-enabled')} is N` : `the kernel has no AppArmor (no /sys/module/apparmor)`;
    return { enabled: false, evidence: `AppArmor is not enabled: ${why} and ${lsmEvidence(files)}`, profiles: [] };
  }
  return { enabled: true, evidence: `${pathOf('apparmor-enabled')} is Y`, profiles: readProfiles(files) };
}

function readProfiles(files: LsmFiles): AppArmorState['profiles'] {
  const list = files['apparmor-profiles'];
  if ('unknown' in list) return { unknown: list.unknown };
  if ('absent' in list) return { unknown: `${pathOf('apparmor-profiles')} does not exist (securityfs not mounted)` };
  const profiles: AppArmorProfile[] = [];
  for (const line of list.text.split('\n')) {
    if (line === '') continue;
    const match = PROFILE_LINE.exec(line);
    if (!match)
      return { unknown: `${pathOf('apparmor-profiles')}: unexpected line ${JSON.stringify(line.slice(0, 200))}` };
    profiles.push({ name: match[1]!, mode: match[2]! });
  }
  return profiles;
}
