import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { renderSnapshot } from '../../src/drift/snapshot-file.js';
import { runCli } from '../support/cli.js';
import { handMadeSnapshot } from '../support/drift-snapshots.js';

const work = mkdtempSync(join(tmpdir(), 'driftspec-cli-snapshot-files-'));
const cli = (...args: string[]) => runCli(args, join(work, 'cache'));
const path = (name: string) => join(work, name);

/**
 * Every command that reads snapshot files reads them through one function: the same file gives
 * the same message and the same exit code (78, a bad input file) whichever command reads it, and
 * in whichever role (baseline, candidate, source of a spec). `driftspec snapshot` writes snapshots
 * and reads none.
 */
describe('snapshot files that cannot be used: one message and exit 78 in every command', function () {
  this.timeout(120_000);
  const good = renderSnapshot(handMadeSnapshot());
  let valid: string;
  before(() => {
    valid = path('valid.json');
    writeFileSync(valid, good);
  });

  const files: Array<[string, string, string | null, RegExp]> = [
    ['a missing file', 'missing.json', null, /^driftspec: \S+missing\.json: snapshot file not found\n$/],
    [
      'a truncated file',
      'truncated.json',
      good.slice(0, Math.floor(good.length * 0.6)),
      /^driftspec: \S+truncated\.json: not JSON: the file ends in the middle of the document \(cut short\?\): .+\n$/,
    ],
    [
      'a file that is not JSON',
      'not-json.json',
      'baseline: web-1\n',
      /^driftspec: \S+not-json\.json: not JSON: Unexpected token .+\n$/,
    ],
    [
      'a wrong schema version',
      'version-7.json',
      good.replace('"schemaVersion": 1', '"schemaVersion": 7'),
      new RegExp(
        /^driftspec: \S+version-7\.json: not a driftspec snapshot \(schemaVersion 7; this driftspec reads/.source +
          / schemaVersion 1\)\n$/.source,
      ),
    ],
    [
      'an invalid field',
      'bad-mode.json',
      good.replace('"mode":"4755"', '"mode":"rwsr-xr-x"'),
      new RegExp(
        /^driftspec: \S+bad-mode\.json: not a valid driftspec snapshot: files\[\d+\]\.mode \(path/.source +
          / "\/usr\/bin\/passwd"\): .+\n$/.source,
      ),
    ],
  ];

  for (const [what, name, content, message] of files) {
    it(`${what}: drift (as baseline, as candidate, with --baseline and a target) and generate agree`, async () => {
      const file = path(name);
      if (content !== null) writeFileSync(file, content);
      const runs = {
        'drift, baseline': await cli('drift', file, valid),
        'drift, candidate': await cli('drift', valid, file),
        'drift --baseline, before any host is contacted': await cli(
          'drift',
          '--baseline',
          file,
          'ssh://root@192.0.2.1',
          '--connect-timeout',
          '1',
        ),
        'generate --from': await cli('generate', '--from', file),
      };
      for (const [how, run] of Object.entries(runs)) {
        expect(run.code, `${how}: ${run.stderr}`).to.equal(78);
        expect(run.stderr, how).to.match(message);
        expect(run.stderr, how).to.include(file);
        expect(run.stdout, how).to.equal('');
      }
      // One function: the very same words, whichever command read the file.
      expect(new Set(Object.values(runs).map((run) => run.stderr)).size).to.equal(1);
    });
  }
});
