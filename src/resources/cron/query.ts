import { partScript, partsScript, runtimeNamedPart } from '../../probe/parts.js';

export const SYSTEM_CRONTAB = '/etc/crontab';
export const CRON_D = '/etc/cron.d';
export const USER_SPOOL = '/var/spool/cron/crontabs';
export const PERIODIC_DIRECTORIES = ['/etc/cron.hourly', '/etc/cron.daily', '/etc/cron.weekly', '/etc/cron.monthly'];

/** Exit status of the `spool` part where the user crontab directory does not exist. */
export const NO_SPOOL = 3;
/** Exit status of the `spool` part where it exists but cannot be listed (not root). */
export const SPOOL_DENIED = 4;

/** The length of the part name `file:N` in the shell. */
const FILE_NAME_BYTES = '$((5 + $' + '{#ds_i}))';

/**
 * One query answers every cron check and the snapshot: each crontab file (parts `file:N`: the
 * path, a NUL, the content) of /etc/crontab, /etc/cron.d and, where the directory can be listed,
 * the user spool (part `spool` says whether it can); the executable scripts of each
 * /etc/cron.{hourly,…} directory (part `periodic:DIR`: names, each ended by a NUL).
 */
export const CRON_SCRIPT = partsScript([
  `ds_i=0
ds_crontabs() {
  for ds_f in "$@"; do
    [ -f "$ds_f" ] || continue
    ds_i=$((ds_i + 1))
${runtimeNamedPart({ word: '"file:$ds_i"', bytes: FILE_NAME_BYTES }, `printf '%s\\0' "$ds_f"; cat -- "$ds_f"`)}
  done
}
ds_crontabs ${SYSTEM_CRONTAB} ${CRON_D}/*`,
  partScript(
    'spool',
    `[ -d ${USER_SPOOL} ] || exit ${NO_SPOOL}
[ -r ${USER_SPOOL} ] && [ -x ${USER_SPOOL} ] && exit 0
echo "cannot list ${USER_SPOOL} (permission denied)" >&2
exit ${SPOOL_DENIED}`,
  ),
  `[ -r ${USER_SPOOL} ] && [ -x ${USER_SPOOL} ] && ds_crontabs ${USER_SPOOL}/*`,
  ...PERIODIC_DIRECTORIES.map(
    (directory) => `if [ -d ${directory} ]; then
${partScript(
  `periodic:${directory}`,
  `for ds_f in ${directory}/*; do
  [ -f "$ds_f" ] && [ -x "$ds_f" ] && printf '%s\\0' "\${ds_f##*/}"
done
:`,
  { inline: true },
)}
fi`,
  ),
]);
