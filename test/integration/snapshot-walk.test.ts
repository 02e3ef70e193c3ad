import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { buildSnapshotScript } from '../../src/drift/probe-script.js';
import { SnapshotCollector } from '../../src/drift/snapshot.js';
import type { Snapshot } from '../../src/drift/snapshot-schema.js';
import { requireInCi } from '../support/environment.js';

/**
 * The file walk on this machine, run for real: GNU find + sha256sum -z under dash, and the
 * portable walk under busybox ash with busybox's find, stat, sha256sum, xargs and readlink first
 * on PATH (busybox find has no -printf, so the portable walk is what runs there).
 */
describe('snapshot file walk: GNU and busybox record the same tree', function () {
  this.timeout(120_000);
  const work = mkdtempSync(join(tmpdir(), 'driftspec-walk-'));
  const tree = join(work, 'tree');
  const applets = join(work, 'busybox-bin');

  before(() => {
    mkdirSync(join(tree, 'a dir', 'deeper'), { recursive: true });
    writeFileSync(join(tree, 'a dir', 'new\nline'), 'one\n');
    writeFileSync(join(tree, "quote'$(touch pwned)`x`"), 'two');
    writeFileSync(join(tree, ' leading and trailing space '), '');
    writeFileSync(join(tree, 'a dir', 'deeper', 'setuid'), 'x');
    chmodSync(join(tree, 'a dir', 'deeper', 'setuid'), 0o4755);
    symlinkSync('a dir/new\nline', join(tree, 'link\nwith newline'));
    symlinkSync('/nonexistent/target', join(tree, 'dangling'));
    spawnSync('mkfifo', [join(tree, 'fifo')]);
    mkdirSync(join(tree, 'skipped'));
    writeFileSync(join(tree, 'skipped', 'inside'), 'ignored');
    mkdirSync(applets);
    for (const applet of ['find', 'stat', 'sha256sum', 'xargs', 'readlink'])
      symlinkSync('/usr/bin/busybox', join(applets, applet));
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  function snapshotWith(shell: string[], path: string, walk: 'gnu' | 'portable'): Snapshot {
    const ignores = { paths: [`${tree}/skipped`], mounts: [], interfaces: [], kernelParameters: [] };
    const run = spawnSync(shell[0]!, shell.slice(1), {
      input: buildSnapshotScript({ roots: [tree], ignores: ignores.paths }),
      env: { ...process.env, PATH: path },
      maxBuffer: 64 * 1024 * 1024,
    });
    expect(run.status, run.stderr.toString()).to.equal(0);
    expect(run.stdout.includes(`W\x00${walk}\x00`), `the ${walk} walk ran`).to.equal(true);
    const collector = new SnapshotCollector({
      target: 'local',
      takenAt: '2026-01-01T00:00:00.000Z',
      toolVersion: '0',
      fileRoots: [tree],
      ignores,
      timeoutMs: 60_000,
    });
    collector.push(run.stdout);
    return collector.finish({
      stdout: run.stdout,
      stderr: run.stderr,
      exitCode: run.status,
      signal: null,
      timedOut: false,
    });
  }

  it('records names with newlines, quotes and spaces exactly, under both walks', function () {
    if (!existsSync('/usr/bin/busybox')) return requireInCi(this, 'busybox is not installed');
    const gnu = snapshotWith(['/bin/sh', '-s'], process.env.PATH ?? '/usr/bin:/bin', 'gnu');
    const busybox = snapshotWith(
      ['/usr/bin/busybox', 'ash', '-s'],
      `${applets}:${process.env.PATH ?? '/usr/bin:/bin'}`,
      'portable',
    );
    expect(busybox.files).to.deep.equal(gnu.files);
    expect(gnu.gaps.filter((g) => g.kind === 'files')).to.deep.equal([]);
    expect(gnu.files.map((f) => f.path.slice(tree.length))).to.deep.equal([
      '',
      '/ leading and trailing space ',
      '/a dir',
      '/a dir/deeper',
      '/a dir/deeper/setuid',
      '/a dir/new\nline',
      '/dangling',
      '/fifo',
      '/link\nwith newline',
      "/quote'$(touch pwned)`x`",
    ]);
    const byName = new Map(gnu.files.map((f) => [f.path.slice(tree.length), f]));
    expect(byName.get('/link\nwith newline')).to.include({ type: 'symlink', linkTarget: 'a dir/new\nline', size: 14 });
    expect(byName.get('/dangling')).to.include({ type: 'symlink', linkTarget: '/nonexistent/target' });
    expect(byName.get('/a dir/deeper/setuid')).to.include({ mode: '4755' });
    expect(byName.get(' leading and trailing space '.replace(/^/, '/'))).to.include({
      size: 0,
      sha256: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    });
    expect(existsSync(join(tree, 'pwned')) || existsSync('pwned')).to.equal(false);
  });
});
