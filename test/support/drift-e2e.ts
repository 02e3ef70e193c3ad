import { expect } from 'chai';
import type { HostDrift } from '../../src/drift/diff-schema.js';
import type { SnapshotOptions } from '../../src/drift/snapshot.js';
import type { ResourceRegistry } from '../../src/resources/index.js';
import type { ImageVariant, TestInstance } from './testbed.js';

export { TESTBED_IGNORES } from '../testbed/ignores.js';

/** Files `dpkg --purge sudo` removes from the snapshotted trees of the bookworm image. */
export const SUDO_FILES = [
  '/etc/init.d/sudo',
  '/etc/pam.d/sudo',
  '/etc/pam.d/sudo-i',
  '/etc/rc2.d/S01sudo',
  '/etc/rc3.d/S01sudo',
  '/etc/rc4.d/S01sudo',
  '/etc/rc5.d/S01sudo',
  '/etc/sudo.conf',
  '/etc/sudo_logsrvd.conf',
  '/etc/sudoers',
  '/etc/sudoers.d',
  '/etc/sudoers.d/README',
  '/usr/bin/cvtsudoers',
  '/usr/bin/sudo',
  '/usr/bin/sudoedit',
  '/usr/bin/sudoreplay',
  '/usr/lib/systemd/system/sudo.service',
  '/usr/sbin/sudo_logsrvd',
  '/usr/sbin/sudo_sendlog',
  '/usr/sbin/visudo',
];

/** The next image: the golden one with two more packages and one less (test/testbed/build-variant-image.sh). */
export const NEXT_IMAGE: ImageVariant = { install: ['tree', 'less'], purge: ['cron'] };

/** less's and tree's own files under /usr beyond their programs: documentation, manuals, MIME entry. */
const NEXT_IMAGE_PACKAGE_DOCS: readonly string[] = [
  '/usr/lib/mime/packages/less',
  ...['', '/LESSOPEN', '/NEWS.gz', '/README.Debian', '/changelog.Debian.gz', '/copyright'].map(
    (name) => `/usr/share/doc/less${name}`,
  ),
  ...['', '/README.gz', '/TODO', '/changelog.Debian.gz', '/changelog.gz', '/copyright'].map(
    (name) => `/usr/share/doc/tree${name}`,
  ),
  ...['less', 'lessecho', 'lessfile', 'lesskey', 'lesspipe', 'tree'].map((name) => `/usr/share/man/man1/${name}.1.gz`),
];

/** cron's own files under /usr/share, which its purge removes. */
const CRON_DOCS: readonly string[] = [
  ...['', '/control', '/script'].map((name) => `/usr/share/bug/cron${name}`),
  ...[
    '',
    '/FEATURES',
    '/NEWS.Debian.gz',
    '/README',
    '/README.Debian',
    '/README.anacron',
    '/THANKS',
    '/TODO.Debian',
    '/changelog.Debian.gz',
    '/changelog.gz',
    '/copyright',
    '/examples',
    '/examples/cron-stats.pl',
    '/examples/cron-tasks-review.sh',
    '/examples/crontab2english.pl',
  ].map((name) => `/usr/share/doc/cron${name}`),
  '/usr/share/man/man1/crontab.1.gz',
  '/usr/share/man/man5/crontab.5.gz',
  '/usr/share/man/man8/cron.8.gz',
];

/**
 * Everything the package changes change in the snapshotted trees of the bookworm image (the
 * default trees: /usr whole), and nothing else: the packages' own files, the start links and
 * systemd wants link that cron's postinst made (its purge removes them), and the `pager`
 * alternative, which less takes over from more (util-linux) with its higher priority.
 */
export const NEXT_IMAGE_DIFFERENCES: readonly string[] = [
  'packages + less:amd64',
  'packages + tree:amd64',
  'packages - cron:amd64',
  'services - cron',
  'files + /usr/bin/less',
  'files + /usr/bin/lessecho',
  'files + /usr/bin/lessfile',
  'files + /usr/bin/lesskey',
  'files + /usr/bin/lesspipe',
  'files + /usr/bin/tree',
  ...NEXT_IMAGE_PACKAGE_DOCS.map((file) => `files + ${file}`),
  'files - /etc/default/cron',
  'files - /etc/init.d/cron',
  'files - /etc/pam.d/cron',
  'files - /etc/rc2.d/S01cron',
  'files - /etc/rc3.d/S01cron',
  'files - /etc/rc4.d/S01cron',
  'files - /etc/rc5.d/S01cron',
  'files - /etc/systemd/system/multi-user.target.wants/cron.service',
  'files - /usr/bin/crontab',
  'files - /usr/lib/systemd/system/cron.service',
  'files - /usr/sbin/cron',
  ...CRON_DOCS.map((file) => `files - ${file}`),
  'files ~ /etc/alternatives/pager size,linkTarget',
  'files ~ /etc/alternatives/pager.1.gz linkTarget',
];

/** Every difference as one line: "files ~ /etc/motd size,sha256", "users + extra". */
export function differences(host: HostDrift): string[] {
  return host.kinds.flatMap((k) => [
    ...k.added.map((i) => `${k.kind} + ${i.key}`),
    ...k.removed.map((i) => `${k.kind} - ${i.key}`),
    ...k.changed.map((i) => `${k.kind} ~ ${i.key} ${i.changes.map((c) => c.attribute).join(',')}`),
  ]);
}

/** The CLI options that log in to an instance as root. */
export function connection(instance: TestInstance): string[] {
  return ['-i', instance.keyPath, '--known-hosts', instance.knownHostsPath];
}

/**
 * When several suites boot instances at once, an instance sometimes comes up "degraded" with a
 * unit that failed at boot (seen: systemd-remount-fs, systemd-user-sessions,
 * systemd-update-utmp-runlevel) and runs fine when started again. Drift would rightly report that
 * as a changed service; the tests want each instance in the image's intended state first, so
 * such units are started again (and named on stderr) before anything is snapshotted. A failed
 * unit is not running, so it is started, not restarted: some refuse a manual stop
 * (systemd-tmpfiles-setup has RefuseManualStop=yes), which a restart needs.
 */
export function settle(instance: TestInstance): void {
  const failed = instance
    .inContainer(['systemctl', 'list-units', '--failed', '--plain', '--no-legend', '--full'])
    .split('\n')
    .map((line) => line.trim().split(/\s+/)[0]!)
    .filter((unit) => unit.length > 0);
  if (failed.length === 0) return;
  const journal = instance.inContainer([
    'journalctl',
    '-b',
    '--no-pager',
    '-q',
    '-o',
    'cat',
    '-n',
    '5',
    ...failed.flatMap((unit) => ['-u', unit]),
  ]);
  process.stderr.write(
    `test bed: ${instance.name} booted with failed units ${failed.join(', ')}; starting them again\n${journal}`,
  );
  instance.inContainer(['systemctl', 'reset-failed', ...failed]);
  instance.inContainer(['systemctl', 'start', ...failed]);
  expect(
    instance.inContainer(['systemctl', 'list-units', '--failed', '--plain', '--no-legend']).trim(),
    `${instance.name}: units still failed`,
  ).to.equal('');
}

/** Snapshot options for a kind's own drift test: one small file tree, the default ignores. */
export function smallSnapshotOptions(registry: ResourceRegistry): SnapshotOptions {
  return {
    fileRoots: ['/etc/default'],
    ignores: [],
    defaultIgnores: true,
    timeoutMs: 60_000,
    toolVersion: '0.1.0',
    registry,
  };
}
