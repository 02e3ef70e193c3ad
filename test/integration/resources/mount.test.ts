import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { resourceFunction } from '../../../src/dsl/spec.js';
import { mountResource } from '../../../src/resources/mount/index.js';
import { isRoot, requireInCi } from '../../support/environment.js';
import { outcomes, runLocally } from '../../support/local.js';

const mount = resourceFunction(mountResource);
const kinds = (lines: string[]) => lines.map((o) => o.split(':')[0]);

describe('mount resource on this machine', function () {
  this.timeout(60_000);
  let work = '';
  let point = '';
  before(() => {
    work = mkdtempSync(join(tmpdir(), 'driftspec-mount-it-'));
    point = join(work, "odd 'point' $(touch ds-mount-owned)\twith\nnewline and \\ backslash");
  });
  let mounts = 0;

  after(() => {
    for (; mounts > 0; mounts--) spawnSync('umount', [point], { stdio: 'ignore' });
    work && rmSync(work, { recursive: true, force: true });
  });

  it('passes known-true and fails known-false checks', async () => {
    const result = await runLocally(() => {
      mount('/').mounted();
      mount('/proc').mounted().filesystem('proc').source('proc');
      mount(work).not.mounted().mounted().not.filesystem('tmpfs');
      mount('/proc').filesystem('ext4');
    }, [mountResource]);
    expect(kinds(outcomes(result)), outcomes(result).join('\n')).to.deep.equal([
      'passed',
      'passed',
      'passed',
      'passed',
      'passed',
      'failed',
      'failed',
      'failed',
    ]);
  });

  it('reads a point with space, quote, $(), tab, newline, backslash, mounted twice: the last wins', async function () {
    if (!isRoot()) return requireInCi(this, 'mounting needs root');
    mkdirSync(point);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m,nodev', 'ds-first', point]);
    mounts++;
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m,nodev,nosuid,noexec', 'ds-second', point]);
    mounts++;
    const result = await runLocally(() => {
      mount(point)
        .mounted()
        .source('ds-second')
        .filesystem('tmpfs')
        .mountOptions({ contains: ['nodev', 'nosuid', 'noexec', 'size=2048k'] })
        .hasOptions('noexec');
      mount(point).source('ds-first').not.mountOptions({ contains: 'noexec' });
      mount(point.split('\n')[0]!).not.mounted();
    }, [mountResource]);
    expect(kinds(outcomes(result)), outcomes(result).join('\n')).to.deep.equal([
      'passed',
      'passed',
      'passed',
      'passed',
      'passed',
      'failed',
      'failed',
      'passed',
    ]);
    expect(existsSync('ds-mount-owned')).to.equal(false);
  });
});
