import { buildProbeScript, runQuery, type ProbeQuery } from '../probe/script.js';
import { shellQuote } from '../probe/quote.js';
import { MOUNT_TABLE_SCRIPT } from '../resources/mount/index.js';
import { APK_DATABASES, DPKG_FORMAT, RPM_FORMAT } from '../resources/package/index.js';
import { SOCKET_TABLE_SCRIPT } from '../resources/port/index.js';
import { SECTION_MARK, SYSV_START_DIRS } from '../resources/service/index.js';
import { tableSectionScript } from '../resources/user/index.js';
import { FILE_ERRORS_QUERY_ID, FILES_STREAM_ID, STREAM_HEADER } from './probe-stream.js';

/**
 * The snapshot probe: ONE script that records the whole state. Every section but the file tree is
 * an ordinary framed query (src/probe/script.ts); the file tree, which may be large, follows as a
 * stream of NUL-terminated records that the client parses as it arrives (probe-stream.ts).
 */

export const SNAPSHOT_QUERY_IDS = {
  packages: 'snapshot-packages',
  services: 'snapshot-services',
  listeners: 'snapshot-listeners',
  accounts: 'snapshot-accounts',
  kernelParameters: 'snapshot-kernel-parameters',
  mounts: 'snapshot-mounts',
} as const;

/** Exit status of a section when the tool it needs is missing. */
export const SECTION_UNSUPPORTED = 3;

export const PACKAGES_SCRIPT = [
  'case $DS_PKG in',
  `dpkg) dpkg-query -W -f='${DPKG_FORMAT}' ;;`,
  `rpm) rpm -qa --qf '${RPM_FORMAT}' ;;`,
  `apk) for ds_db in ${APK_DATABASES.join(' ')}; do`,
  `  if [ -e "$ds_db" ]; then grep -E '^([PVA]:|$)' "$ds_db"; exit $?; fi`,
  'done',
  `echo 'no apk installed database (${APK_DATABASES.join(', ')})' >&2; exit ${SECTION_UNSUPPORTED} ;;`,
  'pacman) pacman -Qi ;;',
  `*) echo 'no supported package manager (dpkg, rpm, apk, pacman)' >&2; exit ${SECTION_UNSUPPORTED} ;;`,
  'esac',
].join('\n');

/** systemd: every service unit loaded or with a unit file, then one `systemctl show` for all of them. */
const SYSTEMD_SERVICES = `ds_f="$ds_dir/units"
systemctl list-units --all --type=service --no-legend --plain --no-pager --full >"$ds_f.loaded" || { echo "systemctl list-units exited $?" >&2; exit 4; }
systemctl list-unit-files --type=service --no-legend --no-pager --full >"$ds_f.files" || { echo "systemctl list-unit-files exited $?" >&2; exit 4; }
awk '{ for (i = 1; i <= NF; i++) if ($i ~ /[.]service$/) { print $i; break } }' "$ds_f.loaded" "$ds_f.files" | grep -v '@[.]service$' | sort -u >"$ds_f"
printf '${SECTION_MARK} units %s\\n' "$(wc -l <"$ds_f")"
tr '\\n' '\\000' <"$ds_f" | xargs -0 -r systemctl show --no-pager -p Id,LoadState,ActiveState,SubState,UnitFileState --`;

/** sysvinit: scripts and start links only; running a status action per script is left to `service` checks. */
const SYSV_SERVICES = `for ds_s in /etc/init.d/*; do
  if [ -f "$ds_s" ] && [ -x "$ds_s" ]; then printf '${SECTION_MARK} script %s\\n' "\${ds_s##*/}"; fi
done
for ds_l in ${SYSV_START_DIRS.map((d) => `${d}/S*`).join(' ')}; do
  if [ -e "$ds_l" ] || [ -h "$ds_l" ]; then printf '${SECTION_MARK} start %s\\n' "\${ds_l##*/}"; fi
done`;

const OPENRC_SERVICES = `rc-update show -v || exit $?
printf '${SECTION_MARK} status\\n'
rc-status --all --nocolor || exit $?`;

export const SERVICES_SCRIPT = [
  'case $DS_INIT in',
  `systemd) echo '${SECTION_MARK} init systemd'`,
  SYSTEMD_SERVICES,
  ';;',
  `sysvinit) echo '${SECTION_MARK} init sysvinit'`,
  SYSV_SERVICES,
  ';;',
  `openrc) echo '${SECTION_MARK} init openrc'`,
  OPENRC_SERVICES,
  ';;',
  `*) echo 'no supported init system (systemd, sysvinit, openrc)' >&2; exit ${SECTION_UNSUPPORTED} ;;`,
  'esac',
].join('\n');

export const ACCOUNTS_SCRIPT = `${tableSectionScript('passwd')}\n${tableSectionScript('group')}`;

/**
 * `sysctl -a` (one process) where it exists; otherwise every readable file under /proc/sys, one
 * `cat` each, as NUL-terminated records: path, value, exit status.
 */
export const KERNEL_PARAMETERS_SCRIPT = `[ -d /proc/sys/kernel ] || { echo '/proc/sys is not available (procfs is not mounted)' >&2; exit ${SECTION_UNSUPPORTED}; }
if ds_has sysctl; then
  echo '${SECTION_MARK} sysctl'
  sysctl -a
else
  echo '${SECTION_MARK} walk'
  cd /proc/sys && find . -type f -perm -0400 -exec sh -c 'for f; do printf "%s\\000" "$f"; cat -- "$f" 2>&1; printf "\\000%s\\000" "$?"; done' sh {} +
fi`;

export interface FileWalkOptions {
  /** Absolute paths, in the order given. */
  roots: readonly string[];
  /** Path globs pruned on the target (see snapshot-ignore.ts). */
  ignores: readonly string[];
  /** Use the portable walk even where GNU find and sha256sum -z exist (tests). */
  portable?: boolean;
}

/**
 * The file-tree stream. Records (every field NUL-terminated):
 *   R root present|missing       one per root, first
 *   W gnu|portable|none reason   which walk runs
 *   M type mode uid gid size link path   (GNU find -printf: %y %m %U %G %s %l %p)
 *   "<sha256>  <path>"                    (sha256sum -z, untagged: a tag is one letter)
 *   P hexmode+ids+size link sha256 path   (portable walk: stat -c, readlink, sha256sum per file)
 *   S stage status               find / hashing exit status
 *   Z status                     end of stream, then a newline
 * Errors go to stderr, which follows as its own frame.
 */
export function fileWalkScript({ roots, ignores, portable = false }: FileWalkOptions): string {
  const rootWords = roots.map(shellQuote).join(' ');
  const prune = ignores.length > 0 ? `\\( ${ignores.map((glob) => `-path ${shellQuote(glob)}`).join(' -o ')} \\) -prune -o` : '';
  const portableWalk = `for f; do
  s=$(stat -c '%f %u %g %s' -- "$f") || continue
  l=; if [ -h "$f" ]; then l=$(readlink -- "$f"; echo .); l=\${l%.}; l=\${l%?}; fi
  h=; if [ -f "$f" ] && [ ! -h "$f" ]; then h=$(sha256sum <"$f") && h=\${h%% *} || h=; fi
  printf 'P\\000%s\\000%s\\000%s\\000%s\\000' "$s" "$l" "$h" "$f"
done`;
  // GNU find must be able to return to its starting directory: a login's home may not allow that
  // to another user (runuser, sudo -u).
  return `cd / || exit 1
set --
for ds_r in ${rootWords}; do
  if [ -e "$ds_r" ] || [ -h "$ds_r" ]; then printf 'R\\000%s\\000present\\000' "$ds_r"; set -- "$@" "$ds_r"
  else printf 'R\\000%s\\000missing\\000' "$ds_r"; fi
done
if [ $# -eq 0 ]; then printf 'W\\000none\\000no root exists\\000'
elif ${portable ? 'false' : 'true'} && find / -maxdepth 0 -printf '' >/dev/null 2>&1 && printf '' | sha256sum -z >/dev/null 2>&1; then
  printf 'W\\000gnu\\000\\000'
  find "$@" ${prune} -printf 'M\\0%y\\0%m\\0%U\\0%G\\0%s\\0%l\\0%p\\0'
  printf 'S\\000walk\\000%s\\000' "$?"
  find "$@" ${prune} -type f -print0 | xargs -0 -r sha256sum -z --
  printf 'S\\000hash\\000%s\\000' "$?"
elif stat -c %f / >/dev/null 2>&1; then
  printf 'W\\000portable\\000\\000'
  find "$@" ${prune} -exec sh -c ${shellQuote(portableWalk)} sh {} +
  printf 'S\\000walk\\000%s\\000' "$?"
else
  printf 'W\\000none\\000%s\\000' 'neither GNU find -printf nor stat -c is available'
fi`;
}

/** The whole snapshot probe. */
export function buildSnapshotScript(walk: FileWalkOptions): string {
  const queries: ProbeQuery[] = [
    { id: SNAPSHOT_QUERY_IDS.packages, script: PACKAGES_SCRIPT },
    { id: SNAPSHOT_QUERY_IDS.services, script: SERVICES_SCRIPT },
    { id: SNAPSHOT_QUERY_IDS.listeners, script: SOCKET_TABLE_SCRIPT },
    { id: SNAPSHOT_QUERY_IDS.accounts, script: ACCOUNTS_SCRIPT },
    { id: SNAPSHOT_QUERY_IDS.kernelParameters, script: KERNEL_PARAMETERS_SCRIPT },
    { id: SNAPSHOT_QUERY_IDS.mounts, script: MOUNT_TABLE_SCRIPT },
  ];
  // The stream's stderr goes to a file and becomes an ordinary frame after the stream; at most
  // 1 MiB of it, so a tree full of unreadable files cannot flood the client.
  const stream = `printf '${STREAM_HEADER} %s\\n' '${FILES_STREAM_ID}'
(
${fileWalkScript(walk)}
) 2>"$ds_dir/walk-errors" </dev/null
printf 'Z\\000%s\\000\\n' "$?"
${runQuery({ id: FILE_ERRORS_QUERY_ID, script: 'head -c 1048576 "$ds_dir/walk-errors" >&2' })}`;
  return buildProbeScript(queries, stream);
}
