import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { dependencyClosure, REPO, REPO_MODULES, sh, TSC, unpackPackage } from '../support/package-consumer.js';

// The package as a user gets it: `npm pack` (which builds it), unpacked into an empty consumer
// with no @types/node, then an ES module and a CommonJS consumer compiled in strict mode with
// skipLibCheck false by the repository's TypeScript, and run against this machine.

const CONSUMERS = fileURLToPath(new URL('../fixtures/api-consumer/', import.meta.url));

/**
 * Unpacks the tarball as node_modules/driftspec and links its dependencies from the repository's
 * node_modules: the same packages npm would install, without asking a registry.
 */
function install(tarball: string, consumer: string): void {
  const modules = join(consumer, 'node_modules');
  const manifest = unpackPackage(tarball, consumer);
  const peers = consumer.endsWith('chai') ? Object.keys(manifest.peerDependencies) : [];
  for (const name of dependencyClosure([...Object.keys(manifest.dependencies), ...peers])) {
    mkdirSync(dirname(join(modules, name)), { recursive: true });
    symlinkSync(join(REPO_MODULES, name), join(modules, name));
  }
}

describe('the published package in a consumer without @types/node', function () {
  this.timeout(120_000);
  const work = mkdtempSync(join(tmpdir(), 'driftspec-consumer-'));
  after(() => rmSync(work, { recursive: true, force: true }));

  before(() => {
    sh('npm', ['pack', '--silent', '--pack-destination', work], REPO);
    const tarball = readdirSync(work).find((name) => name.endsWith('.tgz'));
    expect(tarball, 'npm pack wrote a tarball').to.be.a('string');
    cpSync(CONSUMERS, join(work, 'consumers'), { recursive: true });
    for (const kind of ['esm', 'cjs', 'chai']) install(join(work, tarball!), join(work, 'consumers', kind));
    expect(existsSync(join(work, 'consumers', 'esm', 'node_modules', '@types'))).to.equal(false);
    expect(existsSync(join(work, 'consumers', 'chai', 'node_modules', '@types', 'chai'))).to.equal(true);
    expect(existsSync(join(work, 'consumers', 'chai', 'node_modules', '@types', 'node'))).to.equal(false);
  });

  const entries = { esm: 'index.d.ts', cjs: 'index.d.ts', chai: 'chai/index.d.ts' } as const;
  for (const kind of ['esm', 'cjs', 'chai'] as const) {
    it(`${kind}: compiles strictly against the shipped declarations, with no node types in the program`, () => {
      const consumer = join(work, 'consumers', kind);
      const files = sh(process.execPath, [TSC, '-p', '.', '--listFilesOnly'], consumer).split('\n');
      expect(files.filter((path) => /@types[\\/]node/.test(path))).to.deep.equal([]);
      expect(files.some((path) => path.includes(`node_modules/driftspec/dist/src/${entries[kind]}`))).to.equal(true);
      try {
        sh(process.execPath, [TSC, '-p', '.'], consumer);
      } catch (error) {
        throw new Error(`tsc refused the ${kind} consumer:\n${(error as { stdout: string }).stdout}`);
      }
    });
  }

  it('esm: runs a DSL spec on this machine through run() and plan()', () => {
    const output = sh(process.execPath, ['out/index.js'], join(work, 'consumers', 'esm'));
    expect(JSON.parse(output)).to.deep.equal({
      passed: true,
      exitCode: 0,
      checks: 2,
      refused: 'concurrency: a whole number of at least 1',
      driftOptions: 3,
    });
  });

  it('chai: imports driftspec/chai, and its assertions pass, fail and refuse to judge on this machine', () => {
    const output = JSON.parse(sh(process.execPath, ['out/index.js'], join(work, 'consumers', 'chai')));
    expect(output).to.deep.equal({
      failed: 'user root should have uid 1 (on local)',
      notJudged: true,
      typed: 'function',
    });
  });

  it('cjs: require() loads the package and runs a YAML spec', () => {
    const consumer = join(work, 'consumers', 'cjs');
    expect(readFileSync(join(consumer, 'out', 'index.js'), 'utf8')).to.match(/require\("driftspec"\)/);
    const output = JSON.parse(sh(process.execPath, ['out/index.js'], consumer)) as Record<string, unknown>;
    expect(output).to.deep.include({ passed: true, exitCode: 0, failedExit: 1, hosts: ['local'] });
    expect(output.missing).to.match(/no-such-spec\.yaml: spec file not found$/);
  });
});
