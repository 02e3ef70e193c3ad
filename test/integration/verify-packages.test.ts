import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { RunResultSchema } from '../../src/results/schema.js';
import { runCli } from '../support/cli.js';
import { isRoot, requireInCi } from '../support/environment.js';
import { outcomes, runLocally } from '../support/local.js';
import { pkg } from '../../src/dsl/index.js';

const work = mkdtempSync(join(tmpdir(), 'driftspec-verify-packages-'));
const cli = (...args: string[]) => runCli(args, join(work, 'cache'));

describe('driftspec verify-packages on this machine', function () {
  this.timeout(300_000);

  it('checks one path per --under in one probe, as in the docs/cli.md example (local, JSON)', async function () {
    if (!isRoot()) return requireInCi(this, 'dpkg --verify reads root-only conffiles');
    if (!existsSync('/var/lib/dpkg/info')) return requireInCi(this, 'a dpkg machine');
    const json = join(work, 'integrity.json');
    const run = await cli('verify-packages', 'local', '--under', '/usr/sbin', '--under', '/etc', '-r', `json:${json}`);
    expect(run.stderr).to.equal('');
    const result = RunResultSchema.parse(JSON.parse(readFileSync(json, 'utf8')));
    const [host] = result.hosts;
    expect(host!.execCount).to.equal(1);
    expect(result.controls.map((c) => c.id)).to.deep.equal(['package-integrity']);
    expect(host!.results.map((r) => `${r.resource} ${r.subject} ${r.matcher}`)).to.deep.equal([
      'package_integrity /usr/sbin verified',
      'package_integrity /etc verified',
    ]);
    // This machine's own packages are as dpkg installed them; its conffiles may have been changed.
    expect(host!.results.map((r) => r.status)).to.deep.equal(['passed', 'passed']);
    expect(run.code).to.equal(0);
  });

  it('refuses a relative --under path and a malformed target before touching any host (exit 64)', async () => {
    const relative = await cli('verify-packages', '--under', 'usr/bin');
    expect(relative.code).to.equal(64);
    expect(relative.stderr).to.include('--under "usr/bin": ').and.include('a path must be absolute');
    const target = await cli('verify-packages', 'ssh://');
    expect(target.code).to.equal(64);
  });

  it('verifies named packages in one probe, each in parts of its own; a hostile name is data', async function () {
    if (!isRoot()) return requireInCi(this, 'dpkg --verify reads root-only conffiles');
    if (!existsSync('/var/lib/dpkg/info')) return requireInCi(this, 'a dpkg machine');
    const marker = join(work, 'pwned');
    const hostile = `x'$(touch ${marker})"\`touch ${marker}\``;
    const result = await runLocally(() => {
      pkg('coreutils').verified();
      pkg('dpkg').verified();
      pkg(hostile).verified();
    });
    expect(result.execCount).to.equal(1);
    const [coreutils, dpkg, odd] = outcomes(result);
    expect(coreutils).to.match(/^passed: /);
    expect(dpkg).to.match(/^passed: /);
    expect(odd).to.match(/^error: .*dpkg: error: --verify needs a valid package name/);
    expect(existsSync(marker)).to.equal(false);
  });
});
