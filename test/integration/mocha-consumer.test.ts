import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { installWithMocha, REPO, sh, TSC } from '../support/package-consumer.js';
import { RunResultSchema } from '../../src/results/schema.js';
import { isRoot, requireInCi } from '../support/environment.js';

// The package as a user gets it (`npm pack`), beside mocha in a consumer's node_modules: a mocha
// file compiled strictly with skipLibCheck false and no node types, run by mocha with
// `--require driftspec/mocha` and `--reporter driftspec/mocha/reporter` by their package names.

const CONSUMER = fileURLToPath(new URL('../fixtures/mocha/consumer/', import.meta.url));

describe('driftspec/mocha in a consumer, by package name', function () {
  this.timeout(120_000);
  const work = mkdtempSync(join(tmpdir(), 'driftspec-mocha-consumer-'));
  const consumer = join(work, 'consumer');
  after(() => rmSync(work, { recursive: true, force: true }));

  before(function () {
    if (!isRoot()) requireInCi(this, 'the consumer reads /etc/shadow');
    sh('npm', ['pack', '--silent', '--pack-destination', work], REPO);
    const tarball = readdirSync(work).find((name) => name.endsWith('.tgz'));
    expect(tarball, 'npm pack wrote a tarball').to.be.a('string');
    cpSync(CONSUMER, consumer, { recursive: true });
    installWithMocha(join(work, tarball!), consumer);
    expect(existsSync(join(consumer, 'node_modules', '@types', 'node'))).to.equal(false);
  });

  it('compiles strictly against the shipped declarations, with no node types in the program', () => {
    const files = sh(process.execPath, [TSC, '-p', '.', '--listFilesOnly'], consumer).split('\n');
    expect(files.filter((path) => /@types[\\/]node/.test(path))).to.deep.equal([]);
    expect(files.some((path) => path.includes('node_modules/driftspec/dist/src/mocha/index.d.ts'))).to.equal(true);
    try {
      sh(process.execPath, [TSC, '-p', '.'], consumer);
    } catch (error) {
      throw new Error(`tsc refused the consumer:\n${(error as { stdout: string }).stdout}`);
    }
  });

  it('runs with its .mocharc.json: one exec, the broken assertion failed, the gate’s exit code', () => {
    const run = spawnSync(process.execPath, [join('node_modules', 'mocha', 'bin', 'mocha.js')], {
      cwd: consumer,
      encoding: 'utf8',
      timeout: 100_000,
      env: Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('DRIFTSPEC_'))),
    });
    expect(run.status, run.stdout + run.stderr).to.equal(1);
    expect(run.stdout).to.match(/2 passing/);
    expect(run.stdout).to.contain('expected file /etc/passwd to have mode 0600, but got 0644');
    const result = RunResultSchema.parse(JSON.parse(readFileSync(join(consumer, 'out', 'infra.json'), 'utf8')));
    expect(result.specs).to.deep.equal([{ name: 'infra' }]);
    expect(
      result.hosts.map((host) => [host.target, host.execCount, host.counts.passed, host.counts.failed]),
    ).to.deep.equal([['local', 1, 2, 1]]);
    expect(result.verdict).to.include({ verdict: 'blocked', exitCode: 1 });
  });
});
