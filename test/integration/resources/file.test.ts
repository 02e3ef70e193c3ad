import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import type { Frame } from '../../../src/probe/frames.js';
import { fileResource, metaGroupScript, parseGroupedFileMeta } from '../../../src/resources/file/index.js';
import { FactError } from '../../../src/resources/resource.js';
import { frame, partsFrame, recordedFrame } from '../../support/frames.js';
import { runInProbe } from '../../support/probe-run.js';

function runScript(script: string, user?: string): Frame {
  return runInProbe(script, user ? { user } : {});
}

describe('file resource: one stat for many paths', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'driftspec-file-'));
    chmodSync(dir, 0o755);
    writeFileSync(join(dir, 'plain'), 'x');
    chmodSync(join(dir, 'plain'), 0o640);
    mkdirSync(join(dir, 'sub'));
    symlinkSync('plain', join(dir, 'link'));
    symlinkSync('nowhere', join(dir, 'dangling'));
    writeFileSync(join(dir, 'with: colon'), '');
    mkdirSync(join(dir, 'closed'), { mode: 0o700 });
    writeFileSync(join(dir, 'closed', 'inside'), '');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('reads every path from one real stat, symlinks with their targets, missing ones as absent', () => {
    const paths = ['plain', 'sub', 'link', 'dangling', 'with: colon', 'missing', 'plain/below'].map((p) =>
      join(dir, p),
    );
    const answer = runScript(metaGroupScript(paths));
    const [plain, sub, link, dangling, colon, missing, below] = paths.map((p) => parseGroupedFileMeta(answer, p));
    expect(plain).to.deep.include({ exists: true, type: 'file', mode: 0o640, size: 1 });
    expect(sub).to.deep.include({ exists: true, type: 'directory' });
    expect(link).to.deep.include({ exists: true, type: 'symlink', linkTarget: 'plain' });
    expect(dangling).to.deep.include({ exists: true, type: 'symlink', linkTarget: 'nowhere' });
    expect(colon).to.deep.include({ exists: true, type: 'file', size: 0 });
    expect(missing).to.deep.equal({ exists: false, reason: 'it does not exist' });
    expect(below).to.deep.equal({ exists: false, reason: 'it does not exist (a parent is not a directory)' });
  });

  it('a path another user may not reach is an error for that user, never absent', function () {
    if (process.getuid?.() !== 0) this.skip();
    const inside = join(dir, 'closed', 'inside');
    const answer = runScript(metaGroupScript([join(dir, 'plain'), inside]), 'nobody');
    expect(parseGroupedFileMeta(answer, join(dir, 'plain'))).to.deep.include({ exists: true });
    expect(() => parseGroupedFileMeta(answer, inside)).to.throw(FactError, /Permission denied/);
  });

  it('reads the recorded Debian 12 answer format: a record per path, complaints naming the path', () => {
    const recorded = recordedFrame('recorded/debian12/stat-multi-mixed.json');
    // The recording was made without %n; give each record its path as the grouped query does.
    const [passwd = '', shadow = ''] = recorded.stdout.toString('utf8').split('\n');
    const stat = {
      name: 'stat',
      stdout: `${passwd}:/etc/passwd\n${shadow}:/etc/shadow\n`,
      stderr: recorded.stderr.toString(),
    };
    const answer = partsFrame([{ ...stat, exitCode: 1 }]);
    expect(parseGroupedFileMeta(answer, '/etc/shadow')).to.deep.include({ exists: true, mode: 0o640, group: 'shadow' });
    expect(parseGroupedFileMeta(answer, '/no/such/file')).to.deep.equal({ exists: false, reason: 'it does not exist' });
  });

  it('is an error when stat says nothing about a path, or the output stops early', () => {
    expect(() => parseGroupedFileMeta(partsFrame([{ name: 'stat' }]), '/etc/passwd')).to.throw(FactError, /no record/);
    const other = { name: 'stat', exitCode: 1, stderr: "stat: cannot statx '/other': No such file or directory\n" };
    expect(() => parseGroupedFileMeta(partsFrame([other]), '/etc/passwd')).to.throw(FactError, /no record/);
    const cut = partsFrame([{ name: 'stat', stdout: '81a4:0:0:1:1:1:root:root:/etc/passwd\n' }]).stdout.subarray(0, 30);
    expect(() => parseGroupedFileMeta(frame(cut), '/etc/passwd')).to.throw(FactError, /stopped inside a part/);
    expect(() => parseGroupedFileMeta(frame('81a4:0:0:1:1:1:root:root:/etc/passwd\n'), '/etc/passwd')).to.throw(
      FactError,
      /unexpected output/,
    );
    expect(() => parseGroupedFileMeta(frame('', 137), '/etc/passwd')).to.throw(FactError, /signal 9/);
  });

  it('gives paths with quotes or line breaks a query of their own', () => {
    expect(fileResource.facts.meta!('/etc/passwd', {}).group?.key).to.equal('file-meta');
    expect(fileResource.facts.meta!("/tmp/it's", {}).group).to.equal(undefined);
    expect(fileResource.facts.meta!('/tmp/a\nb', {}).group).to.equal(undefined);
  });
});
