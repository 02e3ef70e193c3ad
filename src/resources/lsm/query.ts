import type { Frame } from '../../probe/frames.js';
import { partScript, partsScript } from '../../probe/parts.js';
import { readParts, requirePart, stderrSuffix } from '../resource.js';

/** The exit status of a part whose file does not exist: evidence of absence, unlike a denied read. */
const ABSENT = 66;

const FILES = {
  lsm: '/sys/kernel/security/lsm',
  'selinux-enforce': '/sys/fs/selinux/enforce',
  'selinux-config': '/etc/selinux/config',
  'apparmor-enabled': '/sys/module/apparmor/parameters/enabled',
  'apparmor-profiles': '/sys/kernel/security/apparmor/profiles',
} as const;
type FileName = keyof typeof FILES;

/**
 * One query answers every selinux and apparmor check and the snapshot: the kernel's files that
 * getenforce and aa-status read themselves (the active LSMs, SELinux's enforce flag, AppArmor's
 * switch and its loaded profiles) and SELinux's configuration. A file that does not exist is told
 * from one that could not be read.
 */
export const LSM_SCRIPT = partsScript(
  Object.entries(FILES).map(([name, path]) => partScript(name, `[ -e ${path} ] || exit ${ABSENT}\nexec cat ${path}`)),
);

export type FileRead = { text: string } | { absent: true } | { unknown: string };

export type LsmFiles = Record<FileName, FileRead> & { activeLsms: string[] | null };

export function parseLsmFiles(frame: Frame): LsmFiles {
  const parts = readParts(frame, 'reading the security modules');
  const read = (name: FileName): FileRead => {
    const part = requirePart(parts, name, 'reading the security modules');
    if (part.exitCode === ABSENT) return { absent: true };
    if (part.exitCode !== 0)
      return { unknown: `reading ${FILES[name]} failed (exit ${part.exitCode})${stderrSuffix(part)}` };
    return { text: part.stdout.toString('utf8') };
  };
  const files = Object.fromEntries((Object.keys(FILES) as FileName[]).map((name) => [name, read(name)])) as Record<
    FileName,
    FileRead
  >;
  const lsm = files.lsm;
  return { ...files, activeLsms: 'text' in lsm ? lsm.text.trim().split(',').filter(Boolean) : null };
}

export function pathOf(name: FileName): string {
  return FILES[name];
}

/** "the kernel's LSMs are lockdown,capability" where securityfs told, for a reason that names them. */
export function lsmEvidence(files: LsmFiles): string {
  return files.activeLsms ? `the kernel's active LSMs are ${files.activeLsms.join(',')}` : 'securityfs is not mounted';
}
