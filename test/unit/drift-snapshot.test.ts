import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { expect } from 'chai';
import { ProbeStreamParser } from '../../src/drift/probe-stream.js';
import { FileTreeReader } from '../../src/resources/file/inventory-walk.js';
import { readSnapshotFile, renderSnapshot, writeSnapshotFile } from '../../src/drift/snapshot-file.js';
import { SpecError } from '../../src/inputs/input-error.js';
import { globToRegExp, nameIgnorer, normalisePathGlob, pathIgnorer } from '../../src/drift/path-glob.js';
import { parseSnapshot, SNAPSHOT_KINDS, snapshotJsonSchema, sortSnapshot } from '../../src/drift/snapshot-schema.js';
import { diffSnapshots } from '../../src/drift/diff.js';
import { parseProcSysWalk, parseSysctlOutput } from '../../src/resources/kernel-parameter/inventory.js';
import { parseOpenrcServices, parseSystemdServices, parseSysvServices } from '../../src/resources/service/inventory.js';

const FILES_STREAM_ID = 'snapshot-files';
const valuesOf = (listed: { items: Array<{ key: string; value: string }> }) =>
  Object.fromEntries(listed.items.map((i) => [i.key, i.value]));
import { SnapshotProbeError } from '../../src/drift/snapshot.js';
import { FactError } from '../../src/resources/resource.js';
import { fixturePath } from '../support/frames.js';
import { collectRecording, recording as recordedSnapshot } from '../support/recorded-snapshot.js';

const recording = recordedSnapshot;
const collect = collectRecording;

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

describe('snapshot: recorded probe output from a Debian 12 instance', () => {
  const root = collect(recording('root'));

  it('reads every section; the only gap is the file root that does not exist', () => {
    expect(root.gaps).to.deep.equal([
      { kind: 'files', path: '/nonexistent', reason: 'this file root does not exist on the target' },
    ]);
    expect(root.complete).to.equal(false);
    expect(root.host).to.include({ packageManager: 'dpkg', initSystem: 'systemd', uid: 0, hostname: 'img100' });
  });

  it('records every installed package with version, architecture and manager', () => {
    expect(root.packages.length).to.be.greaterThan(100);
    const ssh = root.packages.find((p) => p.name === 'openssh-server');
    expect(ssh).to.include({ architecture: 'amd64', manager: 'dpkg', state: 'installed' });
    expect(ssh!.version).to.match(/^1:9\.2p1-/);
    expect(root.packages.map((p) => p.name)).to.include.members(['nginx-light', 'sudo', 'cron', 'libc6']);
  });

  it('records services with unit file, active and sub state; aliases and missing units are not services', () => {
    const byName = new Map(root.services.map((s) => [s.name, s]));
    expect(byName.get('ssh')).to.deep.equal({ name: 'ssh', enabled: 'enabled', active: 'active', sub: 'running' });
    expect(byName.get('nginx')).to.deep.equal({ name: 'nginx', enabled: 'enabled', active: 'active', sub: 'running' });
    expect(byName.get('getty@tty1')).to.include({ enabled: 'enabled', active: 'inactive' });
    expect(byName.get('sudo')).to.include({ enabled: 'masked' });
    expect(byName.has('sshd'), 'the alias sshd is ssh').to.equal(false);
    expect(byName.has('auditd'), 'referenced but not installed').to.equal(false);
    expect(byName.has('getty@'), 'templates are not services').to.equal(false);
  });

  it('records listening sockets with their processes, one per protocol, address and port', () => {
    expect(root.listeners).to.deep.equal([
      { protocol: 'tcp4', address: '0.0.0.0', port: 22, processes: ['sshd'] },
      { protocol: 'tcp6', address: '::', port: 22, processes: ['sshd'] },
      { protocol: 'tcp4', address: '0.0.0.0', port: 80, processes: ['nginx'] },
      { protocol: 'tcp6', address: '::', port: 80, processes: ['nginx'] },
    ]);
  });

  it('records all users and groups with every field', () => {
    expect(root.users.find((u) => u.name === 'root')).to.deep.equal({
      name: 'root',
      uid: 0,
      gid: 0,
      home: '/root',
      shell: '/bin/bash',
      gecos: 'root',
    });
    expect(root.users.find((u) => u.name === 'tester')).to.include({ uid: 1000, gid: 1000, home: '/home/tester' });
    expect(root.groups.find((g) => g.name === 'shadow')).to.include({ gid: 42 });
    expect(root.users.map((u) => u.name)).to.deep.equal([...root.users.map((u) => u.name)].sort());
  });

  it('records kernel parameters by dotted key, leaving out the ones that change by themselves', () => {
    expect(Object.keys(root.kernelParameters).length).to.be.greaterThan(500);
    expect(root.kernelParameters['net.ipv4.ip_forward']).to.match(/^[01]$/);
    expect(root.kernelParameters['net.ipv4.tcp_rmem']).to.match(/^\d+ \d+ \d+$/);
    expect(
      Object.keys(root.kernelParameters).filter(
        (key) => key.startsWith('kernel.random.') || key === 'fs.file-nr' || key === 'kernel.hostname',
      ),
    ).to.deep.equal([]);
    expect(Object.keys(root.kernelParameters)).to.deep.equal(Object.keys(root.kernelParameters).sort());
  });

  it('records mounts in table order per point', () => {
    const rootMount = root.mounts.find((m) => m.point === '/');
    expect(rootMount).to.include({ filesystem: 'overlay' });
    expect(root.mounts.find((m) => m.point === '/tmp')).to.include({ source: 'tmpfs', filesystem: 'tmpfs' });
    expect(root.mounts.find((m) => m.point === '/tmp')!.options).to.include.members(['nosuid', 'nodev']);
  });

  it('records the file trees: type, mode, ids, names, size, link target and sha256 computed on the target', () => {
    const byPath = new Map(root.files.map((f) => [f.path, f]));
    expect(byPath.get('/etc/driftspec-odd/a dir/new\nline')).to.deep.equal({
      path: '/etc/driftspec-odd/a dir/new\nline',
      type: 'file',
      mode: '0644',
      uid: 0,
      gid: 0,
      owner: 'root',
      group: 'root',
      size: 4,
      sha256: sha256('one\n'),
    });
    expect(byPath.get("/etc/driftspec-odd/quote'$(x)")).to.include({ size: 3, sha256: sha256('two') });
    expect(byPath.get('/etc/driftspec-odd/link')).to.deep.equal({
      path: '/etc/driftspec-odd/link',
      type: 'symlink',
      mode: '0777',
      uid: 0,
      gid: 0,
      owner: 'root',
      group: 'root',
      size: 17,
      linkTarget: 'target with space',
    });
    expect(byPath.get('/etc/driftspec-odd/fifo')).to.deep.equal({
      path: '/etc/driftspec-odd/fifo',
      type: 'pipe',
      mode: '0644',
      uid: 0,
      gid: 0,
      owner: 'root',
      group: 'root',
    });
    expect(byPath.get('/etc/driftspec-private')).to.include({ type: 'directory', mode: '0700' });
    expect(byPath.get('/etc/driftspec-secret')).to.include({ mode: '0600', sha256: sha256('root only\n') });
    expect(byPath.get('/usr/sbin/driftspec-setuid')).to.include({ type: 'file', mode: '4755' });
    expect(byPath.get('/etc/shadow')).to.include({ group: 'shadow', mode: '0640' });
    expect(root.files.every((f) => f.type !== 'file' || f.sha256 !== undefined)).to.equal(true);
  });

  it('leaves out the default volatile paths', () => {
    const paths = root.files.map((f) => f.path);
    expect(paths).to.not.include.members(['/etc/machine-id', '/etc/hostname', '/etc/mtab', '/etc/ld.so.cache']);
    expect(paths.filter((p) => p.startsWith('/etc/ssh/ssh_host_'))).to.deep.equal([]);
    expect(paths).to.include('/etc/ssh/sshd_config');
  });

  it('sorts every list, so the file is the same for the same state', () => {
    expect(root.files.map((f) => f.path)).to.deep.equal(
      root.files.map((f) => f.path).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)),
    );
    expect(sortSnapshot(root)).to.deep.equal(root);
  });

  it('is the same whatever the chunk sizes the output arrives in', () => {
    const whole = renderSnapshot(root);
    for (const chunkSize of [1, 7, 4093])
      expect(renderSnapshot(collect(recording('root'), { chunkSize })), `chunks of ${chunkSize}`).to.equal(whole);
  });

  it('the portable walk (stat -c, readlink, sha256sum per file) records exactly what GNU find records', () => {
    const gnu = collect(recording('root-gnu-small'));
    const portable = collect(recording('root-portable'));
    expect(portable.files).to.deep.equal(gnu.files);
    expect(portable.files.length).to.be.greaterThan(10);
    expect(portable.gaps).to.deep.equal([]);
  });
});

describe('snapshot: what could not be read is a gap, never an empty list', () => {
  it('as non-root: unreadable files get no hash and a gap, unreadable directories a gap; socket owners unknown', () => {
    const tester = collect(recording('tester'));
    expect(tester.complete).to.equal(false);
    const fileGaps = new Map(tester.gaps.filter((g) => g.kind === 'files').map((g) => [g.path, g.reason]));
    expect(fileGaps.get('/etc/driftspec-secret')).to.equal(
      'its content could not be read, so it has no sha256: sha256sum: /etc/driftspec-secret: Permission denied',
    );
    expect(fileGaps.get('/etc/shadow')).to.equal(
      'its content could not be read, so it has no sha256: sha256sum: /etc/shadow: Permission denied',
    );
    expect(fileGaps.get('/etc/driftspec-private')).to.equal('Permission denied');
    const secret = tester.files.find((f) => f.path === '/etc/driftspec-secret');
    expect(secret).to.include({ mode: '0600' });
    expect(secret).to.not.have.property('sha256');
    expect(tester.files.some((f) => f.path.startsWith('/etc/driftspec-private/'))).to.equal(false);
    expect(tester.listeners.every((l) => l.processes === null)).to.equal(true);
    expect(tester.gaps.filter((g) => g.kind === 'kernelParameters').map((g) => g.path)).to.include('kernel.cad_pid');
  });

  it('output cut inside the file tree: the files kind has a gap naming why; the other sections are intact', () => {
    const rec = recording('root');
    const streamStart = rec.out.indexOf('DSSTREAM');
    const cut = collect(rec, { cutAt: streamStart + 5000, exitCode: null, timedOut: true });
    expect(cut.complete).to.equal(false);
    expect(cut.gaps).to.deep.include({
      kind: 'files',
      reason: 'the file tree was cut short: the probe timed out after 300 s (raise --timeout)',
    });
    expect(cut.packages.length).to.be.greaterThan(100);
    expect(cut.files.length).to.be.greaterThan(0);
  });

  it('output cut before later sections: each missing kind gets a gap', () => {
    const rec = recording('root');
    const cut = collect(rec, { cutAt: rec.out.indexOf('DSFRAME snapshot-accounts'), exitCode: 255 });
    const kinds = cut.gaps.filter((g) => g.path === undefined).map((g) => g.kind);
    expect(kinds).to.include.members(['users', 'groups', 'kernelParameters', 'mounts', 'files']);
    expect(cut.gaps.find((g) => g.kind === 'users')!.reason).to.equal(
      'the probe stopped before this section: the probe exited 255 before its end',
    );
    expect(cut.users).to.deep.equal([]);
  });

  it('no host facts at all: there is no snapshot', () => {
    const rec = recording('root');
    expect(() => collect({ ...rec, out: Buffer.from('sh: 1: syntax error\n') }, { exitCode: 2 })).to.throw(
      SnapshotProbeError,
      'the snapshot probe did not run: the probe exited 2 before its end',
    );
  });

  /** NUL-terminated fields, as the file walk prints them. */
  const fields = (...values: string[]) => Buffer.from(values.map((v) => `${v}\x00`).join(''));

  it('a malformed file record stops the stream and is a gap', () => {
    const reader = new FileTreeReader(() => false);
    const parser = new ProbeStreamParser({ [FILES_STREAM_ID]: reader });
    parser.push(
      Buffer.concat([
        Buffer.from(`DSSTREAM ${FILES_STREAM_ID}\n`),
        fields('W', 'gnu', '', 'M', 'x', '644', '0', '0', '1', '', '/x'),
      ]),
    );
    expect(parser.problem).to.equal(`section ${FILES_STREAM_ID}: unexpected file type "x" for "/x"`);
  });

  it('a path that is not UTF-8 is recorded and named in a gap', () => {
    const reader = new FileTreeReader(() => false);
    const parser = new ProbeStreamParser({ [FILES_STREAM_ID]: reader });
    const path = Buffer.concat([Buffer.from('/x/'), Buffer.from([0xff]), Buffer.from([0])]);
    parser.push(
      Buffer.concat([
        Buffer.from(`DSSTREAM ${FILES_STREAM_ID}\n`),
        fields('W', 'gnu', '', 'M', 'f', '644', '0', '0', '2', ''),
        path,
        fields('S', 'walk', '0', 'Z', '0'),
        Buffer.from('\n'),
      ]),
    );
    expect(parser.problem).to.equal(undefined);
    expect([...parser.endedStreams]).to.deep.equal([FILES_STREAM_ID]);
    const { items: files, gaps } = reader.finish(true, '');
    expect(files.map((f) => f.path)).to.deep.equal(['/x/\uFFFD']);
    expect(gaps.map((g) => g.path)).to.deep.equal(['/x/\uFFFD', '/x/\uFFFD']);
  });
});

describe('snapshot: section parsers on documented formats', () => {
  it('sysctl -a: several lines of one value are one value; a key it cannot read is a gap', () => {
    const parsed = parseSysctlOutput(
      'dev.cdrom.info = CD-ROM information\ndev.cdrom.info = \nkernel.printk = 4\t4\t1\t7\nkernel.domainname = ' +
        '(none)\n',
      "sysctl: permission denied on key 'kernel.cad_pid'\n",
      0,
    );
    expect(valuesOf(parsed)).to.deep.equal({
      'dev.cdrom.info': 'CD-ROM information',
      'kernel.printk': '4 4 1 7',
      'kernel.domainname': '(none)',
    });
    expect(parsed.gaps).to.deep.equal([
      { kind: 'kernelParameters', path: 'kernel.cad_pid', reason: "sysctl: permission denied on key 'kernel.cad_pid'" },
    ]);
  });

  it('sysctl -a (busybox): the further lines of a value follow without the key', () => {
    expect(valuesOf(parseSysctlOutput('dev.cdrom.info = a\nb c\nvm.swappiness = 60\n', '', 0))).to.deep.equal({
      'dev.cdrom.info': 'a b c',
      'vm.swappiness': '60',
    });
  });

  it('the /proc/sys walk: dots in a directory name are "/" in the key; a read error is a gap', () => {
    const parsed = parseProcSysWalk(
      [
        './net/ipv4/conf/eth0.100/forwarding',
        '0\n',
        '0',
        './vm/stat_refresh',
        'cat: ./vm/stat_refresh: Permission denied\n',
        '1',
        '',
      ].join('\x00'),
      '',
      0,
    );
    expect(valuesOf(parsed)).to.deep.equal({ 'net.ipv4.conf.eth0/100.forwarding': '0' });
    expect(parsed.gaps).to.deep.equal([
      { kind: 'kernelParameters', path: 'vm.stat_refresh', reason: 'cat: ./vm/stat_refresh: Permission denied' },
    ]);
  });

  it('systemd: a unit count that does not match the blocks is an error, not a shorter list', () => {
    const listing = (shown: string) =>
      '#driftspec loaded\n#driftspec files aliases-marked\n' +
      `#driftspec shown ${shown}\nId=a.service\nLoadState=loaded\nActiveState=active\nSubState=running\n`;
    expect(parseSystemdServices(listing('1'), 'x')).to.deep.equal([
      { name: 'a', enabled: null, active: 'active', sub: 'running' },
    ]);
    expect(() => parseSystemdServices(listing('2'), 'x')).to.throw(FactError, 'systemctl show described 1 units of 2');
  });

  it('systemd: states from list-units and list-unit-files; no aliases, templates or missing units', () => {
    const body = [
      '#driftspec loaded',
      'ssh.service     loaded    active   running OpenBSD Secure Shell server',
      'gone.service    not-found inactive dead    gone.service',
      'getty@tty1.service loaded inactive dead    Getty on tty1',
      '#driftspec files aliases-marked',
      'ssh.service     enabled  enabled',
      'sshd.service    alias    -',
      'getty@.service  enabled  enabled',
      'fstrim.service  static   -',
      '#driftspec shown 1',
      'Id=getty@tty1.service\nLoadState=loaded\nActiveState=inactive\nSubState=dead\nUnitFileState=enabled\n',
    ].join('\n');
    expect(parseSystemdServices(body, 'x')).to.deep.equal([
      { name: 'ssh', enabled: 'enabled', active: 'active', sub: 'running' },
      { name: 'getty@tty1', enabled: 'enabled', active: 'inactive', sub: 'dead' },
      { name: 'fstrim', enabled: 'static', active: 'inactive', sub: 'dead' },
    ]);
    // An older systemd: its units only on disk were shown, the file list says nothing of them.
    const unmarked = body.replace('aliases-marked', 'aliases-unmarked');
    expect(parseSystemdServices(unmarked, 'x').map((s) => s.name)).to.deep.equal(['ssh', 'getty@tty1']);
    expect(() => parseSystemdServices(body.replace('#driftspec shown', '#driftspec showd'), 'x')).to.throw(
      FactError,
      'x: unexpected output',
    );
  });

  it('systemd: a listing forged or cut short is an error, never a shorter or other list', () => {
    const listing = (loaded: string, files: string, shown = '#driftspec shown 0\n') =>
      `#driftspec loaded\n${loaded}#driftspec files aliases-marked\n${files}${shown}`;
    const ssh = 'ssh.service loaded active running OpenBSD Secure Shell server\n';
    expect(parseSystemdServices(listing(ssh, 'ssh.service enabled enabled\n'), 'x')).to.have.length(1);
    const refusals: Array<[string, string]> = [
      [listing(ssh + ssh, 'ssh.service enabled enabled\n'), 'list-units lists ssh.service twice'],
      [listing(ssh, 'ssh.service enabled enabled\nssh.service disabled enabled\n'), 'lists ssh.service twice'],
      [listing(ssh, 'ssh.service\n'), 'unexpected list-unit-files line'],
      [listing('loaded active running\n', ''), 'unexpected list-units line'],
      [listing(ssh, 'ssh.service enabled enabled\n', ''), 'unexpected output'],
      [`#driftspec loaded\n${ssh}`, 'unexpected output'],
      [listing('', '', '#driftspec shown 1\nLoadState=loaded\nActiveState=active\n'), 'a unit without Id'],
    ];
    for (const [body, message] of refusals)
      expect(() => parseSystemdServices(body, 'x'), message).to.throw(FactError, message);
  });

  it('sysvinit: scripts, enabled by their S links; whether they run is not known', () => {
    expect(
      parseSysvServices('#driftspec script ssh\n#driftspec script cron\n#driftspec start S01ssh\n', 'x'),
    ).to.deep.equal([
      { name: 'ssh', enabled: 'enabled', active: null, sub: null },
      { name: 'cron', enabled: 'disabled', active: null, sub: null },
    ]);
  });

  it('openrc: rc-update show -v and rc-status --all recorded on a booted instance', () => {
    const stdout = (name: string) =>
      (JSON.parse(readFileSync(fixturePath(`recorded/openrc/${name}.json`), 'utf8')) as { stdout: string }).stdout;
    const listing = (update: string, status: string) => `${stdout(update)}#driftspec status\n${stdout(status)}`;
    const byName = (body: string) => new Map(parseOpenrcServices(body, 'x').map((s) => [s.name, s]));
    const booted = byName(listing('rc-update-show-v', 'rc-status-all'));
    expect(booted.get('ssh')).to.deep.equal({ name: 'ssh', enabled: 'enabled', active: 'active', sub: null });
    expect(booted.get('checkroot-bootclean.sh')).to.include({ enabled: 'enabled', active: 'active' });
    // Only in Debian's shutdown runlevel "off": not started at boot.
    expect(booted.get('sendsigs')).to.include({ enabled: 'disabled', active: 'inactive' });
    expect(booted.get('agetty')).to.include({ enabled: 'disabled', active: null });
    expect(booted.get('bootlogs')).to.include({ enabled: 'enabled', active: 'active' });
    const deleted = byName(listing('rc-update-show-v-nginx-deleted', 'rc-status-all-nginx-deleted'));
    // rc-status shows openrc's own record: nginx's LSB script, stopped by rc-service, stays "started".
    expect(deleted.get('nginx')).to.deep.equal({ name: 'nginx', enabled: 'disabled', active: 'active', sub: null });
  });

  it('openrc: rc-update show -v and rc-status --all (documented formats)', () => {
    const body =
      '             sshd |      default\n            local |                                 \n#driftspec ' +
      'status\nRunlevel: default\n sshd                                                  [  started  ]\n local    ' +
      '                                             [  stopped  ]\n';
    expect(parseOpenrcServices(body, 'x')).to.deep.equal([
      { name: 'sshd', enabled: 'enabled', active: 'active', sub: null },
      { name: 'local', enabled: 'disabled', active: 'inactive', sub: null },
    ]);
  });
});

describe('snapshot: ignore globs', () => {
  it('"*" and "?" match "/" too, as find -path does; a class and an escape work', () => {
    expect(globToRegExp('/etc/ssh/ssh_host_*').test('/etc/ssh/ssh_host_rsa_key.pub')).to.equal(true);
    expect(globToRegExp('*.log').test('/var/log/nginx/access.log')).to.equal(true);
    expect(globToRegExp('/a/[!x]?').test('/a/yz')).to.equal(true);
    expect(globToRegExp('/a/[!x]?').test('/a/xz')).to.equal(false);
    expect(globToRegExp('/a/\\*').test('/a/*')).to.equal(true);
    expect(globToRegExp('/a/\\*').test('/a/b')).to.equal(false);
  });

  it('a matching directory takes everything below it; a name glob does not', () => {
    const ignored = pathIgnorer(['/var/log']);
    expect([ignored('/var/log'), ignored('/var/log/a/b'), ignored('/var/logs')]).to.deep.equal([true, true, false]);
    expect(nameIgnorer(['/run/user/*'])('/run/user/0')).to.equal(true);
    expect(nameIgnorer(['/run/user/*'])('/run/user')).to.equal(false);
  });

  it('refuses a relative glob and drops a trailing "/"', () => {
    expect(() => normalisePathGlob('etc/x')).to.throw('start it with "/" or a wildcard');
    expect(normalisePathGlob('/var/log/')).to.equal('/var/log');
  });
});

describe('snapshot file', () => {
  const root = collect(recording('root'));

  it('is JSON with one item per line that reads back to the same snapshot', () => {
    const text = renderSnapshot(root);
    expect(parseSnapshot(JSON.parse(text), 'x')).to.deep.equal(root);
    const line = text.split('\n').find((l) => l.includes('"/etc/driftspec-odd/link"'));
    expect(line).to.equal(
      '    {"path":"/etc/driftspec-odd/link","type":"symlink","mode":"0777","uid":0,"gid":0,' +
        '"owner":"root","group":"root","size":17,"linkTarget":"target with space"},',
    );
  });

  it('is written atomically (nothing but the file is left) and read back validated', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'driftspec-snapshot-file-'));
    const path = join(dir, 'baseline.json');
    await writeSnapshotFile(path, root);
    expect(readdirSync(dir)).to.deep.equal(['baseline.json']);
    expect(await readSnapshotFile(path, '/')).to.deep.equal(root);
    expect(existsSync(`${path}.tmp`)).to.equal(false);
  });

  it('validates against the published JSON Schema (driftspec schema snapshot)', () => {
    const validate = new Ajv2020({ allErrors: true, strict: false, validateFormats: false }).compile(
      snapshotJsonSchema() as object,
    );
    expect(validate(JSON.parse(renderSnapshot(root))), JSON.stringify(validate.errors)).to.equal(true);
    expect(
      validate({ ...JSON.parse(renderSnapshot(root)), files: [{ path: '/x', type: 'file', mode: '644' }] }),
    ).to.equal(false);
  });

  it('reads a snapshot an older driftspec wrote, without a newer kind, as one that does not hold it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'driftspec-older-snapshot-'));
    const { sshdSettings: _newer, ...older } = JSON.parse(renderSnapshot(root)) as Record<string, unknown>;
    writeFileSync(join(dir, 'older.json'), JSON.stringify(older));
    const read = await readSnapshotFile('older.json', dir);
    expect(read.kinds).to.deep.equal(SNAPSHOT_KINDS.filter((kind) => kind !== 'sshdSettings'));
    expect(read.sshdSettings).to.deep.equal({});
    const drift = diffSnapshots(read, root, { now: new Date('2026-01-03T00:00:00Z') });
    // root's only gap is a file root that does not exist: incomplete, but nothing drifted.
    expect(drift.state).to.equal('incomplete');
    expect(
      drift.kinds.filter((kind) => kind.added.length + kind.removed.length + kind.changed.length > 0),
    ).to.deep.equal([]);
    expect(drift.kinds.find((kind) => kind.kind === 'sshdSettings')?.compared).to.equal('none');
    expect(drift.kindNotes).to.deep.include({
      kind: 'sshdSettings',
      compared: false,
      note: 'not compared: the baseline holds no sshd settings (written by a driftspec that did not list them yet)',
    });
  });

  describe('one reader for every command: each mistake names the file and what is wrong (a SpecError: exit 78)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'driftspec-snapshot-file-'));
    const text = renderSnapshot(root);
    const cases: Array<[string, string | null, string]> = [
      ['a missing file', null, 'snapshot file not found'],
      ['an empty file', '', 'not JSON: the file is empty'],
      ['a file that is not JSON', 'baseline of web-1\n', 'not JSON: Unexpected token'],
      [
        'a file cut short',
        text.slice(0, Math.floor(text.length / 2)),
        'not JSON: the file ends in the middle of the document (cut short?): ',
      ],
      ['JSON that is not an object', '[1, 2]', 'not a driftspec snapshot: expected a JSON object, got an array'],
      [
        'no schema version',
        '{"files": []}',
        'not a driftspec snapshot (no schemaVersion; this driftspec reads schemaVersion 1)',
      ],
      [
        'another schema version',
        text.replace('"schemaVersion": 1', '"schemaVersion": 2'),
        'not a driftspec snapshot (schemaVersion 2; this driftspec reads schemaVersion 1)',
      ],
      [
        'a schema version that is text',
        text.replace('"schemaVersion": 1', '"schemaVersion": "1"'),
        'not a driftspec snapshot (schemaVersion "1"; this driftspec reads schemaVersion 1)',
      ],
      [
        'an invalid field: its JSON path and the item it belongs to',
        text.replace('"mode":"0777"', '"mode":"777"'),
        'not a valid driftspec snapshot: files[',
      ],
      [
        'a missing section',
        JSON.stringify({ ...JSON.parse(text), mounts: undefined }),
        'not a valid driftspec snapshot: mounts: ',
      ],
    ];
    for (const [what, content, message] of cases) {
      it(what, async () => {
        const name = `${what.replace(/\W+/g, '-')}.json`;
        if (content !== null) writeFileSync(join(dir, name), content);
        const error = await readSnapshotFile(name, dir).catch((e: Error) => e);
        expect(error).to.be.instanceOf(SpecError);
        expect((error as Error).message.startsWith(`${name}: ${message}`), (error as Error).message).to.equal(true);
      });
    }

    it('names the invalid field by its JSON path and the item by its path or name', async () => {
      writeFileSync(join(dir, 'mode.json'), text.replace('"mode":"0777"', '"mode":"777"'));
      const error = await readSnapshotFile('mode.json', dir).catch((e: Error) => e);
      const index = root.files.findIndex((f) => f.mode === '0777');
      expect((error as Error).message).to.match(
        new RegExp(
          `^mode\\.json: not a valid driftspec snapshot: files\\[${index}\\]\\.mode \\(path ` +
            `"${root.files[index]!.path}"\\): `,
        ),
      );
      writeFileSync(join(dir, 'user.json'), text.replace('"name":"root","uid":0', '"name":"root","uid":-1'));
      const userError = (await readSnapshotFile('user.json', dir).catch((e: Error) => e)) as Error;
      expect(userError.message, userError.message).to.match(
        new RegExp(
          `^user\\.json: not a valid driftspec snapshot: ` +
            `users\\[${root.users.findIndex((u) => u.name === 'root')}\\]\\.uid \\(name "root"\\): `,
        ),
      );
    });

    it('a directory is not a snapshot file', async () => {
      const error = await readSnapshotFile(dir, '/').catch((e: Error) => e);
      expect((error as Error).message).to.equal(`${dir}: is a directory, not a snapshot file`);
    });
  });
});
