import { spawnSync, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { expect } from 'chai';
import { resourceFunction } from '../../../src/dsl/spec.js';
import { groupResource } from '../../../src/resources/group/index.js';
import { isRoot, requireInCi } from '../../support/environment.js';
import { outcomes, runLocally } from '../../support/local.js';

const group = resourceFunction(groupResource);
const HOSTILE = "g'$(touch /tmp/owned)";
const MEMBER = 'ds-group-it-member';

const kinds = (lines: string[]) => lines.map((o) => o.split(':')[0]);

describe('group resource on this machine', function () {
  this.timeout(60_000);

  it('passes known-true and fails known-false checks', async () => {
    const result = await runLocally(() => {
      group('root').exists().gid(0).not.members({ contains: 'nobody' });
      group('shadow').exists().gid({ lt: 1000 });
      group('ds-no-such-group').not.exists().exists().gid(0);
      group('root').gid(1);
    }, [groupResource]);
    expect(kinds(outcomes(result))).to.deep.equal([
      'passed',
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

  describe('with a group whose name is shell code (root only)', () => {
    before(function () {
      if (!isRoot()) return requireInCi(this, 'creating groups needs root');
      // groupadd refuses such names; useradd --badname -U creates the group along with the user.
      spawnSync('userdel', [MEMBER], { stdio: 'ignore' });
      spawnSync('userdel', [HOSTILE], { stdio: 'ignore' });
      execFileSync('useradd', ['--badname', '-M', '-U', HOSTILE]);
      execFileSync('useradd', ['-M', '-N', '-G', HOSTILE, MEMBER]);
    });

    after(() => {
      if (!isRoot()) return;
      spawnSync('userdel', [MEMBER], { stdio: 'ignore' });
      spawnSync('userdel', [HOSTILE], { stdio: 'ignore' });
    });

    it('reads it exactly and runs nothing', async () => {
      const result = await runLocally(() => {
        group(HOSTILE)
          .exists()
          .gid({ ge: 1000 })
          .members({ contains: [MEMBER] })
          .not.members({ contains: HOSTILE });
        group("g'$(touch /tmp/owned").not.exists();
      }, [groupResource]);
      expect(
        outcomes(result).every((o) => o.startsWith('passed')),
        outcomes(result).join('\n'),
      ).to.equal(true);
      expect(existsSync('/tmp/owned')).to.equal(false);
    });
  });
});
