/**
 * Defaults the CLI's help names, kept apart from the code that uses them so that building the
 * command line loads nothing of snapshot or generate.
 */

/**
 * The file trees `driftspec snapshot` records when no --files is given: what Debian's AIDE
 * configuration watches for integrity (docs/drift.md maps its rules). /bin, /sbin and /lib are
 * links into /usr on a merged-/usr system (the link itself is recorded) and trees elsewhere; each
 * of these exists on every Debian system, so none is reported missing.
 */
export const DEFAULT_FILE_ROOTS: readonly string[] = [
  '/bin',
  '/sbin',
  '/lib',
  '/usr',
  '/etc',
  '/boot',
  '/opt',
  '/root',
  '/home',
  '/var/spool',
];

/** Files whose type, mode and ownership hardening baselines check; `generate` adds every setuid/setgid file. */
export const DEFAULT_GENERATED_FILES: readonly string[] = [
  '/etc/passwd',
  '/etc/shadow',
  '/etc/group',
  '/etc/gshadow',
  '/etc/login.defs',
  '/etc/fstab',
  '/etc/crontab',
  '/etc/cron.d',
  '/etc/cron.hourly',
  '/etc/cron.daily',
  '/etc/cron.weekly',
  '/etc/cron.monthly',
  '/etc/sudoers',
  '/etc/sudoers.d',
  '/etc/ssh/sshd_config',
  '/etc/ssh/sshd_config.d',
];

export const GENERATE_FORMATS = ['yaml', 'ts'] as const;

/** minimum: `>= recorded`; exact: `= recorded`; any: installed at any version. */
export const PACKAGE_VERSION_RULES = ['minimum', 'exact', 'any'] as const;
export type PackageVersionRule = (typeof PACKAGE_VERSION_RULES)[number];
