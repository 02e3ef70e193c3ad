import { expect } from 'chai';
import { fileSearch } from '../../../src/dsl/index.js';
import { fileSearchScript } from '../../../src/resources/file-search/index.js';
import { createRegistry } from '../../../src/resources/index.js';
import { partsFrame, recordedFrame } from '../../support/frames.js';
import { judgeFrame, resultLines } from '../../support/judge.js';
import { STOCK_SETUID_FILES } from '../../testbed/stock-image.js';

const registry = createRegistry();

/** A recorded find(1) (test/fixtures/recorded/file-search/) as the two parts the search query writes. */
function recordedSearch(name: string) {
  const { stdout, stderr, exitCode } = recordedFrame(`recorded/file-search/${name}.json`);
  return partsFrame([
    { name: 'paths', stdout, stderr: stderr.toString('utf8') },
    { name: 'status', stdout: String(exitCode) },
  ]);
}

describe('file_search', () => {
  it('names the setuid file that is not on the allowed list, and counts what it found', () => {
    const results = judgeFrame(
      registry,
      () => {
        fileSearch('/', { condition: 'setuid', type: 'file' }).onlyPaths({ paths: [...STOCK_SETUID_FILES] });
        fileSearch('/', { condition: 'setuid', type: 'file' }).count(12);
        fileSearch('/', { condition: 'setuid', type: 'file' }).paths({ contains: '/usr/bin/sudo' });
        fileSearch('/', { condition: 'setuid', type: 'file' }).not.empty();
      },
      recordedSearch('setuid-root'),
    );
    expect(resultLines(results)).to.deep.equal([
      'failed: expected search for setuid files under / to find only allowed paths (11 allowed), but it also found ' +
        '/usr/local/bin/driftspec-setuid',
      'passed: search for setuid files under / should find a number of paths 12',
      'passed: search for setuid files under / should find paths containing "/usr/bin/sudo"',
      'passed: search for setuid files under / should not find nothing',
    ]);
  });

  it('finds a world-writable file', () => {
    const [result] = judgeFrame(
      registry,
      () => fileSearch('/etc', { condition: 'world-writable', type: 'file' }).empty(),
      recordedSearch('world-writable-etc'),
    );
    expect(result!.message).to.equal(
      'expected search for world-writable files under /etc to find nothing, but it found 1: /etc/driftspec-open',
    );
  });

  it('never passes on a search that could not see everything, negated or not', () => {
    for (const name of ['setuid-nonroot', 'missing-root']) {
      const results = judgeFrame(
        registry,
        () => {
          fileSearch('/', { condition: 'setuid', type: 'file' }).onlyPaths({ paths: [...STOCK_SETUID_FILES] });
          fileSearch('/', { condition: 'setuid', type: 'file' }).not.empty();
        },
        recordedSearch(name),
      );
      expect(
        results.map((result) => result.status),
        name,
      ).to.deep.equal(['error', 'error']);
      expect(results[0]!.message, name).to.match(/find could not search everything \(exit 1\), so nothing can be/);
    }
  });

  it('is an error when find was stopped, left no status, or found more than it keeps', () => {
    const cases: Array<[ReturnType<typeof partsFrame>, RegExp]> = [
      [partsFrame([{ name: 'paths' }, { name: 'status', stdout: '137' }]), /took longer than 120 s and was stopped/],
      [partsFrame([{ name: 'paths' }, { name: 'status' }]), /find left no exit status/],
      [partsFrame([{ name: 'paths' }, { name: 'status', stdout: '127' }]), /find is not installed/],
      [
        partsFrame([
          { name: 'paths', stdout: Buffer.alloc(1024 * 1024 + 1, 0x61) },
          { name: 'status', stdout: '0' },
        ]),
        /found more than 1048576 bytes of paths; narrow the search/,
      ],
    ];
    for (const [frame, message] of cases) {
      const [result] = judgeFrame(registry, () => fileSearch('/', { condition: 'setgid' }).empty(), frame);
      expect(result!.status).to.equal('error');
      expect(result!.message).to.match(message);
    }
  });

  it('builds one bounded find: -xdev, -perm -4000 (all of the bits), no symbolic links, pruned exclusions', () => {
    const script = fileSearchScript('/', {
      condition: 'setuid-or-setgid',
      type: 'file',
      exclude: ["/srv/it's"],
      timeout: 30,
    });
    expect(script).to.include(
      "find '/' -xdev -path '/srv/it'\\''s' -prune -o ! -type l -type f \\( -perm -4000 -o -perm -2000 \\) -print0",
    );
    expect(script).to.include('timeout -s KILL 30 find');
    expect(script).to.match(/head -c 1048577/);
    const crossing = fileSearchScript('/', { condition: 'no-owner', sameFilesystem: false });
    expect(crossing).to.include("find '/' ! -type l -nouser -print0");
  });

  it('refuses a relative root or exclusion, and an unknown condition', () => {
    const plan = (body: () => void) => () => judgeFrame(registry, body, partsFrame([]));
    expect(plan(() => fileSearch('usr', { condition: 'setuid' }).empty())).to.throw(/an absolute path/);
    expect(plan(() => fileSearch('/', { condition: 'setuid', exclude: ['/a/../b'] }).empty())).to.throw(
      /without "\.\."/,
    );
    expect(plan(() => fileSearch('/', { condition: 'suid' as never }).empty())).to.throw(/condition/);
  });
});
