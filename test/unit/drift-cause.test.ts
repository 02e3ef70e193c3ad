import { expect } from 'chai';
import { renderDriftCli } from '../../reporters/drift-cli.js';
import { renderDriftJunit } from '../../reporters/drift-junit.js';
import { renderDriftMarkdown } from '../../reporters/drift-markdown.js';
import { renderDriftHtml } from '../../reporters/html/drift.js';
import { describeSnapshot, diffSnapshots } from '../../src/drift/diff.js';
import { DRIFT_REPORT_SCHEMA_VERSION, DriftReportSchema, type DriftReport } from '../../src/drift/diff-schema.js';
import type { Snapshot } from '../../src/drift/snapshot-schema.js';
import { judgeDrift } from '../../src/gate/drift-policy.js';
import { handMadeSnapshot, SHA, withChanges } from '../support/drift-snapshots.js';

const NOW = new Date('2025-06-02T12:00:00Z');
type SnapshotFile = Snapshot['files'][number];

function file(path: string, extra: Partial<SnapshotFile> = {}): SnapshotFile {
  const base = { mode: '0755', uid: 0, gid: 0, owner: 'root', group: 'root' };
  return extra.type === 'directory'
    ? ({ path, type: 'directory', ...base, ...extra } as SnapshotFile)
    : ({ path, type: 'file', ...base, size: 10, sha256: SHA('f'), ...extra } as SnapshotFile);
}

const IPROUTE2_FILES = ['/etc/iproute2', '/etc/iproute2/rt_tables', '/usr/bin/ip', '/usr/bin/ss', '/usr/bin/bridge'];

/** A host with iproute2 (its files recorded with it) and its /home tree walked. */
const withIproute2 = withChanges(handMadeSnapshot(), (s) => {
  s.fileRoots = [...s.fileRoots, '/home'];
  s.packages.push({
    name: 'iproute2',
    version: '6.1.0-3',
    architecture: 'amd64',
    manager: 'dpkg',
    state: 'installed',
    files: [...IPROUTE2_FILES].sort(),
  });
  s.files.push(
    file('/etc/iproute2', { type: 'directory' }),
    file('/etc/iproute2/rt_tables', { mode: '0644' }),
    file('/usr/bin/ip'),
    file('/usr/bin/ss'),
    file('/usr/bin/bridge'),
    file('/home', { type: 'directory' }),
  );
});

/** iproute2 removed; a user added with the home useradd -m made; an unrelated file removed. */
const changed = withChanges(withIproute2, (s) => {
  s.packages = s.packages.filter((p) => p.name !== 'iproute2');
  s.files = s.files.filter((f) => !IPROUTE2_FILES.includes(f.path) && f.path !== '/usr/bin/tool');
  s.users.push({ name: 'alice', uid: 1000, gid: 1000, home: '/home/alice', shell: '/bin/bash', gecos: '' });
  s.files.push(
    file('/home/alice', { type: 'directory', uid: 1000, owner: 'alice' }),
    file('/home/alice/.bashrc', { mode: '0644', uid: 1000, owner: 'alice' }),
    file('/home/alice/.profile', { mode: '0644', uid: 1000, owner: 'alice' }),
  );
});

function report(baseline: Snapshot, candidate: Snapshot): DriftReport {
  return judgeDrift({
    schemaVersion: DRIFT_REPORT_SCHEMA_VERSION,
    tool: { name: 'driftspec', version: '0.1.0' },
    generatedAt: NOW.toISOString(),
    mode: 'snapshots',
    baseline: describeSnapshot(baseline, 'baseline.json'),
    hosts: [diffSnapshots(baseline, candidate, { now: NOW })],
    warnings: [],
  });
}

describe('drift grouped by cause', () => {
  const drift = report(withIproute2, changed);
  const host = drift.hosts[0]!;
  const kind = (name: string) => host.kinds.find((k) => k.kind === name)!;

  it("puts a removed package's files and a new user's home under them; counts and exit code stay", () => {
    expect(kind('packages').removed.map((p) => [p.key, p.brought])).to.deep.equal([
      ['iproute2:amd64', [{ kind: 'files', count: 5 }]],
    ]);
    expect(kind('users').added.map((u) => [u.key, u.brought])).to.deep.equal([
      ['alice', [{ kind: 'files', count: 3 }]],
    ]);
    expect(kind('files').removed.map((f) => [f.key, f.cause?.key])).to.deep.equal([
      ['/etc/iproute2', 'iproute2:amd64'],
      ['/etc/iproute2/rt_tables', 'iproute2:amd64'],
      ['/usr/bin/bridge', 'iproute2:amd64'],
      ['/usr/bin/ip', 'iproute2:amd64'],
      ['/usr/bin/ss', 'iproute2:amd64'],
      ['/usr/bin/tool', undefined],
    ]);
    expect(kind('files').added.map((f) => f.cause)).to.deep.equal(Array(3).fill({ kind: 'users', key: 'alice' }));
    // Every item still counts: 1 + 1 added (user, 3 files: 4), 1 package + 6 files removed.
    expect(host.counts).to.include({ added: 4, removed: 7, changed: 0 });
    expect(drift.verdict!.exitCode).to.equal(3);
    expect(DriftReportSchema.parse(drift)).to.deep.equal(drift);
  });

  it('tells one item per cause in the cli, markdown, junit and html reports', () => {
    const cli = [...renderDriftCli(drift, drift.verdict!, { color: false })].join('');
    expect(cli).to.include('- package iproute2:amd64');
    expect(cli).to.include('version 6.1.0-3 · state installed · with its 5 files');
    expect(cli).to.include('+ user alice');
    expect(cli).to.include('with its 3 files');
    expect(cli).to.include('- file /usr/bin/tool');

    for (const hidden of ['/usr/bin/ip', '/etc/iproute2', 'file /home/alice', '.bashrc'])
      expect(cli).not.to.include(hidden);
    const markdown = [...renderDriftMarkdown(drift, drift.verdict!)].join('');
    expect(markdown).to.include('with its 5 files').and.include('with its 3 files').and.not.include('/usr/bin/ip');
    const junit = [...renderDriftJunit(drift, drift.verdict!)].join('');
    expect(junit.match(/<testcase /g)).to.have.length(3);
    expect(junit).to.include('with its 5 files').and.not.include('/usr/bin/ss');
    const html = [...renderDriftHtml(drift, drift.verdict!)].join('');
    expect(html).to.include('with its 5 files').and.not.include('/usr/bin/bridge');
  });

  it('keeps in sight a grouped item the gate decided otherwise, saying what it came with', () => {
    const setuid = withChanges(changed, (s) => {
      s.files.find((f) => f.path === '/home/alice/.profile')!.mode = '4755';
    });
    const judged = report(withIproute2, setuid);
    const cli = [...renderDriftCli(judged, judged.verdict!, { color: false })].join('');
    expect(cli).to.include('+ file /home/alice/.profile');
    expect(cli).to.include('came with user alice');
    expect(cli).not.to.include('/home/alice/.bashrc');
  });

  it('groups nothing without file lists or where the home was there before', () => {
    const bare = (s: Snapshot) =>
      withChanges(s, (copy) => {
        for (const p of copy.packages) delete p.files;
      });
    const plain = diffSnapshots(bare(withIproute2), bare(changed), { now: NOW });
    const files = plain.kinds.find((k) => k.kind === 'files')!;
    expect(files.removed.filter((f) => f.cause)).to.deep.equal([]);
    const homeBefore = withChanges(withIproute2, (s) => s.files.push(file('/home/alice', { type: 'directory' })));
    const kept = diffSnapshots(homeBefore, changed, { now: NOW }).kinds.find((k) => k.kind === 'users')!;
    expect(kept.added[0]!.brought).to.equal(undefined);
  });
});
