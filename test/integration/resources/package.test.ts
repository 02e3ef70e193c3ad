import { execFileSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { expect } from 'chai';
import { resourceFunction } from '../../../src/dsl/spec.js';
import { packageResource } from '../../../src/resources/package/index.js';
import { requireInCi } from '../../support/environment.js';
import { outcomes, runLocally } from '../../support/local.js';

const pkg = resourceFunction(packageResource);
const OWNED = '/tmp/driftspec-package-owned';

function dpkgField(name: string, field: string): string {
  return execFileSync('dpkg-query', ['-W', `-f=\${${field}}`, '--', name], { encoding: 'utf8' });
}

describe('package resource on this machine (dpkg)', () => {
  before(function () {
    if (!existsSync('/usr/bin/dpkg-query')) requireInCi(this, 'dpkg-query (a Debian machine)');
    rmSync(OWNED, { force: true });
  });

  it('passes known-true checks: installed packages, versions, architectures, absent packages', async () => {
    const dpkgVersion = dpkgField('dpkg', 'Version');
    const coreutilsArch = dpkgField('coreutils', 'Architecture');
    const result = await runLocally(() => {
      pkg('dpkg').installed().version(dpkgVersion);
      pkg('coreutils').installed({ version: '>= 8.0' }).architecture(coreutilsArch);
      pkg('coreutils').not.installed({ version: '< 8.0' });
      pkg('driftspec-no-such-package').not.installed();
      pkg(`x'$(touch ${OWNED})`).not.installed();
      pkg(`\`touch ${OWNED}\``).not.installed();
    }, [packageResource]);
    expect(outcomes(result)).to.deep.equal([
      'passed: package dpkg should be installed',
      `passed: package dpkg should have version "${dpkgVersion}"`,
      'passed: package coreutils should be installed with version >= 8.0',
      `passed: package coreutils should have architecture "${coreutilsArch}"`,
      'passed: package coreutils should not be installed with version < 8.0',
      'passed: package driftspec-no-such-package should not be installed',
      `passed: package x'$(touch ${OWNED}) should not be installed`,
      `passed: package \`touch ${OWNED}\` should not be installed`,
    ]);
    expect(result.execCount).to.equal(1);
    expect(existsSync(OWNED)).to.equal(false);
  });

  it('fails known-false checks with the actual state', async () => {
    const result = await runLocally(() => {
      pkg('dpkg').not.installed();
      pkg('driftspec-no-such-package').installed();
      pkg('driftspec-no-such-package').version('1.0');
      pkg('coreutils').installed({ version: '>= 999' });
    }, [packageResource]);
    expect(result.results.map((r) => r.status)).to.deep.equal(['failed', 'failed', 'failed', 'failed']);
    expect(result.results[1]!.message).to.equal(
      'expected package driftspec-no-such-package to be installed, but it is not installed (dpkg has no package ' +
        'named driftspec-no-such-package)',
    );
    expect(result.results[3]!.message).to.match(
      /^expected package coreutils to be installed with version >= 999, but it is installed at \S+ \(\w+\)$/,
    );
  });

  it('shares one query among all checks of one package', async () => {
    const result = await runLocally(() => {
      pkg('dpkg').installed().version({ matches: '^1\\.' }).architecture({ matches: '.' });
    }, [packageResource]);
    expect(Object.keys(result.evidence ?? {})).to.have.length(1);
  });
});
