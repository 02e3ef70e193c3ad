import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { readSnapshotFile } from '../../src/drift/snapshot-file.js';
import { parseSnapshot, type Snapshot } from '../../src/drift/snapshot-schema.js';
import { recordedIgnoreOptions, SnapshotCollector, snapshotIgnores } from '../../src/drift/snapshot.js';
import { HOST_QUERY_ID } from '../../src/probe/host.js';
import { SpecError } from '../../src/inputs/input-error.js';
import { handMadeSnapshot } from '../support/drift-snapshots.js';
import { execResult, framedOutput, HOST_FRAME_TEXT } from '../support/fake-target.js';

/** A snapshot as JSON would carry it, changed by `change`. */
function edited(change: (snapshot: Snapshot) => void): unknown {
  const snapshot = structuredClone(handMadeSnapshot());
  change(snapshot);
  return JSON.parse(JSON.stringify(snapshot));
}

describe('reliability: a requested file root is never silently ignored', () => {
  it('a default ignore that covers a requested root is dropped, the others stay', () => {
    const ignores = snapshotIgnores({ ignores: [], defaultIgnores: true, fileRoots: ['/var/log/app', '/tmp', '/etc'] });
    expect(ignores.paths).to.not.include.members(['/var/log', '/tmp']);
    expect(ignores.paths).to.include.members(['/var/cache', '/run', '/etc/machine-id']);
    expect(ignores.mounts).to.deep.equal(['/run/user/*']);
  });

  it("the drift command reproduces such a baseline's ignores for the live snapshot", () => {
    const baseline = {
      fileRoots: ['/var/log/app'],
      ignores: snapshotIgnores({ ignores: ['/etc/x'], defaultIgnores: true, fileRoots: ['/var/log/app'] }),
    };
    const options = recordedIgnoreOptions(baseline);
    expect(options).to.deep.equal({ ignores: ['/etc/x'], defaultIgnores: true });
    expect(snapshotIgnores({ ...options, fileRoots: baseline.fileRoots })).to.deep.equal(baseline.ignores);
  });
});

describe('reliability: the snapshot reader refuses what it cannot compare', () => {
  it('a path listed twice', () => {
    const value = edited((s) => s.files.push({ ...s.files[0]! }));
    expect(() => parseSnapshot(value, 'x.json')).to.throw(
      /^x\.json: not a valid driftspec snapshot: files\[\d+\] \(path "\/[^"]*"\): listed twice \(also files\[0\]\)$/,
    );
  });

  it('a duplicate key of any kind whose identity is unique: package, service, listener', () => {
    expect(() =>
      parseSnapshot(
        edited((s) => s.packages.push({ ...s.packages[0]! })),
        'x',
      ),
    ).to.throw(/packages\[\d+\].*listed twice/);
    expect(() =>
      parseSnapshot(
        edited((s) => s.services.push({ ...s.services[0]! })),
        'x',
      ),
    ).to.throw(/services\[\d+\].*listed twice/);
    expect(() =>
      parseSnapshot(
        edited((s) => s.listeners.push({ ...s.listeners[0]! })),
        'x',
      ),
    ).to.throw(/listeners\[\d+\].*listed twice/);
  });

  it('a relative path, and a relative file root', () => {
    expect(() =>
      parseSnapshot(
        edited((s) => (s.files[0]!.path = 'etc/passwd')),
        'x',
      ),
    ).to.throw(/files\[0\].*not an absolute path/);
    expect(() =>
      parseSnapshot(
        edited((s) => s.fileRoots.push('etc')),
        'x',
      ),
    ).to.throw(/fileRoots\[\d+\]: not an absolute path/);
  });

  it('what a machine may really hold stays readable: a name twice in passwd, stacked mounts, two kernels', () => {
    const value = edited((s) => {
      s.users.push({ ...s.users[0]! });
      s.mounts.push({ ...s.mounts[0]! });
      const kernel = { name: 'kernel-core', architecture: 'x86_64', manager: 'rpm', state: 'installed' } as const;
      s.packages.push({ ...kernel, version: '6.8.5-301.fc40' }, { ...kernel, version: '6.9.7-200.fc40' });
    });
    expect(() => parseSnapshot(value, 'x')).to.not.throw();
  });

  it('a target that lists an item twice: the first is recorded and a gap says so, never a crash', () => {
    const collector = new SnapshotCollector({
      target: 'local',
      takenAt: '2026-01-02T03:04:05.000Z',
      toolVersion: '0.1.0',
      fileRoots: [],
      ignores: snapshotIgnores({ ignores: [], defaultIgnores: true }),
      timeoutMs: 1000,
    });
    const dpkg = 'ii \tbash\t5.2.15-2+b2\tamd64\n';
    collector.push(
      framedOutput([
        { id: HOST_QUERY_ID, stdout: HOST_FRAME_TEXT },
        { id: 'snapshot-packages', stdout: dpkg + dpkg },
      ]),
    );
    const snapshot = collector.finish(execResult(Buffer.alloc(0)));
    expect(snapshot.packages.map((p) => p.name)).to.deep.equal(['bash']);
    expect(snapshot.gaps).to.deep.include({
      kind: 'packages',
      path: 'bash:amd64',
      reason: 'the target listed it twice; the first is recorded',
    });
  });

  it('the file reader: exit 78 (a SpecError) naming the file', async () => {
    const dir = mkdtempSync('/tmp/driftspec-reliability-');
    try {
      writeFileSync(join(dir, 'dup.json'), JSON.stringify(edited((s) => s.files.push({ ...s.files[0]! }))));
      const error = await readSnapshotFile('dup.json', dir).then(
        () => undefined,
        (caught: unknown) => caught,
      );
      expect(error).to.be.instanceOf(SpecError);
      expect((error as SpecError).location).to.equal('dup.json');
      expect((error as SpecError).message).to.match(
        /^dup\.json: not a valid driftspec snapshot: files\[\d+\] .*listed twice/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
