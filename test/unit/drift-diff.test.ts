import { expect } from 'chai';
import { diffSnapshots, unreachableHostDrift } from '../../src/drift/diff.js';
import { KIND_DEFINITIONS, DIFF_KINDS } from '../../src/drift/diff-kinds.js';
import { HostDriftSchema, type HostDrift, type KindDrift } from '../../src/drift/diff-schema.js';
import type { Snapshot, SnapshotKind } from '../../src/drift/snapshot-schema.js';
import { handMadeSnapshot, SHA, withChanges } from '../support/drift-snapshots.js';

const NOW = new Date('2025-06-02T12:00:00Z');
const diff = (a: Snapshot, b: Snapshot) => HostDriftSchema.parse(diffSnapshots(a, b, { now: NOW }));
const kind = (host: HostDrift, name: SnapshotKind): KindDrift => host.kinds.find((k) => k.kind === name)!;
/** Every difference as one line: "files ~ /etc/motd sha256", "users + extra". */
function lines(host: HostDrift): string[] {
  return host.kinds.flatMap((k) => [
    ...k.added.map((i) => `${k.kind} + ${i.key}`),
    ...k.removed.map((i) => `${k.kind} - ${i.key}`),
    ...k.changed.map((i) => `${k.kind} ~ ${i.key} ${i.changes.map((c) => c.attribute).join(',')}`),
  ]);
}

describe('drift: comparing two snapshots', () => {
  const base = handMadeSnapshot();

  it('finds no drift between a snapshot and itself (every kind compared)', () => {
    const host = diff(
      base,
      withChanges(base, () => {}),
    );
    expect(host.state).to.equal('no-drift');
    expect(lines(host)).to.deep.equal([]);
    expect(host.kinds.map((k) => [k.kind, k.compared])).to.deep.equal(DIFF_KINDS.map((k) => [k, 'all']));
    expect(host.counts).to.deep.equal({ added: 0, removed: 0, changed: 0, accepted: 0, ignored: 0, notCompared: 0 });
    expect(host.candidate).to.include({ target: 'ssh://root@10.0.0.6:22', hostname: 'candidate', complete: true });
  });

  it('reports an added and a removed item of every kind, with the whole record', () => {
    const candidate = withChanges(base, (s) => {
      s.packages = s.packages.filter((p) => p.name !== 'cowsay');
      s.packages.push({
        name: 'curl',
        version: '7.88.1-10+deb12u5',
        architecture: 'amd64',
        manager: 'dpkg',
        state: 'installed',
      });
      s.services = s.services.filter((x) => x.name !== 'cron');
      s.services.push({ name: 'extra', enabled: null, active: 'active', sub: 'running' });
      s.listeners = s.listeners.filter((l) => l.port !== 80);
      s.listeners.push({ protocol: 'tcp4', address: '0.0.0.0', port: 8081, processes: ['systemd-socket-activate'] });
      s.users = s.users.filter((u) => u.name !== 'www-data');
      s.users.push({ name: 'extra', uid: 1001, gid: 1001, home: '/home/extra', shell: '/bin/sh', gecos: '' });
      s.groups = s.groups.filter((g) => g.name !== 'sudo');
      s.groups.push({ name: 'extra', gid: 1001, members: [] });
      delete s.kernelParameters['net.ipv4.ip_forward'];
      s.kernelParameters['vm.swappiness'] = '10';
      s.mounts = s.mounts.filter((m) => m.point !== '/tmp');
      s.mounts.push({ point: '/srv', source: '/dev/sdb1', filesystem: 'xfs', options: ['rw'] });
      s.files = s.files.filter((f) => f.path !== '/etc/motd');
      s.files.push({
        path: '/etc/new.conf',
        type: 'file',
        mode: '0600',
        uid: 0,
        gid: 0,
        owner: 'root',
        group: 'root',
        size: 3,
        sha256: SHA('9'),
      });
    });
    const host = diff(base, candidate);
    expect(host.state).to.equal('drift');
    expect(lines(host)).to.deep.equal([
      'packages + curl:amd64',
      'packages - cowsay:all',
      'services + extra',
      'services - cron',
      'listeners + tcp4 0.0.0.0:8081',
      'listeners - tcp4 0.0.0.0:80',
      'users + extra',
      'users - www-data',
      'groups + extra',
      'groups - sudo',
      'kernelParameters + vm.swappiness',
      'kernelParameters - net.ipv4.ip_forward',
      'mounts + /srv',
      'mounts - /tmp',
      'files + /etc/new.conf',
      'files - /etc/motd',
    ]);
    expect(host.counts).to.include({ added: 8, removed: 8, changed: 0 });
    expect(kind(host, 'users').added[0]!.record).to.deep.equal({
      name: 'extra',
      uid: 1001,
      gid: 1001,
      home: '/home/extra',
      shell: '/bin/sh',
      gecos: '',
    });
    expect(kind(host, 'kernelParameters').removed[0]!.record).to.deep.equal({ key: 'net.ipv4.ip_forward', value: '0' });
  });

  describe('every attribute of every kind, old → new', () => {
    const cases: Array<[SnapshotKind, string, (s: Snapshot) => void, unknown, unknown]> = [
      [
        'packages',
        'version',
        (s) => (s.packages.find((p) => p.name === 'openssl')!.version = '3.0.13-1~deb12u1'),
        '3.0.11-1~deb12u2',
        '3.0.13-1~deb12u1',
      ],
      [
        'packages',
        'state',
        (s) => (s.packages.find((p) => p.name === 'openssl')!.state = 'half-configured'),
        'installed',
        'half-configured',
      ],
      [
        'services',
        'enabled',
        (s) => (s.services.find((x) => x.name === 'cron')!.enabled = 'disabled'),
        'enabled',
        'disabled',
      ],
      ['services', 'active', (s) => (s.services.find((x) => x.name === 'cron')!.active = 'failed'), 'active', 'failed'],
      ['services', 'sub', (s) => (s.services.find((x) => x.name === 'cron')!.sub = 'exited'), 'running', 'exited'],
      [
        'listeners',
        'processes',
        (s) => (s.listeners.find((l) => l.port === 80)!.processes = ['apache2']),
        ['nginx'],
        ['apache2'],
      ],
      ['users', 'uid', (s) => (s.users.find((u) => u.name === 'www-data')!.uid = 34), 33, 34],
      ['users', 'gid', (s) => (s.users.find((u) => u.name === 'www-data')!.gid = 34), 33, 34],
      ['users', 'home', (s) => (s.users.find((u) => u.name === 'www-data')!.home = '/srv/www'), '/var/www', '/srv/www'],
      [
        'users',
        'shell',
        (s) => (s.users.find((u) => u.name === 'www-data')!.shell = '/bin/bash'),
        '/usr/sbin/nologin',
        '/bin/bash',
      ],
      ['users', 'gecos', (s) => (s.users.find((u) => u.name === 'www-data')!.gecos = 'web'), 'www-data', 'web'],
      ['groups', 'gid', (s) => (s.groups.find((g) => g.name === 'sudo')!.gid = 28), 27, 28],
      [
        'groups',
        'members',
        (s) => (s.groups.find((g) => g.name === 'sudo')!.members = ['admin', 'extra']),
        ['admin'],
        ['admin', 'extra'],
      ],
      ['kernelParameters', 'value', (s) => (s.kernelParameters['net.ipv4.ip_forward'] = '1'), '0', '1'],
      [
        'mounts',
        'source',
        (s) => (s.mounts.find((m) => m.point === '/')!.source = '/dev/sda2'),
        '/dev/sda1',
        '/dev/sda2',
      ],
      ['mounts', 'filesystem', (s) => (s.mounts.find((m) => m.point === '/')!.filesystem = 'xfs'), 'ext4', 'xfs'],
      [
        'mounts',
        'options',
        (s) => (s.mounts.find((m) => m.point === '/tmp')!.options = ['rw', 'nosuid', 'nodev', 'noexec']),
        ['rw', 'nosuid', 'nodev'],
        ['rw', 'nosuid', 'nodev', 'noexec'],
      ],
      ['interfaces', 'up', (s) => (s.interfaces!.find((i) => i.name === 'eth0')!.up = false), true, false],
      ['interfaces', 'mtu', (s) => (s.interfaces!.find((i) => i.name === 'eth0')!.mtu = 9000), 1500, 9000],
      [
        'interfaces',
        'mac',
        (s) => (s.interfaces!.find((i) => i.name === 'eth0')!.mac = '02:00:00:00:00:06'),
        '02:00:00:00:00:05',
        '02:00:00:00:00:06',
      ],
      [
        'interfaces',
        'addresses',
        (s) => (s.interfaces!.find((i) => i.name === 'eth0')!.addresses = ['10.0.0.6/24', 'fe80::5/64']),
        ['10.0.0.5/24', 'fe80::5/64'],
        ['10.0.0.6/24', 'fe80::5/64'],
      ],
      ['routes', 'gateways', (s) => (s.routes![1]!.gateways = ['10.0.0.254']), ['10.0.0.1'], ['10.0.0.254']],
      ['routes', 'devices', (s) => (s.routes![1]!.devices = ['eth1']), ['eth0'], ['eth1']],
      ['routes', 'metric', (s) => (s.routes![1]!.metric = 100), 0, 100],
      ['routes', 'type', (s) => (s.routes![1]!.type = 'blackhole'), 'unicast', 'blackhole'],
      ['cronEntries', 'schedule', (s) => (s.cronEntries[0]!.schedule = '@hourly'), '30 3 * * 0', '@hourly'],
      ['cronEntries', 'user', (s) => (s.cronEntries[0]!.user = 'nobody'), 'root', 'nobody'],
      ['systemdTimers', 'state', (s) => (s.systemdTimers[0]!.state = 'disabled'), 'enabled', 'disabled'],
      [
        'systemdTimers',
        'onCalendar',
        (s) => (s.systemdTimers[0]!.onCalendar = ['daily']),
        ['*-*-* 6,18:00'],
        ['daily'],
      ],
      [
        'systemdTimers',
        'monotonic',
        (s) => (s.systemdTimers[0]!.monotonic = ['OnBootSec=5min']),
        [],
        ['OnBootSec=5min'],
      ],
      ['systemdTimers', 'unit', (s) => (s.systemdTimers[0]!.unit = 'x.service'), 'apt-daily.service', 'x.service'],
      ['systemdTimers', 'persistent', (s) => (s.systemdTimers[0]!.persistent = false), true, false],
      ['iptablesChains', 'policy', (s) => (s.iptablesChains![0]!.policy = 'ACCEPT'), 'DROP', 'ACCEPT'],
      [
        'iptablesChains',
        'rules',
        (s) => s.iptablesChains![0]!.rules.push('-p tcp -m tcp --dport 22 -j ACCEPT'),
        ['-i lo -j ACCEPT'],
        ['-i lo -j ACCEPT', '-p tcp -m tcp --dport 22 -j ACCEPT'],
      ],
      ['nftablesChains', 'policy', (s) => (s.nftablesChains[0]!.policy = 'accept'), 'drop', 'accept'],
      ['nftablesChains', 'priority', (s) => (s.nftablesChains[0]!.priority = -10), 0, -10],
      ['nftablesChains', 'hook', (s) => (s.nftablesChains[0]!.hook = 'forward'), 'input', 'forward'],
      ['nftablesChains', 'type', (s) => (s.nftablesChains[1]!.type = 'filter'), null, 'filter'],
      [
        'nftablesChains',
        'rules',
        (s) => s.nftablesChains[0]!.rules.splice(1, 0, 'tcp dport 22 accept'),
        ['iif "lo" accept', 'jump logdrop'],
        ['iif "lo" accept', 'tcp dport 22 accept', 'jump logdrop'],
      ],
      ['securityModules', 'mode', (s) => (s.securityModules[1]!.mode = 'complain'), 'enforce', 'complain'],
      ['files', 'type', (s) => (s.files.find((f) => f.path === '/etc')!.type = 'symlink'), 'directory', 'symlink'],
      ['files', 'mode', (s) => (s.files.find((f) => f.path === '/etc/motd')!.mode = '0600'), '0644', '0600'],
      ['files', 'uid', (s) => (s.files.find((f) => f.path === '/etc/motd')!.uid = 1000), 0, 1000],
      ['files', 'gid', (s) => (s.files.find((f) => f.path === '/etc/motd')!.gid = 1000), 0, 1000],
      ['files', 'owner', (s) => (s.files.find((f) => f.path === '/etc/motd')!.owner = null), 'root', null],
      ['files', 'group', (s) => (s.files.find((f) => f.path === '/etc/motd')!.group = 'adm'), 'root', 'adm'],
      ['files', 'size', (s) => (s.files.find((f) => f.path === '/etc/motd')!.size = 300), 286, 300],
      [
        'files',
        'linkTarget',
        (s) => (s.files.find((f) => f.path === '/etc/localtime')!.linkTarget = '/usr/share/zoneinfo/Europe/Berlin'),
        '/usr/share/zoneinfo/Etc/UTC',
        '/usr/share/zoneinfo/Europe/Berlin',
      ],
      ['files', 'sha256', (s) => (s.files.find((f) => f.path === '/etc/motd')!.sha256 = SHA('f')), SHA('a'), SHA('f')],
      ['sshdSettings', 'value', (s) => (s.sshdSettings.passwordauthentication = 'yes'), 'no', 'yes'],
      [
        'kernelModules',
        'state',
        (s) => (s.kernelModules.find((m) => m.name === 'overlay')!.state = 'Unloading'),
        'Live',
        'Unloading',
      ],
      [
        'kernelModules',
        'blacklisted',
        (s) => (s.kernelModules.find((m) => m.name === 'usb_storage')!.blacklisted = false),
        true,
        false,
      ],
      [
        'kernelModules',
        'install',
        (s) => (s.kernelModules.find((m) => m.name === 'usb_storage')!.install = null),
        '/bin/false',
        null,
      ],
    ];

    it('covers every attribute the snapshot schema has', () => {
      const covered = new Set(cases.map(([k, attribute]) => `${k}.${attribute}`));
      const all = DIFF_KINDS.flatMap((k) => KIND_DEFINITIONS[k].attributes.map((attribute) => `${k}.${attribute}`));
      expect(all.filter((name) => !covered.has(name))).to.deep.equal([]);
    });

    for (const [kindName, attribute, change, old, now] of cases) {
      it(`${kindName}: ${attribute}`, () => {
        const host = diff(base, withChanges(base, change));
        const changed = kind(host, kindName).changed;
        expect(changed, JSON.stringify(changed)).to.have.length(1);
        expect(changed[0]!.changes).to.deep.equal([{ attribute, old, new: now }]);
        expect(lines(host)).to.have.length(1);
        expect(host.state).to.equal('drift');
      });
    }
  });

  it('lists every differing attribute of one item, and leaves out "old" or "new" where a side has none', () => {
    const host = diff(
      base,
      withChanges(base, (s) => {
        const motd = s.files.find((f) => f.path === '/etc/motd')!;
        Object.assign(motd, { type: 'directory', mode: '0755' });
        delete motd.size;
        delete motd.sha256;
      }),
    );
    expect(kind(host, 'files').changed[0]!.changes).to.deep.equal([
      { attribute: 'type', old: 'file', new: 'directory' },
      { attribute: 'mode', old: '0644', new: '0755' },
      { attribute: 'size', old: 286 },
      { attribute: 'sha256', old: SHA('a') },
    ]);
  });

  it('pairs items by identity: package name and architecture, listener protocol, address and port', () => {
    const host = diff(
      base,
      withChanges(base, (s) => {
        s.packages.find((p) => p.name === 'libc6' && p.architecture === 'i386')!.version = '2.36-9+deb12u8';
        s.listeners.find((l) => l.protocol === 'tcp6' && l.port === 22)!.address = '::1';
      }),
    );
    expect(lines(host)).to.deep.equal([
      'packages ~ libc6:i386 version',
      'listeners + tcp6 [::1]:22',
      'listeners - tcp6 [::]:22',
    ]);
  });

  it('tells stacked mounts and repeated names apart by their position', () => {
    const stacked = withChanges(base, (s) =>
      s.mounts.push({ point: '/tmp', source: 'overlay', filesystem: 'overlay', options: ['rw'] }),
    );
    expect(lines(diff(base, stacked))).to.deep.equal(['mounts + /tmp [2]']);
    const changedUpper = withChanges(stacked, (s) => (s.mounts.filter((m) => m.point === '/tmp')[1]!.options = ['ro']));
    expect(lines(diff(stacked, changedUpper))).to.deep.equal(['mounts ~ /tmp [2] options']);
  });

  describe('missing data is never "no drift"', () => {
    it('a kind one snapshot could not read is not compared; the rest is', () => {
      const candidate = withChanges(base, (s) => {
        s.listeners = [];
        s.gaps.push({ kind: 'listeners', reason: 'ss: not found (exit 127)' });
        s.complete = false;
        s.users.push({ name: 'extra', uid: 1001, gid: 1001, home: '/home/extra', shell: '/bin/sh', gecos: '' });
      });
      const host = diff(base, candidate);
      expect(host.state).to.equal('incomplete');
      expect(kind(host, 'listeners')).to.deep.include({ compared: 'none', removed: [] });
      expect(host.notCompared).to.deep.equal([{ kind: 'listeners', reason: 'candidate: ss: not found (exit 127)' }]);
      expect(lines(host)).to.deep.equal(['users + extra']);
    });

    it('a gap in the baseline counts as much as one in the candidate, and one shared gap is named once', () => {
      const gap = { kind: 'kernelParameters' as const, reason: '/proc/sys is not available' };
      const a = withChanges(base, (s) => {
        s.gaps.push(gap);
        s.complete = false;
      });
      const b = withChanges(a, () => {});
      const host = diff(a, b);
      expect(host.state).to.equal('incomplete');
      expect(host.notCompared).to.deep.equal([
        { kind: 'kernelParameters', reason: 'baseline and candidate: /proc/sys is not available' },
      ]);
    });

    it('an unreadable file: its content is not compared, its metadata is', () => {
      const candidate = withChanges(base, (s) => {
        const nginx = s.files.find((f) => f.path === '/etc/nginx/nginx.conf')!;
        delete nginx.sha256;
        nginx.mode = '0600';
        s.gaps.push({ kind: 'files', path: '/etc/nginx/nginx.conf', reason: 'Permission denied' });
        s.complete = false;
      });
      const host = diff(base, candidate);
      expect(host.state).to.equal('incomplete');
      expect(kind(host, 'files').compared).to.equal('partly');
      expect(kind(host, 'files').changed[0]!.changes).to.deep.equal([{ attribute: 'mode', old: '0644', new: '0600' }]);
      expect(host.notCompared).to.deep.equal([
        { kind: 'files', path: '/etc/nginx/nginx.conf', reason: 'candidate: Permission denied' },
      ]);
    });

    it('a tree the candidate could not walk is not reported as removed', () => {
      const candidate = withChanges(base, (s) => {
        s.files = s.files.filter((f) => !f.path.startsWith('/usr/bin'));
        s.gaps.push({ kind: 'files', path: '/usr/bin', reason: 'the root does not exist' });
        s.complete = false;
      });
      const host = diff(base, candidate);
      expect(lines(host)).to.deep.equal([]);
      expect(host.state).to.equal('incomplete');
    });

    it('file trees walked by one snapshot only are named, and their files are not compared', () => {
      const candidate = withChanges(base, (s) => {
        s.fileRoots = ['/etc', '/usr/bin', '/opt'];
        s.files = s.files.filter((f) => !f.path.startsWith('/var/lib/app'));
        s.files.push({ path: '/opt', type: 'directory', mode: '0755', uid: 0, gid: 0, owner: 'root', group: 'root' });
      });
      const host = diff(base, candidate);
      expect(lines(host)).to.deep.equal([]);
      expect(host.notCompared).to.deep.equal([
        { kind: 'files', path: '/var/lib/app', reason: 'only the baseline snapshot walked this tree' },
        { kind: 'files', path: '/opt', reason: 'only the candidate snapshot walked this tree' },
      ]);
      expect(host.state).to.equal('incomplete');
    });

    it('what either snapshot left out is compared in neither, and a difference in those ignores is named', () => {
      const candidate = withChanges(base, (s) => {
        s.ignores.paths.push('/var/lib/app/*');
        s.files = s.files.filter((f) => f.path !== '/var/lib/app/journal');
        s.ignores.kernelParameters.push('net.*');
        delete s.kernelParameters['net.ipv4.ip_forward'];
      });
      const host = diff(base, candidate);
      expect(lines(host)).to.deep.equal([]);
      expect(host.notCompared.map((n) => `${n.kind} ${n.path}`)).to.deep.equal([
        'files /var/lib/app/*',
        'kernelParameters net.*',
      ]);
    });

    it('listener owners one side could not read (null) are unknown, not a change', () => {
      const host = diff(
        base,
        withChanges(base, (s) => {
          for (const l of s.listeners) l.processes = null;
        }),
      );
      expect(lines(host)).to.deep.equal([]);
      expect(host.state).to.equal('incomplete');
      expect(kind(host, 'listeners').compared).to.equal('partly');
      expect(host.notCompared[0]).to.deep.equal({
        kind: 'listeners',
        path: 'tcp4 0.0.0.0:22',
        reason: 'processes: the candidate snapshot could not read it',
      });
    });

    it('a snapshot that says it is incomplete without naming a gap is incomplete', () => {
      const host = diff(
        base,
        withChanges(base, (s) => (s.complete = false)),
      );
      expect(host.state).to.equal('incomplete');
      expect(host.notCompared[0]!.reason).to.match(/^candidate: the snapshot says it is incomplete/);
    });

    it('an unreachable host is incomplete in every kind', () => {
      const host = HostDriftSchema.parse(
        unreachableHostDrift('ssh://root@10.0.0.9:22', 'unreachable: connection refused'),
      );
      expect(host.state).to.equal('incomplete');
      expect(host.kinds.every((k) => k.compared === 'none')).to.equal(true);
      expect(host.notCompared).to.have.length(DIFF_KINDS.length);
    });
  });
});
