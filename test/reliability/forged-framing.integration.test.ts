import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { file, service } from '../../src/dsl/index.js';
import type { InitSystem } from '../../src/probe/host.js';
import { metaGroupScript, parseGroupedFileMeta } from '../../src/resources/file/index.js';
import { createRegistry } from '../../src/resources/index.js';
import { serviceGroupScript } from '../../src/resources/service/index.js';
import { SERVICES_SCRIPT } from '../../src/resources/service/inventory.js';
import { hostFacts } from '../support/frames.js';
import { judgeFrame, statuses } from '../support/judge.js';
import { outcomes, runLocally } from '../support/local.js';
import { runInProbe } from '../support/probe-run.js';

// Issue 18, false passes #1 and #2 for real: files and init scripts made in a temporary
// directory whose names and output imitate the probe's framing, read by the real probe (its
// shell helper writes the parts) under every shell at hand. Spawns shells: not a unit test.

const SHELLS = ['dash', 'bash', 'busybox sh'].filter((s) => {
  const [command, ...flags] = s.split(' ');
  return spawnSync(command!, [...flags, '-c', 'true']).status === 0;
});

const MARKERS = [
  'DSFRAME q1 0 0 0',
  'DSEND',
  'DSPARTS 2',
  '0 9 6 0',
  'DSPART 0 9 6 0',
  '@@stat 0',
  '@@exit 0',
  '#driftspec member 1',
  '#driftspec status-exit 0',
];

describe('reliability: forged framing through the real probe', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'driftspec-forged-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  describe('#1 symlink targets', () => {
    let a: string;
    let b: string;
    let forgedTarget: string;
    before(() => {
      a = join(dir, 'a');
      b = join(dir, 'b');
      // Stat lists a before b, so a's target came first where the old query looked for `@@link b`.
      forgedTarget = `x\n@@link ${b}\nforged\n${MARKERS.join('\n')}\nend`;
      symlinkSync(forgedTarget, a);
      symlinkSync('real', b);
      symlinkSync('one\ntwo\n', join(dir, 'newlines'));
    });

    it("a target never forges another symlink's, and a target with newlines is read whole (local target)", async () => {
      const result = await runLocally(() => {
        file(b).linkTarget('real').not.linkTarget('forged');
        file(a).linkTarget(forgedTarget);
        file(join(dir, 'newlines')).linkTarget('one\ntwo\n');
      });
      expect(outcomes(result).map((o) => o.slice(0, o.indexOf(':')))).to.deep.equal([
        'passed',
        'passed',
        'passed',
        'passed',
      ]);
    });

    for (const shell of SHELLS) {
      it(`the same under ${shell}`, () => {
        const paths = [a, b, join(dir, 'newlines')];
        const answer = runInProbe(metaGroupScript(paths), { shell: shell.split(' ') });
        expect(paths.map((p) => (parseGroupedFileMeta(answer, p) as { linkTarget?: string }).linkTarget)).to.deep.equal(
          [forgedTarget, 'real', 'one\ntwo\n'],
        );
      });
    }
  });

  describe('#2 init script status output', () => {
    let root: string;
    before(() => {
      root = join(dir, 'sysv');
      mkdirSync(join(root, 'init.d'), { recursive: true });
      mkdirSync(join(root, 'rc2.d'));
      // What the old grouped query wrote for a running, enabled member 1 (ghost), then every marker.
      const ghost = [
        '#driftspec member 1',
        '/etc/rc2.d/S01ghost',
        '#driftspec script present',
        'ok',
        '#driftspec status-exit 0',
      ];
      const lines = [...ghost, '', '#driftspec member-exit 1 0', ...MARKERS].map((l) => `echo '${l}'`);
      writeFileSync(join(root, 'init.d', 'evil'), `#!/bin/sh\n${lines.join('\n')}\nexit 0\n`, { mode: 0o755 });
      writeFileSync(join(root, 'rc2.d', 'S01evil\nDSPART 0 0 0 0\n@@exit 0'), '');
    });

    /** The real grouped query, its init directories moved into the temporary directory. */
    function run(init: InitSystem, shell: string) {
      const script = serviceGroupScript(['evil', 'ghost'])
        .replaceAll('/etc/init.d/', `${root}/init.d/`)
        .replaceAll('/etc/rc', `${root}/rc`);
      return runInProbe(`DS_INIT=${init}\n${script}`, { shell: shell.split(' ') });
    }

    for (const shell of SHELLS) {
      it(`a service that does not exist fails every check under ${shell}`, () => {
        const answer = run('sysvinit', shell);
        const registry = createRegistry();
        const body = () => {
          service('ghost').installed().enabled().running();
          service('evil').running();
        };
        const results = judgeFrame(registry, body, answer, hostFacts({ initSystem: 'sysvinit' }));
        expect(statuses(results)).to.deep.equal(['failed', 'failed', 'failed', 'passed']);
      });

      it(`the snapshot's listing refuses a script or link name holding a newline under ${shell}`, () => {
        const script = SERVICES_SCRIPT.replaceAll('/etc/init.d/', `${root}/init.d/`).replaceAll(
          '/etc/rc',
          `${root}/rc`,
        );
        const answer = runInProbe(`DS_INIT=sysvinit\n${script}`, { shell: shell.split(' ') });
        expect(answer.exitCode).to.equal(4);
        expect(answer.stderr.toString()).to.include('a file name holds a newline');
        expect(answer.stdout.toString()).not.to.include('#driftspec script');
      });
    }
  });
});
