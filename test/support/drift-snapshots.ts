import { SnapshotSchema, sortSnapshot, type Snapshot } from '../../src/drift/snapshot-schema.js';
import { describeSnapshot } from '../../src/drift/diff.js';
import { DRIFT_REPORT_SCHEMA_VERSION, type DriftReport, type HostDrift } from '../../src/drift/diff-schema.js';
import { judgeDrift } from '../../src/gate/drift-policy.js';

const SHA = (c: string) => c.repeat(64);

/**
 * A small hand-made snapshot of a Debian 12 machine with at least one item of every kind, for
 * drift unit tests. Tests derive candidates from it with `withChanges`.
 */
export function handMadeSnapshot(overrides: Partial<Snapshot> = {}): Snapshot {
  const snapshot: Snapshot = {
    schemaVersion: 1,
    tool: { name: 'driftspec', version: '0.1.0' },
    target: 'ssh://root@10.0.0.5:22',
    takenAt: '2025-06-01T10:00:00.000Z',
    host: {
      packageManager: 'dpkg',
      initSystem: 'systemd',
      uid: 0,
      kernel: 'Linux',
      kernelRelease: '6.1.0-21-amd64',
      arch: 'x86_64',
      hostname: 'golden',
      os: { id: 'debian', idLike: [], versionId: '12', prettyName: 'Debian GNU/Linux 12 (bookworm)' },
    },
    complete: true,
    gaps: [],
    packages: [
      { name: 'cowsay', version: '3.03+dfsg2-8', architecture: 'all', manager: 'dpkg', state: 'installed' },
      { name: 'libc6', version: '2.36-9+deb12u7', architecture: 'amd64', manager: 'dpkg', state: 'installed' },
      { name: 'libc6', version: '2.36-9+deb12u7', architecture: 'i386', manager: 'dpkg', state: 'installed' },
      { name: 'openssl', version: '3.0.11-1~deb12u2', architecture: 'amd64', manager: 'dpkg', state: 'installed' },
    ],
    services: [
      { name: 'cron', enabled: 'enabled', active: 'active', sub: 'running' },
      { name: 'nginx', enabled: 'enabled', active: 'active', sub: 'running' },
      { name: 'ssh', enabled: 'enabled', active: 'active', sub: 'running' },
    ],
    listeners: [
      { protocol: 'tcp4', address: '0.0.0.0', port: 22, processes: ['sshd'] },
      { protocol: 'tcp6', address: '::', port: 22, processes: ['sshd'] },
      { protocol: 'tcp4', address: '0.0.0.0', port: 80, processes: ['nginx'] },
    ],
    users: [
      { name: 'root', uid: 0, gid: 0, home: '/root', shell: '/bin/bash', gecos: 'root' },
      { name: 'www-data', uid: 33, gid: 33, home: '/var/www', shell: '/usr/sbin/nologin', gecos: 'www-data' },
    ],
    groups: [
      { name: 'root', gid: 0, members: [] },
      { name: 'sudo', gid: 27, members: ['admin'] },
    ],
    kernelParameters: { 'net.ipv4.ip_forward': '0', 'kernel.randomize_va_space': '2' },
    mounts: [
      { point: '/', source: '/dev/sda1', filesystem: 'ext4', options: ['rw', 'relatime'] },
      { point: '/tmp', source: 'tmpfs', filesystem: 'tmpfs', options: ['rw', 'nosuid', 'nodev'] },
    ],
    interfaces: [
      { name: 'eth0', up: true, mtu: 1500, mac: '02:00:00:00:00:05', addresses: ['10.0.0.5/24', 'fe80::5/64'] },
      { name: 'lo', up: true, mtu: 65536, mac: '00:00:00:00:00:00', addresses: ['127.0.0.1/8', '::1/128'] },
    ],
    routes: [
      { family: 'ipv4', destination: 'default', gateways: ['10.0.0.1'], devices: ['eth0'], metric: 0, type: 'unicast' },
      { family: 'ipv4', destination: '10.0.0.0/24', gateways: [], devices: ['eth0'], metric: 0, type: 'unicast' },
    ],
    cronEntries: [
      {
        source: '/etc/cron.d/e2scrub_all',
        schedule: '30 3 * * 0',
        user: 'root',
        command: 'test -e /run/systemd/system || /sbin/e2scrub_all',
      },
      { source: '/etc/cron.daily', schedule: '@daily', user: 'root', command: '/etc/cron.daily/dpkg' },
    ],
    systemdTimers: [
      {
        name: 'apt-daily.timer',
        state: 'enabled',
        onCalendar: ['*-*-* 6,18:00'],
        monotonic: [],
        unit: 'apt-daily.service',
        persistent: true,
      },
    ],
    iptablesChains: [
      {
        family: 'ipv4',
        backend: 'nf_tables',
        table: 'filter',
        chain: 'INPUT',
        policy: 'DROP',
        rules: ['-i lo -j ACCEPT'],
      },
      { family: 'ipv4', backend: 'nf_tables', table: 'filter', chain: 'LOGDROP', policy: null, rules: ['-j DROP'] },
    ],
    securityModules: [
      { name: 'apparmor', mode: 'enabled' },
      { name: 'apparmor profile /usr/sbin/sshd', mode: 'enforce' },
      { name: 'selinux', mode: 'disabled' },
    ],
    nftablesChains: [
      {
        family: 'inet',
        table: 'filter',
        chain: 'input',
        type: 'filter',
        hook: 'input',
        priority: 0,
        policy: 'drop',
        rules: ['iif "lo" accept', 'jump logdrop'],
      },
      {
        family: 'inet',
        table: 'filter',
        chain: 'logdrop',
        type: null,
        hook: null,
        priority: null,
        policy: null,
        rules: ['drop'],
      },
    ],
    files: [
      { path: '/etc', type: 'directory', mode: '0755', uid: 0, gid: 0, owner: 'root', group: 'root' },
      {
        path: '/etc/motd',
        type: 'file',
        mode: '0644',
        uid: 0,
        gid: 0,
        owner: 'root',
        group: 'root',
        size: 286,
        sha256: SHA('a'),
      },
      {
        path: '/etc/nginx/nginx.conf',
        type: 'file',
        mode: '0644',
        uid: 0,
        gid: 0,
        owner: 'root',
        group: 'root',
        size: 1447,
        sha256: SHA('b'),
      },
      {
        path: '/etc/localtime',
        type: 'symlink',
        mode: '0777',
        uid: 0,
        gid: 0,
        owner: 'root',
        group: 'root',
        size: 27,
        linkTarget: '/usr/share/zoneinfo/Etc/UTC',
      },
      {
        path: '/usr/bin/passwd',
        type: 'file',
        mode: '4755',
        uid: 0,
        gid: 0,
        owner: 'root',
        group: 'root',
        size: 68248,
        sha256: SHA('c'),
      },
      {
        path: '/usr/bin/tool',
        type: 'file',
        mode: '0755',
        uid: 0,
        gid: 0,
        owner: 'root',
        group: 'root',
        size: 1000,
        sha256: SHA('d'),
      },
      {
        path: '/var/lib/app/journal',
        type: 'file',
        mode: '0640',
        uid: 0,
        gid: 0,
        owner: 'root',
        group: 'root',
        size: 100,
        sha256: SHA('e'),
      },
    ],
    sshdSettings: { passwordauthentication: 'no', permitrootlogin: 'without-password', port: '22' },
    kernelModules: [
      { name: 'overlay', state: 'Live', blacklisted: false, install: null },
      { name: 'usb_storage', state: 'not loaded', blacklisted: true, install: '/bin/false' },
    ],
    fileRoots: ['/etc', '/usr/bin', '/var/lib/app'],
    ignores: {
      paths: ['/etc/machine-id', '/var/log'],
      mounts: ['/run/user/*'],
      interfaces: ['veth*', 'tun*', 'tap*'],
      kernelParameters: ['kernel.random.*'],
    },
    ...overrides,
  };
  return SnapshotSchema.parse(sortSnapshot(snapshot));
}

/** A copy of the snapshot with `change` applied to a deep clone, re-validated and re-sorted. */
export function withChanges(snapshot: Snapshot, change: (copy: Snapshot) => void): Snapshot {
  const copy = structuredClone(snapshot);
  copy.takenAt = '2025-06-02T10:00:00.000Z';
  copy.target = 'ssh://root@10.0.0.6:22';
  copy.host.hostname = 'candidate';
  change(copy);
  return SnapshotSchema.parse(sortSnapshot(copy));
}

export { SHA };

/** A judged drift report of hosts compared with a baseline, as `driftspec drift` builds one. */
export function judgedDriftReport(
  baseline: Snapshot,
  hosts: HostDrift[],
  options: { mode?: 'live' | 'snapshots'; now?: Date } = {},
): DriftReport {
  const now = options.now ?? new Date('2025-06-02T12:00:00Z');
  return judgeDrift({
    schemaVersion: DRIFT_REPORT_SCHEMA_VERSION,
    tool: { name: 'driftspec', version: '0.1.0' },
    generatedAt: now.toISOString(),
    mode: options.mode ?? 'snapshots',
    baseline: describeSnapshot(baseline, 'baseline.json'),
    hosts,
    warnings: [],
  });
}
