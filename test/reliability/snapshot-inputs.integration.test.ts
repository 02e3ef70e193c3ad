import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { diffSnapshots } from '../../src/drift/diff.js';
import { takeSnapshot } from '../../src/drift/snapshot.js';
import { LocalTarget } from '../../src/targets/local.js';

/** The local half of snapshot-inputs.test.ts: a requested root under a default ignore, on this machine. */
describe('reliability: a requested file root is never silently ignored (this machine)', function () {
  this.timeout(120_000);

  describe('on this machine, a tree under /tmp', () => {
    // Made when the tests run, not when the file is loaded: a dry run (test-layers) runs no after hook.
    let tree = '';
    before(() => {
      tree = mkdtempSync('/tmp/driftspec-reliability-');
    });
    const snapshot = (ignores: string[] = []) =>
      takeSnapshot(new LocalTarget(), {
        fileRoots: [tree],
        ignores,
        defaultIgnores: true,
        timeoutMs: 60_000,
        toolVersion: '0.1.0',
      });
    after(() => rmSync(tree, { recursive: true, force: true }));

    it('is recorded, and drift sees a change in it', async () => {
      writeFileSync(join(tree, 'app.conf'), 'listen 8080\n');
      const before = await snapshot();
      expect(before.files.map((f) => f.path)).to.include(join(tree, 'app.conf'));
      expect(before.ignores.paths).to.not.include('/tmp');
      writeFileSync(join(tree, 'app.conf'), 'listen 9090\n');
      const after = await snapshot();
      const drift = diffSnapshots(before, after, { now: new Date() });
      const files = drift.kinds.find((kind) => kind.kind === 'files')!;
      expect(files.changed.map((item) => item.key)).to.deep.equal([join(tree, 'app.conf')]);
    });

    it('an --ignore glob that covers it is a gap: incomplete, never "complete" with nothing recorded', async () => {
      const taken = await snapshot(['/tmp/*']);
      expect(taken.complete).to.equal(false);
      expect(taken.gaps).to.deep.include({
        kind: 'files',
        path: tree,
        reason: 'this file root is left out by the ignore glob "/tmp/*"',
      });
    });
  });
});
