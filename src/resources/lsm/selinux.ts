import { FactError } from '../resource.js';
import { lsmEvidence, pathOf, type LsmFiles } from './query.js';

export const SELINUX_MODES = ['enforcing', 'permissive', 'disabled'] as const;
export type SelinuxMode = (typeof SELINUX_MODES)[number];

export interface SelinuxState {
  mode: SelinuxMode;
  /** Why: "/sys/fs/selinux/enforce is 1", "SELinux is not active (…)". */
  evidence: string;
  /** SELINUX= and SELINUXTYPE= of /etc/selinux/config; null where the file does not exist. */
  configured: { mode: string | null; policy: string | null } | null;
}

/**
 * The mode as getenforce tells it: enforcing or permissive from /sys/fs/selinux/enforce; disabled
 * where SELinux's file system is not there, and the kernel's list of active LSMs (where securityfs
 * shows it) does not name SELinux either.
 */
export function selinuxState(files: LsmFiles): SelinuxState {
  const configured = readConfig(files);
  const enforce = files['selinux-enforce'];
  if ('unknown' in enforce) throw new FactError(enforce.unknown);
  if ('text' in enforce) {
    const flag = enforce.text.trim();
    if (flag !== '0' && flag !== '1')
      throw new FactError(`${pathOf('selinux-enforce')} holds ${JSON.stringify(flag.slice(0, 40))}, not 0 or 1`);
    const mode = flag === '1' ? 'enforcing' : 'permissive';
    return { mode, evidence: `${pathOf('selinux-enforce')} is ${flag}`, configured };
  }
  if (files.activeLsms?.includes('selinux'))
    throw new FactError(
      `SELinux is an active LSM but ${pathOf('selinux-enforce')} does not exist (selinuxfs not mounted)`,
    );
  const evidence = `SELinux is not active: ${pathOf('selinux-enforce')} does not exist and ${lsmEvidence(files)}`;
  return { mode: 'disabled', evidence, configured };
}

function readConfig(files: LsmFiles): SelinuxState['configured'] {
  const config = files['selinux-config'];
  if ('absent' in config) return null;
  if ('unknown' in config) throw new FactError(config.unknown);
  const value = (key: string) => {
    const line = config.text.split('\n').findLast((l) => l.trim().startsWith(`${key}=`));
    return line === undefined
      ? null
      : line
          .slice(line.indexOf('=') + 1)
          .trim()
          .replace(/^"(.*)"$/, '$1');
  };
  return { mode: value('SELINUX'), policy: value('SELINUXTYPE') };
}
