import { fileURLToPath } from 'node:url';
import type { ImageVariant } from './testbed.js';

/** The bundled Linux host hardening baseline. */
export const LINUX_BASELINE = fileURLToPath(new URL('../../specs/baselines/linux-baseline.yaml', import.meta.url));

/** Where the baseline's whole-probe recordings live (written by record.mts there). */
export const LINUX_BASELINE_RECORDINGS = fileURLToPath(
  new URL('../fixtures/recorded/linux-baseline/', import.meta.url),
);

/**
 * The image the hardened instance boots: the golden one with auditd (package-16) and at (so that
 * the at control, os-42, applies). The instance has no network, so nothing can be installed later.
 */
export const HARDENED_IMAGE: ImageVariant = { install: ['auditd', 'at'] };

/**
 * The controls a stock Debian 12 instance fails, with the reason; docs/baselines.md lists the same.
 * Every other control passes on stock but those of NOT_APPLICABLE_ON_STOCK.
 */
export const STOCK_FAILURES: Readonly<Record<string, string>> = {
  'os-18': 'login.defs sets UMASK 022: new files are readable by everyone',
  'os-19': 'login.defs sets PASS_MAX_DAYS 99999: passwords never expire',
  'os-20': 'login.defs sets PASS_MIN_DAYS 0',
  'os-35': '/etc/crontab is 0644',
  'os-36': '/etc/cron.hourly is 0755',
  'os-37': '/etc/cron.daily is 0755',
  'os-38': '/etc/cron.weekly is 0755',
  'os-39': '/etc/cron.monthly is 0755',
  'os-40': '/etc/cron.d is 0755',
  'os-41': 'there is no /etc/cron.allow: every account may use crontab',
  'os-43': '/tmp is mounted without noexec (a booted Debian has no /tmp mount at all)',
  'os-44': '/dev/shm is mounted without noexec',
  'os-45': '/var/tmp is not a mount of its own',
  'os-46': 'limits.conf sets no hard limit on core dumps',
  'os-47': '/etc/issue names the system (Debian GNU/Linux 12 \\n \\l)',
  'os-48': '/etc/issue.net names the system (Debian GNU/Linux 12)',
  'os-49': 'no modprobe configuration disables cramfs',
  'os-50': 'no modprobe configuration disables freevxfs',
  'os-51': 'no modprobe configuration disables jffs2',
  'os-52': 'no modprobe configuration disables hfs',
  'os-53': 'no modprobe configuration disables hfsplus',
  'os-54': 'no modprobe configuration disables squashfs',
  'os-55': 'no modprobe configuration disables udf',
  'os-56': 'no modprobe configuration disables vfat',
  'os-57': 'no modprobe configuration disables usb-storage',
  'os-58': 'no modprobe configuration disables dccp',
  'os-59': 'no modprobe configuration disables sctp',
  'os-60': 'no modprobe configuration disables rds',
  'os-61': 'no modprobe configuration disables tipc',
  'package-16': 'auditd is not installed',
};

/** Controls that do not apply on a stock instance, besides the kernel parameters (sysctl-*) in a container. */
export const NOT_APPLICABLE_ON_STOCK: Readonly<Record<string, string>> = {
  'os-42': 'at is not installed',
};

const DISABLED_MODULES = [
  'cramfs',
  'freevxfs',
  'jffs2',
  'hfs',
  'hfsplus',
  'squashfs',
  'udf',
  'vfat',
  'usb-storage',
  'dccp',
  'sctp',
  'rds',
  'tipc',
];

/** Packages a hardened host must not have; the weak state installs empty packages of these names. */
export const ABSENT_PACKAGES = [
  'telnetd',
  'inetutils-telnetd',
  'telnetd-ssl',
  'rsh-server',
  'rsh-redone-server',
  'ypserv',
  'nis',
  'xinetd',
  'openbsd-inetd',
  'inetutils-inetd',
  'rlinetd',
  'tftpd',
  'tftpd-hpa',
  'atftpd',
  'prelink',
  'talkd',
  'inetutils-talkd',
  'rsh-client',
  'rsh-redone-client',
  'telnet',
  'inetutils-telnet',
  'avahi-daemon',
  'cups',
  'slapd',
  'nfs-kernel-server',
  'samba',
  'snmpd',
];

/**
 * Kernel parameters of the baseline: [key, hardened value, weak value]. A container's parameters
 * are its host's, read-only inside (the sysctl controls are not applicable there), so the unit test
 * judges them with these values in place of the recorded ones.
 */
export const KERNEL_PARAMETERS: readonly (readonly [string, number, number])[] = [
  ['net.ipv4.ip_forward', 0, 1],
  ['net.ipv6.conf.all.forwarding', 0, 1],
  ['net.ipv6.conf.default.forwarding', 0, 1],
  ['net.ipv4.conf.all.rp_filter', 1, 0],
  ['net.ipv4.conf.default.rp_filter', 1, 0],
  ['net.ipv4.icmp_echo_ignore_broadcasts', 1, 0],
  ['net.ipv4.icmp_ignore_bogus_error_responses', 1, 0],
  ['net.ipv4.icmp_ratelimit', 100, 0],
  ['net.ipv4.icmp_ratemask', 88089, 0],
  ['net.ipv4.tcp_syncookies', 1, 0],
  ['net.ipv4.tcp_rfc1337', 1, 0],
  ['net.ipv4.tcp_timestamps', 0, 1],
  ['net.ipv4.conf.all.arp_ignore', 1, 0],
  ['net.ipv4.conf.all.arp_announce', 2, 0],
  ['net.ipv4.conf.all.shared_media', 0, 1],
  ['net.ipv4.conf.default.shared_media', 0, 1],
  ['net.ipv4.conf.all.accept_source_route', 0, 1],
  ['net.ipv4.conf.default.accept_source_route', 0, 1],
  ['net.ipv6.conf.all.accept_source_route', 0, 1],
  ['net.ipv6.conf.default.accept_source_route', 0, 1],
  ['net.ipv4.conf.all.accept_redirects', 0, 1],
  ['net.ipv4.conf.default.accept_redirects', 0, 1],
  ['net.ipv6.conf.all.accept_redirects', 0, 1],
  ['net.ipv6.conf.default.accept_redirects', 0, 1],
  ['net.ipv4.conf.all.secure_redirects', 0, 1],
  ['net.ipv4.conf.default.secure_redirects', 0, 1],
  ['net.ipv4.conf.all.send_redirects', 0, 1],
  ['net.ipv4.conf.default.send_redirects', 0, 1],
  ['net.ipv4.conf.all.log_martians', 1, 0],
  ['net.ipv4.conf.default.log_martians', 1, 0],
  ['net.ipv6.conf.all.accept_ra', 0, 1],
  ['net.ipv6.conf.default.accept_ra', 0, 1],
  ['net.ipv6.conf.default.router_solicitations', 0, 1],
  ['net.ipv6.conf.default.accept_ra_rtr_pref', 0, 1],
  ['net.ipv6.conf.default.accept_ra_pinfo', 0, 1],
  ['net.ipv6.conf.default.accept_ra_defrtr', 0, 1],
  ['net.ipv6.conf.default.autoconf', 0, 1],
  ['net.ipv6.conf.default.dad_transmits', 0, 1],
  ['net.ipv6.conf.default.max_addresses', 1, 16],
  ['kernel.randomize_va_space', 2, 0],
  ['kernel.sysrq', 0, 1],
  ['fs.suid_dumpable', 0, 2],
  ['kernel.kptr_restrict', 2, 0],
  ['kernel.dmesg_restrict', 1, 0],
  ['kernel.yama.ptrace_scope', 1, 0],
  ['fs.protected_hardlinks', 1, 0],
  ['fs.protected_symlinks', 1, 0],
  ['fs.protected_fifos', 1, 0],
  ['fs.protected_regular', 2, 0],
  ['kernel.unprivileged_bpf_disabled', 1, 0],
  ['net.core.bpf_jit_harden', 2, 0],
  ['kernel.perf_event_paranoid', 3, 1],
  ['kernel.kexec_load_disabled', 1, 0],
  ['dev.tty.ldisc_autoload', 0, 1],
  ['vm.mmap_min_addr', 65536, 0],
];

/** /etc/sysctl.d/60-hardening.conf of a hardened host (read-only in a container: written, not applied). */
export const HARDENED_SYSCTL_CONF = KERNEL_PARAMETERS.map(([key, value]) => `${key} = ${value}\n`).join('');

const CRON_DIRS = '/etc/cron.hourly /etc/cron.daily /etc/cron.weekly /etc/cron.monthly /etc/cron.d';
const MODULE_CONF = DISABLED_MODULES.map(
  (module) => `printf 'install %s /bin/false\\nblacklist %s\\n' ${module} ${module} > /etc/modprobe.d/${module}.conf`,
).join('\n');

/**
 * Hardens an instance of HARDENED_IMAGE as root (sh): login.defs, cron and at, the temporary file
 * systems remounted (and /var/tmp bound onto itself) with nodev,nosuid,noexec, core dumps, banners,
 * modules; the kernel parameters are written but cannot be applied inside a container.
 */
export const HARDEN_SCRIPT = `set -e
sed -i -E 's/^(UMASK[[:space:]]+).*/\\1027/; s/^(PASS_MAX_DAYS[[:space:]]+).*/\\160/; \
s/^(PASS_MIN_DAYS[[:space:]]+).*/\\17/' /etc/login.defs
chmod 0600 /etc/crontab
mkdir -p /etc/cron.weekly
chmod 0700 ${CRON_DIRS}
rm -f /etc/cron.deny /etc/at.deny
install -m 0640 -o root -g root /dev/null /etc/cron.allow
install -m 0640 -o root -g root /dev/null /etc/at.allow
mount -o remount,nodev,nosuid,noexec /tmp
mount -o remount,nodev,nosuid,noexec /dev/shm
mount --bind /var/tmp /var/tmp
mount -o remount,bind,nodev,nosuid,noexec /var/tmp
echo '* hard core 0' >> /etc/security/limits.conf
echo 'Authorised use only. Activity is logged.' > /etc/issue
cp /etc/issue /etc/issue.net
mkdir -p /etc/modprobe.d
${MODULE_CONF}
cat > /etc/sysctl.d/60-hardening.conf <<'CONF'
${HARDENED_SYSCTL_CONF}CONF
`;

/** Builds and installs an empty package of each name in $@ (sh): dpkg then lists it as installed. */
const INSTALL_EMPTY_PACKAGES = `ds_debs=$(mktemp -d)
for ds_name in "$@"; do
  mkdir -p "$ds_debs/$ds_name/DEBIAN"
  printf 'Package: %s\\nVersion: 99:0-driftspec\\nArchitecture: all\\nMaintainer: tests <tests@example.org>\\n\
Description: empty package of a name the baseline forbids\\n' "$ds_name" > "$ds_debs/$ds_name/DEBIAN/control"
  dpkg-deb --build "$ds_debs/$ds_name" "$ds_debs/$ds_name.deb" > /dev/null
done
dpkg -i "$ds_debs"/*.deb > /dev/null
rm -rf "$ds_debs"`;

/**
 * Undoes the hardening, then weakens (sh, as root) so that every control fails: account files open,
 * inconsistent accounts, weak login.defs, stray setuid/setgid, world-writable and unowned files,
 * trust files, open cron and at, temporary file systems without their options, the forbidden
 * packages (empty ones) and no auditd.
 */
export const WEAKEN_SCRIPT = `set -e
chmod 0666 /etc/passwd /etc/passwd- /etc/group /etc/group-
chmod 0644 /etc/shadow /etc/shadow- /etc/gshadow /etc/gshadow-
cat >> /etc/passwd <<'ENTRIES'
toor:x:0:0:second root:/root:/bin/sh
ghost:x:4242:4242:primary group missing:/nonexistent:/usr/sbin/nologin
ghost:x:4243:4243:name twice:/nonexistent:/usr/sbin/nologin
ENTRIES
echo 'toor::19000:0:99999:7:::' >> /etc/shadow
cat >> /etc/group <<'ENTRIES'
rootalias:x:0:
adm:x:4243:nosuchuser
ENTRIES
sed -i -E 's/^(UMASK[[:space:]]+).*/\\1022/; s/^(PASS_MAX_DAYS[[:space:]]+).*/\\199999/; \
s/^(PASS_MIN_DAYS[[:space:]]+).*/\\10/; s/^(PASS_WARN_AGE[[:space:]]+).*/\\10/; \
s/^(LOGIN_RETRIES[[:space:]]+).*/\\110/; s/^(LOGIN_TIMEOUT[[:space:]]+).*/\\10/; \
s/^(ENCRYPT_METHOD[[:space:]]+).*/\\1MD5/; s|^(ENV_SUPATH[[:space:]]+).*|\\1PATH=.:/usr/sbin:/usr/bin|; \
s|^(ENV_PATH[[:space:]]+).*|\\1PATH=/usr/bin::/bin|' /etc/login.defs
install -m 4755 /bin/sh /usr/local/bin/rootsh
install -m 2755 /bin/sh /usr/local/bin/groupsh
install -m 0666 /dev/null /etc/everyone-writes
mkdir -p /srv/open && chmod 0777 /srv/open
touch /srv/orphan && chown 4321:4321 /srv/orphan
touch /etc/hosts.equiv /root/.rhosts /root/.shosts /root/.netrc
chmod 0755 /root
chmod 0775 /var/log
chmod 0644 /etc/crontab
chmod 0755 ${CRON_DIRS}
rm -f /etc/cron.allow /etc/at.allow
touch /etc/cron.deny /etc/at.deny
umount /var/tmp
mount -o remount,dev,suid,exec /tmp
mount -o remount,dev,suid,exec /dev/shm
sed -i '/hard core 0/d' /etc/security/limits.conf
printf 'Debian GNU/Linux 12 \\\\n \\\\l\\n\\n' > /etc/issue
echo 'Debian GNU/Linux 12' > /etc/issue.net
rm -f /etc/modprobe.d/*.conf
set -- ${ABSENT_PACKAGES.join(' ')}
${INSTALL_EMPTY_PACKAGES}
dpkg --purge auditd > /dev/null
`;

/** The instance states recorded by record.mts: on which image, and the script that makes each. */
export const RECORDED_STATES = [
  { name: 'stock', image: 'golden', prepare: '' },
  { name: 'hardened', image: 'hardened', prepare: HARDEN_SCRIPT },
  { name: 'weak', image: 'hardened', prepare: WEAKEN_SCRIPT },
] as const;

export type RecordedState = (typeof RECORDED_STATES)[number]['name'];
